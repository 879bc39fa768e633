"""Signed tokens for email links, dated by the app clock.

itsdangerous signs the payload; the age is checked here against utcnow() rather than with
TimestampSigner (which reads time.time()), so the clock that tests freeze also governs expiry.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer

from diary.clock import utcnow
from diary.config import setting
from diary.extensions import db
from diary.models import User

VERIFY_EMAIL = "verify-email"
RESET_PASSWORD = "reset-password"  # noqa: S105 (a purpose, not a password)
SET_PASSWORD = "set-password"  # noqa: S105 (an invited clinician's first password)
# A registration's second step: names the address, not an account (there is none yet).
REGISTER = "register"

# Servers in a cluster disagree by a little; a token "from the future" within this is accepted.
CLOCK_SKEW_SECONDS = 300


def _serializer(purpose: str) -> URLSafeSerializer:
    """A serializer whose salt binds tokens to one purpose (a reset token never verifies)."""
    return URLSafeSerializer(setting("SECRET_KEY"), salt=f"diary.auth.{purpose}")


def issue(purpose: str, **claims: Any) -> str:
    """A URL-safe token carrying the claims and its issue time."""
    return _serializer(purpose).dumps({**claims, "iat": int(utcnow().timestamp())})


def account_of(claims: dict[str, Any] | None, *, for_update: bool = False) -> User | None:
    """The account whose current key the claims name, else None.

    Tokens name an account by its random `token_key`, never by row id: a deleted account's
    key names nobody, and a password change replaces it (docs/security.md).
    """
    if claims is None or not isinstance(claims.get("key"), str):
        return None
    query = sa.select(User).where(User.token_key == claims["key"])
    if for_update:
        query = query.with_for_update()
    return db.session.scalar(query)


def read(purpose: str, token: str, max_age_seconds: int) -> dict[str, Any] | None:
    """The claims of a genuine, unexpired token for this purpose, else None."""
    try:
        claims = _serializer(purpose).loads(token)
    except BadSignature:
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("iat"), int):
        return None
    age = utcnow().timestamp() - claims["iat"]
    if age > max_age_seconds or age < -CLOCK_SKEW_SECONDS:
        return None
    return claims
