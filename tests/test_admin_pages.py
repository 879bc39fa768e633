"""The administrator's pages: clinics, members, invitations, the audit trail.

An administrator manages clinics and staff accounts and reads audit metadata, never a diary
(docs/decisions.md, Administrators never read a diary): every patient page answers 404 to them, and the audit trail names patients only
by pseudonym. Who may open these pages at all is in tests/route_matrix.py.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from diary import audit
from diary.extensions import db
from diary.models import AuditEvent, Clinic, ClinicMembership, User
from tests.journal_helpers import counted_queries, login_as, page_text
from tests.route_matrix import NOT_FOUND, OK, ROUTES
from tests.staff_support import password_step, stored

PATIENT_NAME = "Patricia Unique-Name"


@pytest.fixture
def admin(app, client, make_user) -> int:
    """An administrator, logged in (second factor given)."""
    admin_id = make_user("root@example.org", role="admin", display_name="Root")
    login_as(client, admin_id)
    return admin_id


def clinic_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Clinic.id).where(Clinic.name == name))


def membership(app, clinic: int, user_id: int) -> ClinicMembership | None:
    with app.app_context():
        row = db.session.scalar(sa.select(ClinicMembership).where(
            ClinicMembership.clinic_id == clinic, ClinicMembership.user_id == user_id))
        if row is not None:
            db.session.expunge(row)
        return row


def actions(app) -> list[tuple[str, int | None]]:
    with app.app_context():
        return [(e.action, e.clinic_id) for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


def test_an_admin_creates_and_renames_a_clinic(app, client, admin):
    response = client.post("/admin/clinics/new", data={"name": "  Neurosurgery North "})
    north = clinic_id(app, "Neurosurgery North")
    assert response.location == f"/admin/clinics/{north}"
    assert "Neurosurgery North" in page_text(client.get("/admin/"))

    assert client.post("/admin/clinics/new", data={"name": "Neurosurgery North"}).status_code == 422
    client.post("/admin/clinics/new", data={"name": "South"})
    taken = client.post(f"/admin/clinics/{north}/rename", data={"name": "South"})
    assert taken.status_code == 422 and "Another clinic has this name." in page_text(taken)
    assert client.post(f"/admin/clinics/{north}/rename", data={"name": "North"}).status_code == 302
    assert clinic_id(app, "North") == north
    assert actions(app)[:2] == [(audit.CLINIC_CREATED, north), (audit.CLINIC_CREATED, north + 1)]
    assert actions(app)[-1] == (audit.CLINIC_RENAMED, north)


def test_an_existing_clinician_joins_with_a_role_that_can_change(app, client, admin, make_user):
    doctor = make_user("doc@example.org", role="clinician", clinic="Home clinic")
    client.post("/admin/clinics/new", data={"name": "North"})
    north = clinic_id(app, "North")

    response = client.post(f"/admin/clinics/{north}/members",
                           data={"email": "DOC@example.org", "member_role": "nurse"})

    assert response.status_code == 302
    member = membership(app, north, doctor)
    assert (member.member_role, member.active) == ("nurse", True)
    assert client.post(f"/admin/memberships/{member.id}/role",
                       data={f"m{member.id}-member_role": "clinician"}).status_code == 302
    assert membership(app, north, doctor).member_role == "clinician"
    again = client.post(f"/admin/clinics/{north}/members", data={"email": "doc@example.org",
                                                                 "member_role": "clinician"})
    assert again.status_code == 422 and "member of the clinic already" in page_text(again)
    assert (audit.MEMBER_ADDED, north) in actions(app)
    assert (audit.MEMBER_ROLE_CHANGED, north) in actions(app)


def test_a_patient_or_an_admin_cannot_be_added_to_a_clinic(app, client, admin, make_user):
    make_user("pat@example.org")
    client.post("/admin/clinics/new", data={"name": "North"})
    north = clinic_id(app, "North")
    for email in ("pat@example.org", "root@example.org"):
        response = client.post(f"/admin/clinics/{north}/members",
                               data={"email": email, "member_role": "clinician"})
        assert response.status_code == 422
        assert "only clinicians join a clinic" in page_text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ClinicMembership)) == 0


def test_a_new_clinician_is_invited_by_email_and_sets_a_password_then_enrols(
    app, client, admin, mailbox
):
    client.post("/admin/clinics/new", data={"name": "North"})
    north = clinic_id(app, "North")

    response = client.post(f"/admin/clinics/{north}/members",
                           data={"email": "new.doc@example.org", "display_name": "Dr New",
                                 "member_role": "clinician"})

    assert response.status_code == 302
    with app.app_context():
        invited = db.session.scalar(sa.select(User).where(User.email == "new.doc@example.org"))
        assert (invited.role, invited.display_name, invited.email_verified_at) == ("clinician", "Dr New", None)
        invited_id = invited.id
    assert membership(app, north, invited_id).active
    # No password opens the account until the link is used.
    stranger = app.test_client()
    assert password_step(stranger, "new.doc@example.org", "").status_code == 200
    message = mailbox.last("new.doc@example.org")
    assert message["Subject"] == "Set up your account"
    link = mailbox.link(message, "/reset/")

    invitee = app.test_client()
    assert invitee.get(link).location == "/password/new"
    new = "a long and new password"
    done = invitee.post("/password/new", data={"password": new, "password_repeat": new})

    assert done.status_code == 302
    assert invitee.get(done.location).location == "/login/code"
    assert invitee.get("/login/code").location == "/login/second-factor/setup"
    assert stored(app, invited_id).email_verified_at is not None
    again = app.test_client()
    assert again.get(link).location == "/password/new"
    assert again.get("/password/new").location == "/password/forgot"  # the link worked once


def test_the_audit_trail_names_patients_by_pseudonym_only(app, client, admin, make_user):
    patient = make_user("pat@example.org", display_name=PATIENT_NAME)
    doctor = make_user("doc@example.org", role="clinician", clinic="North")
    north = clinic_id(app, "North")
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.7"}):
        audit.record(audit.VIEW_REVIEW, patient_id=patient, clinic_id=north,
                     actor=db.session.get(User, doctor))
        audit.record(audit.LINK_REVOKED, patient_id=patient, clinic_id=north,
                     actor=db.session.get(User, patient))
        db.session.commit()
        ref = audit.pseudonym(patient)

    text = page_text(client.get("/admin/audit"))

    assert "Opened the follow-up review" in text and "Sharing with a clinic ended" in text
    assert "doc@example.org" in text and "192.0.2.7" in text and ref in text
    assert PATIENT_NAME not in text and "pat@example.org" not in text


def test_the_audit_trail_pages_with_a_fixed_number_of_queries(app, client, admin, make_user):
    make_user("doc@example.org", role="clinician", clinic="North")

    def queries_for(events: int) -> int:
        with app.app_context():
            for _ in range(events):
                audit.record(audit.CLINIC_RENAMED, clinic_id=clinic_id(app, "North"))
            db.session.commit()
        with counted_queries(app) as statements:
            assert client.get("/admin/audit").status_code == 200
        return len(statements)

    assert queries_for(2) == queries_for(120)
    assert "Older" in page_text(client.get("/admin/audit"))
    assert client.get("/admin/audit?page=3").status_code == 200
    assert client.get("/admin/audit?page=-4").status_code == 200
    assert client.get("/admin/audit?page=x").status_code == 200


def test_the_clinic_and_staff_pages_run_a_fixed_number_of_queries(app, client, admin, make_user):
    def queries_for(members: int, offset: int) -> tuple[int, int]:
        for n in range(members):
            make_user(f"doc{offset + n}@example.org", role="clinician", clinic="North")
        north = clinic_id(app, "North")
        with counted_queries(app) as clinic_page:
            assert client.get(f"/admin/clinics/{north}").status_code == 200
        with counted_queries(app) as staff_page:
            assert client.get("/admin/staff").status_code == 200
        with counted_queries(app) as index_page:
            assert client.get("/admin/").status_code == 200
        return len(clinic_page), len(staff_page) + len(index_page)

    assert queries_for(1, 0) == queries_for(12, 100)


def test_an_admin_never_opens_a_patients_page(app, client, route_records):
    """Every page that shows the owner's records to the owner answers 404 to the admin."""
    records = route_records
    login_as(client, records.users["admin"])
    walked = 0
    for endpoint, route in sorted(ROUTES.items()):
        if route.get is None or route.get["owner"] != OK or route.get["clinician"] != NOT_FOUND:
            continue
        for url in route.urls(app, endpoint, records):
            assert client.get(url).status_code == 404, url
            walked += 1
    assert walked >= 15


def test_no_admin_page_shows_a_date_of_birth_or_a_hospital_number(app, client, route_records):
    """Administrators manage accounts, never records: the owner's date of birth and the
    clinic's hospital number (each change audited) appear on none of their pages
    (docs/security.md, Who sees the date of birth and the hospital number)."""
    from diary.clinic import identity

    records = route_records
    owner = records.users["owner"]
    with app.test_request_context():
        patient = db.session.get(User, owner)
        patient.set_names(patient.display_name, "Surname-Unique")
        patient.birth_date = date(1956, 4, 2)
        db.session.commit()
        team = db.session.get(User, records.users["care_team"])
        identity.set_mrn(team, owner, "MRN-ADMIN-4711")
        identity.set_mrn(team, owner, "MRN-ADMIN-4712")
    login_as(client, records.users["admin"])
    walked = []
    for endpoint, route in sorted(ROUTES.items()):
        if not endpoint.startswith("admin.") or route.get is None or route.get["admin"] != OK:
            continue
        for url in route.urls(app, endpoint, records):
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.get_data(as_text=True)
            for value in ("1956-04-02", "2 April 1956", "02.04.1956", "MRN-ADMIN", "mrn-admin"):
                assert value not in html, (url, value)
            walked.append(url)
    assert {"/admin/", "/admin/audit", "/admin/staff"} <= set(walked)
    audit_page = page_text(client.get("/admin/audit"))
    assert "Hospital number changed" in audit_page  # that it changed, never what it became
