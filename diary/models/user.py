"""Accounts: patients, clinicians and administrators."""

from __future__ import annotations

import enum
import secrets
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy import orm as so

from diary.extensions import db
from diary.names import full_name, search_key
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


def new_token_key() -> str:
    """A fresh random key for an account's emailed links (256 bits)."""
    return secrets.token_urlsafe(32)


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
        sa.CheckConstraint(
            "family_name IS NULL OR (length(family_name) BETWEEN 1 AND 80)", name="family_name_length"
        ),
        # "Not in the future" needs today, which a CHECK cannot read portably: the form checks
        # it with the app's clock; the schema keeps a sane range (docs/data.md).
        sa.CheckConstraint(
            "birth_date IS NULL OR (birth_date BETWEEN '1900-01-01' AND '2100-01-01')",
            name="birth_date_range",
        ),
        # A locale tag such as "en_GB" or "de_DE"; which ones are offered is a setting, so a
        # new language needs no migration (docs/wording.md, Languages).
        sa.CheckConstraint("locale IS NULL OR (length(locale) BETWEEN 2 AND 16)", name="locale_length"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    # The name the patient goes by (and is greeted with); never split into parts.
    display_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    # The surname, for the clinic's records; empty for accounts made before it was asked.
    family_name: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    # Given when sharing with a clinic, which matches it to its record (docs/security.md,
    # Who sees the date of birth and the hospital number).
    birth_date: so.Mapped[date | None]
    # names.search_key(display_name, family_name), written with every change of the name,
    # so that the clinic's search ignores case and accents on both databases.
    name_search: so.Mapped[str | None] = so.mapped_column(sa.Text)
    role: so.Mapped[str] = so.mapped_column(sa.String(16), default=Role.PATIENT.value)
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64), default="UTC")
    # The language the account reads the app and its mail in; None until chosen or until
    # the next login stores the browser's (diary/i18n.py, select_locale).
    locale: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    affected_side: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    symptoms_since_year: so.Mapped[int | None]
    email_verified_at: so.Mapped[datetime | None]
    # What names the account outside this database (docs/security.md, The identity model);
    # each is random, made at creation, and never follows the row id:
    # - the key that emailed links (reset, set-password, verification) carry; a password
    #   change replaces it, so an old link is dead, and a deleted account's key names nobody;
    token_key: so.Mapped[str] = so.mapped_column(
        sa.String(43), unique=True, default=new_token_key
    )
    # - the account's id in FHIR exports (Patient.identifier and the Patient's resource id);
    public_id: so.Mapped[str] = so.mapped_column(
        sa.String(36), unique=True, default=lambda: str(uuid.uuid4())
    )
    # - the name the audit trail gives it, kept by audit rows after the account is deleted.
    pseudonym: so.Mapped[str] = so.mapped_column(
        sa.String(24), unique=True, default=lambda: f"u-{secrets.token_hex(8)}"
    )
    # The second factor of clinicians and administrators (TOTP, RFC 6238): the secret, when
    # enrolment was confirmed, and the last time step accepted so that a code works once.
    totp_secret: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    totp_enrolled_at: so.Mapped[datetime | None]
    totp_last_step: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    active: so.Mapped[bool] = so.mapped_column(sa.Boolean(create_constraint=True, name="active_bool"), default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utc_now, onupdate=utc_now)

    # The key of the server-side session this object was loaded through, or opened with; it
    # is what the session cookie holds (diary/auth/sessions.py). Not a column.
    session_key = None

    def get_id(self) -> str:
        """Session identity (Flask-Login): the random key of one server-side session row."""
        if self.session_key is None:
            raise RuntimeError("an account is logged in only through diary.auth.sessions")
        return self.session_key

    def set_names(self, display_name: str, family_name: str | None) -> None:
        """Change the name and the surname, and the search key that follows them."""
        self.display_name = display_name
        self.family_name = family_name or None
        self.name_search = search_key(display_name, family_name)

    @property
    def full_name(self) -> str:
        """The name the patient goes by, then the surname when one was given."""
        return full_name(self.display_name, self.family_name)

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


class ThrottleBucket(db.Model):
    """The attempts of one kind for one key, kept in the database so every process shares
    the count (diary/throttle.py, docs/security.md "Throttling")."""

    __tablename__ = "throttle_buckets"
    __table_args__ = (
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.Index("ix_throttle_buckets_scope_last_at", "scope", "last_at"),
    )

    scope: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)
    # HMAC digests (an account's, an address's, or both joined by a colon), never in clear.
    key: so.Mapped[str] = so.mapped_column(sa.String(80), primary_key=True)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    not_before: so.Mapped[datetime | None]


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


class UserSession(db.Model):
    """One login on one device: the cookie holds a random key, this row its hash.

    Logging out deletes the row; logging out everywhere, a password change, a second-factor
    reset, a deactivation and a deletion delete all of the account's rows. A cookie whose row
    is gone opens nothing (docs/security.md, The identity model).
    """

    __tablename__ = "user_sessions"
    __table_args__ = (
        sa.CheckConstraint("expires_at > created_at", name="expires_after_created"),
        sa.Index("ix_user_sessions_expires_at", "expires_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # SHA-256 of the cookie's key, so a copy of the database opens no session.
    key_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    # Moved on by use: IDLE_TIMEOUT_MINUTES for staff, SESSION_LIFETIME_DAYS for patients.
    expires_at: so.Mapped[datetime]
    # When this session passed the second factor (clinicians and administrators).
    second_factor_at: so.Mapped[datetime | None]
