"""The second factor of clinicians and administrators: TOTP (RFC 6238) and recovery codes.

Codes are checked against the app clock (diary.clock.utcnow), never time.time(), so tests
move through time steps without sleeping. A code is accepted for the current 30-second step
and one step either side (clocks on phones drift); the accepted step is stored, and a code of
that step or an earlier one is refused, so a code works once even when two requests race
(the update is conditional on the stored step, in SQL). Recovery codes are kept as SHA-256
hashes of their normalised text: ten random characters from a 32-letter alphabet are too many
to guess, so a slow hash would add nothing but cost.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
import segno
import sqlalchemy as sa

from diary import throttle
from diary.auth import session_store
from diary.clock import utcnow
from diary.database import write_transaction
from diary.extensions import db
from diary.models import RecoveryCode, User

ISSUER = "Spasm Diary"
STEP_SECONDS = 30
DIGITS = 6
# Steps either side of the current one that still count (RFC 6238, section 5.2).
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# Letters and digits that cannot be mistaken for each other when read aloud or copied.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 10
# The longest entry worth looking at: a recovery code with separators and spaces.
MAX_CODE_INPUT = 32


def new_secret() -> str:
    """A fresh base32 secret of 160 bits (RFC 4226 recommends at least 128)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app reads (from the QR code or typed in)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=email, issuer_name=ISSUER
    )


def qr_data_uri(uri: str) -> str:
    """The URI as a QR code, an SVG data: URI made here (img-src allows data:, no script)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def current_step() -> int:
    """The RFC 6238 time step of the app clock's moment."""
    return int(utcnow().timestamp()) // STEP_SECONDS


def code_for(secret: str, step: int) -> str:
    """The code of one time step (tests and the demo use it too)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def _normalise(code: str) -> str:
    """What a person typed, without spaces, hyphens or case."""
    return "".join(ch for ch in code.lower() if ch not in " -\t")


def matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The step within the drift window whose code this is, later than `after`; else None."""
    code = _normalise(code)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    now = current_step()
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if (after is None or step > after) and hmac.compare_digest(code_for(secret, step), code):
            return step
    return None


def _claim_step(user: User, step: int) -> bool:
    """Store the accepted step unless an equal or later one is stored already (one use)."""
    result = db.session.execute(
        sa.update(User)
        .where(User.id == user.id,
               sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


# Recovery codes ------------------------------------------------------------------------------


def recovery_hash(code: str) -> str:
    """The stored form of a recovery code: SHA-256 of the normalised text."""
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _new_recovery_code() -> str:
    """Ten random characters shown as two groups of five."""
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _replace_recovery_codes(user: User) -> list[str]:
    """New codes for the account, inside the caller's transaction; the old ones go."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=recovery_hash(c)) for c in codes)
    return codes


def _use_recovery_code(user: User, code: str) -> bool:
    """Mark an unused recovery code of the account used; False when there is none such."""
    if not 1 <= len(_normalise(code)) <= MAX_CODE_INPUT:
        return False
    result = db.session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id,
               RecoveryCode.code_hash == recovery_hash(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def recovery_codes_left(user: User) -> int:
    """How many unused recovery codes the account still has."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ) or 0


# Enrolment and login -------------------------------------------------------------------------


def confirm_enrolment(user: User, secret: str, code: str, address: str | None) -> list[str] | None:
    """Enrol the secret when the code matches it; returns the new recovery codes, or None.

    A wrong code counts as a login failure, like a wrong password.
    """
    attempt = throttle.claim_login(user.email, address)
    step = matching_step(secret, code, None)
    if step is None:
        return None
    attempt.give_back()
    with write_transaction():
        user.totp_secret = secret
        user.totp_enrolled_at = utcnow()
        user.totp_last_step = step
        codes = _replace_recovery_codes(user)
        return codes


def verify_login(user: User, code: str, address: str | None) -> str | None:
    """Check a code or a recovery code at login: "code", "recovery", or None when refused."""
    if user.totp_secret is None or user.totp_enrolled_at is None:
        return None
    attempt = throttle.claim_login(user.email, address)
    used = None
    with write_transaction():
        step = matching_step(user.totp_secret, code, user.totp_last_step)
        if step is not None and _claim_step(user, step):
            used = "code"
        elif step is None and _use_recovery_code(user, code):
            used = "recovery"
        if used is None:
            db.session.rollback()  # a wrong code keeps nothing
            return None
    attempt.give_back()
    db.session.refresh(user)
    return used


def reset(user: User) -> None:
    """Forget the second factor (an administrator's help for a lost phone), inside the
    caller's transaction: the account enrols again at its next login, and every session of it
    ends."""
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session_store.end_all(user.id)


def enrol_for_demo(user: User) -> str:
    """Give an account an enrolled secret at once (the demo clinician); the caller commits."""
    secret = new_secret()
    user.totp_secret = secret
    user.totp_enrolled_at = utcnow()
    return secret
