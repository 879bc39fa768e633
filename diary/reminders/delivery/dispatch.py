"""Dispatching due reminders: the delivery state machine of docs/decisions.md (Reminder delivery) and docs/reminders.md.

One delivery at a time, each in two short transactions around the send:

1. Claim (one transaction): take the earliest pending row that is due, locked (PostgreSQL:
   FOR UPDATE SKIP LOCKED, so several schedulers share the work; SQLite: the "dispatch" lease
   row lets one scheduler in at a time). Decide: missed (due more than 6 hours ago), skipped
   (nothing to remind of), or deliver: the inbox message is written here, and the row becomes
   "sending" under a lease when an email is to go, "sent" when the inbox was all. The next
   occurrence is planned in the same transaction.
2. Send the email, outside any transaction, with a Message-ID derived from the row.
3. Record (one transaction): "sent"; or, for an error before the handoff, "pending" again
   after a backoff, and "failed" after the last retry; or "unknown" when the connection broke
   after the data went out.

A scheduler that dies inside step 2 leaves its row "sending"; once the lease has expired the
next dispatch marks it "unknown" and tells the patient in the inbox. It is never sent again:
no reminder is ever sent twice.
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import socket
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from diary import i18n
from diary.config import setting
from diary.database import write_transaction
from diary.extensions import db
from diary.mail import HandoffUncertain, new_message_id, send_email
from diary.models import Delivery, InboxMessage, Reminder, SchedulerLease, User
from diary.models.reminder import MAX_ATTEMPTS, DeliveryState, InboxTopic
from diary.reminders.delivery import notices
from diary.reminders.planning import plans

log = logging.getLogger(__name__)

# A reminder still worth sending after downtime; older ones are recorded as missed.
MISSED_AFTER = timedelta(hours=6)
# Waits before the 2nd, 3rd and 4th attempt of an email that failed before its handoff.
RETRY_BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15))
assert len(RETRY_BACKOFF) == MAX_ATTEMPTS - 1
DISPATCH_LEASE = "dispatch"
# SQLite's dispatch lease, renewed with every claim: a scheduler that died frees it this soon.
DISPATCH_LEASE_SECONDS = 120
# How many expired "sending" rows one dispatch turns into "unknown" (the rest next time).
RECOVER_BATCH = 500
ADOPT_BATCH = 200

Pending = DeliveryState.PENDING.value


@dataclass
class DispatchReport:
    """What one dispatch did, by outcome."""

    outcomes: Counter = field(default_factory=Counter)
    adopted: int = 0
    # SQLite only: another scheduler held the dispatch lease, so this one did nothing.
    waited: bool = False

    @property
    def claimed(self) -> int:
        """Rows taken from the queue (a replanned row counts: it was looked at)."""
        return sum(self.outcomes.values())

    def __getitem__(self, outcome: str) -> int:
        return self.outcomes[outcome]


@dataclass
class Job:
    """An email to send for a claimed delivery."""

    delivery_id: int
    to: str
    message_id: str
    attempts: int
    email: notices.Email


_HOLDER: str | None = None


def process_holder() -> str:
    """This process's name in leases: host, pid and a random part (pids are reused)."""
    global _HOLDER
    if _HOLDER is None or not _HOLDER.startswith(f"{socket.gethostname()}:{os.getpid()}:"):
        _HOLDER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[:80]
    return _HOLDER


class _RunClock:
    """`now` as given, moved on by the real time this run has taken (for leases only).

    Due times are judged against the `now` the caller passes; a lease must outlast the real
    seconds a long run spends, or another scheduler would think this one dead.
    """

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._started = time.monotonic()

    def lease_until(self, seconds: int) -> datetime:
        """A lease of `seconds` from the moment the run has reached."""
        return self.now + timedelta(seconds=time.monotonic() - self._started + seconds)


def dispatch_due(
    now: datetime, *, holder: str | None = None, limit: int | None = None
) -> DispatchReport:
    """Recover dead sends, adopt old patients, then claim and deliver what is due at `now`."""
    holder = holder or process_holder()
    limit = limit if limit is not None else setting("REMINDER_BATCH_SIZE")
    clock = _RunClock(now)
    report = DispatchReport()
    with dispatch_turn(clock, holder) as mine:
        if not mine:
            report.waited = True
            return report
        report.outcomes["unknown"] += recover_expired(now)
        report.adopted = _adopt(now)
        while report.claimed < limit:
            outcome, job = claim_next(clock, holder)
            if outcome is None:
                break
            report.outcomes[outcome] += 1
            if job is not None:
                report.outcomes[deliver(job, clock, holder)] += 1
    return report


def _is_sqlite() -> bool:
    """SQLite has no row locks: one scheduler dispatches at a time under a lease row."""
    return db.engine.dialect.name == "sqlite"


@contextmanager
def dispatch_turn(clock: _RunClock, holder: str) -> Iterator[bool]:
    """On SQLite, hold the "dispatch" lease for the run (False: another scheduler has it).

    PostgreSQL needs no turn: its schedulers share the rows with SKIP LOCKED.
    """
    if not _is_sqlite():
        yield True
        return
    with write_transaction():
        lease = db.session.get(SchedulerLease, DISPATCH_LEASE)
        ours = True
        if lease is None:
            db.session.add(SchedulerLease(
                name=DISPATCH_LEASE, holder=holder,
                expires_at=clock.lease_until(DISPATCH_LEASE_SECONDS),
            ))
        elif lease.holder == holder or lease.expires_at <= clock.now:
            lease.holder = holder
            lease.expires_at = clock.lease_until(DISPATCH_LEASE_SECONDS)
        else:
            ours = False
    if not ours:
        yield False
        return
    try:
        yield True
    finally:
        db.session.rollback()  # whatever the run left open is not the lease's to commit
        with write_transaction():
            db.session.execute(
                sa.update(SchedulerLease)
                .where(SchedulerLease.name == DISPATCH_LEASE, SchedulerLease.holder == holder)
                .values(expires_at=clock.now)
            )


def _renew_turn(clock: _RunClock, holder: str) -> None:
    """Keep SQLite's dispatch lease while this run goes on (inside the claim's transaction)."""
    if _is_sqlite():
        db.session.execute(
            sa.update(SchedulerLease)
            .where(SchedulerLease.name == DISPATCH_LEASE, SchedulerLease.holder == holder)
            .values(expires_at=clock.lease_until(DISPATCH_LEASE_SECONDS))
        )


def recover_expired(now: datetime) -> int:
    """Rows left "sending" by a scheduler whose lease ran out become "unknown", never resent."""
    with write_transaction():
        rows = db.session.execute(
            sa.select(Delivery, Reminder)
            .join(Reminder, Reminder.id == Delivery.reminder_id)
            .where(Delivery.state == DeliveryState.SENDING, Delivery.lease_until < now)
            .order_by(Delivery.id)
            .limit(RECOVER_BATCH)
            .with_for_update(of=Delivery, skip_locked=True)
        ).all()
        for delivery, reminder in rows:
            log.warning("reminder delivery %s: the scheduler died while sending; marked unknown",
                        delivery.id)
            _finish(delivery, DeliveryState.UNKNOWN, now, error=delivery.error or "LeaseExpired")
            _tell(reminder, delivery, InboxTopic.EMAIL_UNKNOWN, now)
        return len(rows)


def _adopt(now: datetime) -> int:
    """Give patients without a check-in reminder their default one (docs/reminders.md)."""
    with write_transaction():
        adopted = plans.adopt_patients(now, ADOPT_BATCH)
        return adopted


def claim_next(clock: _RunClock, holder: str) -> tuple[str | None, Job | None]:
    """Claim the earliest due row, in one transaction: (its outcome, an email to send).

    The outcome is None when nothing is due. A row whose handling raises is recorded as
    failed, so that one bad row cannot stop the queue behind it.
    """
    now = clock.now
    delivery_id = None
    try:
        with write_transaction():
            _renew_turn(clock, holder)
            row = db.session.execute(
                sa.select(Delivery, Reminder, User)
                .join(Reminder, Reminder.id == Delivery.reminder_id)
                .join(User, User.id == Reminder.patient_id)
                .where(Delivery.state == Pending, Delivery.attempt_at <= now)
                .order_by(Delivery.attempt_at, Delivery.id)
                .limit(1)
                .with_for_update(of=(Delivery, Reminder), skip_locked=True)
            ).first()
            if row is None:
                return None, None
            delivery, reminder, patient = row
            delivery_id = delivery.id
            # The notice and its email in the patient's own language (docs/wording.md).
            with i18n.speaking_to(patient):
                return _decide(delivery, reminder, patient, clock, holder)
    except Exception as error:  # noqa: BLE001 (one broken row must not block every other)
        if delivery_id is None:  # no row was claimed: not a broken row
            raise
        log.exception("reminder delivery %s could not be handled", delivery_id)
        _mark_broken(delivery_id, now, type(error).__name__)
        return DeliveryState.FAILED.value, None


def _decide(
    delivery: Delivery, reminder: Reminder, patient: User, clock: _RunClock, holder: str
) -> tuple[str, Job | None]:
    """The claim's decision for one row; the caller commits."""
    now, first_time = clock.now, delivery.attempts == 0
    if first_time and patient.active and reminder.enabled:
        if not plans.still_due(reminder, delivery, patient.timezone, now):
            # The data moved under a stale plan (a bulk write): move the row, send nothing.
            plans.replan(reminder, now, time_zone=patient.timezone,
                         after=delivery.due_at - plans.JUST_BEFORE)
            return "replanned", None
    stale = delivery.due_at < now - MISSED_AFTER
    if not first_time:
        return _retry(delivery, reminder, patient, clock, holder, stale)

    if not (patient.active and reminder.enabled):
        _finish(delivery, DeliveryState.SKIPPED, now, error="ReminderOff")
        return DeliveryState.SKIPPED.value, None
    job = None
    notice = None if stale else notices.build_notice(reminder, delivery, patient)
    if stale:
        _finish(delivery, DeliveryState.MISSED, now)
    elif notice is None:
        _finish(delivery, DeliveryState.SKIPPED, now, error="NothingToRemind")
    else:
        if reminder.in_app:
            _add_message(patient.id, delivery, InboxTopic.REMINDER, notice.subject,
                         notice.text, notice.link, now)
        if reminder.by_email and patient.email_verified:
            job = _start_sending(delivery, reminder, patient, notice, clock, holder)
        elif reminder.in_app:
            _finish(delivery, DeliveryState.SENT, now)
        else:
            # Email only, to an address not confirmed yet: mail goes only to confirmed ones.
            _finish(delivery, DeliveryState.SKIPPED, now, error="EmailNotVerified")
    db.session.flush()  # this row leaves "planned" before the next one is planned
    # Plan the next occurrence; after downtime, jump past the ones too old to send.
    plans.replan(reminder, now, time_zone=patient.timezone,
                 after=max(delivery.due_at, now - MISSED_AFTER))
    return delivery.state, job


def _retry(
    delivery: Delivery, reminder: Reminder, patient: User, clock: _RunClock, holder: str,
    stale: bool,
) -> tuple[str, Job | None]:
    """Another attempt of an email that failed before its handoff."""
    now = clock.now
    if stale:
        _finish(delivery, DeliveryState.FAILED, now)
        _tell(reminder, delivery, InboxTopic.EMAIL_FAILED, now)
        return DeliveryState.FAILED.value, None
    usable = patient.active and reminder.enabled and reminder.by_email and patient.email_verified
    if not usable:
        _finish(delivery, DeliveryState.SKIPPED, now, error="ReminderOff")
        return DeliveryState.SKIPPED.value, None
    notice = notices.build_notice(reminder, delivery, patient)
    if notice is None:
        _finish(delivery, DeliveryState.SKIPPED, now, error="NothingToRemind")
        return DeliveryState.SKIPPED.value, None
    job = _start_sending(delivery, reminder, patient, notice, clock, holder)
    return "retrying", job


def _start_sending(
    delivery: Delivery, reminder: Reminder, patient: User, notice: notices.Notice,
    clock: _RunClock, holder: str,
) -> Job:
    """Put the row under this scheduler's lease and render the email it will send."""
    delivery.state = DeliveryState.SENDING.value
    delivery.attempts += 1
    delivery.holder = holder
    delivery.lease_until = clock.lease_until(setting("REMINDER_LEASE_SECONDS"))
    email = notices.render_email(notice, reminder, patient)
    return Job(
        delivery_id=delivery.id,
        to=patient.email,
        message_id=new_message_id(f"delivery-{delivery.id}"),
        attempts=delivery.attempts,
        email=email,
    )


def deliver(job: Job, clock: _RunClock, holder: str) -> str:
    """Send one claimed email and record what became of it; returns the outcome."""
    email = job.email
    try:
        send_email(job.to, email.subject, email.text, email.html, email.headers,
                   message_id=job.message_id)
    except HandoffUncertain as error:
        return _record(job, holder, clock.now, DeliveryState.UNKNOWN, str(error) or "Uncertain")
    except (smtplib.SMTPException, OSError) as error:
        # Before the handoff: nothing reached the server, so trying again cannot repeat it.
        log.warning("reminder delivery %s: attempt %s failed: %s", job.delivery_id,
                    job.attempts, type(error).__name__)
        if job.attempts < MAX_ATTEMPTS:
            return _record(job, holder, clock.now, DeliveryState.PENDING, type(error).__name__)
        return _record(job, holder, clock.now, DeliveryState.FAILED, type(error).__name__)
    return _record(job, holder, clock.now, DeliveryState.SENT, None)


def _record(job: Job, holder: str, now: datetime, state: DeliveryState, error: str | None) -> str:
    """Write the send's result, if the row is still this scheduler's (one transaction)."""
    with write_transaction():
        delivery = db.session.execute(
            sa.select(Delivery).where(Delivery.id == job.delivery_id).with_for_update()
        ).scalar_one_or_none()
        if delivery is None or delivery.holder != holder or delivery.state not in (
            DeliveryState.SENDING, DeliveryState.UNKNOWN
        ):
            return "lost"
        if delivery.state == DeliveryState.UNKNOWN and state != DeliveryState.SENT:
            # Another scheduler gave this send up for dead and told the patient; leave it so.
            return DeliveryState.UNKNOWN.value
        reminder = db.session.get(Reminder, delivery.reminder_id)
        if state == DeliveryState.SENT:
            delivery.message_id = job.message_id
            _finish(delivery, DeliveryState.SENT, now)
        elif state == DeliveryState.PENDING:
            delivery.state = Pending
            delivery.lease_until = None
            delivery.holder = None
            delivery.error = error
            delivery.attempt_at = now + RETRY_BACKOFF[delivery.attempts - 1]
            return "retry_later"
        else:
            delivery.message_id = job.message_id
            _finish(delivery, state, now, error=error)
            topic = InboxTopic.EMAIL_FAILED if state == DeliveryState.FAILED else InboxTopic.EMAIL_UNKNOWN
            _tell(reminder, delivery, topic, now)
        return state.value


def _finish(delivery: Delivery, state: DeliveryState, now: datetime, error: str | None = None) -> None:
    """Put a row in a final state."""
    delivery.state = state.value
    delivery.finished_at = now
    if error is not None:
        delivery.error = error[:80]


def _add_message(
    patient_id: int, delivery: Delivery, topic: InboxTopic, title: str, body: str,
    link: str | None, now: datetime,
) -> None:
    """One inbox message for a delivery and topic (unique: a second is never added)."""
    exists = db.session.scalar(
        sa.select(InboxMessage.id).where(
            InboxMessage.delivery_id == delivery.id, InboxMessage.topic == topic
        )
    )
    if exists is None:
        db.session.add(InboxMessage(
            patient_id=patient_id, delivery_id=delivery.id, topic=topic.value, title=title,
            body=body, link=link, created_at=now,
        ))


def _tell(reminder: Reminder, delivery: Delivery, topic: InboxTopic, now: datetime) -> None:
    """Tell the patient in the inbox that a reminder email failed or may not have arrived."""
    if topic == InboxTopic.EMAIL_FAILED:
        title, body = str(notices.SUBJECT_FAILED), notices.failed_text(reminder, delivery)
    else:
        title, body = str(notices.SUBJECT_UNKNOWN), notices.unknown_text(reminder, delivery)
    _add_message(reminder.patient_id, delivery, topic, title, body, "/reminders", now)


def _mark_broken(delivery_id: int, now: datetime, error: str) -> None:
    """Record a row whose handling raised as failed (in a transaction of its own)."""
    with write_transaction():
        delivery = db.session.get(Delivery, delivery_id)
        if delivery is None or delivery.state != Pending:
            return
        first_time = delivery.attempts == 0
        _finish(delivery, DeliveryState.FAILED, now, error=error)
        db.session.flush()
        if first_time:
            # The reminder itself goes on: its next occurrence is planned as usual.
            try:
                with db.session.begin_nested():
                    reminder = db.session.get(Reminder, delivery.reminder_id)
                    patient = db.session.get(User, reminder.patient_id)
                    plans.replan(reminder, now, time_zone=patient.timezone, after=delivery.due_at)
            except Exception:  # noqa: BLE001
                log.exception("reminder %s: could not plan past broken delivery %s",
                              delivery.reminder_id, delivery_id)
