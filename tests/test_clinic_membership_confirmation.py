"""Giving a person diary access takes two people (docs/security.md, Who can give diary access).

An administrator who adds an address of their own to a clinic, sets its password and logs in
reads no patient's diary: the membership is pending until a colleague who is an active,
confirmed member of that clinic confirms it on the clinic's Members page. The first member
of a clinic without patients is exempt; the break-glass command confirms one membership of a
clinic whose last confirmed clinician is gone, with a reason the audit trail keeps. Patients
are told in their inbox when a member joins, and their sharing page lists who is a member.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from diary import audit, memberships, policy
from diary.extensions import db
from diary.models import AuditEvent, ClinicMembership, InboxMessage, User
from diary.models.reminder import InboxTopic
from diary.sharing import services as sharing_services
from tests.clinic_support import confirm_membership, share
from tests.conftest import PASSWORD
from tests.journal_helpers import login_as, page_text
from tests.route_matrix import (
    OWNER_ONLY,
    ROUTES,
    SHARING_CLINIC,
    Records,
    answer_of,
    matches,
    readable_body,
    sign_in,
)
from tests.staff_support import SECRET_ON_PAGE, code
from tests.test_migrations import empty_database_url, migration_app  # noqa: F401 (a fixture)

INTRUDER = "own.address@example.org"
BREAK_GLASS_REASON = "Dr Team retired; CMO confirmed Dr Pending by phone"


@pytest.fixture
def records(route_records) -> Records:
    """The route matrix's accounts: the owner shares with the sharing clinic, whose care team
    is confirmed; Dr Pending, added by an administrator, waits for confirmation."""
    return route_records


def pending_user(app, records: Records) -> int:
    """The account of the route matrix's pending membership."""
    with app.app_context():
        return db.session.get(ClinicMembership, records.pending_membership).user_id


def membership_of(app, user_id: int, clinic_id: int) -> ClinicMembership | None:
    """The account's membership of the clinic, detached for reading."""
    with app.app_context():
        row = db.session.scalar(sa.select(ClinicMembership).where(
            ClinicMembership.user_id == user_id, ClinicMembership.clinic_id == clinic_id))
        if row is not None:
            db.session.expunge(row)
        return row


def can_view(app, viewer_id: int, patient_id: int) -> bool:
    """The policy's answer, as a request would get it."""
    with app.app_context():
        return policy.can_view(db.session.get(User, viewer_id), patient_id)


def events(app, *actions: str) -> list[tuple[str, int | None, int | None, str | None]]:
    """Audit rows of these actions as (action, actor id, clinic id, subject), oldest first."""
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.clinic_id,
                      AuditEvent.subject)
            .where(AuditEvent.action.in_(actions)).order_by(AuditEvent.id))]


def inbox(app, patient_id: int) -> list[InboxMessage]:
    """The patient's inbox messages, oldest first, detached."""
    with app.app_context():
        rows = db.session.scalars(sa.select(InboxMessage).where(
            InboxMessage.patient_id == patient_id).order_by(InboxMessage.id)).all()
        db.session.expunge_all()
        return list(rows)


def team_client(app, records: Records):
    """The care team's clinician, logged in (second factor given)."""
    client = app.test_client()
    sign_in(client, records, "care_team")
    return client


def admin_adds(client, clinic_id: int, email: str, name: str = "Dr New", role: str = "clinician"):
    """The administrator's "Add member" form."""
    return client.post(f"/admin/clinics/{clinic_id}/members",
                       data={"email": email, "display_name": name, "member_role": role})


def break_glass(runner, clinic: str, email: str, *reason: str):
    """`flask members break-glass CLINIC EMAIL --reason ...`."""
    args = ["members", "break-glass", clinic, email]
    if reason:
        args += ["--reason", *reason]
    return runner.invoke(args=args)


# The attack --------------------------------------------------------------------------------


def test_an_admin_who_adds_their_own_address_reads_no_diary_until_a_colleague_confirms(
    app, records, mailbox
):
    owner, sharing = records.users["owner"], records.sharing_clinic
    admin = app.test_client()
    sign_in(admin, records, "admin")

    # The administrator adds an address they control to the clinic the owner shares with...
    assert admin_adds(admin, sharing, INTRUDER, "Dr Mallory").status_code == 302
    assert "waits for a confirmed member of the clinic to confirm them" in page_text(
        admin.get(f"/admin/clinics/{sharing}"))
    # ...sets its password through the emailed link, enrols the second factor, logs in...
    intruder = app.test_client()
    assert intruder.get(mailbox.link(mailbox.last(INTRUDER), "/reset/")).location == "/password/new"
    new_password = "a password the admin chose"
    intruder.post("/password/new", data={"password": new_password, "password_repeat": new_password})
    setup = intruder.get("/login/second-factor/setup").get_data(as_text=True)
    secret = SECRET_ON_PAGE.search(setup).group(1).replace(" ", "")
    assert intruder.post("/login/second-factor/setup", data={"code": code(app, secret)}).status_code == 200
    assert intruder.get("/account").status_code == 200  # a complete staff session

    # ...and reads nothing: not the FHIR export, not the review, not the list.
    assert intruder.get(f"/clinic/patients/{owner}/fhir.json").status_code == 404
    assert intruder.get(f"/clinic/patients/{owner}").status_code == 404
    assert "Owner" not in page_text(intruder.get("/clinic/patients"))
    assert "waits for a colleague's confirmation" in page_text(intruder.get("/clinic/members"))
    with app.app_context():
        mallory = db.session.scalar(sa.select(User.id).where(User.email == INTRUDER))
    assert not can_view(app, mallory, owner)
    assert events(app, audit.EXPORT_FHIR, audit.VIEW_REVIEW) == []
    assert events(app, audit.MEMBER_ADDED)[-1] == (
        audit.MEMBER_ADDED, records.users["admin"], sharing,
        f"invited account {mallory}, pending confirmation")

    # Once a colleague confirms, the same request works (and is audited as every read is).
    team = team_client(app, records)
    membership = membership_of(app, mallory, sharing)
    assert team.post(f"/clinic/members/{membership.id}/confirm").location == "/clinic/members"
    assert intruder.get(f"/clinic/patients/{owner}/fhir.json").status_code == 200
    assert [e[0] for e in events(app, audit.EXPORT_FHIR)] == [audit.EXPORT_FHIR]


def test_a_pending_member_gets_what_an_outside_clinician_gets_on_every_route(app, records):
    """Walks the route matrix as Dr Pending: every request that answers the care team other
    than a clinician of another clinic (the owner's records, deciding on a membership)
    answers the pending member as that outsider; no page shows the owner's diary."""
    client = app.test_client()
    pending = pending_user(app, records)
    walked = 0

    for endpoint, route in sorted(ROUTES.items()):
        for method in sorted(route.methods):
            expected = route.expected(method, "clinician")
            for url in route.urls(app, endpoint, records):
                login_as(client, pending)  # a logout on the way must not count
                data = route.form(records) if method == "POST" else None
                if expected != route.expected(method, "care_team"):
                    response = client.open(url, method=method, data=data)
                    assert matches(response, expected), (
                        f"pending member: {method} {url} got {answer_of(response)}, "
                        f"an outside clinician gets {expected}"
                    )
                    walked += 1
                elif method == "GET":
                    response = client.get(url)
                else:
                    continue  # a form about the clinician's own account or clinics
                assert OWNER_ONLY not in readable_body(response), f"{method} {url}"

    assert walked > 10
    with app.app_context():
        viewer = db.session.get(User, pending)
        assert set(db.session.scalars(policy.visible_patient_ids(viewer))) == set()
        assert policy.member_clinics(viewer) == []


# Who may confirm ---------------------------------------------------------------------------


def test_a_confirmed_colleague_confirms_and_the_member_then_sees_the_clinics_patients(app, records):
    owner, pending = records.users["owner"], pending_user(app, records)
    team = team_client(app, records)
    page = page_text(team.get("/clinic/members"))
    assert "Waiting for confirmation" in page
    assert "Confirm Dr Pending" in page and "Refuse Dr Pending" in page

    response = team.post(f"/clinic/members/{records.pending_membership}/confirm")

    assert response.location == "/clinic/members"
    assert "Dr Pending is confirmed" in page_text(team.get("/clinic/members"))
    assert can_view(app, pending, owner)
    row = membership_of(app, pending, records.sharing_clinic)
    assert row.confirmed_by_id == records.users["care_team"] and row.confirmed_at is not None
    assert events(app, audit.MEMBER_CONFIRMED) == [
        (audit.MEMBER_CONFIRMED, records.users["care_team"], records.sharing_clinic,
         f"account {pending}")]
    # A second confirmation (another tab, a colleague a moment later) changes nothing.
    assert team.post(f"/clinic/members/{records.pending_membership}/confirm").status_code == 404
    assert len(events(app, audit.MEMBER_CONFIRMED)) == 1


def test_a_member_cannot_confirm_or_refuse_their_own_membership(app, records):
    client = app.test_client()
    login_as(client, pending_user(app, records))

    assert client.post(f"/clinic/members/{records.pending_membership}/confirm").status_code == 404
    assert client.post(f"/clinic/members/{records.pending_membership}/refuse").status_code == 404

    assert not membership_of(app, pending_user(app, records), records.sharing_clinic).confirmed
    assert events(app, audit.MEMBER_CONFIRMED, audit.MEMBER_REFUSED) == []


def test_the_service_refuses_self_confirmation_even_for_a_member_of_the_clinic(app, records):
    with app.test_request_context():
        membership = db.session.get(ClinicMembership, records.care_team_membership)
        viewer = db.session.get(User, records.users["care_team"])
        assert not memberships.can_confirm(viewer, membership)


@pytest.mark.parametrize("role", ["admin", "clinician", "owner"])
def test_an_administrator_an_outside_clinician_or_a_patient_cannot_confirm(app, records, role):
    client = app.test_client()
    sign_in(client, records, role)

    assert client.post(f"/clinic/members/{records.pending_membership}/confirm").status_code == 404

    assert not membership_of(app, pending_user(app, records), records.sharing_clinic).confirmed


def test_a_pending_member_cannot_confirm_another_pending_member(app, records, make_user):
    second = app.test_client()
    admin = app.test_client()
    sign_in(admin, records, "admin")
    admin_adds(admin, records.sharing_clinic, "second@example.org", "Dr Second")
    login_as(second, pending_user(app, records))
    with app.app_context():
        other = db.session.scalar(sa.select(User.id).where(User.email == "second@example.org"))
    row = membership_of(app, other, records.sharing_clinic)

    assert second.post(f"/clinic/members/{row.id}/confirm").status_code == 404
    assert not membership_of(app, other, records.sharing_clinic).confirmed


def test_a_colleague_refuses_and_the_membership_is_gone(app, records):
    pending = pending_user(app, records)
    team = team_client(app, records)

    response = team.post(f"/clinic/members/{records.pending_membership}/refuse")

    assert response.location == "/clinic/members"
    assert "Dr Pending is refused" in page_text(team.get("/clinic/members"))
    assert membership_of(app, pending, records.sharing_clinic) is None
    assert not can_view(app, pending, records.users["owner"])
    assert events(app, audit.MEMBER_REFUSED) == [
        (audit.MEMBER_REFUSED, records.users["care_team"], records.sharing_clinic,
         f"account {pending}")]
    assert inbox(app, records.users["owner"])[-1].topic != InboxTopic.CLINIC_MEMBER


def test_a_deactivated_colleague_can_confirm_nothing(app, records):
    with app.test_request_context():
        colleague = db.session.get(User, records.users["care_team"])
        colleague.active = False
        db.session.commit()

        assert memberships.confirm(colleague, records.pending_membership) is None

    assert not membership_of(app, pending_user(app, records), records.sharing_clinic).confirmed


# The exemption -----------------------------------------------------------------------------


def test_the_first_member_of_a_clinic_without_patients_needs_no_confirmation(app, make_user):
    patient = make_user("pat@example.org")
    admin_id = make_user("root@example.org", role="admin")
    make_user("doc@example.org", role="clinician", display_name="Dr First", clinic="Home")
    client = app.test_client()
    login_as(client, admin_id)
    client.post("/admin/clinics/new", data={"name": "North"})
    with app.app_context():
        north = db.session.scalar(sa.text("SELECT id FROM clinics WHERE name = 'North'"))
        doctor = db.session.scalar(sa.select(User.id).where(User.email == "doc@example.org"))

    response = admin_adds(client, north, "doc@example.org")

    assert response.status_code == 302
    assert "doc@example.org is now a member of North." in page_text(client.get("/admin/"))
    row = membership_of(app, doctor, north)
    assert row.confirmed and row.confirmed_by_id is None
    assert events(app, audit.MEMBER_ADDED)[-1][3] == (
        f"account {doctor}, confirmed: first member, no patients")
    share(app, patient, "North")
    assert can_view(app, doctor, patient)


def test_a_second_member_of_a_clinic_without_patients_waits_for_the_first(app, make_user):
    first = make_user("one@example.org", role="clinician", clinic="North")
    second = make_user("two@example.org", role="clinician", clinic="North")
    with app.app_context():
        north = db.session.scalar(sa.text("SELECT id FROM clinics WHERE name = 'North'"))

    assert membership_of(app, first, north).confirmed
    assert not membership_of(app, second, north).confirmed
    confirm_membership(app, second, "North")
    assert membership_of(app, second, north).confirmed_by_id == first


def test_the_first_member_of_a_clinic_that_has_patients_is_not_exempt(app, records):
    """The care team's clinician left; the clinic still has the owner's live link."""
    admin = app.test_client()
    sign_in(admin, records, "admin")
    assert admin.post(f"/admin/staff/{records.users['care_team']}/deactivate").status_code == 302
    with app.test_request_context():
        db.session.delete(db.session.get(ClinicMembership, records.pending_membership))
        db.session.commit()

    admin_adds(admin, records.sharing_clinic, "new.doc@example.org", "Dr New")

    with app.app_context():
        new = db.session.scalar(sa.select(User.id).where(User.email == "new.doc@example.org"))
    assert not membership_of(app, new, records.sharing_clinic).confirmed
    assert not can_view(app, new, records.users["owner"])


def test_an_open_invitation_keeps_the_first_member_from_being_exempt(app, make_user):
    """An administrator deactivates the clinic's only clinician before any patient accepted
    its invitations: a member the admin adds then must still wait, or the invitations
    accepted later would open their diaries to that member unconfirmed."""
    patient = make_user("pat@example.org")
    doctor = make_user("doc@example.org", role="clinician", clinic="North")
    admin_id = make_user("root@example.org", role="admin")
    with app.test_request_context():
        north = db.session.scalar(sa.text("SELECT id FROM clinics WHERE name = 'North'"))
        sharing_services.invite(db.session.get(User, doctor), north, "pat@example.org", None)
    admin = app.test_client()
    login_as(admin, admin_id)
    assert admin.post(f"/admin/staff/{doctor}/deactivate").status_code == 302

    admin_adds(admin, north, "mallory@example.org", "Dr Mallory")

    with app.app_context():
        mallory = db.session.scalar(sa.select(User.id).where(User.email == "mallory@example.org"))
    assert not membership_of(app, mallory, north).confirmed
    share(app, patient, "North")  # the patient accepts the open invitation later
    assert not can_view(app, mallory, patient)


def test_the_cli_puts_a_clinician_joining_a_clinic_with_patients_on_hold(app, records, runner):
    result = runner.invoke(args=["users", "create", "cli.doc@example.org", "--role", "clinician",
                                 "--clinic", SHARING_CLINIC], input=f"{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "waits for a confirmed member of the clinic to confirm it" in result.output
    with app.app_context():
        doctor = db.session.scalar(sa.select(User.id).where(User.email == "cli.doc@example.org"))
    assert not can_view(app, doctor, records.users["owner"])


def test_a_membership_opened_again_waits_for_confirmation_again(app, records):
    team = records.users["care_team"]
    with app.app_context():
        db.session.execute(sa.update(ClinicMembership).where(ClinicMembership.user_id == team)
                           .values(active=False))
        db.session.commit()
    admin = app.test_client()
    sign_in(admin, records, "admin")

    assert admin_adds(admin, records.sharing_clinic, "team@example.org").status_code == 302

    row = membership_of(app, team, records.sharing_clinic)
    assert row.active and not row.confirmed
    assert not can_view(app, team, records.users["owner"])


# Break glass -------------------------------------------------------------------------------


def deactivate_care_team(app, records: Records) -> None:
    """The administrator deactivates the clinic's only confirmed clinician."""
    admin = app.test_client()
    sign_in(admin, records, "admin")
    assert admin.post(f"/admin/staff/{records.users['care_team']}/deactivate").status_code == 302


def test_break_glass_is_refused_while_a_confirmed_clinician_can_confirm(app, records, runner):
    result = break_glass(runner, SHARING_CLINIC, "pending@example.org", BREAK_GLASS_REASON)

    assert result.exit_code == 1
    assert "1 active confirmed clinician(s): one of them must confirm" in result.output
    assert not membership_of(app, pending_user(app, records), records.sharing_clinic).confirmed
    assert events(app, audit.MEMBER_BREAK_GLASS, audit.MEMBER_CONFIRMED) == []


def test_break_glass_confirms_one_named_membership_with_an_audited_reason(app, records, runner):
    deactivate_care_team(app, records)
    pending = pending_user(app, records)

    result = break_glass(runner, SHARING_CLINIC, "Pending@Example.org", BREAK_GLASS_REASON)

    assert result.exit_code == 0, result.output
    assert "Confirmed pending@example.org ('Dr Pending') as a member of 'Sharing clinic'" in result.output
    assert f"with the reason: {BREAK_GLASS_REASON}" in result.output
    assert "1 patient(s) sharing with the clinic were told" in result.output
    assert events(app, audit.MEMBER_BREAK_GLASS) == [
        (audit.MEMBER_BREAK_GLASS, None, records.sharing_clinic,
         f"account {pending}: {BREAK_GLASS_REASON}")]
    row = membership_of(app, pending, records.sharing_clinic)
    assert row.confirmed and row.confirmed_by_id is None
    assert can_view(app, pending, records.users["owner"])
    # The trail shows it to administrators as what it is.
    admin = app.test_client()
    sign_in(admin, records, "admin")
    trail = page_text(admin.get("/admin/audit"))
    assert "Clinic member confirmed by the app's administrator in an emergency (break glass)" in trail
    assert BREAK_GLASS_REASON in trail


@pytest.mark.parametrize(("reason", "message"), [
    ((), "Missing option '--reason'"),
    (("",), "at least 10 characters"),
    (("because",), "at least 10 characters"),
    (("x" * 61,), "at most 60 characters"),
    (("reason with a \u202e override",), "printable characters only"),
])
def test_break_glass_needs_an_explicit_reason(app, records, runner, reason, message):
    deactivate_care_team(app, records)

    result = break_glass(runner, SHARING_CLINIC, "pending@example.org", *reason)

    assert result.exit_code != 0 and message in result.output
    assert not membership_of(app, pending_user(app, records), records.sharing_clinic).confirmed


@pytest.mark.parametrize(("clinic", "email", "message"), [
    ("No such clinic", "pending@example.org", "No clinic is named 'No such clinic'"),
    (SHARING_CLINIC, "team@example.org", "has no membership of Sharing clinic waiting"),
    (SHARING_CLINIC, "nobody@example.org", "has no membership of Sharing clinic waiting"),
])
def test_break_glass_names_one_pending_membership(app, records, runner, clinic, email, message):
    deactivate_care_team(app, records)

    result = break_glass(runner, clinic, email, BREAK_GLASS_REASON)

    assert result.exit_code == 1 and message in result.output
    assert events(app, audit.MEMBER_BREAK_GLASS) == []


# What the patient is told and sees ---------------------------------------------------------


def test_the_patients_of_the_clinic_are_told_in_their_inbox_when_a_member_joins(
    app, records, make_user
):
    owner = records.users["owner"]
    elsewhere = make_user("elsewhere@example.org")  # shares with another clinic only
    share(app, elsewhere, "Another clinic")
    before = len(inbox(app, owner))

    team_client(app, records).post(f"/clinic/members/{records.pending_membership}/confirm")

    messages = inbox(app, owner)
    assert len(messages) == before + 1
    notice = messages[-1]
    assert notice.topic == InboxTopic.CLINIC_MEMBER and notice.link == "/sharing"
    assert notice.title == "A new member joined Sharing clinic"
    assert notice.body.startswith("Dr Pending joined Sharing clinic as a clinician.")
    assert inbox(app, elsewhere) == []
    client = app.test_client()
    sign_in(client, records, "owner")
    assert "Dr Pending joined Sharing clinic as a clinician" in page_text(client.get("/inbox"))


def test_the_sharing_page_lists_the_confirmed_members_of_each_clinic(app, records):
    owner = app.test_client()
    sign_in(owner, records, "owner")

    page = page_text(owner.get("/sharing"))
    assert "Who can read your diary there now: Pat, clinician" in page
    assert "Dr Pending" not in page

    team_client(app, records).post(f"/clinic/members/{records.pending_membership}/confirm")

    page = page_text(owner.get("/sharing"))
    assert "Who can read your diary there now: Dr Pending, clinician Pat, clinician" in page


def test_a_deactivated_member_is_not_listed_on_the_sharing_page(app, records):
    deactivate_care_team(app, records)
    owner = app.test_client()
    sign_in(owner, records, "owner")

    page = page_text(owner.get("/sharing"))

    assert "Pat, clinician" not in page
    assert "Nobody at Sharing clinic can read your diary just now" in page


# The migration -----------------------------------------------------------------------------


MOMENT = datetime(2026, 3, 1, 8, 30, 15, tzinfo=UTC)


def test_the_migration_keeps_every_existing_member_confirmed(
        tmp_path, empty_database_url):  # noqa: F811 (the fixture imported above)
    with migration_app(tmp_path, empty_database_url):
        upgrade(revision="0007")
        at = MOMENT.replace(tzinfo=None)
        with db.engine.begin() as conn:
            for user_id, email, role in ((1, "doc@example.org", "clinician"),
                                         (2, "pat@example.org", "patient")):
                conn.execute(sa.text(
                    "INSERT INTO users (id, email, password_hash, display_name, role, timezone, "
                    "token_key, public_id, pseudonym, active, created_at, updated_at) VALUES "
                    "(:id, :email, 'x', 'Name', :role, 'UTC', :key, :key, :ref, :yes, :at, :at)"
                ), {"id": user_id, "email": email, "role": role, "key": f"key-{user_id}",
                    "ref": f"u-{user_id}", "yes": True, "at": at})
            conn.execute(sa.text("INSERT INTO clinics (id, name, follow_up_schedule, created_at) "
                                 "VALUES (1, 'North', '1w', :at)"), {"at": at})
            conn.execute(sa.text(
                "INSERT INTO clinic_memberships (id, clinic_id, user_id, member_role, active, "
                "created_at) VALUES (7, 1, 1, 'clinician', :yes, :at)"), {"yes": True, "at": at})
            conn.execute(sa.text(
                "INSERT INTO care_links (patient_id, clinic_id, consented_at, source) "
                "VALUES (2, 1, :at, 'code')"), {"at": at})

        upgrade(revision="0008")
        # The models read today's columns (users gained some after 0008): read them at head.
        upgrade()

        row = db.session.get(ClinicMembership, 7)
        assert (row.confirmed_at, row.confirmed_by_id) == (MOMENT, None)
        assert policy.can_view(db.session.get(User, 1), 2)


def test_the_migration_hands_out_no_id_of_a_deleted_membership_again(
        tmp_path, empty_database_url):  # noqa: F811 (the fixture imported above)
    """SQLite recreates the table; its AUTOINCREMENT sequence keeps the largest id ever used
    (docs/security.md, The identity model)."""
    with migration_app(tmp_path, empty_database_url):
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL alters the table in place; its sequence never goes back")
        upgrade(revision="0007")
        at = MOMENT.replace(tzinfo=None)
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO users (id, email, password_hash, display_name, role, timezone, "
                "token_key, public_id, pseudonym, active, created_at, updated_at) VALUES "
                "(1, 'doc@example.org', 'x', 'Doc', 'clinician', 'UTC', 'k', 'p', 'u-1', 1, :at, :at)"
            ), {"at": at})
            conn.execute(sa.text("INSERT INTO clinics (id, name, follow_up_schedule, created_at) "
                                 "VALUES (1, 'North', '1w', :at)"), {"at": at})
            conn.execute(sa.text(
                "INSERT INTO clinic_memberships (id, clinic_id, user_id, member_role, active, "
                "created_at) VALUES (9, 1, 1, 'clinician', 1, :at)"), {"at": at})
            conn.execute(sa.text("DELETE FROM clinic_memberships WHERE id = 9"))

        upgrade(revision="0008")

        with db.engine.connect() as conn:
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'clinic_memberships'").scalar()
            seq = conn.exec_driver_sql(
                "SELECT seq FROM sqlite_sequence WHERE name = 'clinic_memberships'").scalar()
        assert "AUTOINCREMENT" in sql and seq == 9
