"""The clinician's sharing forms, fuzzed (docs/quality-bars.md, Reliability; tests/test_fuzz_forms.py):
never a 5xx; a refused code links nobody; a good code, however typed, links the patient once;
an invitation is stored whole or not at all."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diary.models import CareLink, ClinicInvitation, ShareCode
from tests.conftest import clear_database
from tests.journal_helpers import login_as, rows
from tests.route_matrix import row_counts
from tests.sharing_support import new_code
from tests.test_fuzz_forms import FUZZ, changes, noisy, typed

TEAM = "Neurosurgery North"
# Each example rebuilds two accounts and a code: 200 examples per form keep the pair near a
# minute while still reaching every branch (the other forms' profile runs 500).
SHARING_FUZZ = settings(FUZZ, max_examples=200)
GOOD_TYPING = st.sampled_from([
    lambda c: c, str.lower, lambda c: f"{c[:4]}-{c[4:]}", lambda c: f" {c[:4]} {c[4:]} ",
    lambda c: "-".join(c), lambda c: f"{c[:4].lower()}-{c[4:]}",
])


class Desk:
    """A clinician at the desk and a patient holding a fresh code, rebuilt for every example."""

    def __init__(self, app, make_user) -> None:
        self.app = app
        self.make_user = make_user

    def fresh(self):
        """An empty database with the two accounts; (clinician's client, the code)."""
        with self.app.app_context():
            clear_database()
        clinician = self.make_user("dr@example.org", role="clinician", clinic=TEAM)
        patient = self.make_user("pat@example.org")
        _, code = new_code(self.app, patient)
        client = self.app.test_client()
        login_as(client, clinician)
        return client, code


@pytest.fixture
def desk(app, make_user) -> Desk:
    """The per-example reset."""
    return Desk(app, make_user)


CODE_LIKELY = ["ABCD-EFGH", "abcdefgh", "0000-0000", "K7QX-M2P", "K7QX-M2PDX", "-" * 40, ""]


@SHARING_FUZZ
@given(
    typing=st.one_of(GOOD_TYPING, st.none()),
    noise=noisy(code=CODE_LIKELY, clinic=["1", "2", "", "x", "-1", "99999999999"]),
)
def test_fuzzed_code_entry_links_once_or_nobody(desk, typing, noise):
    client, code = desk.fresh()
    form = dict(noise)
    if typing is not None:
        form = {"code": typing(code)}
    before = row_counts(desk.app)

    response = client.post("/clinic/add-patient", data=form)

    moved = changes(before, row_counts(desk.app))
    assert response.status_code in (302, 422), response.status_code
    if response.status_code == 302:
        # The link, its audit row, and the list's attention row of the new patient.
        assert set(moved) == {"care_links", "audit_events", "patient_attention"}
        assert moved["care_links"] == 1 and moved["patient_attention"] == 1
        assert rows(desk.app, ShareCode)[0].used_at is not None
    else:
        assert rows(desk.app, CareLink) == []
        assert set(moved) <= {"throttle_buckets"}
    if typing is not None:
        assert response.status_code == 302


EMAIL_LIKELY = ["pat@example.org", "PAT@example.org ", "nobody@example.org", "a@b", "@x", "x" * 300]


@SHARING_FUZZ
@given(form=noisy(email=EMAIL_LIKELY, clinic=["1", "", "2"]), extra=st.dictionaries(st.text(max_size=8), typed, max_size=2))
def test_fuzzed_invitation_is_stored_whole_or_not_at_all(desk, form, extra):
    client, _ = desk.fresh()
    before = row_counts(desk.app)

    response = client.post("/clinic/invite", data={**extra, **form})

    moved = changes(before, row_counts(desk.app))
    assert response.status_code in (302, 422), response.status_code
    if response.status_code == 302:
        assert moved == {"clinic_invitations": 1, "audit_events": 1, "throttle_buckets": 2}
        (invitation,) = rows(desk.app, ClinicInvitation)
        assert invitation.email == invitation.email.strip().lower()
    else:
        assert moved == {}
