"""The route matrix: what every route of the app answers to every kind of visitor.

One entry per endpoint of the URL map (static files aside). An entry says how to fill the
URL's parameters from the owner's records, which form a POST sends, and what each role gets
for GET and for POST; a method the entry leaves out must answer 405. A new route is added here
deliberately: tests/test_route_access.py fails until it is, and tests/test_csrf.py walks
every state-changing route listed here with CSRF protection on.

Roles (docs/quality-bars.md, Security and privacy; docs/decisions.md, Authorisation):
- anonymous: nobody is logged in;
- owner: the patient whose records the URL names;
- other_patient: another patient, whose own diary is empty;
- clinician: a clinician of a clinic the owner does not share the diary with;
- care_team: a clinician of the clinic the owner shares the diary with, who may read it
  through the clinic's pages (and is audited doing so), but never edits the diary itself;
- admin: an administrator, who manages accounts and never reads a diary.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, url_for

from diary.admin import services as admin_services
from diary.auth import emails
from diary.extensions import db
from diary.models import (
    CareLink,
    Clinic,
    ClinicInvitation,
    ClinicMembership,
    InboxMessage,
    Reminder,
    ThrottleBucket,
    User,
)
from diary.records import csv_tables
from diary.reminders import services as reminder_services
from diary.reminders.delivery.dispatch import dispatch_due
from diary.reminders.delivery.notices import unsubscribe_token
from tests.conftest import DEFAULT_NOW, PASSWORD, Mailbox
from tests.journal_helpers import TODAY, check_in, check_ins, login_as, spasm_now
from tests.treatments_support import TreatmentRecorder

ROLES = ("anonymous", "owner", "other_patient", "clinician", "care_team", "admin")
# Roles that may read the owner's diary, so their pages may show the owner's note.
READERS = frozenset({"owner", "care_team"})
SHARING_CLINIC = "Sharing clinic"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OWNER_EMAIL = "owner@example.org"
# An address with no account, sent a link to finish registering.
NEWCOMER_EMAIL = "newcomer@example.org"
# Written into the owner's diary; no page, file or JSON for anyone else may ever contain it.
OWNER_ONLY = "owner-only-note-7f3a"
NEW_PASSWORD = "a new and longer passphrase"
TODAY_NOON = DEFAULT_NOW


# What a request answers ------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """The answer one role gets: a status, a redirect's path (a regular expression), and
    whether the request may change the database (when not, the test checks every row)."""

    status: int
    to: str | None = None
    writes: bool = False

    def __str__(self) -> str:
        """As a failure message quotes it."""
        return f"{self.status}" + (f" -> {self.to}" if self.to else "")


OK = Expect(200)
NOT_FOUND = Expect(404)
NOT_ALLOWED = Expect(405)
TO_LOGIN = Expect(302, "/login")
API_LOGIN = Expect(401)  # the JSON API answers a JSON 401 rather than a login page
REFUSED = Expect(422)  # the form shown again with its errors; nothing saved
AUDITED = Expect(200, writes=True)  # a clinician's read of a patient: the audit trail grows


def redirect(to: str) -> Expect:
    """A redirect that changes nothing (already logged in, nothing to do, a link followed)."""
    return Expect(302, to)


def done(to: str) -> Expect:
    """A form that did its work and redirected: it may change the database."""
    return Expect(302, to, writes=True)


Answers = Mapping[str, Expect]


def answers(default: Expect | None = None, **by_role: Expect) -> Answers:
    """An answer for every role: the named ones, the default for the rest."""
    unknown = set(by_role) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    table = {role: by_role.get(role, default) for role in ROLES}
    missing = [role for role, expect in table.items() if expect is None]
    assert not missing, f"no answer for {missing}"
    return table


def everyone(expect: Expect) -> Answers:
    """The same answer for everybody, logged in or not."""
    return answers(expect)


def logged_out_only(expect: Expect, *, logged_in: Expect) -> Answers:
    """Pages for visitors who are not logged in; everybody else is sent on."""
    return answers(logged_in, anonymous=expect)


def signed_in(expect: Expect) -> Answers:
    """Any logged-in account; anonymous visitors are asked to log in."""
    return answers(expect, anonymous=TO_LOGIN)


def patients_own(expect: Expect) -> Answers:
    """A patient's own diary page (no record in the URL): every patient sees their own;
    clinicians and administrators have no diary (404)."""
    return answers(NOT_FOUND, anonymous=TO_LOGIN, owner=expect, other_patient=expect)


def owners_record(expect: Expect) -> Answers:
    """A URL that names one of the owner's records: the owner alone; everyone else 404."""
    return answers(NOT_FOUND, anonymous=TO_LOGIN, owner=expect)


def clinicians(clinician: Expect, care_team: Expect | None = None) -> Answers:
    """A clinic page about no particular patient: every clinician, whichever clinic (the same
    answer unless the care team's is given); patients and admins 404."""
    return answers(
        NOT_FOUND, anonymous=TO_LOGIN, clinician=clinician, care_team=care_team or clinician
    )


def care_team_only(expect: Expect) -> Answers:
    """A clinic page about the owner: the clinic the owner shares with; everyone else 404."""
    return answers(NOT_FOUND, anonymous=TO_LOGIN, care_team=expect)


def admins_only(expect: Expect) -> Answers:
    """The administrator's pages: everyone else logged in gets 404, as for any page not theirs."""
    return answers(NOT_FOUND, anonymous=TO_LOGIN, admin=expect)


# A complete session (the route matrix opens complete ones) is sent on from the second-factor
# pages: administrators to /admin, everyone else home. The steps themselves are tested in
# tests/test_auth_second_factor.py.
AFTER_LOGIN = answers(redirect("/"), anonymous=TO_LOGIN, admin=redirect("/admin/"))


# The owner's records, which fill the URLs -----------------------------------------------


@dataclass(frozen=True)
class Records:
    """The accounts of every role and the owner's records, made through the app's services."""

    users: dict[str, int | None]
    check_in: int
    episode: int
    verify_token: str
    reset_token: str
    registration_token: str
    injection: int
    regimen: int
    dose: int
    surgery: int
    visit: int
    message: int
    unsubscribe_token: str
    share_code: str
    share_code_id: int
    care_link: int
    invitation: int
    sharing_clinic: int
    care_team_membership: int
    # A clinician an administrator added to the sharing clinic: waiting for the care team's
    # confirmation, and seeing none of the clinic's patients until then.
    pending_membership: int


def build_records(app: Flask, make_user: Callable[..., int]) -> Records:
    """An owner with diary entries, treatments and emailed links; the other accounts."""
    owner = make_user(OWNER_EMAIL, affected_side="left")
    users = {
        "anonymous": None,
        "owner": owner,
        "other_patient": make_user("other@example.org"),
        "clinician": make_user("dr@example.org", role="clinician", clinic="Another clinic"),
        "care_team": make_user("team@example.org", role="clinician", clinic=SHARING_CLINIC),
        "admin": make_user("admin@example.org", role="admin"),
    }
    share_with_clinic(app, owner, SHARING_CLINIC)
    check_in(app, owner, TODAY - timedelta(days=1), 3, note=OWNER_ONLY)
    episode = spasm_now(app, owner, "owners-episode")
    (owners_check_in,) = check_ins(app, patient_id=owner)
    treatments = TreatmentRecorder(app, owner)
    regimen = treatments.regimen()
    mailbox = Mailbox(Path(app.config["MAIL_OUTBOX"]))
    with app.test_request_context():
        user = db.session.get(User, owner)
        assert emails.send_verification(user) and emails.send_password_reset(user)
    verification, reset = mailbox.messages(OWNER_EMAIL)
    verify_link = mailbox.link(verification, "/verify/")
    reset_link = mailbox.link(reset, "/reset/")
    with app.test_request_context():
        assert emails.send_registration_link(NEWCOMER_EMAIL)
    registration_link = mailbox.link(mailbox.last(NEWCOMER_EMAIL), "/register/finish/")
    reminders = owners_reminders(app, owner)
    sharing = owners_sharing(app, owner)
    pending_membership = pending_member(app, SHARING_CLINIC)
    with app.app_context():
        sharing_clinic, care_team_membership = db.session.execute(
            sa.select(Clinic.id, ClinicMembership.id)
            .join(ClinicMembership, ClinicMembership.clinic_id == Clinic.id)
            .where(Clinic.name == SHARING_CLINIC, ClinicMembership.user_id == users["care_team"])
        ).one()
    return Records(
        users=users,
        check_in=owners_check_in.id,
        episode=episode,
        verify_token=verify_link.removeprefix("/verify/"),
        reset_token=reset_link.removeprefix("/reset/"),
        registration_token=registration_link.removeprefix("/register/finish/"),
        injection=treatments.injection(),
        regimen=regimen,
        dose=treatments.dose(regimen, TODAY - timedelta(days=1), "missed"),
        surgery=treatments.surgery(),
        sharing_clinic=sharing_clinic,
        care_team_membership=care_team_membership,
        pending_membership=pending_membership,
        **reminders,
        **sharing,
    )


def share_with_clinic(app: Flask, patient_id: int, clinic_name: str) -> None:
    """The patient's consent for the named clinic to see the diary."""
    with app.app_context():
        clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == clinic_name))
        db.session.add(CareLink(patient_id=patient_id, clinic_id=clinic.id, source="code"))
        db.session.commit()


def pending_member(app: Flask, clinic_name: str) -> int:
    """A clinician an administrator added to the clinic, through the admin's service; the
    membership's id. The clinic has patients, so the membership waits for confirmation."""
    with app.test_request_context():
        clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == clinic_name))
        added = admin_services.add_member(clinic, email="pending@example.org",
                                          display_name="Dr Pending", member_role="clinician")
        assert not added.confirmed
        return db.session.scalar(sa.select(ClinicMembership.id).where(
            ClinicMembership.user_id == added.user.id))


def owners_sharing(app: Flask, owner: int) -> dict[str, Any]:
    """A share code of the owner's (its text and id), the owner's link with the sharing
    clinic, and an invitation from the other clinic to the owner's verified address."""
    from diary.sharing import services as sharing_services

    with app.test_request_context():
        patient = db.session.get(User, owner)
        row, code = sharing_services.create_code(patient)
        link = db.session.scalar(sa.select(CareLink.id).where(CareLink.patient_id == owner))
        other = db.session.scalar(sa.select(Clinic).where(Clinic.name == "Another clinic"))
        invitation = ClinicInvitation(clinic_id=other.id, email=OWNER_EMAIL,
                                      expires_at=TODAY_NOON + timedelta(days=14))
        db.session.add(invitation)
        db.session.commit()
        return {"share_code": code, "share_code_id": row.id, "care_link": link,
                "invitation": invitation.id}


def owners_reminders(app: Flask, owner: int) -> dict[str, Any]:
    """A visit, an inbox message and the unsubscribe token of the owner's check-in reminder.

    Today is logged (the spasm above), so the message is tomorrow's reminder, dispatched at
    20:00 in Berlin; today's was missed by then.
    """
    with app.app_context():
        patient = db.session.get(User, owner)
        visit = reminder_services.add_visit(
            patient, reminder_services.VisitValues(TODAY + timedelta(days=7), 9 * 60, "Clinic")
        )
        dispatch_due(datetime.combine(TODAY + timedelta(days=1), time(19, 0), tzinfo=UTC))
        message = db.session.scalar(sa.select(InboxMessage.id).where(InboxMessage.patient_id == owner))
        reminder = db.session.scalar(sa.select(Reminder).where(Reminder.patient_id == owner))
        token = unsubscribe_token(reminder)
    assert message is not None, "the owner's check-in reminder did not reach the inbox"
    return {"visit": visit, "message": message, "unsubscribe_token": token}


def sign_in(client, records: Records, role: str) -> None:
    """Open a session for the role's account (none for anonymous)."""
    user_id = records.users[role]
    if user_id is not None:
        login_as(client, user_id)


# The matrix --------------------------------------------------------------------------------

Params = Callable[[Records], "dict[str, Any] | list[dict[str, Any]]"]
FormData = Callable[[Records], "dict[str, Any]"]


def no_params(records: Records) -> dict[str, Any]:
    """A URL without parameters."""
    return {}


def no_form(records: Records) -> dict[str, Any]:
    """A POST without fields (the CSRF token aside)."""
    return {}


@dataclass(frozen=True)
class Route:
    """One endpoint: its URL parameters, its form, and each role's answer per method."""

    get: Answers | None = None
    post: Answers | None = None
    params: Params = no_params
    form: FormData = no_form
    # False for a route about the care team's clinic rather than the owner (confirming a
    # colleague): the owner's sharing decides nothing there.
    about_the_owner: bool = True

    @property
    def methods(self) -> frozenset[str]:
        """The methods the route must accept: those the entry gives answers for."""
        return frozenset(m for m, table in (("GET", self.get), ("POST", self.post)) if table)

    def expected(self, method: str, role: str) -> Expect:
        """What the role gets for a method; a method the entry leaves out answers 405."""
        table = {"GET": self.get, "POST": self.post}[method]
        return NOT_ALLOWED if table is None else table[role]

    def urls(self, app: Flask, endpoint: str, records: Records) -> list[str]:
        """The URLs to request, built by the app's own URL map."""
        params = self.params(records)
        with app.test_request_context():
            return [url_for(endpoint, **p) for p in (params if isinstance(params, list) else [params])]


def _form(*bases: dict[str, Any], **fields: Any) -> FormData:
    """Fixed form fields: a base form with some fields changed or added."""
    merged = {k: v for base in bases for k, v in base.items()} | fields
    return lambda records: dict(merged)


def _owner_email(records: Records) -> dict[str, Any]:
    """The owner's address in an email-only form."""
    return {"email": OWNER_EMAIL}


YESTERDAY = (TODAY - timedelta(days=1)).isoformat()


def _owner(records: Records) -> dict[str, Any]:
    """The owner's id in a clinic URL."""
    return {"patient_id": records.users["owner"]}


def _owners_surgery(records: Records) -> dict[str, Any]:
    """The owner's id and operation in a clinic URL."""
    return {"patient_id": records.users["owner"], "surgery_id": records.surgery}
INJECTION = {
    "injected_on": "2026-03-01",
    "product": "onabotulinumtoxinA",
    "total_units": "20",
    "sites-0-muscle": "oo_pretarsal_lower",
    "sites-0-side": "affected",
    "sites-0-units": "2.5",
}
REGIMEN = {"drug": "gabapentin", "strength": "300", "unit": "mg", "doses_per_day": "3",
           "started_on": "2026-01-05"}
SURGERY = {"surgery_type": "mvd", "performed_on": "2025-06-02", "side": "left"}
# Every reminder's settings at once (each form has its prefix and ignores the others' fields).
REMINDER_SETTINGS = {
    "check_in-enabled": "y", "check_in-channels": ["email", "in_app"],
    "check_in-send_time": "07:30", "check_in-weekdays": ["0", "2", "4"],
    "injection-enabled": "y", "injection-channels": "in_app", "injection-weeks_after": "12",
    "injection-notice_days": "7", "injection-send_time": "09:00",
    "follow_up-enabled": "y", "follow_up-channels": "email", "follow_up-notice_days": "1",
    "follow_up-send_time": "18:00",
    "medication-enabled": "y", "medication-channels": "in_app",
}
REMINDER_SLUGS = ("check-in", "injection", "follow-up", "medication")

ROUTES: dict[str, Route] = {
    # Accounts ----------------------------------------------------------------------------
    "auth.login": Route(
        get=logged_out_only(OK, logged_in=redirect("/")),
        post=logged_out_only(done("/"), logged_in=redirect("/")),
        form=_form(email=OWNER_EMAIL, password=PASSWORD),
    ),
    # Logging out deletes the session's row on the server; a visitor has none to delete.
    "auth.logout": Route(post=answers(done("/login"), anonymous=redirect("/login"))),
    "auth.logout_everywhere": Route(post=signed_in(done("/login"))),
    # The language switch: an account stores its choice, a visitor's stays in the session.
    "auth.choose_language": Route(post=everyone(done("/")), form=_form(locale="en_GB")),
    # Step one answers "check your email" whoever has the address; the attempt is counted
    # for the email and the client's address (the throttle's buckets).
    "auth.register": Route(
        get=logged_out_only(OK, logged_in=redirect("/")),
        post=logged_out_only(Expect(200, writes=True), logged_in=redirect("/")),
        form=_form(email="new@example.org"),
    ),
    # Step two, from the mailed link: the account is made, confirmed and logged in.
    "auth.finish_registration": Route(
        get=logged_out_only(OK, logged_in=redirect("/")),
        post=logged_out_only(done("/"), logged_in=redirect("/")),
        params=lambda r: {"token": r.registration_token},
        form=_form(
            password=PASSWORD,
            password_repeat=PASSWORD,
            display_name="Nora",
            timezone="Europe/Berlin",
            affected_side="left",
            symptoms_since_year="2019",
        ),
    ),
    # The owner's address is confirmed already: following the link again changes nothing.
    "auth.verify_email": Route(
        get=logged_out_only(redirect("/login"), logged_in=redirect("/account")),
        params=lambda r: {"token": r.verify_token},
    ),
    "auth.resend_verification": Route(
        get=everyone(OK), post=everyone(redirect("/login")), form=_owner_email
    ),
    "auth.forgot_password": Route(
        get=everyone(OK), post=everyone(redirect("/login")), form=_owner_email
    ),
    "auth.reset_link": Route(
        get=everyone(redirect("/password/new")), params=lambda r: {"token": r.reset_token}
    ),
    # Without a reset link followed in this session, the form sends everyone to ask for one
    # (the whole reset is in tests/test_auth_password.py).
    "auth.new_password": Route(
        get=everyone(redirect("/password/forgot")),
        post=everyone(redirect("/password/forgot")),
        form=_form(password=NEW_PASSWORD, password_repeat=NEW_PASSWORD),
    ),
    "auth.account": Route(get=signed_in(OK)),
    "auth.update_profile": Route(
        post=signed_in(done("/account")),
        form=_form(
            display_name="New name",
            timezone="Europe/Vienna",
            affected_side="right",
            symptoms_since_year="2018",
        ),
    ),
    "auth.change_password": Route(
        post=signed_in(done("/account")),
        form=_form(current_password=PASSWORD, password=NEW_PASSWORD, password_repeat=NEW_PASSWORD),
    ),
    "auth.account_resend_verification": Route(post=signed_in(redirect("/account"))),
    "auth.second_factor": Route(get=AFTER_LOGIN, post=AFTER_LOGIN, form=_form(code="123456")),
    "auth.enrol_second_factor": Route(get=AFTER_LOGIN, post=AFTER_LOGIN, form=_form(code="123456")),
    # Administration (the care team's clinic and membership) -------------------------------
    "admin.index": Route(get=admins_only(OK)),
    "admin.new_clinic": Route(
        get=admins_only(OK), post=admins_only(done(r"/admin/clinics/\d+")),
        form=_form(name="A new clinic"),
    ),
    "admin.clinic": Route(get=admins_only(OK), params=lambda r: {"clinic_id": r.sharing_clinic}),
    "admin.rename_clinic": Route(
        post=admins_only(done(r"/admin/clinics/\d+")),
        params=lambda r: {"clinic_id": r.sharing_clinic}, form=_form(name="Renamed clinic"),
    ),
    "admin.add_member": Route(
        post=admins_only(done(r"/admin/clinics/\d+")),
        params=lambda r: {"clinic_id": r.sharing_clinic},
        form=_form(email="new.doctor@example.org", display_name="Dr New", member_role="nurse"),
    ),
    "admin.set_member_role": Route(
        post=admins_only(done(r"/admin/clinics/\d+")),
        params=lambda r: {"membership_id": r.care_team_membership},
        form=lambda r: {f"m{r.care_team_membership}-member_role": "nurse"},
    ),
    "admin.staff": Route(get=admins_only(OK)),
    "admin.deactivate": Route(
        post=admins_only(done("/admin/staff")), params=lambda r: {"user_id": r.users["care_team"]}
    ),
    # The care team's account is active: nothing to reactivate.
    "admin.reactivate": Route(
        post=admins_only(redirect("/admin/staff")), params=lambda r: {"user_id": r.users["care_team"]}
    ),
    "admin.reset_second_factor": Route(
        post=admins_only(done("/admin/staff")), params=lambda r: {"user_id": r.users["care_team"]}
    ),
    "admin.audit_trail": Route(get=admins_only(OK)),
    # The diary -----------------------------------------------------------------------------
    # A clinician's home is the clinic's patient list.
    "journal.home": Route(
        # A visitor sees what the app is and the way in (templates/public/landing.html).
        get=answers(OK, clinician=redirect("/clinic/patients"),
                    care_team=redirect("/clinic/patients"))
    ),
    "journal.checkin": Route(
        get=patients_own(OK),
        post=patients_own(done("/")),
        form=_form(day=TODAY.isoformat(), spasm_count="4", note="a new day"),
    ),
    "journal.save_count": Route(
        post=patients_own(done("/")), form=_form(day=TODAY.isoformat(), spasm_count="5")
    ),
    "journal.no_spasms_today": Route(post=patients_own(done("/"))),
    "journal.no_spasms_since": Route(
        post=patients_own(done("/")), form=_form(since=(TODAY - timedelta(days=3)).isoformat())
    ),
    "journal.spasm_now": Route(
        post=patients_own(done(r"/episodes/\d+")), form=_form(client_token="matrix-spasm-now")
    ),
    "journal.episode": Route(
        get=owners_record(OK),
        post=owners_record(done("/")),
        params=lambda r: {"episode_id": r.episode},
        form=_form(duration_seconds="7"),
    ),
    "journal.edit_episode": Route(
        get=owners_record(OK),
        post=owners_record(done("/history")),
        params=lambda r: {"episode_id": r.episode},
        form=_form(day=YESTERDAY, time="08:15", duration_seconds="12"),
    ),
    "journal.delete_check_in": Route(
        get=owners_record(OK),
        post=owners_record(done("/history")),
        params=lambda r: {"check_in_id": r.check_in},
    ),
    "journal.delete_episode": Route(
        get=owners_record(OK),
        post=owners_record(done("/history")),
        params=lambda r: {"episode_id": r.episode},
    ),
    "journal.history": Route(get=patients_own(OK)),
    "journal.changes": Route(get=patients_own(OK)),
    "journal.check_in_changes": Route(
        get=owners_record(OK), params=lambda r: {"check_in_id": r.check_in}
    ),
    "journal.episode_changes": Route(
        get=owners_record(OK), params=lambda r: {"episode_id": r.episode}
    ),
    # Treatments ----------------------------------------------------------------------------
    "treatments.index": Route(get=patients_own(OK)),
    "treatments.new_injection": Route(
        get=patients_own(OK),
        post=patients_own(done("/treatments")),
        form=_form(INJECTION, save_anyway="y"),  # a second injection within 30 days warns
    ),
    "treatments.edit_injection": Route(
        get=owners_record(OK),
        post=owners_record(done("/treatments")),
        params=lambda r: {"entry_id": r.injection},
        form=_form(INJECTION, total_units="25", **{"sites-0-units": "25"}),
    ),
    "treatments.medication_page": Route(get=patients_own(OK)),
    "treatments.new_regimen": Route(
        get=patients_own(OK),
        post=patients_own(done("/treatments/medication")),
        form=_form(REGIMEN, drug="carbamazepine", save_anyway="y"),
    ),
    "treatments.edit_regimen": Route(
        get=owners_record(OK),
        post=owners_record(done("/treatments/medication")),
        params=lambda r: {"entry_id": r.regimen},
        form=_form(REGIMEN, strength="200", save_anyway="y"),
    ),
    "treatments.change_dose": Route(
        get=owners_record(OK),
        post=owners_record(done("/treatments/medication")),
        params=lambda r: {"entry_id": r.regimen},
        form=_form(changed_on=YESTERDAY, strength="400", unit="mg", doses_per_day="3"),
    ),
    "treatments.taken_as_planned": Route(post=patients_own(done("/treatments/medication"))),
    # The regimen is offered only among the viewer's own medication: another patient's form
    # is refused like any wrong choice.
    "treatments.record_dose": Route(
        post=answers(
            NOT_FOUND, anonymous=TO_LOGIN, owner=done("/treatments/medication"), other_patient=REFUSED
        ),
        form=lambda r: {"regimen_id": str(r.regimen), "status": "extra", "count": "1",
                        "day": TODAY.isoformat()},
    ),
    "treatments.new_surgery": Route(
        get=patients_own(OK), post=patients_own(done("/treatments")), form=_form(SURGERY)
    ),
    "treatments.edit_surgery": Route(
        get=owners_record(OK),
        post=owners_record(done("/treatments")),
        params=lambda r: {"entry_id": r.surgery},
        form=_form(SURGERY, surgeon="Prof. Roth"),
    ),
    # One entry of each kind; the dose before its regimen, so that each one is still there.
    "treatments.delete_entry": Route(
        get=owners_record(OK),
        post=owners_record(done("/treatments(/medication)?")),
        params=lambda r: [
            {"kind": "doses", "entry_id": r.dose},
            {"kind": "medication", "entry_id": r.regimen},
            {"kind": "injections", "entry_id": r.injection},
            {"kind": "surgeries", "entry_id": r.surgery},
        ],
    ),
    # Trajectory and downloads ---------------------------------------------------------------
    "progress.my_trajectory": Route(get=patients_own(OK)),
    # The patient's own one-page summary: their records only, so the URL names nobody.
    "progress.my_summary": Route(get=patients_own(OK)),
    "records.export_index": Route(get=patients_own(OK)),
    "records.export_csv": Route(
        get=patients_own(OK), params=lambda r: [{"name": name} for name in csv_tables.TABLES]
    ),
    "api.my_trajectory": Route(get={**patients_own(OK), "anonymous": API_LOGIN}),
    # The patient's record leaving the app (docs/decisions.md, The patient's data is theirs): FHIR, the full ZIP, deletion. Each
    # patient downloads or deletes their own account; the URL names no one else's.
    "api.my_fhir": Route(get={**patients_own(OK), "anonymous": API_LOGIN}),
    "records.fhir_download": Route(get=patients_own(OK)),
    "records.full_download": Route(get=patients_own(OK)),
    "auth.delete_account": Route(
        get=patients_own(OK), post=patients_own(done("/login")), form=_form(password=PASSWORD)
    ),
    # The clinic's report and cohort ------------------------------------------------------------
    # Clinicians only: the report of a patient who shares with their clinic (audited); the
    # cohort of their own clinic, counts without names (another clinic's sees none of the owner).
    "clinic.report": Route(
        get=answers(NOT_FOUND, anonymous=TO_LOGIN, care_team=AUDITED),
        params=lambda r: {"patient_id": r.users["owner"]},
    ),
    # The same report as a PDF rendered on the server, audited as an export of its own.
    "clinic.report_pdf": Route(
        get=answers(NOT_FOUND, anonymous=TO_LOGIN, care_team=AUDITED),
        params=lambda r: {"patient_id": r.users["owner"]},
    ),
    "clinic.cohort": Route(get=answers(NOT_FOUND, anonymous=TO_LOGIN, clinician=OK, care_team=OK)),
    # Reminders and the inbox -----------------------------------------------------------------
    "reminders.settings": Route(get=patients_own(OK)),
    "reminders.save": Route(
        post=patients_own(done("/reminders")),
        params=lambda r: [{"slug": slug} for slug in REMINDER_SLUGS],
        form=_form(REMINDER_SETTINGS),
    ),
    "reminders.switch_cadence": Route(post=patients_own(done("/reminders")), form=_form(cadence="weekly")),
    # One tap in a reminder's line: on or off, its other settings kept.
    "reminders.switch": Route(
        post=patients_own(done("/reminders")),
        params=lambda r: [{"slug": slug} for slug in REMINDER_SLUGS],
        form=_form(enabled="on"),
    ),
    "reminders.add_visit": Route(
        post=patients_own(done("/reminders")),
        form=_form({"visit-visit_on": "2026-03-20", "visit-visit_time": "09:30",
                    "visit-place": "Outpatients"}),
    ),
    "reminders.delete_visit": Route(
        post=owners_record(done("/reminders")), params=lambda r: {"visit_id": r.visit}
    ),
    "reminders.inbox_page": Route(get=patients_own(OK)),
    "reminders.mark_read": Route(
        post=owners_record(done("/inbox")), params=lambda r: {"message_id": r.message}
    ),
    "reminders.mark_all_read": Route(post=patients_own(done("/inbox"))),
    # The clinic ------------------------------------------------------------------------------
    # Clinicians only; a patient the clinician's clinics do not share with answers 404, and
    # every GET of the review is in the audit trail. The diary itself is never written here.
    "clinic.patient_list": Route(get=clinicians(OK, OK)),
    "clinic.review_page": Route(get=care_team_only(AUDITED), params=_owner),
    "clinic.fhir_download": Route(get=care_team_only(AUDITED), params=_owner),
    "clinic.save_mrn": Route(
        post=care_team_only(done(r"/clinic/patients/\d+")), params=_owner, form=_form(mrn="A-1234567")
    ),
    "clinic.new_assessment": Route(
        get=care_team_only(OK),
        post=care_team_only(done(r"/clinic/patients/\d+")),
        params=_owner,
        form=_form(visit_on=YESTERDAY, smc_grade="2", outcome="reduced_90", hearing="unchanged"),
    ),
    "clinic.baseline": Route(
        get=care_team_only(OK),
        post=care_team_only(done(r"/clinic/patients/\d+")),
        params=_owner,
        form=_form(spasms_per_day="12", jrs_severity="3", smc_grade="2"),
    ),
    "clinic.verify_surgery": Route(
        post=care_team_only(done(r"/clinic/patients/\d+")), params=_owners_surgery
    ),
    "clinic.mark_reference": Route(
        post=care_team_only(done(r"/clinic/patients/\d+")), params=_owners_surgery
    ),
    "clinic.edit_surgery": Route(
        get=care_team_only(OK),
        post=care_team_only(done(r"/clinic/patients/\d+")),
        params=_owners_surgery,
        form=_form(SURGERY, surgeon="Dr. Weiss"),
    ),
    # Colleagues confirm or refuse a pending member; only a confirmed member of that clinic may.
    "clinic.members": Route(get=clinicians(OK, OK)),
    "clinic.confirm_member": Route(
        post=care_team_only(done("/clinic/members")),
        params=lambda r: {"membership_id": r.pending_membership}, about_the_owner=False,
    ),
    "clinic.refuse_member": Route(
        post=care_team_only(done("/clinic/members")),
        params=lambda r: {"membership_id": r.pending_membership}, about_the_owner=False,
    ),
    "clinic.settings": Route(
        get=clinicians(OK, OK),
        post=clinicians(done("/clinic/settings"), done("/clinic/settings")),
        form=_form(follow_up_schedule="1w,1m,3m,6m,12m"),
    ),
    # The emailed link works without logging in: the signed token is the authority, and all
    # it can do is stop the emails of the reminder it names (CSRF-exempt, RFC 8058).
    "reminders.unsubscribe": Route(
        get=everyone(OK),
        post=everyone(Expect(200, writes=True)),
        params=lambda r: {"token": r.unsubscribe_token},
    ),
    # Sharing (docs/sharing.md) ---------------------------------------------------------------
    "sharing.index": Route(get=patients_own(OK)),
    # The new code is shown on the answer itself, once: nothing to redirect to.
    "sharing.create_code": Route(post=patients_own(Expect(200, writes=True))),
    "sharing.cancel_code": Route(
        post=owners_record(done("/sharing")), params=lambda r: {"code_id": r.share_code_id}
    ),
    "sharing.stop_sharing": Route(
        get=owners_record(OK), post=owners_record(done("/sharing")),
        params=lambda r: {"link_id": r.care_link},
    ),
    "sharing.accept_invitation": Route(
        post=owners_record(done("/sharing")), params=lambda r: {"invitation_id": r.invitation}
    ),
    "sharing.decline_invitation": Route(
        post=owners_record(done("/sharing")), params=lambda r: {"invitation_id": r.invitation}
    ),
    "sharing.access_log": Route(get=patients_own(OK)),
    # The owner's live code: the other clinic gains the owner; the sharing clinic is told the
    # owner shares already (the code is used up all the same).
    "clinic.add_patient": Route(
        get=clinicians(OK), post=clinicians(done("/clinic/patients")),
        form=lambda r: {"code": r.share_code.lower()},
    ),
    "clinic.invite": Route(
        get=clinicians(OK), post=clinicians(done("/clinic/invite")), form=_owner_email
    ),
}


def answer_of(response) -> str:
    """A response as the matrix writes it: status, and where a redirect leads."""
    if response.status_code in (301, 302, 303, 307, 308):
        return f"{response.status_code} -> {urlsplit(response.location).path}"
    return str(response.status_code)


def readable_body(response) -> str:
    """What a response shows, as text; a ZIP's members unpacked, since compression hides text."""
    data = response.get_data()
    if response.mimetype == "application/zip":
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            data = b"".join(archive.read(name) for name in archive.namelist())
    return data.decode("utf-8", errors="replace")


def matches(response, expected: Expect) -> bool:
    """Whether the response is the expected status (and redirect target)."""
    if response.status_code != expected.status:
        return False
    if expected.to is None:
        return True
    return re.fullmatch(expected.to, urlsplit(response.location).path) is not None


# The app's side ----------------------------------------------------------------------------


def app_routes(app: Flask) -> dict[str, frozenset[str]]:
    """Every endpoint of the URL map but static files, with its methods (HEAD, OPTIONS aside)."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            routes.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return {endpoint: frozenset(methods) for endpoint, methods in routes.items()}


def state_changing_endpoints(app: Flask) -> set[str]:
    """The endpoints that accept POST, PUT, PATCH or DELETE."""
    return {e for e, methods in app_routes(app).items() if methods & STATE_CHANGING}


def database_rows(app: Flask) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order: what "nothing changed" compares."""
    with app.app_context():
        state = {}
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            state[table.name] = [tuple(r) for r in db.session.execute(sa.select(table).order_by(*order))]
        db.session.rollback()
        return state


def _size(table: sa.Table):
    """What row_counts counts of a table."""
    if table.name == ThrottleBucket.__tablename__:
        return sa.func.coalesce(sa.func.sum(table.c.attempts), 0)
    return sa.func.count()


def row_counts(app: Flask) -> dict[str, int]:
    """The number of rows of every table, in one query; for the throttle's table the attempts
    it counts, since its rows stay (at zero) when an attempt is given back."""
    with app.app_context():
        tables = db.metadata.sorted_tables
        query = sa.union_all(
            *(sa.select(sa.literal(t.name).label("name"), _size(t).label("n")).select_from(t)
              for t in tables)
        )
        counts = {name: n for name, n in db.session.execute(query)}
        db.session.rollback()
        return counts
