"""What a reminder says, by email and in the inbox, and the links it carries.

Subjects never name the condition (docs/quality-bars.md, Security and privacy): they show on lock screens and in
shared inboxes. Links are absolute, built from PUBLIC_BASE_URL, because the scheduler runs
outside any request. The unsubscribe link carries a signed token naming the reminder's random key: it
works without logging in, and the token is its only authority.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer

from diary.extensions import db
from diary.i18n import gettext, lazy_gettext, ngettext
from diary.journal.queries import day_numbers
from diary.journal.wording import long_date
from diary.models import (
    Delivery,
    FollowUpVisit,
    Injection,
    MedicationRegimen,
    PatientSummary,
    Reminder,
    User,
)
from diary.models.reminder import Cadence, ReminderKind
from diary.reminders.planning import schedule, visits
from diary.treatments.wording import amount, drug_name

UNSUBSCRIBE_SALT = "diary.reminders.unsubscribe"
ONE_CLICK = "List-Unsubscribe=One-Click"

# Lazy: each is read in the language of the mail or page it goes into, so a notice, stored
# in the inbox, takes str() of it inside speaking_to (docs/wording.md, Strings and Languages).
SUBJECT_DAILY = lazy_gettext("Your diary for today")
SUBJECT_WEEKLY = lazy_gettext("Your diary for this week")
SUBJECT_INJECTION = lazy_gettext("A reminder about your next treatment")
SUBJECT_FAILED = lazy_gettext("We could not email you a reminder")
SUBJECT_UNKNOWN = lazy_gettext("A reminder email may not have reached you")

KIND_NAMES = {
    ReminderKind.CHECK_IN: lazy_gettext("diary check-in reminder"),
    ReminderKind.INJECTION: lazy_gettext("injection reminder"),
    ReminderKind.FOLLOW_UP: lazy_gettext("follow-up visit reminder"),
    ReminderKind.MEDICATION: lazy_gettext("medication reminder"),
}


# Links --------------------------------------------------------------------------------------


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute URL of the app at PUBLIC_BASE_URL, built without a request."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def _serializer() -> URLSafeSerializer:
    """Signs unsubscribe tokens; the salt keeps them apart from every other token."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(reminder: Reminder) -> str:
    """A token naming one reminder of one patient; it does not expire (RFC 8058 links
    must keep working for as long as the emails that carry them are read)."""
    return _serializer().dumps({"u": reminder.unsubscribe_key})


def reminder_of_token(token: str) -> Reminder | None:
    """The reminder a genuine token names, else None."""
    try:
        claims = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(claims, dict):
        return None
    key = claims.get("u")
    if not isinstance(key, str):
        return None
    return db.session.scalar(sa.select(Reminder).where(Reminder.unsubscribe_key == key))


def checkin_path(day: date) -> str:
    """The in-app link to a day's check-in."""
    return f"/checkin?day={day.isoformat()}"


# What each reminder says -----------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """One reminder's words: a subject (the inbox title too), a short text, a link."""

    kind: str
    subject: str
    text: str
    link: str
    day: date
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        """The mail templates' common name (templates/mail/<name>.txt and .html)."""
        return f"mail/reminder_{self.kind}"


def build_notice(reminder: Reminder, delivery: Delivery, patient: User) -> Notice | None:
    """What this delivery reminds of, or None when there is nothing to say (skipped)."""
    builder = {
        ReminderKind.CHECK_IN: _check_in,
        ReminderKind.INJECTION: _injection,
        ReminderKind.FOLLOW_UP: _follow_up,
        ReminderKind.MEDICATION: _medication,
    }[ReminderKind(reminder.kind)]
    return builder(reminder, delivery, patient)


def _check_in(reminder: Reminder, delivery: Delivery, patient: User) -> Notice | None:
    """Daily: skipped when the day is logged. Weekly: skipped when its whole week is."""
    day = delivery.local_day
    weekly = reminder.cadence == Cadence.WEEKLY
    first = day - timedelta(days=schedule.WEEK_DAYS - 1) if weekly else day
    logged = len(day_numbers(patient.id, first, day))
    if logged == (day - first).days + 1:
        return None
    link = checkin_path(day)
    if weekly:
        return Notice(
            ReminderKind.CHECK_IN, str(SUBJECT_WEEKLY),
            gettext("Any spasms this week? Log the days you missed, or record that there were "
                    "none with “No spasms since” on the Today page."),
            link, day, {"weekly": True},
        )
    summary = db.session.get(PatientSummary, patient.id)
    weeks = (
        schedule.weeks_without_spasms(
            summary.remission_start, summary.recurrence_on, summary.last_spasm, day
        )
        if summary is not None
        else 0
    )
    return Notice(
        ReminderKind.CHECK_IN, str(SUBJECT_DAILY),
        gettext("How was %(day)s? Logging the day takes two taps.", day=long_date(day)),
        link, day, {"weekly": False, "offer_weekly": schedule.offers_weekly(weeks), "weeks": weeks},
    )


def _injection(reminder: Reminder, delivery: Delivery, patient: User) -> Notice | None:
    """The next injection is due soon."""
    last = db.session.scalar(
        sa.select(sa.func.max(Injection.injected_on)).where(
            Injection.patient_id == patient.id, Injection.deleted_at.is_(None)
        )
    )
    if last is None:
        return None
    due_on = last + timedelta(weeks=reminder.weeks_after)
    return Notice(
        ReminderKind.INJECTION, str(SUBJECT_INJECTION),
        ngettext("Your last injection was on %(last)s. At %(num)d week, the next one is due "
                 "around %(due)s: if it is not booked yet, now is a good time.",
                 "Your last injection was on %(last)s. At %(num)d weeks, the next one is due "
                 "around %(due)s: if it is not booked yet, now is a good time.",
                 reminder.weeks_after, last=long_date(last), due=long_date(due_on)),
        "/treatments", delivery.local_day, {"last": last, "due_on": due_on},
    )


def _follow_up(reminder: Reminder, delivery: Delivery, patient: User) -> Notice | None:
    """The visits on the day this reminder announces: the patient's own, else a suggested one.

    Read again now, not from the plan: a schedule changed, a link revoked or another
    reference surgery since planning leaves nothing to say (skipped), never a stale date.
    """
    visit_day = delivery.local_day + timedelta(days=reminder.notice_days)
    own = db.session.execute(
        sa.select(FollowUpVisit.visit_minute, FollowUpVisit.place)
        .where(FollowUpVisit.patient_id == patient.id, FollowUpVisit.visit_on == visit_day)
        .order_by(FollowUpVisit.visit_minute, FollowUpVisit.id)
    ).all()
    if own:
        when = "; ".join(gettext("%(time)s, %(place)s", time=schedule.clock(m), place=place)
                         for m, place in own)
        return Notice(
            ReminderKind.FOLLOW_UP, gettext("Your appointment on %(day)s", day=long_date(visit_day)),
            gettext("Your follow-up visit: %(day)s at %(when)s.", day=long_date(visit_day), when=when),
            "/reminders", delivery.local_day,
            {"visit_day": visit_day, "visits": [(schedule.clock(m), p) for m, p in own],
             "suggestion": None},
        )
    suggestion = next(
        (s for s in visits.suggested_visits(patient.id, visit_day, ahead=1) if s.day == visit_day),
        None,
    )
    if suggestion is None:
        return None
    return Notice(
        ReminderKind.FOLLOW_UP,
        gettext("A follow-up visit around %(around)s", around=suggestion.around),
        # One sentence per count of clinics, so the verb agrees (docs/wording.md).
        ngettext("Your clinic suggests a follow-up visit around %(around)s (%(label)s after "
                 "surgery). If it is not booked yet, contact %(contact)s.",
                 "Your clinics suggest a follow-up visit around %(around)s (%(label)s after "
                 "surgery). If it is not booked yet, contact %(contact)s.",
                 len(suggestion.clinics), around=suggestion.around, label=suggestion.words,
                 contact=suggestion.contact),
        "/reminders", delivery.local_day,
        {"visit_day": visit_day, "visits": [], "suggestion": suggestion},
    )


def _medication(reminder: Reminder, delivery: Delivery, patient: User) -> Notice | None:
    """The regimens with a dose at this local time on this day."""
    day, minute = delivery.local_day, delivery.local_minute
    rows = db.session.execute(
        sa.select(
            MedicationRegimen.drug, MedicationRegimen.drug_other, MedicationRegimen.strength,
            MedicationRegimen.unit, MedicationRegimen.times_of_day,
        )
        .where(
            MedicationRegimen.patient_id == patient.id,
            MedicationRegimen.deleted_at.is_(None),
            MedicationRegimen.started_on <= day,
            sa.or_(MedicationRegimen.stopped_on.is_(None), MedicationRegimen.stopped_on >= day),
        )
        .order_by(MedicationRegimen.id)
    ).all()
    doses = [
        f"{drug_name(drug, other)} {amount(strength)} {unit}"
        for drug, other, strength, unit, times in rows
        if minute in schedule.minutes_of(times or [])
    ]
    if not doses:
        return None
    at = schedule.clock(minute)
    return Notice(
        ReminderKind.MEDICATION, gettext("Your %(time)s reminder", time=at),
        gettext("Time for your %(time)s medication: %(doses)s.", time=at, doses=", ".join(doses)),
        "/treatments/medication", day, {"at": at, "doses": doses},
    )


# The email ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Email:
    """A rendered reminder email."""

    subject: str
    text: str
    html: str
    headers: dict[str, str]


def render_email(notice: Notice, reminder: Reminder, patient: User) -> Email:
    """Both parts, with the check-in link and the unsubscribe link and headers (RFC 8058)."""
    unsubscribe = public_url("reminders.unsubscribe", token=unsubscribe_token(reminder))
    context = {
        "notice": notice,
        "patient": patient,
        "checkin_url": public_url("journal.checkin", day=notice.day.isoformat()),
        "link_url": _absolute(notice.link),
        "settings_url": public_url("reminders.settings"),
        "unsubscribe_url": unsubscribe,
        "kind_name": str(KIND_NAMES[ReminderKind(reminder.kind)]),
        **notice.details,
    }
    return Email(
        subject=notice.subject,
        text=render_template(f"{notice.template}.txt", **context),
        html=render_template(f"{notice.template}.html", **context),
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": ONE_CLICK},
    )


def _absolute(path: str) -> str:
    """An in-app path as an absolute URL at PUBLIC_BASE_URL."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


# Inbox news about emails ------------------------------------------------------------------


def failed_text(reminder: Reminder, delivery: Delivery) -> str:
    """The inbox message after the last retry failed."""
    return gettext(
        "We tried several times to email you the %(kind)s for %(day)s at %(time)s, and could "
        "not. If this happens again, check your email address on the Account page.",
        kind=str(KIND_NAMES[ReminderKind(reminder.kind)]), day=long_date(delivery.local_day),
        time=schedule.clock(delivery.local_minute),
    )


def unknown_text(reminder: Reminder, delivery: Delivery) -> str:
    """The inbox message after a send that may or may not have gone out."""
    return gettext(
        "Something went wrong while we were emailing you the %(kind)s for %(day)s at "
        "%(time)s. It may or may not have arrived; we will not send it again, so that you "
        "never get the same reminder twice.",
        kind=str(KIND_NAMES[ReminderKind(reminder.kind)]), day=long_date(delivery.local_day),
        time=schedule.clock(delivery.local_minute),
    )
