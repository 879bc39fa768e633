"""Share codes from the patient's side: made once, shown once, hashed, 7 days, cancellable
(docs/sharing.md)."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest

from diary import audit
from diary.sharing import codes
from tests.journal_helpers import login_as, page_text
from tests.sharing_support import audit_actions, code_from_page, new_code, share_codes

GROUPED = re.compile(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}")


@pytest.fixture
def owner(app, make_user, client) -> int:
    """A patient in Berlin, logged in."""
    user_id = make_user("pat@example.org")
    login_as(client, user_id)
    return user_id


def test_a_code_has_eight_symbols_from_an_alphabet_without_look_alikes():
    drawn = {codes.new_code() for _ in range(300)}

    assert all(len(c) == 8 and set(c) <= set(codes.ALPHABET) for c in drawn)
    assert not set("01OIL") & set(codes.ALPHABET)
    assert len(drawn) == 300


@pytest.mark.parametrize("typed", ["K7QX-M2PD", "k7qx-m2pd", " k7qx m2pd ", "K7QXM2PD", "k7-qx-m2-pd"])
def test_a_code_is_read_in_any_case_with_spaces_and_dashes(typed):
    assert codes.normalise(typed) == "K7QXM2PD"


@pytest.mark.parametrize("typed", ["", "K7QX-M2P", "K7QX-M2PDX", "K7QX-M2P0", "K7QX-M2PI",
                                   "K7QX-M2PO", "K7QX-M2PL", "K7QX/M2PD", "K" * 40, None])
def test_what_cannot_be_a_code_is_refused_before_any_lookup(typed):
    assert codes.normalise(typed) is None


def test_the_patient_sees_the_new_code_once_grouped_with_its_expiry(app, client, owner):
    response = client.post("/sharing/codes")

    assert response.status_code == 200
    shown = code_from_page(response)
    assert GROUPED.fullmatch(shown)
    # 12:00 UTC is 13:00 in Berlin; seven days later.
    assert "until Tuesday, 17 March 2026 at 13:00" in page_text(response)
    assert shown not in client.get("/sharing").get_data(as_text=True)


def test_only_the_hash_of_the_normalised_code_is_stored(app, client, owner):
    shown = code_from_page(client.post("/sharing/codes"))

    (row,) = share_codes(app, patient_id=owner)
    plain = shown.replace("-", "")
    assert row.code_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert plain not in repr(vars(row)) and shown not in repr(vars(row))
    assert row.expires_at - row.created_at == timedelta(days=7)
    assert (row.used_at, row.clinic_id) == (None, None)


def test_unused_codes_are_listed_with_their_expiry_and_can_be_cancelled(app, client, owner):
    kept, _ = new_code(app, owner)
    cancelled, _ = new_code(app, owner)

    listed = page_text(client.get("/sharing"))
    assert listed.count("works until Tuesday, 17 March 2026 at 13:00") == 2

    response = client.post(f"/sharing/codes/{cancelled}/cancel")

    assert (response.status_code, response.location) == (302, "/sharing")
    assert [c.id for c in share_codes(app, patient_id=owner)] == [kept]
    assert client.post(f"/sharing/codes/{cancelled}/cancel").status_code == 404


def test_an_expired_code_is_no_longer_listed(app, client, owner, clock):
    new_code(app, owner)

    clock.advance(days=7)

    assert "works until" not in page_text(client.get("/sharing"))


def test_another_patients_code_cannot_be_cancelled(app, client, owner, make_user):
    other = make_user("other@example.org")
    code_id, _ = new_code(app, other)

    assert client.post(f"/sharing/codes/{code_id}/cancel").status_code == 404
    assert len(share_codes(app, patient_id=other)) == 1


def test_making_and_cancelling_a_code_is_audited(app, client, owner):
    client.post("/sharing/codes")
    (row,) = share_codes(app)
    client.post(f"/sharing/codes/{row.id}/cancel")

    assert audit_actions(app) == [
        (audit.SHARE_CODE_CREATED, owner, None, owner),
        (audit.SHARE_CODE_CANCELLED, owner, None, owner),
    ]
