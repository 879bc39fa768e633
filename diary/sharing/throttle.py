"""Throttling of share-code redemption and invitations, counted in the login throttle's table.

Attempts are rows in login_failures under the scopes share_account and share_address, so every
web process sees the same count (TRAPS.md, Throttling). Redemption counts failures (a wrong,
expired or used code); invitations count every invitation sent, since there is nothing to fail.
The two are kept apart by a prefix of the key, so a clinician's invitations never lock their
code entry. A throttled request is answered 429 before anything is checked, even a right code.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from diary.clock import utcnow
from diary.database import begin_write
from diary.extensions import db
from diary.models import LoginFailure

ACCOUNT = "share_account"
ADDRESS = "share_address"
REDEEM = "code"
INVITE = "invite"
KEY_MAX_LENGTH = 254  # login_failures.key
# Defaults; the app's config may override them (docs/sharing.md).
DEFAULTS = {
    "SHARE_MAX_FAILURES_PER_ACCOUNT": 10,
    "SHARE_MAX_FAILURES_PER_ADDRESS": 30,
    "SHARE_THROTTLE_WINDOW_MINUTES": 15,
}


def setting(name: str) -> int:
    """A throttle setting from the app's config, or its default."""
    return int(current_app.config.get(name, DEFAULTS[name]))


def _key(kind: str, value: str | int | None) -> str:
    """The row key: what is counted and for whom; a missing address shares one key."""
    return f"{kind}:{value if value is not None else 'unknown'}"[:KEY_MAX_LENGTH]


def window_start() -> datetime:
    """The oldest attempt that still counts."""
    return utcnow() - timedelta(minutes=setting("SHARE_THROTTLE_WINDOW_MINUTES"))


def attempt_counts(kind: str, account_id: int, address: str | None) -> tuple[int, int]:
    """Recent attempts of this kind for the account and for the address, in one query."""
    is_account = sa.and_(LoginFailure.scope == ACCOUNT, LoginFailure.key == _key(kind, account_id))
    is_address = sa.and_(LoginFailure.scope == ADDRESS, LoginFailure.key == _key(kind, address))
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((is_account, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((is_address, 1), else_=0)), 0),
        ).where(LoginFailure.attempted_at >= window_start(), sa.or_(is_account, is_address))
    ).one()
    return int(row[0]), int(row[1])


def is_throttled(kind: str, account_id: int, address: str | None) -> bool:
    """Whether the account or the address has used up its attempts in the window."""
    by_account, by_address = attempt_counts(kind, account_id, address)
    return (
        by_account >= setting("SHARE_MAX_FAILURES_PER_ACCOUNT")
        or by_address >= setting("SHARE_MAX_FAILURES_PER_ADDRESS")
    )


def count_attempt(kind: str, account_id: int, address: str | None) -> None:
    """Count one attempt against the account and the address, and commit; prune old rows."""
    begin_write()
    now = utcnow()
    db.session.add(LoginFailure(scope=ACCOUNT, key=_key(kind, account_id), attempted_at=now))
    db.session.add(LoginFailure(scope=ADDRESS, key=_key(kind, address), attempted_at=now))
    db.session.execute(
        sa.delete(LoginFailure).where(
            LoginFailure.scope.in_((ACCOUNT, ADDRESS)), LoginFailure.attempted_at < window_start()
        )
    )
    db.session.commit()


def retry_after_seconds() -> int:
    """How long a throttled visitor should wait, for the Retry-After header."""
    return setting("SHARE_THROTTLE_WINDOW_MINUTES") * 60
