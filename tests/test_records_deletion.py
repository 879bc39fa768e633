"""Account deletion (docs/decisions.md, Account deletion): after the password, every row of the patient goes
in one transaction, sessions end, the clinic loses access at once, the audit trail keeps only
a pseudonym and the action, and the address can register again."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from diary import audit, policy, throttle
from diary.errors import NotFound
from diary.extensions import db
from diary.models import (
    Assessment,
    AuditEvent,
    ClinicianBaseline,
    ClinicInvitation,
    ClinicPatientRecord,
    ShareCode,
    ThrottleBucket,
    User,
)
from diary.records import deletion
from tests.clinic_support import share
from tests.conftest import PASSWORD
from tests.journal_helpers import login_as
from tests.route_matrix import (
    OWNER_EMAIL,
    SHARING_CLINIC,
    database_rows,
    row_counts,
)
from tests.test_auth_registration import registration_link


def rows_referring_to(app, user_id: int) -> dict[str, set]:
    """Every row that refers to the account through any chain of foreign keys, by table.

    Found by walking every foreign key of the metadata to a fixpoint, independently of the
    deletion code's own search.
    """
    with app.app_context():
        users = User.__table__
        found: dict[str, set] = {users.name: {(user_id,)}}
        changed = True
        while changed:
            changed = False
            for table in db.metadata.sorted_tables:
                for fk in table.foreign_keys:
                    parent = fk.column.table
                    keys = found.get(parent.name)
                    if not keys or len(parent.primary_key.columns) != 1:
                        continue
                    pk = list(table.primary_key.columns)
                    rows = db.session.execute(
                        sa.select(*pk).where(fk.parent.in_([k[0] for k in keys]))).all()
                    new = {tuple(r) for r in rows} - found.setdefault(table.name, set())
                    if new:
                        found[table.name] |= new
                        changed = True
        db.session.rollback()
        return found


OWNER_MRN = "OWNER-MRN-4711"


@pytest.fixture
def records(app, route_records):
    """The route matrix's owner (diary, treatments, reminders, inbox, a care team), plus the
    clinic's records of the owner and an audit trail."""
    records = route_records
    owner, team = records.users["owner"], records.users["care_team"]
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.10"}):
        clinic_id = _clinic_id(SHARING_CLINIC)
        doctor = db.session.get(User, team)
        patient = db.session.get(User, owner)
        db.session.add_all([
            Assessment(patient_id=owner, clinic_id=clinic_id, clinician_id=team,
                       visit_on=date(2026, 3, 1), smc_grade=2, note="clinic note"),
            ClinicianBaseline(patient_id=owner, spasms_per_day=40.0, entered_by_id=team),
            ShareCode(patient_id=owner, code_hash="h" * 64,
                      expires_at=datetime(2026, 3, 17, tzinfo=UTC)),
            ClinicInvitation(clinic_id=clinic_id, email=OWNER_EMAIL, invited_by_id=team,
                             expires_at=datetime(2026, 3, 17, tzinfo=UTC)),
            # The clinic's hospital number of the patient (diary/clinic/identity.py).
            ClinicPatientRecord(clinic_id=clinic_id, patient_id=owner, mrn=OWNER_MRN),
        ])
        patient.set_names(patient.display_name, "Owner-Surname")
        patient.birth_date = date(1956, 4, 2)
        audit.record(audit.LINK_CREATED, patient_id=owner, clinic_id=clinic_id, actor=patient)
        audit.record(audit.VIEW_REVIEW, patient_id=owner, clinic_id=clinic_id, actor=doctor,
                     subject="review")
        db.session.commit()
        throttle.claim_login(OWNER_EMAIL, "192.0.2.10")  # a failed login, counted
    return records


def _clinic_id(name: str) -> int:
    from diary.models import Clinic
    return db.session.scalar(sa.select(Clinic.id).where(Clinic.name == name))


def delete(client, password: str = PASSWORD):
    return client.post("/account/delete", data={"password": password})


def test_deletion_leaves_no_row_of_the_patient_in_any_table(app, client, records):
    owner = records.users["owner"]
    before = rows_referring_to(app, owner)
    assert {"check_ins", "spasm_episodes", "injection_sites", "dose_logs", "reminder_deliveries",
            "inbox_messages", "assessments", "care_links", "patient_summaries",
            "entry_revisions", "clinician_baselines", "share_codes",
            "clinic_patient_records"} <= set(before)
    login_as(client, owner)

    response = delete(client)

    assert response.status_code == 302 and response.location == "/login"
    after = rows_referring_to(app, owner)
    # Only the walk's own starting point and the audit rows, whose link to the account is gone.
    assert {t: k for t, k in after.items() if k} == {"users": {(owner,)}}, after
    with app.app_context():
        assert db.session.get(User, owner) is None
        for table in db.metadata.sorted_tables:
            if table.name == "audit_events":
                continue
            kept = set(before.get(table.name, set()))
            if not kept:
                continue
            pk = list(table.primary_key.columns)
            still = db.session.execute(sa.select(*pk)).all()
            assert not kept & {tuple(r) for r in still}, f"{table.name} kept rows of the patient"
        # The throttle's buckets that name the account (alone or with an address) go too.
        assert set(db.session.scalars(sa.select(ThrottleBucket.scope))) == {"login.address"}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ClinicInvitation).where(
            ClinicInvitation.email == OWNER_EMAIL)) == 0


def test_the_audit_trail_keeps_a_pseudonym_and_the_action_only(app, client, records):
    owner = records.users["owner"]
    with app.app_context():
        pseudonym = audit.pseudonym(owner)
    login_as(client, owner)

    delete(client)

    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.patient_ref == pseudonym)
                                    .order_by(AuditEvent.id)).all()
        # The route matrix's owner made a share code before the fixture's link and review.
        assert [e.action for e in events][-3:] == [audit.LINK_CREATED, audit.VIEW_REVIEW,
                                                   audit.ACCOUNT_DELETED]
        assert all(e.patient_id is None for e in events)
        link, review, deleted = events[-3:]
        assert (link.actor_id, link.address, link.actor_ref) == (None, None, pseudonym)
        assert review.subject is None and review.actor_role == "clinician"
        assert (deleted.actor_id, deleted.actor_role, deleted.actor_ref, deleted.address,
                deleted.clinic_id, deleted.subject) == (None, None, None, None, None, None)


def test_the_session_ends_and_the_address_can_register_again(app, client, records, mailbox):
    login_as(client, records.users["owner"])
    delete(client)

    assert client.get("/account").status_code == 302
    assert client.post("/login", data={"email": OWNER_EMAIL, "password": PASSWORD}).status_code == 200
    response = client.post(registration_link(client, mailbox, OWNER_EMAIL), data={
        "password": PASSWORD, "password_repeat": PASSWORD,
        "display_name": "Again", "timezone": "Europe/Berlin", "affected_side": "left"})
    assert response.status_code == 302 and response.location == "/"


def test_the_surname_date_of_birth_and_hospital_number_go_with_the_account(
    app, client, records, mailbox
):
    """Nothing of the patient's identity stays to be handed on: not in any row, and not to
    the next account at the same address, even when it shares with the same clinic."""
    owner, team = records.users["owner"], records.users["care_team"]
    login_as(client, owner)
    delete(client)

    with app.app_context():
        dump = repr([db.session.execute(sa.select(table)).all() for table in db.metadata.sorted_tables])
        assert db.session.scalar(sa.select(sa.func.count(ClinicPatientRecord.id))) == 0
    for value in ("Owner-Surname", "owner-surname", "1956-04-02", "1956, 4, 2", OWNER_MRN):
        assert value not in dump, value
    client.post(registration_link(client, mailbox, OWNER_EMAIL), data={
        "password": PASSWORD, "password_repeat": PASSWORD,
        "display_name": "Again", "timezone": "Europe/Berlin", "affected_side": "left"})
    with app.app_context():
        again = db.session.scalar(sa.select(User).where(User.email == OWNER_EMAIL))
        assert (again.family_name, again.birth_date) == (None, None)
        again_id = again.id
    share(app, again_id, SHARING_CLINIC)
    login_as(client, team)
    assert OWNER_MRN not in client.get(f"/clinic/patients/{again_id}").get_data(as_text=True)


def test_the_care_team_loses_access_at_once(app, records):
    owner, team = records.users["owner"], records.users["care_team"]
    with app.test_request_context():
        doctor = db.session.get(User, team)
        assert policy.can_view(doctor, owner)
        deletion.delete_account(db.session.get(User, owner), PASSWORD, None)

    with app.test_request_context():
        doctor = db.session.get(User, team)
        assert not policy.can_view(doctor, owner)
        with pytest.raises(NotFound):
            policy.patient_or_404(doctor, owner)


def test_a_wrong_password_deletes_nothing_and_answers_422(app, client, records):
    login_as(client, records.users["owner"])
    before = database_rows(app)

    response = delete(client, "not my password")

    assert response.status_code == 422
    assert "This password is not right. Nothing was deleted." in response.get_data(as_text=True)
    after = database_rows(app)
    assert {t: r for t, r in after.items() if t != "throttle_buckets"} == {
        t: r for t, r in before.items() if t != "throttle_buckets"}
    assert client.get("/account").status_code == 200


def test_an_empty_password_is_refused_with_a_message(app, client, records):
    login_as(client, records.users["owner"])
    before = row_counts(app)

    response = delete(client, "")

    assert response.status_code == 422
    assert "Enter your password to delete the account." in response.get_data(as_text=True)
    assert row_counts(app) == before


def test_a_failure_inside_the_deletion_rolls_everything_back(app, records, monkeypatch):
    owner = records.users["owner"]
    before = database_rows(app)

    def broken(**values):
        raise RuntimeError("disk full")

    monkeypatch.setattr(deletion, "AuditEvent", broken)
    with app.test_request_context(), pytest.raises(RuntimeError):
        deletion.delete_account(db.session.get(User, owner), PASSWORD, None)

    with app.app_context():
        db.session.rollback()
    after = database_rows(app)
    # The password's attempt was claimed and given back before the deletion began.
    assert {t: r for t, r in after.items() if t != "throttle_buckets"} == {
        t: r for t, r in before.items() if t != "throttle_buckets"}


def test_the_account_page_links_to_deletion(app, client, records):
    login_as(client, records.users["owner"])

    assert 'href="/account/delete"' in client.get("/account").get_data(as_text=True)


def test_other_accounts_keep_their_rows(app, client, records):
    other = records.users["other_patient"]
    before = rows_referring_to(app, other)
    login_as(client, records.users["owner"])

    delete(client)

    assert rows_referring_to(app, other) == before

