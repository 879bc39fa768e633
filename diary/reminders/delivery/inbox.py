"""The in-app inbox: reminders and news about reminder emails, read and marked read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from diary import policy
from diary.database import write_transaction
from diary.extensions import db
from diary.models import InboxMessage, User


@dataclass(frozen=True)
class MessageView:
    """One inbox message, its time in the patient's zone."""

    id: int
    topic: str
    title: str
    body: str
    link: str | None
    created: datetime
    unread: bool


@dataclass(frozen=True)
class InboxPage:
    """A page of messages, newest first."""

    messages: list[MessageView]
    page: int
    pages: int
    unread: int

    @property
    def has_prev(self) -> bool:
        """A newer page exists."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """An older page exists."""
        return self.page < self.pages


def unread_count(patient_id: int) -> int:
    """How many messages the patient has not marked read (one query, on an index)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(InboxMessage)
        .where(InboxMessage.patient_id == patient_id, InboxMessage.read_at.is_(None))
    ) or 0


def inbox_page(patient: User, page: int, per_page: int) -> InboxPage:
    """One page of the patient's messages, newest first (a fixed 3 queries)."""
    zone = ZoneInfo(patient.timezone)
    pagination = db.paginate(
        sa.select(InboxMessage)
        .where(InboxMessage.patient_id == patient.id)
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc()),
        page=page, per_page=per_page, error_out=False,
    )
    messages = [
        MessageView(m.id, m.topic, m.title, m.body, m.link, m.created_at.astimezone(zone),
                    m.read_at is None)
        for m in pagination.items
    ]
    return InboxPage(messages, pagination.page, max(pagination.pages, 1), unread_count(patient.id))


def mark_read(viewer: User, message_id: int, now: datetime) -> None:
    """Mark one of the viewer's own messages read (404 for anyone else's)."""
    with write_transaction():
        message = policy.editable_or_404(viewer, InboxMessage, message_id)
        if message.read_at is None:
            message.read_at = now


def mark_all_read(patient: User, now: datetime) -> int:
    """Mark every unread message of the patient read; returns how many."""
    with write_transaction():
        result = db.session.execute(
            sa.update(InboxMessage)
            .where(InboxMessage.patient_id == patient.id, InboxMessage.read_at.is_(None))
            .values(read_at=now)
        )
        return result.rowcount
