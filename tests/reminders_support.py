"""Helpers for the reminder tests: reading deliveries and the inbox, dispatching, an SMTP sink."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import sqlalchemy as sa
from flask import Flask

from diary.extensions import db
from diary.models import Delivery, InboxMessage, Reminder, User
from diary.reminders import services
from diary.reminders.delivery.dispatch import DispatchReport, dispatch_due


@dataclass(frozen=True)
class DeliveryRow:
    """A delivery as the tests read it."""

    id: int
    kind: str
    due_at: datetime
    state: str
    attempts: int
    attempt_at: datetime
    message_id: str | None
    error: str | None


def deliveries(app: Flask, patient_id: int | None = None) -> list[DeliveryRow]:
    """Every delivery (of one patient), by due time."""
    with app.app_context():
        query = (
            sa.select(Delivery.id, Reminder.kind, Delivery.due_at, Delivery.state,
                      Delivery.attempts, Delivery.attempt_at, Delivery.message_id, Delivery.error)
            .join(Reminder, Reminder.id == Delivery.reminder_id)
            .order_by(Delivery.due_at, Delivery.id)
        )
        if patient_id is not None:
            query = query.where(Reminder.patient_id == patient_id)
        return [DeliveryRow(*row) for row in db.session.execute(query)]


def planned(app: Flask, patient_id: int, kind: str = "check_in") -> DeliveryRow | None:
    """The reminder's planned (pending, untried) delivery."""
    rows = [d for d in deliveries(app, patient_id)
            if d.kind == kind and d.state == "pending" and d.attempts == 0]
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


def states(app: Flask, patient_id: int | None = None) -> list[str]:
    """The states of the deliveries that came up (planned ones aside), by due time."""
    return [d.state for d in deliveries(app, patient_id) if not (d.state == "pending" and d.attempts == 0)]


def inbox(app: Flask, patient_id: int) -> list[tuple[str, str, str, str | None]]:
    """The patient's inbox: (topic, title, body, link), oldest first."""
    with app.app_context():
        return [
            tuple(row)
            for row in db.session.execute(
                sa.select(InboxMessage.topic, InboxMessage.title, InboxMessage.body, InboxMessage.link)
                .where(InboxMessage.patient_id == patient_id)
                .order_by(InboxMessage.id)
            )
        ]


def dispatch(app: Flask, now: datetime, **kwargs) -> DispatchReport:
    """One dispatch at `now`, as the scheduler's tick runs it."""
    with app.app_context():
        return dispatch_due(now, **kwargs)


def save_reminder(app: Flask, patient_id: int, kind: str, now: datetime, **values) -> None:
    """Change a reminder's settings through the service the settings page uses."""
    with app.app_context():
        patient = db.session.get(User, patient_id)
        current = services.settings_view(patient, now).reminders[kind]
        merged = {
            "enabled": current.enabled, "by_email": current.by_email, "in_app": current.in_app,
            "send_minute": current.send_minute, "weekdays": current.weekdays,
            "weeks_after": current.weeks_after, "notice_days": current.notice_days,
        } | values
        services.save_reminder(patient, kind, services.ReminderValues(**merged), now)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# A real SMTP server on loopback ---------------------------------------------------------


@dataclass
class SmtpSink:
    """What aiosmtpd received, and ways to make it misbehave."""

    port: int
    received: list[EmailMessage] = field(default_factory=list)
    # Reply to RCPT with this instead of accepting (a temporary refusal, say).
    refuse_rcpt: str | None = None
    # Take the data of the n-th message (1-based), then drop the connection without a reply.
    drop_after_data: int | None = None
    # Take the data of the n-th message, then stall its reply until `release()`.
    stall_data: int | None = None
    got_stalled: threading.Event = field(default_factory=threading.Event)
    _release: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def message_ids(self) -> list[str]:
        """The Message-IDs received, in order."""
        with self._lock:
            return [m["Message-ID"] for m in self.received]

    def release(self) -> None:
        """Let a stalled reply go (to whoever is still connected)."""
        if self._loop is not None and self._release is not None:
            self._loop.call_soon_threadsafe(self._release.set)

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
        with self._lock:
            self.received.append(message)
            count = len(self.received)
        if self.drop_after_data == count:
            server.transport.close()
            return "250 OK"
        if self.stall_data == count:
            self._loop = asyncio.get_running_loop()
            self._release = asyncio.Event()
            self.got_stalled.set()
            await self._release.wait()
        return "250 OK"


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    """aiosmtpd on 127.0.0.1 and a free port, collecting what it is sent."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        sink.release()
        controller.stop()
