"""Identities are never handed on (docs/security.md, The identity model).

Each test replays an attack that once worked: a deleted account's copied cookie or emailed
link opening the account that took its row id, and a cookie copied before logout still
working. SQLite used to hand a deleted account's id to the next one; it no longer does, so
the collision is forged here with an explicit-id insert (PostgreSQL never reused ids at all).
That way each test proves that nothing binds to the row id, on both databases.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from diary.admin import services as admin_services
from diary.auth import second_factor, session_store, sessions
from diary.auth.passwords import hash_password, verify_password
from diary.extensions import db
from diary.models import (
    AuditEvent,
    CareLink,
    CheckIn,
    Clinic,
    ClinicMembership,
    Reminder,
    User,
    UserSession,
)
from diary.records.fhir import patient_bundle
from diary.reminders.delivery.notices import UNSUBSCRIBE_SALT, unsubscribe_token
from diary.reminders.delivery.scheduler import tick
from tests.conftest import PASSWORD
from tests.journal_helpers import login_as

ATTACKER = "attacker@example.org"
VICTIM = "victim@example.org"
NEW_PASSWORD = "a whole new passphrase"


def account_with_id(app, user_id: int, email: str, *, role: str = "patient",
                    clinic: str | None = None) -> int:
    """An account that has exactly the given row id, as a reused id would give it."""
    with app.app_context():
        user = User(id=user_id, email=email, password_hash=hash_password(PASSWORD),
                    display_name="Victim", role=role, timezone="Europe/Berlin",
                    email_verified_at=app.config["CLOCK"]())
        db.session.add(user)
        db.session.flush()
        if clinic is not None:
            found = Clinic(name=clinic)
            db.session.add(found)
            db.session.flush()
            db.session.add(ClinicMembership(clinic_id=found.id, user_id=user_id))
        db.session.commit()
    return user_id


def log_in(app, email: str, password: str = PASSWORD):
    """A new browser, logged in through the login form."""
    browser = app.test_client()
    response = browser.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def copied_cookie(browser) -> str:
    """The browser's session cookie, as someone copying it would keep it."""
    return browser.get_cookie("session").value


def replayed(app, cookie: str):
    """Another browser carrying a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def is_logged_out(browser) -> bool:
    """Whether the browser's session opens no account at all, not even half (before a second
    factor): the login page shows its form only to someone logged out."""
    return browser.get("/login").status_code == 200


def delete_account(browser) -> None:
    response = browser.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 302 and response.location == "/login"


def user_id_of(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == email))


# A deleted account hands nothing on ---------------------------------------------------------


def test_a_deleted_accounts_cookie_opens_nothing_not_even_the_account_with_its_id(app, make_user):
    attacker = make_user(ATTACKER)
    browser = log_in(app, ATTACKER)
    cookie = copied_cookie(browser)
    delete_account(browser)
    victim = account_with_id(app, attacker, VICTIM)
    with app.app_context():
        db.session.add(CheckIn(patient_id=victim, day=app.config["CLOCK"]().date(),
                               spasm_count=9, entry_method="form"))
        db.session.commit()

    thief = replayed(app, cookie)

    assert is_logged_out(thief)
    csv = thief.get("/export/check_ins.csv")
    assert csv.status_code == 302 and csv.location.startswith("/login")
    assert VICTIM not in thief.get("/").get_data(as_text=True)


def test_a_deleted_accounts_reset_link_cannot_set_the_password_of_the_account_with_its_id(
        app, make_user, mailbox):
    attacker = make_user(ATTACKER)
    app.test_client().post("/password/forgot", data={"email": ATTACKER})
    reset_path = mailbox.link(mailbox.last(ATTACKER), "/reset/")
    delete_account(log_in(app, ATTACKER))
    account_with_id(app, attacker, VICTIM)

    thief = app.test_client()
    assert thief.get(reset_path).location == "/password/new"
    response = thief.post("/password/new", data={"password": NEW_PASSWORD,
                                                 "password_repeat": NEW_PASSWORD})

    assert response.status_code == 302 and response.location == "/password/forgot"
    assert is_logged_out(thief)
    with app.app_context():
        victim = db.session.scalar(sa.select(User).where(User.email == VICTIM))
        assert verify_password(victim.password_hash, PASSWORD)


def test_a_deleted_patients_cookie_does_not_open_the_clinic_of_a_clinician_with_its_id(
        app, make_user):
    shared = make_user("shared@example.org", display_name="Ingrid Shared")
    attacker = make_user(ATTACKER)
    browser = log_in(app, ATTACKER)
    cookie = copied_cookie(browser)
    delete_account(browser)
    clinician = account_with_id(app, attacker, "dr.new@example.org", role="clinician",
                                clinic="North clinic")
    with app.app_context():
        clinic_id = db.session.scalar(sa.select(ClinicMembership.clinic_id)
                                      .where(ClinicMembership.user_id == clinician))
        db.session.add(CareLink(patient_id=shared, clinic_id=clinic_id, source="code"))
        db.session.commit()

    thief = replayed(app, cookie)

    assert is_logged_out(thief)
    assert "Ingrid" not in thief.get("/clinic/patients", follow_redirects=True).get_data(as_text=True)


def test_a_deleted_accounts_confirmation_link_does_not_confirm_a_new_account_at_the_address(
        app, make_user, mailbox):
    make_user(ATTACKER, verified=False)
    browser = log_in(app, ATTACKER)
    browser.post("/account/resend-verification")
    verify_path = mailbox.link(mailbox.last(ATTACKER), "/verify/")
    delete_account(browser)
    make_user(ATTACKER, verified=False)  # someone else registers the address again

    app.test_client().get(verify_path)

    with app.app_context():
        again = db.session.scalar(sa.select(User).where(User.email == ATTACKER))
        assert again.email_verified_at is None


def test_ids_are_never_handed_out_again_after_a_delete(app, make_user):
    first = make_user(ATTACKER)
    delete_account(log_in(app, ATTACKER))

    second = make_user(VICTIM)

    assert second > first


# The session cookie names a server-side session, and logging out ends it ----------------------


def test_the_cookie_holds_a_random_session_key_and_no_account_id(app, make_user):
    user_id = make_user()
    browser = log_in(app, "pat@example.org")

    with browser.session_transaction() as cookie_session:
        identity = cookie_session[sessions.IDENTITY_KEY]

    assert len(identity) == sessions.KEY_LENGTH and str(user_id) != identity
    with app.app_context():
        row = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == user_id))
        # The database keeps only a hash: a copy of it opens no session.
        assert row.key_hash == session_store.key_hash(identity) != identity


def test_a_cookie_copied_before_logout_is_logged_out(app, make_user):
    make_user()
    browser = log_in(app, "pat@example.org")
    cookie = copied_cookie(browser)

    browser.post("/logout")

    assert is_logged_out(replayed(app, cookie))


def test_a_staff_cookie_copied_before_logout_is_logged_out(app, make_user):
    clinician = make_user("dr@example.org", role="clinician", clinic="North clinic")
    browser = app.test_client()
    login_as(browser, clinician)
    cookie = copied_cookie(browser)
    assert browser.get("/clinic/patients").status_code == 200

    browser.post("/logout")

    assert is_logged_out(replayed(app, cookie))


def test_log_out_everywhere_ends_every_device_of_the_account_and_no_other(app, make_user):
    make_user()
    make_user("other@example.org")
    phone, laptop = log_in(app, "pat@example.org"), log_in(app, "pat@example.org")
    someone_else = log_in(app, "other@example.org")
    assert "on 2 devices" in " ".join(phone.get("/account").get_data(as_text=True).split())

    response = phone.post("/account/logout-everywhere")

    assert response.status_code == 302 and response.location == "/login"
    assert is_logged_out(phone) and is_logged_out(laptop)
    assert not is_logged_out(someone_else)
    assert not is_logged_out(log_in(app, "pat@example.org"))


def test_a_password_change_ends_every_other_device_and_keeps_this_one(app, make_user):
    make_user()
    phone, laptop = log_in(app, "pat@example.org"), log_in(app, "pat@example.org")
    laptop_cookie_before = copied_cookie(laptop)

    laptop.post("/account/password", data={"current_password": PASSWORD,
                                           "password": NEW_PASSWORD,
                                           "password_repeat": NEW_PASSWORD})

    assert not is_logged_out(laptop)
    assert is_logged_out(phone)
    # The laptop's session before the change is a new one now: its old cookie is dead too.
    assert is_logged_out(replayed(app, laptop_cookie_before))


def test_a_password_reset_ends_every_session_of_the_account(app, make_user, mailbox):
    make_user()
    phone = log_in(app, "pat@example.org")
    app.test_client().post("/password/forgot", data={"email": "pat@example.org"})
    reset_path = mailbox.link(mailbox.last("pat@example.org"), "/reset/")
    browser = app.test_client()
    browser.get(reset_path)

    browser.post("/password/new", data={"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})

    assert is_logged_out(phone)
    assert not is_logged_out(browser)


def test_a_reset_link_is_dead_once_the_password_has_changed(app, make_user, mailbox):
    make_user()
    app.test_client().post("/password/forgot", data={"email": "pat@example.org"})
    reset_path = mailbox.link(mailbox.last("pat@example.org"), "/reset/")
    log_in(app, "pat@example.org").post("/account/password", data={
        "current_password": PASSWORD, "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})

    thief = app.test_client()
    thief.get(reset_path)

    assert thief.get("/password/new").location == "/password/forgot"


def test_a_second_factor_reset_and_a_deactivation_delete_the_accounts_sessions(app, make_user):
    clinician = make_user("dr@example.org", role="clinician", clinic="North clinic")
    for end in ("second factor reset", "deactivation"):
        browser = app.test_client()
        login_as(browser, clinician)
        assert browser.get("/clinic/patients").status_code == 200
        with app.test_request_context():
            user = db.session.get(User, clinician)
            if end == "deactivation":
                admin_services.deactivate(user)
            else:
                second_factor.reset(user)
                db.session.commit()
            assert session_store.live_count(clinician) == 0, end
            if end == "deactivation":
                admin_services.reactivate(user)
        assert is_logged_out(browser), end


def test_a_patients_session_ends_after_thirty_days_without_use(app, make_user, clock):
    make_user()
    browser = log_in(app, "pat@example.org")
    clock.advance(days=29, hours=23)
    assert not is_logged_out(browser)  # and the 30 days start again

    clock.advance(days=29, hours=23)
    assert not is_logged_out(browser)
    clock.advance(days=30)

    assert is_logged_out(browser)


def test_the_scheduler_deletes_expired_sessions(app, make_user, clock):
    make_user()
    make_user("dr@example.org", role="clinician", clinic="North clinic")
    log_in(app, "pat@example.org")
    staff = app.test_client()
    login_as(staff, user_id_of(app, "dr@example.org"))
    clock.advance(minutes=31)

    tick(app)

    with app.app_context():
        left = db.session.execute(sa.select(User.email).join(
            UserSession, UserSession.user_id == User.id)).scalars().all()
    assert left == ["pat@example.org"]


# Tokens and ids that leave the app -----------------------------------------------------------


def test_an_unsubscribe_link_names_a_random_key_and_outlives_logout_and_password_change(
        app, make_user):
    user_id = make_user()
    with app.app_context():
        reminder = db.session.scalar(sa.select(Reminder).where(Reminder.patient_id == user_id))
        token = unsubscribe_token(reminder)
        claims = URLSafeSerializer(app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT).loads(token)
    assert claims == {"u": reminder.unsubscribe_key}
    browser = log_in(app, "pat@example.org")
    browser.post("/account/password", data={"current_password": PASSWORD,
                                            "password": NEW_PASSWORD,
                                            "password_repeat": NEW_PASSWORD})
    browser.post("/logout")

    assert app.test_client().get(f"/unsubscribe/{token}").status_code == 200


def test_a_deleted_accounts_unsubscribe_link_reaches_nobody_elses_reminder(app, make_user):
    attacker = make_user(ATTACKER)
    with app.app_context():
        reminder = db.session.scalar(sa.select(Reminder).where(Reminder.patient_id == attacker))
        token, reminder_id = unsubscribe_token(reminder), reminder.id
    delete_account(log_in(app, ATTACKER))
    victim = account_with_id(app, attacker, VICTIM)
    with app.app_context():
        db.session.add(Reminder(id=reminder_id, patient_id=victim, kind="check_in",
                                enabled=True, by_email=True, in_app=True))
        db.session.commit()

    response = app.test_client().post(f"/unsubscribe/{token}")

    assert response.status_code == 404
    assert "This link is not valid" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Reminder, reminder_id).by_email is True


def test_fhir_and_the_audit_trail_name_an_account_by_values_made_at_its_creation(app, make_user):
    attacker = make_user(ATTACKER)
    with app.test_request_context():
        before = patient_bundle(attacker)
        attacker_pseudonym = db.session.get(User, attacker).pseudonym
    delete_account(log_in(app, ATTACKER))
    victim = account_with_id(app, attacker, VICTIM)

    with app.test_request_context():
        after = patient_bundle(victim)
        victim_user = db.session.get(User, victim)

    (identifier,) = after["entry"][0]["resource"]["identifier"]
    assert identifier["value"] == victim_user.public_id == str(uuid.UUID(victim_user.public_id))
    assert identifier["value"] != str(victim)
    assert after["entry"][0]["resource"]["id"] != before["entry"][0]["resource"]["id"]
    assert after["id"] != before["id"]
    assert victim_user.pseudonym != attacker_pseudonym
    with app.app_context():
        kept = db.session.scalars(sa.select(AuditEvent.patient_ref)
                                  .where(AuditEvent.action == "account_deleted")).all()
    assert kept == [attacker_pseudonym]


# SQLite's ids ------------------------------------------------------------------------------


def integer_id_tables() -> list[sa.Table]:
    """Tables with a single integer id of their own (not a patient's id as key)."""
    return [
        table for table in db.metadata.sorted_tables
        if len(table.primary_key.columns) == 1
        and isinstance(next(iter(table.primary_key.columns)).type, sa.Integer)
        and not next(iter(table.primary_key.columns)).foreign_keys
    ]


def test_every_table_with_an_integer_id_is_autoincrement_on_sqlite(app, template_database):
    if template_database.kind != "sqlite":
        pytest.skip("PostgreSQL's sequences never hand out an id twice")
    with app.app_context():
        created = dict(db.session.execute(
            sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
        tables = integer_id_tables()
    assert len(tables) >= 20
    plain = [t.name for t in tables if "AUTOINCREMENT" not in created[t.name].upper()]
    assert not plain, f"ids of these tables could be handed out twice: {plain}"


def test_the_session_lifetime_is_measured_from_the_last_request(app, make_user, clock):
    clinician = make_user("dr@example.org", role="clinician", clinic="North clinic")
    browser = app.test_client()
    login_as(browser, clinician)
    clock.advance(minutes=29, seconds=59)
    assert browser.get("/clinic/patients").status_code == 200

    with app.app_context():
        (expires_at,) = db.session.execute(sa.select(UserSession.expires_at)).scalars()
    assert expires_at == clock() + timedelta(minutes=30)
