"""Password hashing with argon2id (memory-hard), parameters from the app's settings."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from diary.config import setting

# A fixed hash used when no account matches, so "no such email" costs the same time.
_DUMMY_PASSWORD = "no account has this password"  # noqa: S105


def _hasher() -> PasswordHasher:
    """argon2id at the cost the settings give (the library's defaults; tests lower them)."""
    return PasswordHasher(
        time_cost=setting("ARGON2_TIME_COST"),
        memory_cost=setting("ARGON2_MEMORY_COST"),
        parallelism=setting("ARGON2_PARALLELISM"),
    )


def hash_password(password: str) -> str:
    """A new argon2id hash of the password."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches; without a hash, spend the same effort and say no."""
    hasher = _hasher()
    if password_hash is None:
        hasher.hash(_DUMMY_PASSWORD)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the stored hash uses weaker parameters than today's."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
