"""Login throttling per account and per address, counted in the database.

Failures are rows in login_failures, so every web process and worker sees the same count
(TRAPS.md, Throttling: an in-memory limiter counts per process).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from diary.clock import utcnow
from diary.database import begin_write
from diary.extensions import db
from diary.models import LoginFailure

ACCOUNT = "account"
ADDRESS = "address"
KEY_MAX_LENGTH = 254  # login_failures.key


def _key(value: str | None) -> str:
    """A key that fits the column; a missing address still counts, under one shared key."""
    return (value or "unknown")[:KEY_MAX_LENGTH]


def window_start() -> datetime:
    """The oldest failure moment that still counts."""
    minutes = current_app.config["LOGIN_THROTTLE_WINDOW_MINUTES"]
    return utcnow() - timedelta(minutes=minutes)


def failure_counts(account: str | None, address: str | None) -> tuple[int, int]:
    """Recent failures for the account and for the address, in one query."""
    is_account = sa.and_(LoginFailure.scope == ACCOUNT, LoginFailure.key == _key(account))
    is_address = sa.and_(LoginFailure.scope == ADDRESS, LoginFailure.key == _key(address))
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((is_account, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((is_address, 1), else_=0)), 0),
        ).where(
            LoginFailure.attempted_at >= window_start(),
            sa.or_(is_account, is_address) if account is not None else is_address,
        )
    ).one()
    return int(row[0]), int(row[1])


def is_throttled(account: str | None, address: str | None) -> bool:
    """Whether either limit is reached; the caller then answers 429 without checking anything."""
    cfg = current_app.config
    by_account, by_address = failure_counts(account, address)
    return (
        account is not None and by_account >= cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    ) or by_address >= cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]


def record_failure(account: str | None, address: str | None) -> None:
    """Count a failure against the address (and the account when given); prune expired rows."""
    begin_write()
    now = utcnow()
    db.session.add(LoginFailure(scope=ADDRESS, key=_key(address), attempted_at=now))
    if account is not None:
        db.session.add(LoginFailure(scope=ACCOUNT, key=_key(account), attempted_at=now))
    # Opportunistic pruning: rows older than the window no longer count for anyone.
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.attempted_at < window_start()))
    db.session.commit()


def clear_account(account: str) -> None:
    """Drop an account's failures, inside the caller's write transaction (after a reset)."""
    db.session.execute(
        sa.delete(LoginFailure).where(LoginFailure.scope == ACCOUNT, LoginFailure.key == _key(account))
    )
