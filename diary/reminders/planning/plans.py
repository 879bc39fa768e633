"""Planning: every enabled reminder keeps its next due moment as one pending delivery row.

The row is the schedule (stored in UTC, computed in the patient's zone by schedule.py).
Whatever changes what a reminder depends on (its settings, the patient's time zone, an
injection, a surgery, a regimen, a visit, a link to a clinic or that clinic's follow-up
schedule) calls replan() inside the same write transaction,
so the planned row never disagrees with the data for longer than that transaction. The
dispatcher checks each row once more when it claims it (docs/reminders.md, Planning).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from diary.clock import local_today
from diary.database import dialect_insert
from diary.extensions import db
from diary.models import (
    Delivery,
    FollowUpVisit,
    Injection,
    MedicationRegimen,
    Reminder,
    Role,
    User,
)
from diary.models.reminder import Cadence, DeliveryState, ReminderKind
from diary.reminders.planning import schedule, visits
from diary.reminders.planning.schedule import Occurrence
from diary.treatments.queries import reference_surgery_of

# The moment just before another, to ask for "this one or the next".
JUST_BEFORE = timedelta(microseconds=1)
# A replan steps past due times that already have a row (sent, skipped...); a handful is
# all a real reminder meets, so this only guards against a loop.
MAX_TAKEN_STEPS = 50

DEFAULT_SEND_MINUTE = {
    ReminderKind.CHECK_IN: 20 * 60,
    ReminderKind.INJECTION: 9 * 60,
    ReminderKind.FOLLOW_UP: 18 * 60,
    ReminderKind.MEDICATION: 0,  # unused: doses come at their regimens' times
}
DEFAULT_NOTICE_DAYS = {ReminderKind.INJECTION: 7, ReminderKind.FOLLOW_UP: 1}


def default_values(kind: str) -> dict:
    """A new reminder's settings: only the daily check-in is on until the patient says so."""
    kind = ReminderKind(kind)
    return {
        "kind": kind.value,
        "enabled": kind == ReminderKind.CHECK_IN,
        "by_email": True,
        "in_app": True,
        "send_minute": DEFAULT_SEND_MINUTE[kind],
        "weekdays": schedule.EVERY_DAY,
        "cadence": Cadence.DAILY.value,
        "weeks_after": 12,
        "notice_days": DEFAULT_NOTICE_DAYS.get(kind, 7),
    }


@dataclass(frozen=True)
class ScheduleInputs:
    """What one reminder's due times depend on beyond its own settings."""

    zone: ZoneInfo
    last_injection: date | None = None
    reference_surgery: date | None = None
    visits: tuple[schedule.Visit, ...] = field(default=())
    regimens: tuple[schedule.DoseTimes, ...] = field(default=())


def load_inputs(reminder: Reminder, time_zone: str, today: date) -> ScheduleInputs:
    """Read the inputs of a reminder's kind (at most three queries; none for a check-in)."""
    zone = ZoneInfo(time_zone)
    patient_id = reminder.patient_id
    if reminder.kind == ReminderKind.INJECTION:
        last = db.session.scalar(
            sa.select(sa.func.max(Injection.injected_on)).where(
                Injection.patient_id == patient_id, Injection.deleted_at.is_(None)
            )
        )
        surgery = reference_surgery_of(patient_id)
        return ScheduleInputs(
            zone, last_injection=last, reference_surgery=surgery.performed_on if surgery else None
        )
    if reminder.kind == ReminderKind.FOLLOW_UP:
        return ScheduleInputs(zone, visits=follow_up_visits(patient_id, today))
    if reminder.kind == ReminderKind.MEDICATION:
        rows = db.session.execute(
            sa.select(
                MedicationRegimen.started_on,
                MedicationRegimen.stopped_on,
                MedicationRegimen.times_of_day,
            ).where(
                MedicationRegimen.patient_id == patient_id,
                MedicationRegimen.deleted_at.is_(None),
                sa.or_(
                    MedicationRegimen.stopped_on.is_(None),
                    MedicationRegimen.stopped_on >= today - timedelta(days=1),
                ),
            )
        )
        return ScheduleInputs(
            zone,
            regimens=tuple(
                schedule.DoseTimes(start, stop, schedule.minutes_of(times or []))
                for start, stop, times in rows
            ),
        )
    return ScheduleInputs(zone)


def follow_up_visits(patient_id: int, today: date) -> tuple[schedule.Visit, ...]:
    """The visits the follow-up reminder announces from yesterday on: at most 3 queries.

    The patient's own appointments, and the dates the schedules of the clinics the patient
    shares with suggest (reminders/visits.py), computed now rather than stored; a suggested
    date on the day of an own appointment is that appointment.
    """
    since = today - timedelta(days=1)
    own = [
        schedule.Visit(d, m)
        for d, m in db.session.execute(
            sa.select(FollowUpVisit.visit_on, FollowUpVisit.visit_minute).where(
                FollowUpVisit.patient_id == patient_id, FollowUpVisit.visit_on >= since
            )
        )
    ]
    suggested = visits.without_own_days(
        visits.suggested_visits(patient_id, since), (v.day for v in own)
    )
    return (*own, *visits.as_schedule_visits(suggested))


def next_occurrence(
    reminder: Reminder, inputs: ScheduleInputs, after: datetime
) -> Occurrence | None:
    """The reminder's first due moment strictly after `after`, by its kind's rule."""
    kind, zone = reminder.kind, inputs.zone
    if kind == ReminderKind.CHECK_IN:
        return schedule.check_in_after(after, zone, reminder.send_minute, reminder.weekdays)
    if kind == ReminderKind.INJECTION:
        return schedule.injection_due_after(
            after,
            zone,
            reminder.send_minute,
            last_injection=inputs.last_injection,
            reference_surgery=inputs.reference_surgery,
            weeks_after=reminder.weeks_after,
            notice_days=reminder.notice_days,
        )
    if kind == ReminderKind.FOLLOW_UP:
        return schedule.follow_up_after(
            after, zone, reminder.send_minute, notice_days=reminder.notice_days,
            visits=inputs.visits,
        )
    if kind == ReminderKind.MEDICATION:
        return schedule.medication_after(after, zone, inputs.regimens)
    raise ValueError(f"unknown reminder kind {kind!r}")


def planned_row(reminder_id: int) -> Delivery | None:
    """The reminder's planned (pending, never tried) delivery, if any."""
    return db.session.scalar(
        sa.select(Delivery).where(
            Delivery.reminder_id == reminder_id,
            Delivery.state == DeliveryState.PENDING,
            Delivery.attempts == 0,
        )
    )


def _taken(reminder_id: int, due_at: datetime, exclude: Delivery | None) -> bool:
    """Whether another row already stands for this due moment (sent, skipped, ...)."""
    query = sa.select(Delivery.id).where(
        Delivery.reminder_id == reminder_id, Delivery.due_at == due_at
    )
    if exclude is not None and exclude.id is not None:
        query = query.where(Delivery.id != exclude.id)
    return db.session.scalar(query.limit(1)) is not None


def replan(
    reminder: Reminder,
    now: datetime,
    *,
    time_zone: str,
    after: datetime | None = None,
) -> Delivery | None:
    """Make the reminder's planned row its next due moment, in the caller's transaction.

    Without `after`, the next moment is sought from now, or from the planned row's own
    moment when that is already due and not yet sent (a change of settings then neither
    loses nor repeats it). Returns the planned row, or None when nothing is due any more.
    """
    planned = planned_row(reminder.id)
    if not reminder.enabled:
        if planned is not None:
            db.session.delete(planned)
            db.session.flush()
        return None
    if after is None:
        after = now if planned is None else min(now, planned.due_at - JUST_BEFORE)
    inputs = load_inputs(reminder, time_zone, local_today(time_zone, now))
    occurrence = next_occurrence(reminder, inputs, after)
    for _ in range(MAX_TAKEN_STEPS):
        if occurrence is None or not _taken(reminder.id, occurrence.due_at, planned):
            break
        occurrence = next_occurrence(reminder, inputs, occurrence.due_at)
    else:
        occurrence = None
    if occurrence is None:
        if planned is not None:
            db.session.delete(planned)
            db.session.flush()
        return None
    if planned is None:
        planned = Delivery(reminder_id=reminder.id, state=DeliveryState.PENDING.value, attempts=0)
        db.session.add(planned)
    planned.due_at = occurrence.due_at
    planned.attempt_at = occurrence.due_at
    planned.local_day = occurrence.local_day
    planned.local_minute = occurrence.local_minute
    db.session.flush()
    return planned


def still_due(reminder: Reminder, delivery: Delivery, time_zone: str, now: datetime) -> bool:
    """Whether a planned row's moment is still one of the reminder's by today's data."""
    inputs = load_inputs(reminder, time_zone, min(delivery.local_day, local_today(time_zone, now)))
    occurrence = next_occurrence(reminder, inputs, delivery.due_at - JUST_BEFORE)
    return occurrence is not None and occurrence.due_at == delivery.due_at


def replan_patient(patient_id: int, now: datetime, kinds: set[str] | None = None) -> None:
    """Replan the patient's reminders (of some kinds), locking them against the scheduler."""
    account = db.session.execute(
        sa.select(User.timezone, User.active).where(User.id == patient_id)
    ).first()
    if account is None:
        return
    query = sa.select(Reminder).where(Reminder.patient_id == patient_id)
    if kinds is not None:
        query = query.where(Reminder.kind.in_(sorted(kinds)))
    for reminder in db.session.scalars(query.order_by(Reminder.id).with_for_update()):
        if account.active:
            replan(reminder, now, time_zone=account.timezone)
        elif (planned := planned_row(reminder.id)) is not None:
            # A deactivated account is reminded of nothing; reactivating plans again.
            db.session.delete(planned)
            db.session.flush()


def create_default_check_in(patient: User, now: datetime) -> Reminder:
    """The daily check-in reminder every new patient starts with (on, 20:00), planned."""
    reminder = Reminder(patient_id=patient.id, **default_values(ReminderKind.CHECK_IN))
    db.session.add(reminder)
    db.session.flush()
    replan(reminder, now, time_zone=patient.timezone)
    return reminder


def adopt_patients(now: datetime, limit: int) -> int:
    """Give patients from before reminders existed their default check-in reminder.

    Concurrent schedulers may pick the same patient: the insert skips a reminder that
    already exists (the unique patient and kind), and only the one that inserted plans it.
    """
    has_one = (
        sa.select(Reminder.id)
        .where(Reminder.patient_id == User.id, Reminder.kind == ReminderKind.CHECK_IN)
        .exists()
    )
    rows = db.session.execute(
        sa.select(User.id, User.timezone)
        .where(User.role == Role.PATIENT, User.active.is_(True), ~has_one)
        .order_by(User.id)
        .limit(limit)
    ).all()
    adopted = 0
    for patient_id, time_zone in rows:
        values = {**default_values(ReminderKind.CHECK_IN), "patient_id": patient_id,
                  "created_at": now, "updated_at": now}
        statement = (
            dialect_insert(Reminder.__table__)
            .values(values)
            .on_conflict_do_nothing(index_elements=["patient_id", "kind"])
            .returning(Reminder.__table__.c.id)
        )
        reminder_id = db.session.execute(statement).scalar()
        if reminder_id is not None:
            replan(db.session.get(Reminder, reminder_id), now, time_zone=time_zone)
            adopted += 1
    return adopted
