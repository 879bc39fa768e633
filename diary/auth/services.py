"""Account services: creating accounts and changing what belongs to them."""

from __future__ import annotations

import sqlalchemy as sa

from diary.auth.passwords import hash_password
from diary.clock import utcnow
from diary.database import begin_write
from diary.extensions import db
from diary.models import Clinic, ClinicMembership, Role, User


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why."""


def normalise_email(email: str) -> str:
    """Emails compare without case and surrounding space."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The account with this email, if any."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def create_user(
    *,
    email: str,
    password: str,
    role: str = Role.PATIENT.value,
    display_name: str,
    timezone: str = "UTC",
    affected_side: str | None = None,
    symptoms_since_year: int | None = None,
    clinic_name: str | None = None,
) -> User:
    """Create an account; a clinician joins the named clinic (created when new) or one of their own."""
    begin_write()
    if find_user_by_email(email) is not None:
        db.session.rollback()
        raise AccountError("An account with this email already exists.")
    user = User(
        email=normalise_email(email),
        password_hash=hash_password(password),
        display_name=display_name.strip(),
        role=Role(role).value,
        timezone=timezone,
        affected_side=affected_side if role == Role.PATIENT else None,
        symptoms_since_year=symptoms_since_year if role == Role.PATIENT else None,
    )
    db.session.add(user)
    db.session.flush()
    if role == Role.CLINICIAN:
        name = (clinic_name or f"Clinic of {user.display_name}").strip()
        clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == name))
        if clinic is None:
            clinic = Clinic(name=name)
            db.session.add(clinic)
            db.session.flush()
        db.session.add(ClinicMembership(clinic_id=clinic.id, user_id=user.id))
    db.session.commit()
    return user


def mark_email_verified(user: User) -> None:
    """Record that the account's address is verified (reminders and resets may be mailed)."""
    begin_write()
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.commit()
