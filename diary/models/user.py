"""Accounts: patients, clinicians and administrators."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy import orm as so

from diary.extensions import db
from diary.orm import utc_now


class Role(enum.StrEnum):
    """What an account is for."""

    PATIENT = "patient"
    CLINICIAN = "clinician"
    ADMIN = "admin"


class Side(enum.StrEnum):
    """The affected side of the face."""

    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"


ROLE_VALUES = tuple(r.value for r in Role)
SIDE_VALUES = tuple(s.value for s in Side)


class User(UserMixin, db.Model):
    """A person who logs in. Patient-only fields stay empty for clinicians and admins."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(f"role IN {ROLE_VALUES!r}", name="role_known"),
        sa.CheckConstraint(
            f"affected_side IS NULL OR affected_side IN {SIDE_VALUES!r}", name="affected_side_known"
        ),
        sa.CheckConstraint(
            "symptoms_since_year IS NULL OR (symptoms_since_year BETWEEN 1900 AND 2100)",
            name="symptoms_since_year_range",
        ),
        sa.CheckConstraint("length(display_name) BETWEEN 1 AND 80", name="display_name_length"),
        sa.CheckConstraint("session_version >= 1", name="session_version_positive"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    display_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    role: so.Mapped[str] = so.mapped_column(sa.String(16), default=Role.PATIENT.value)
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64), default="UTC")
    affected_side: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    symptoms_since_year: so.Mapped[int | None]
    email_verified_at: so.Mapped[datetime | None]
    # Bumped by a password change, reset or deactivation; every session carries the version
    # it was opened with and is refused when it no longer matches.
    session_version: so.Mapped[int] = so.mapped_column(default=1)
    # The second factor of clinicians and administrators (TOTP, RFC 6238): the secret, when
    # enrolment was confirmed, and the last time step accepted so that a code works once.
    totp_secret: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    totp_enrolled_at: so.Mapped[datetime | None]
    totp_last_step: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    active: so.Mapped[bool] = so.mapped_column(sa.Boolean(create_constraint=True, name="active_bool"), default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utc_now, onupdate=utc_now)

    def get_id(self) -> str:
        """Session identity: id and session version, so a bumped version ends old sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        """Deactivated accounts cannot log in (Flask-Login reads this)."""
        return self.active

    @property
    def is_patient(self) -> bool:
        """True for a patient account."""
        return self.role == Role.PATIENT

    @property
    def is_clinician(self) -> bool:
        """True for a clinician account."""
        return self.role == Role.CLINICIAN

    @property
    def is_admin(self) -> bool:
        """True for an administrator account."""
        return self.role == Role.ADMIN

    @property
    def email_verified(self) -> bool:
        """Whether mail other than the verification itself may be sent."""
        return self.email_verified_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class LoginFailure(db.Model):
    """A failed login or code attempt, kept in the database so every process shares the count."""

    __tablename__ = "login_failures"
    __table_args__ = (
        sa.CheckConstraint(
            "scope IN ('account', 'address', 'share_account', 'share_address')",
            name="scope_known",
        ),
        sa.Index("ix_login_failures_scope_key_at", "scope", "key", "attempted_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    scope: so.Mapped[str] = so.mapped_column(sa.String(16))
    key: so.Mapped[str] = so.mapped_column(sa.String(254))
    attempted_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)


class RecoveryCode(db.Model):
    """A single-use code that stands in for the second factor; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    used_at: so.Mapped[datetime | None]
