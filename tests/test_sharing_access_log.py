"""The patient's access log (docs/sharing.md): every audited event about the patient, with
when (local time), which clinic, which member, what and from where; the patient's own only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from diary import audit
from diary.extensions import db
from diary.models import AuditEvent, ClinicMembership, User
from diary.sharing.queries import ACCESS_LOG_LIMIT
from tests.journal_helpers import counted_queries, login_as, page_text
from tests.sharing_support import new_code

TEAM = "Neurosurgery North"


@pytest.fixture
def shared(app, make_user, clock):
    """A patient who shared by code with a clinician's clinic; (patient, clinician, client)."""
    patient = make_user("pat@example.org")
    clinician = make_user("dr@example.org", role="clinician", clinic=TEAM, display_name="Dr Roth")
    _, code = new_code(app, patient)
    clock.advance(hours=1)
    team = app.test_client()
    login_as(team, clinician)
    team.post("/clinic/add-patient", data={"code": code},
              environ_base={"REMOTE_ADDR": "198.51.100.20"})
    client = app.test_client()
    login_as(client, patient)
    return patient, clinician, client


def clinician_reads(app, clinician: int, patient: int, count: int = 1) -> None:
    """Audited reads of the patient's review page, as the review pages record them."""
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.20"}):
        actor = db.session.get(User, clinician)
        clinic = db.session.scalar(sa.select(ClinicMembership.clinic_id).where(ClinicMembership.user_id == clinician))
        for _ in range(count):
            audit.record(audit.VIEW_REVIEW, patient_id=patient, clinic_id=clinic, actor=actor)
        db.session.commit()


def test_the_log_names_time_clinic_member_action_and_address(app, shared):
    patient, clinician, client = shared
    clinician_reads(app, clinician, patient)

    page = page_text(client.get("/sharing/access-log"))

    assert page.index("Opened the follow-up review") < page.index("Sharing with a clinic began") \
        < page.index("Share code created")
    assert ("Sharing with a clinic began When Tuesday, 10 March 2026 at 14:00 Clinic Neurosurgery North "
            "Who Dr Roth From which device The network address 198.51.100.20 (the number of the "
            "computer or phone that opened it, or of its network)") in page
    # The code named no clinic when it was made: the one that used it is named beside it.
    assert ("Share code created When Tuesday, 10 March 2026 at 13:00 "
            "Clinic Neurosurgery North (used the code) Who You") in page
    assert "Clinic None" not in page


def test_a_code_no_clinic_used_says_so(app, shared):
    patient, _, client = shared
    new_code(app, patient)

    page = page_text(client.get("/sharing/access-log"))

    assert page.count("Clinic Neurosurgery North (used the code)") == 1
    assert "Share code created When Tuesday, 10 March 2026 at 14:00 Clinic Not used by a clinic" in page


def test_a_member_who_left_the_clinic_is_a_former_member(app, shared):
    patient, clinician, client = shared
    clinician_reads(app, clinician, patient)
    with app.app_context():
        db.session.execute(sa.update(ClinicMembership).values(active=False))
        db.session.commit()

    page = page_text(client.get("/sharing/access-log"))

    assert "Dr Roth" not in page
    assert page.count("Who a former member") == 2


def test_the_sharing_page_links_to_the_log(app, shared):
    _, _, client = shared

    assert 'href="/sharing/access-log"' in client.get("/sharing").get_data(as_text=True)


def test_another_patient_never_sees_the_patients_log(app, shared, make_user):
    patient, clinician, _ = shared
    clinician_reads(app, clinician, patient)
    other = app.test_client()
    login_as(other, make_user("other@example.org"))

    page = page_text(other.get("/sharing/access-log"))

    assert "Nobody has opened your diary yet." in page
    assert "Dr Roth" not in page and "Neurosurgery North" not in page


def test_clinicians_and_administrators_have_no_access_log(app, shared, make_user):
    _, clinician, _ = shared
    for user_id in (clinician, make_user("root@example.org", role="admin")):
        client = app.test_client()
        login_as(client, user_id)
        assert client.get("/sharing/access-log").status_code == 404


def test_the_log_reads_a_fixed_number_of_queries_however_long(app, shared):
    patient, clinician, client = shared
    clinician_reads(app, clinician, patient, 2)
    with counted_queries(app) as few:
        client.get("/sharing/access-log")
    clinician_reads(app, clinician, patient, 60)
    with counted_queries(app) as many:
        client.get("/sharing/access-log")

    assert len(few) == len(many)


def test_the_log_shows_the_newest_entries_up_to_its_limit(app, shared, clock):
    patient, clinician, client = shared
    clock.advance(days=1)
    clinician_reads(app, clinician, patient, ACCESS_LOG_LIMIT)

    page = page_text(client.get("/sharing/access-log"))

    assert page.count("Opened the follow-up review") == ACCESS_LOG_LIMIT
    assert "Sharing with a clinic began" not in page
    assert f"Showing the newest {ACCESS_LOG_LIMIT} entries." in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == ACCESS_LOG_LIMIT + 2


def test_the_sharing_page_reads_a_fixed_number_of_queries(app, shared, make_user):
    patient, _, client = shared
    with counted_queries(app) as few:
        client.get("/sharing")
    for n in range(5):
        new_code(app, patient)
        make_user(f"dr{n}@example.org", role="clinician", clinic=f"Clinic {n}")
        from tests.route_matrix import share_with_clinic
        share_with_clinic(app, patient, f"Clinic {n}")
    with counted_queries(app) as many:
        client.get("/sharing")

    assert len(few) == len(many)
