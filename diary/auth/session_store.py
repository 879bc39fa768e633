"""The session rows as the cores see them: what a key is kept as, ending an account's
sessions, counting and pruning them. Logging in and out, the cookie and the before-request
checks are the web layer's (diary/auth/sessions.py)."""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa

from diary.clock import utcnow
from diary.database import write_transaction
from diary.extensions import db
from diary.models import UserSession

# Keys are 43 characters (256 bits); anything else in a cookie is not ours.
KEY_LENGTH = 43


def key_hash(key: str) -> str:
    """What the database keeps of a session key."""
    return hashlib.sha256(key.encode()).hexdigest()


def end_all(user_id: int) -> None:
    """Delete every session of the account, in the caller's transaction."""
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user_id))


def live_count(user_id: int) -> int:
    """How many live sessions the account has (the account page says so)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(UserSession)
        .where(UserSession.user_id == user_id, UserSession.expires_at > utcnow())
    )


def prune(now: datetime) -> int:
    """Delete the expired sessions (the scheduler's job); returns how many."""
    with write_transaction():
        deleted = db.session.execute(
            sa.delete(UserSession).where(UserSession.expires_at <= now)
        ).rowcount
        return deleted
