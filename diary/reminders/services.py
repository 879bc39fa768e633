"""Reminder settings, follow-up visits and unsubscribing: what the pages call.

Each write is one transaction (write_transaction, change, replan, commit): the planned delivery
row moves with the setting that moved it. Reads return plain dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from diary import policy
from diary.clock import local_today
from diary.database import write_transaction
from diary.extensions import db
from diary.i18n import lazy_gettext
from diary.models import (
    Delivery,
    FollowUpVisit,
    MedicationRegimen,
    PatientSummary,
    Reminder,
    User,
)
from diary.models.reminder import Cadence, DeliveryState, ReminderKind, VisitSource
from diary.reminders.delivery import notices
from diary.reminders.planning import hooks, plans, schedule, visits
from diary.treatments.wording import amount, drug_name

RECENT_DELIVERIES = 10
# A weekly check-in comes on Sunday evening unless the patient picks another day.
WEEKLY_DEFAULT_DAY = 6
# Module-level, so lazy: each is read in the reader's language (docs/wording.md, Strings).
STATE_WORDS = {
    DeliveryState.PENDING: lazy_gettext("Waiting to be retried"),
    DeliveryState.SENDING: lazy_gettext("Being sent"),
    DeliveryState.SENT: lazy_gettext("Sent"),
    DeliveryState.FAILED: lazy_gettext("Could not be emailed"),
    DeliveryState.UNKNOWN: lazy_gettext("May not have arrived (not sent again)"),
    DeliveryState.MISSED: lazy_gettext("Missed (the reminder service was not running)"),
    DeliveryState.SKIPPED: lazy_gettext("Not needed"),
}


@dataclass(frozen=True)
class ReminderValues:
    """What a settings form sets; None leaves a setting as it is."""

    enabled: bool
    by_email: bool
    in_app: bool
    send_minute: int | None = None
    weekdays: int | None = None
    weeks_after: int | None = None
    notice_days: int | None = None


@dataclass(frozen=True)
class ReminderView:
    """A reminder as the settings page shows it (its defaults when it has no row yet)."""

    kind: str
    enabled: bool
    by_email: bool
    in_app: bool
    send_minute: int
    weekdays: int
    cadence: str
    weeks_after: int
    notice_days: int
    next_due: datetime | None  # in the patient's zone

    @property
    def send_time(self) -> str:
        """The local time as "HH:MM"."""
        return schedule.clock(self.send_minute)

    @property
    def days(self) -> list[int]:
        """The weekdays it comes on (0 is Monday)."""
        return [n for n in range(7) if self.weekdays & (1 << n)]

    @property
    def weekly(self) -> bool:
        """Whether the check-in reminder comes once a week."""
        return self.cadence == Cadence.WEEKLY

    def form_data(self) -> dict:
        """The values that prefill the settings form."""
        channels = [name for name, on in (("email", self.by_email), ("in_app", self.in_app)) if on]
        return {
            "enabled": self.enabled,
            "channels": channels,
            "send_time": datetime.strptime(self.send_time, "%H:%M").time(),
            "weekdays": [str(n) for n in self.days],
            "weekly_day": str(self.days[0]),
            "weeks_after": self.weeks_after,
            "notice_days": self.notice_days,
        }


@dataclass(frozen=True)
class VisitView:
    """An upcoming follow-up visit."""

    id: int
    day: date
    time: str
    place: str
    source: str


@dataclass(frozen=True)
class DoseTimesView:
    """A current regimen and the local times its doses are reminded at."""

    name: str
    times: list[str]


@dataclass(frozen=True)
class DeliveryView:
    """One recent delivery: when it was due (local), which reminder, what became of it."""

    due: datetime
    kind: str
    state: str
    words: str


@dataclass(frozen=True)
class SettingsView:
    """Everything the reminders page shows."""

    reminders: dict[str, ReminderView]
    email_verified: bool
    weeks_without_spasms: int
    visits: list[VisitView]
    clinic_schedule: visits.ScheduleView
    dose_times: list[DoseTimesView]
    recent: list[DeliveryView]

    @property
    def offer_weekly(self) -> bool:
        """Offer a weekly check-in: a long remission and still a daily reminder."""
        check_in = self.reminders[ReminderKind.CHECK_IN]
        return schedule.offers_weekly(self.weeks_without_spasms) and not check_in.weekly


# Reading ------------------------------------------------------------------------------


def settings_view(patient: User, now: datetime) -> SettingsView:
    """The patient's reminders, visits, dose times and recent deliveries (at most 8 queries)."""
    zone = ZoneInfo(patient.timezone)
    today = local_today(patient.timezone, now)
    rows = {r.kind: r for r in db.session.scalars(
        sa.select(Reminder).where(Reminder.patient_id == patient.id)
    )}
    next_due = dict(db.session.execute(
        sa.select(Reminder.kind, Delivery.due_at)
        .join(Delivery, Delivery.reminder_id == Reminder.id)
        .where(Reminder.patient_id == patient.id, Delivery.state == DeliveryState.PENDING,
               Delivery.attempts == 0)
    ).all())
    reminders = {}
    for kind in ReminderKind:
        values = _settings_of(rows.get(kind)) if kind in rows else plans.default_values(kind)
        due = next_due.get(kind.value)
        reminders[kind.value] = ReminderView(
            kind=kind.value,
            enabled=values["enabled"], by_email=values["by_email"], in_app=values["in_app"],
            send_minute=values["send_minute"], weekdays=values["weekdays"],
            cadence=values["cadence"], weeks_after=values["weeks_after"],
            notice_days=values["notice_days"],
            next_due=due.astimezone(zone) if due else None,
        )
    summary = db.session.get(PatientSummary, patient.id)
    weeks = schedule.weeks_without_spasms(
        summary.remission_start, summary.recurrence_on, summary.last_spasm, today
    ) if summary else 0
    own = upcoming_visits(patient.id, today)
    return SettingsView(
        reminders=reminders,
        email_verified=patient.email_verified,
        weeks_without_spasms=weeks,
        visits=own,
        clinic_schedule=visits.schedule_view(patient.id, today, {v.day for v in own}),
        dose_times=_dose_times(patient.id, today),
        recent=_recent(patient.id, zone),
    )


def _settings_of(reminder: Reminder) -> dict:
    """A reminder row's settings as the defaults' mapping."""
    return {name: getattr(reminder, name) for name in plans.default_values(reminder.kind)}


def upcoming_visits(patient_id: int, today: date) -> list[VisitView]:
    """Visits from today on, soonest first."""
    visits = db.session.scalars(
        sa.select(FollowUpVisit)
        .where(FollowUpVisit.patient_id == patient_id, FollowUpVisit.visit_on >= today)
        .order_by(FollowUpVisit.visit_on, FollowUpVisit.visit_minute, FollowUpVisit.id)
    )
    return [
        VisitView(v.id, v.visit_on, schedule.clock(v.visit_minute), v.place, v.source)
        for v in visits
    ]


def _dose_times(patient_id: int, today: date) -> list[DoseTimesView]:
    """Current and future regimens with the times of their doses."""
    rows = db.session.execute(
        sa.select(MedicationRegimen.drug, MedicationRegimen.drug_other,
                  MedicationRegimen.strength, MedicationRegimen.unit,
                  MedicationRegimen.times_of_day)
        .where(
            MedicationRegimen.patient_id == patient_id,
            MedicationRegimen.deleted_at.is_(None),
            sa.or_(MedicationRegimen.stopped_on.is_(None), MedicationRegimen.stopped_on >= today),
        )
        .order_by(MedicationRegimen.started_on, MedicationRegimen.id)
    )
    return [
        DoseTimesView(
            f"{drug_name(drug, other)} {amount(strength)} {unit}",
            [schedule.clock(m) for m in schedule.minutes_of(times or [])],
        )
        for drug, other, strength, unit, times in rows
    ]


def _recent(patient_id: int, zone: ZoneInfo) -> list[DeliveryView]:
    """The latest deliveries that came up (planned ones aside), newest first."""
    rows = db.session.execute(
        sa.select(Delivery.due_at, Reminder.kind, Delivery.state)
        .join(Reminder, Reminder.id == Delivery.reminder_id)
        .where(Reminder.patient_id == patient_id,
               sa.not_(sa.and_(Delivery.state == DeliveryState.PENDING, Delivery.attempts == 0)))
        .order_by(Delivery.due_at.desc(), Delivery.id.desc())
        .limit(RECENT_DELIVERIES)
    )
    return [
        DeliveryView(due.astimezone(zone), kind, state, str(STATE_WORDS[DeliveryState(state)]))
        for due, kind, state in rows
    ]


# Changing settings ----------------------------------------------------------------------


def _reminder_for_write(patient: User, kind: str) -> Reminder:
    """The patient's reminder of a kind, locked; a new one with the defaults when absent."""
    reminder = db.session.scalar(
        sa.select(Reminder)
        .where(Reminder.patient_id == patient.id, Reminder.kind == kind)
        .with_for_update()
    )
    if reminder is None:
        reminder = Reminder(patient_id=patient.id, **plans.default_values(kind))
        db.session.add(reminder)
    return reminder


def save_reminder(patient: User, kind: str, values: ReminderValues, now: datetime) -> ReminderView:
    """Save one reminder's settings and replan it; returns it as the page shows it."""
    kind = ReminderKind(kind).value
    with write_transaction():
        reminder = _reminder_for_write(patient, kind)
        reminder.enabled = values.enabled
        reminder.by_email = values.by_email
        reminder.in_app = values.in_app
        for name in ("send_minute", "weekdays", "weeks_after", "notice_days"):
            value = getattr(values, name)
            if value is not None:
                setattr(reminder, name, value)
        db.session.flush()
        plans.replan(reminder, now, time_zone=patient.timezone)
    return settings_view(patient, now).reminders[kind]


def set_cadence(patient: User, cadence: str, now: datetime) -> None:
    """Switch the check-in reminder between daily (every day) and weekly (one day)."""
    cadence = Cadence(cadence).value
    with write_transaction():
        reminder = _reminder_for_write(patient, ReminderKind.CHECK_IN)
        if reminder.cadence != cadence:
            reminder.cadence = cadence
            reminder.weekdays = (
                1 << WEEKLY_DEFAULT_DAY if cadence == Cadence.WEEKLY else schedule.EVERY_DAY
            )
        db.session.flush()
        plans.replan(reminder, now, time_zone=patient.timezone)


# Follow-up visits -----------------------------------------------------------------------


@dataclass(frozen=True)
class VisitValues:
    """A follow-up visit as the form gives it."""

    day: date
    minute: int
    place: str


def add_visit(patient: User, values: VisitValues) -> int:
    """Record a visit, and replan the follow-up reminder in the same transaction."""
    with write_transaction():
        visit = FollowUpVisit(
            patient_id=patient.id, visit_on=values.day, visit_minute=values.minute,
            place=values.place, source=VisitSource.PATIENT.value,
        )
        db.session.add(visit)
        hooks.entry_changed(visit)
    return visit.id


def delete_visit(viewer: User, visit_id: int) -> None:
    """Remove a visit the patient entered; the policy refuses anyone else's, and the
    clinic's own appointments (NotFound/NotAllowed, answered 404)."""
    with write_transaction():
        visit = policy.editable_or_404(viewer, FollowUpVisit, visit_id)
        db.session.delete(visit)
        hooks.entry_changed(visit)


# Unsubscribing --------------------------------------------------------------------------


@dataclass(frozen=True)
class Unsubscription:
    """What an unsubscribe link is for: which reminder, and whether it still emails."""

    kind: str
    name: str
    emails: bool


def unsubscription(token: str) -> Unsubscription | None:
    """The reminder a genuine unsubscribe token names (nothing changes), else None."""
    reminder = notices.reminder_of_token(token)
    if reminder is None:
        return None
    kind = ReminderKind(reminder.kind)
    return Unsubscription(kind.value, notices.KIND_NAMES[kind], reminder.by_email)


def unsubscribe(token: str, now: datetime) -> Unsubscription | None:
    """Stop the emails of the token's reminder; the inbox copy goes on if the patient had it.

    Idempotent: a second click, or a mail client's one-click POST after the patient's own,
    changes nothing more. None for a token that is not genuine.
    """
    with write_transaction():
        named = notices.reminder_of_token(token)
        # Locked; gone meanwhile when the account was just deleted (a link like any forged one).
        reminder = named and db.session.scalar(
            sa.select(Reminder).where(Reminder.id == named.id).with_for_update()
        )
        if reminder is None:
            db.session.rollback()
            return None
        reminder.by_email = False
        if not reminder.in_app:
            reminder.enabled = False  # a reminder that is on must go somewhere
        db.session.flush()
        time_zone = db.session.scalar(sa.select(User.timezone).where(User.id == reminder.patient_id))
        plans.replan(reminder, now, time_zone=time_zone)
        kind = ReminderKind(reminder.kind)
        return Unsubscription(kind.value, notices.KIND_NAMES[kind], False)


def visit_day_range(today: date) -> tuple[date, date]:
    """The dates a new visit may take: from today to two years ahead."""
    return today, today + timedelta(days=2 * 366)
