"""Reminders: what a patient asked to be reminded of, each delivery of it, and the inbox.

A reminder is a patient's setting (kind, local time, days, channels). Each moment it falls
due is one delivery row, unique on (reminder, due time), which moves through the states of
docs/reminders.md: planned as "pending", claimed as "sending" under a lease, then "sent",
"failed", "unknown" (a crash inside the send: shown, never resent), "missed" (due while no
scheduler ran) or "skipped" (nothing to remind of, e.g. today is already logged).
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from diary.extensions import db
from diary.models.journal import _in
from diary.orm import utc_now

MINUTES_PER_DAY = 24 * 60
EVERY_DAY = 0b1111111  # bit n is date.weekday() n: Monday is 1, Sunday 64
ONE_DAY_MASKS = tuple(1 << n for n in range(7))
MIN_WEEKS_AFTER_INJECTION = 4
MAX_WEEKS_AFTER_INJECTION = 52
MAX_NOTICE_DAYS = 28
# Three retries after the first attempt (docs/reminders.md, Retries).
MAX_ATTEMPTS = 4
MAX_PLACE_LENGTH = 120
MAX_TITLE_LENGTH = 200


class ReminderKind(enum.StrEnum):
    """What a reminder is about."""

    CHECK_IN = "check_in"
    INJECTION = "injection"
    FOLLOW_UP = "follow_up"
    MEDICATION = "medication"


class Cadence(enum.StrEnum):
    """How often the check-in reminder comes: daily, or weekly in a long remission."""

    DAILY = "daily"
    WEEKLY = "weekly"


class DeliveryState(enum.StrEnum):
    """Where one delivery stands (docs/reminders.md, States)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    MISSED = "missed"
    SKIPPED = "skipped"


class InboxTopic(enum.StrEnum):
    """What an in-app message is: a reminder, news about an email that went wrong, or news
    about a clinic the patient shares with (a member joined)."""

    REMINDER = "reminder"
    EMAIL_FAILED = "email_failed"
    EMAIL_UNKNOWN = "email_unknown"
    CLINIC_MEMBER = "clinic_member"


class VisitSource(enum.StrEnum):
    """Who entered a follow-up visit; the clinic's own schedule arrives with the clinic."""

    PATIENT = "patient"
    CLINIC = "clinic"


class Reminder(db.Model):
    """One patient's setting for one kind of reminder; at most one per kind."""

    __tablename__ = "reminders"
    __table_args__ = (
        sa.UniqueConstraint("patient_id", "kind"),
        sa.CheckConstraint(_in("kind", tuple(ReminderKind), nullable=False), name="kind_known"),
        sa.CheckConstraint(_in("cadence", tuple(Cadence), nullable=False), name="cadence_known"),
        sa.CheckConstraint(
            f"send_minute BETWEEN 0 AND {MINUTES_PER_DAY - 1}", name="send_minute_range"
        ),
        sa.CheckConstraint(f"weekdays BETWEEN 1 AND {EVERY_DAY}", name="weekdays_range"),
        sa.CheckConstraint(
            f"cadence <> 'weekly' OR weekdays IN {ONE_DAY_MASKS!r}", name="weekly_one_day"
        ),
        sa.CheckConstraint(
            f"weeks_after BETWEEN {MIN_WEEKS_AFTER_INJECTION} AND {MAX_WEEKS_AFTER_INJECTION}",
            name="weeks_after_range",
        ),
        sa.CheckConstraint(
            f"notice_days BETWEEN 0 AND {MAX_NOTICE_DAYS}", name="notice_days_range"
        ),
        # A reminder that is on goes somewhere: by email, to the inbox, or both.
        sa.CheckConstraint("NOT enabled OR by_email OR in_app", name="channel_chosen"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    patient_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(12))
    enabled: so.Mapped[bool] = so.mapped_column(
        sa.Boolean(create_constraint=True, name="enabled_bool"), default=False
    )
    by_email: so.Mapped[bool] = so.mapped_column(
        sa.Boolean(create_constraint=True, name="by_email_bool"), default=True
    )
    in_app: so.Mapped[bool] = so.mapped_column(
        sa.Boolean(create_constraint=True, name="in_app_bool"), default=True
    )
    # The patient's local wall time, in minutes after midnight.
    send_minute: so.Mapped[int] = so.mapped_column(default=20 * 60)
    # Check-in reminders: the days it comes (a bit mask), daily or weekly.
    weekdays: so.Mapped[int] = so.mapped_column(default=EVERY_DAY)
    cadence: so.Mapped[str] = so.mapped_column(sa.String(8), default=Cadence.DAILY.value)
    # Injection reminders: weeks after the last injection the next one is due.
    weeks_after: so.Mapped[int] = so.mapped_column(default=12)
    # Injection and follow-up reminders: how many days ahead to remind.
    notice_days: so.Mapped[int] = so.mapped_column(default=7)
    # What the emails' unsubscribe link names: random, never the row or the patient's id,
    # and untouched by logging out, so the link works as long as the emails are read.
    unsubscribe_key: so.Mapped[str] = so.mapped_column(
        sa.String(43), unique=True, default=lambda: secrets.token_urlsafe(32)
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utc_now, onupdate=utc_now)

    def __repr__(self) -> str:
        return f"<Reminder {self.id} {self.kind} patient={self.patient_id}>"


class Delivery(db.Model):
    """One due moment of one reminder, and what became of it."""

    __tablename__ = "reminder_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("reminder_id", "due_at"),
        # What the scheduler asks for on every tick: pending rows by the time they may go.
        sa.Index("ix_reminder_deliveries_state_attempt_at", "state", "attempt_at"),
        # A reminder has at most one planned (never tried) occurrence at a time.
        sa.Index(
            "uq_reminder_deliveries_one_planned",
            "reminder_id",
            unique=True,
            sqlite_where=sa.text("state = 'pending' AND attempts = 0"),
            postgresql_where=sa.text("state = 'pending' AND attempts = 0"),
        ),
        sa.CheckConstraint(_in("state", tuple(DeliveryState), nullable=False), name="state_known"),
        sa.CheckConstraint(f"attempts BETWEEN 0 AND {MAX_ATTEMPTS}", name="attempts_range"),
        sa.CheckConstraint("state <> 'sending' OR lease_until IS NOT NULL", name="sending_leased"),
        sa.CheckConstraint(
            f"local_minute BETWEEN 0 AND {MINUTES_PER_DAY - 1}", name="local_minute_range"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    reminder_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("reminders.id", ondelete="CASCADE")
    )
    # The moment it falls due (UTC), and the patient's local day and wall time it stands for.
    due_at: so.Mapped[datetime]
    local_day: so.Mapped[date]
    local_minute: so.Mapped[int]
    state: so.Mapped[str] = so.mapped_column(sa.String(8), default=DeliveryState.PENDING.value)
    # Email attempts so far; the next one may start at attempt_at.
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    attempt_at: so.Mapped[datetime]
    # While "sending": the scheduler inside the send, and until when its claim holds.
    lease_until: so.Mapped[datetime | None]
    holder: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    message_id: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    # The type of the last error only: its text may quote the recipient.
    error: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    finished_at: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utc_now, onupdate=utc_now)

    def __repr__(self) -> str:
        return f"<Delivery {self.id} reminder={self.reminder_id} {self.state} {self.due_at}>"


class InboxMessage(db.Model):
    """A message in the patient's in-app inbox; at most one per delivery and topic."""

    __tablename__ = "inbox_messages"
    __table_args__ = (
        sa.UniqueConstraint("delivery_id", "topic"),
        sa.Index("ix_inbox_messages_patient_read", "patient_id", "read_at"),
        sa.CheckConstraint(_in("topic", tuple(InboxTopic), nullable=False), name="topic_known"),
        sa.CheckConstraint(
            f"length(title) BETWEEN 1 AND {MAX_TITLE_LENGTH}", name="title_length"
        ),
        sa.CheckConstraint("link IS NULL OR link LIKE '/%'", name="link_local"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    patient_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    delivery_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("reminder_deliveries.id", ondelete="CASCADE")
    )
    topic: so.Mapped[str] = so.mapped_column(sa.String(16))
    title: so.Mapped[str] = so.mapped_column(sa.String(MAX_TITLE_LENGTH))
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    # A path inside this app (the check-in of the day, the medication page).
    link: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    read_at: so.Mapped[datetime | None]


class FollowUpVisit(db.Model):
    """A follow-up appointment: entered by the patient (the clinic's schedule comes later)."""

    __tablename__ = "follow_up_visits"
    __table_args__ = (
        sa.Index("ix_follow_up_visits_patient_day", "patient_id", "visit_on"),
        sa.CheckConstraint(_in("source", tuple(VisitSource), nullable=False), name="source_known"),
        sa.CheckConstraint(
            f"visit_minute BETWEEN 0 AND {MINUTES_PER_DAY - 1}", name="visit_minute_range"
        ),
        sa.CheckConstraint(
            f"length(place) BETWEEN 1 AND {MAX_PLACE_LENGTH}", name="place_length"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    patient_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # The patient's local date and wall time of the appointment.
    visit_on: so.Mapped[date]
    visit_minute: so.Mapped[int]
    place: so.Mapped[str] = so.mapped_column(sa.String(MAX_PLACE_LENGTH))
    source: so.Mapped[str] = so.mapped_column(sa.String(8), default=VisitSource.PATIENT.value)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utc_now, onupdate=utc_now)


class SchedulerLease(db.Model):
    """A named lease: on SQLite, the scheduler holding "dispatch" is the only one dispatching."""

    __tablename__ = "scheduler_leases"
    __table_args__ = (sa.CheckConstraint("length(name) >= 1", name="name_present"),)

    name: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    holder: so.Mapped[str] = so.mapped_column(sa.String(80))
    expires_at: so.Mapped[datetime]
