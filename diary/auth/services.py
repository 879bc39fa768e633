"""Account services: creating accounts, signing in, and changing what belongs to them."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from diary import memberships, throttle
from diary.auth import emails, session_store, tokens
from diary.auth.passwords import hash_password, needs_rehash, verify_password
from diary.clock import utcnow
from diary.config import setting
from diary.database import write_transaction
from diary.errors import Refused
from diary.extensions import db
from diary.i18n import gettext
from diary.models import Clinic, Role, User
from diary.models.clinic import MemberRole
from diary.models.user import new_token_key
from diary.reminders.planning import hooks as reminder_hooks


class AccountError(Refused, ValueError):
    """An account cannot be created or changed as asked; the message says why."""


def normalise_email(email: str) -> str:
    """Emails compare without case and surrounding space."""
    return email.strip().lower()


def _surname(family_name: str | None) -> str | None:
    """A surname as stored: without surrounding spaces, None when none was given."""
    return (family_name or "").strip() or None


def find_user_by_email(email: str) -> User | None:
    """The account with this email, if any."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def create_user(
    *,
    email: str,
    password: str,
    role: str = Role.PATIENT.value,
    display_name: str,
    family_name: str | None = None,
    timezone: str = "UTC",
    affected_side: str | None = None,
    symptoms_since_year: int | None = None,
    clinic_name: str | None = None,
    email_verified: bool = False,
) -> User:
    """Create an account; a clinician joins the named clinic (created when new) or one of their own.

    `email_verified` when the caller has proven the mailbox (a registration link).
    """
    try:
        with write_transaction():
            if find_user_by_email(email) is not None:
                raise AccountError(gettext("An account with this email already exists."))
            user = User(
                email=normalise_email(email),
                password_hash=hash_password(password),
                role=Role(role).value,
                timezone=timezone,
                affected_side=affected_side if role == Role.PATIENT else None,
                symptoms_since_year=symptoms_since_year if role == Role.PATIENT else None,
                email_verified_at=utcnow() if email_verified else None,
            )
            user.set_names(display_name.strip(),
                           _surname(family_name) if role == Role.PATIENT else None)
            db.session.add(user)
            db.session.flush()
            if role == Role.CLINICIAN:
                name = (clinic_name or f"Clinic of {user.display_name}").strip()
                clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == name))
                if clinic is None:
                    clinic = Clinic(name=name)
                    db.session.add(clinic)
                    db.session.flush()
                # Pending unless the clinic is exempt, as when an administrator adds a member.
                memberships.open_membership(clinic.id, user, MemberRole.CLINICIAN.value)
            elif role == Role.PATIENT:
                # Every new patient starts with the daily diary reminder on (docs/reminders.md).
                reminder_hooks.patient_created(user, utcnow())
    except IntegrityError:
        # Rolled back; read again in a fresh transaction.
        if find_user_by_email(email) is None:
            raise
        # PostgreSQL: a concurrent registration of the same address won the race.
        raise AccountError(gettext("An account with this email already exists.")) from None
    return user


def mark_email_verified(user: User) -> None:
    """Record that the account's address is verified (reminders and resets may be mailed)."""
    with write_transaction():
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()


# Registration ------------------------------------------------------------------------------


def start_registration(email: str, address: str | None) -> None:
    """Step one: mail a new address the link to finish, or a taken one's owner a notice.

    The caller answers the same page whatever happened here (docs/security.md, Registration):
    nothing is created, nobody is logged in and no password exists yet, so both paths cost
    about the same (a lookup and one mail).

    Raises Throttled before anything is looked up or mailed when the email or the address
    must wait. Every attempt counts, new or taken: counting only the taken ones would let the
    moment the form starts answering 429 say which addresses are taken.
    """
    email = normalise_email(email)
    throttle.claim_registration(email, address)
    existing = find_user_by_email(email)
    if existing is None:
        emails.send_registration_link(email)
    elif existing.active:
        emails.send_second_sign_up_notice(existing)


def registration_email(token: str) -> str | None:
    """The address a genuine, unexpired registration link was mailed to, else None."""
    claims = tokens.read(
        tokens.REGISTER, token, setting("REGISTRATION_LINK_MAX_AGE")
    )
    email = claims.get("email") if claims else None
    return email if isinstance(email, str) and email else None


def finish_registration(
    email: str,
    *,
    password: str,
    display_name: str,
    family_name: str | None = None,
    timezone: str,
    affected_side: str,
    symptoms_since_year: int | None,
) -> User:
    """Step two: the patient account, its address confirmed (the link proved the mailbox).

    Raises AccountError when the address has an account already: the link used twice, or
    two tabs finishing at once, where the unique email constraint lets one win.
    """
    return create_user(
        email=email,
        password=password,
        display_name=display_name,
        family_name=family_name,
        timezone=timezone,
        affected_side=affected_side,
        symptoms_since_year=symptoms_since_year,
        email_verified=True,
    )


# Email verification ------------------------------------------------------------------------


def send_verification_again(user: User) -> bool:
    """Mail a new confirmation link to an unverified account (False when nothing was sent)."""
    if user.email_verified or not user.active:
        return False
    return emails.send_verification(user)


def send_verification_to(email: str) -> None:
    """The public resend form: mail a link if an unverified account has this address."""
    user = find_user_by_email(email)
    if user is not None:
        send_verification_again(user)


def confirm_email(token: str) -> User | None:
    """Mark the token's account verified; None for a forged, expired or outdated link."""
    claims = tokens.read(
        tokens.VERIFY_EMAIL, token, setting("EMAIL_VERIFY_MAX_AGE")
    )
    user = tokens.account_of(claims)
    # The link confirms the address it was sent to, not whatever the account holds now.
    if user is None or not user.active or user.email != claims.get("email"):
        return None
    mark_email_verified(user)
    return user


# Signing in --------------------------------------------------------------------------------


def authenticate(email: str, password: str, address: str | None) -> User | None:
    """The active account these credentials open, or None after counting a failure.

    Raises Throttled before looking at the password when the account or the address must
    wait (diary/throttle.py), whether or not the account exists. The attempt is counted
    before the password is checked and given back when it was right.
    """
    account = normalise_email(email)
    attempt = throttle.claim_login(account, address)
    user = find_user_by_email(account)
    valid = verify_password(user.password_hash if user else None, password)
    if user is None or not valid or not user.active:
        return None
    attempt.give_back()
    if needs_rehash(user.password_hash):
        with write_transaction():
            user.password_hash = hash_password(password)
    return user


def _set_password(user: User, password: str) -> None:
    """New hash, a new key for emailed links and no session left, in the caller's transaction.

    Every link mailed before (reset, set-password, confirmation) names the old key and is
    dead; every device is logged out, and the caller opens a session for this one.
    """
    user.password_hash = hash_password(password)
    user.token_key = new_token_key()
    session_store.end_all(user.id)


def change_password(user: User, current: str, new: str, address: str | None) -> bool:
    """Replace the password when `current` is right; every session of the account ends.

    A wrong current password counts as a login failure (a stolen session must not become a
    way to guess the password), and over the limit this raises Throttled.
    """
    attempt = throttle.claim_login(user.email, address)
    if not verify_password(user.password_hash, current):
        return False
    attempt.give_back()
    with write_transaction():
        _set_password(user, new)
        return True


# Password reset ----------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link when an active account with a verified address has this email."""
    user = find_user_by_email(email)
    if user is not None and user.active and user.email_verified:
        emails.send_password_reset(user)


def _reset_claims_user(token: str | None, *, for_update: bool = False) -> User | None:
    """The account a reset token is for, while the token is still unused and unexpired."""
    if not token:
        return None
    claims = tokens.read(
        tokens.RESET_PASSWORD, token, setting("PASSWORD_RESET_MAX_AGE")
    ) or tokens.read(
        # An invited clinician's first password: the same page, a longer-lived link.
        tokens.SET_PASSWORD, token, setting("STAFF_INVITATION_MAX_AGE")
    )
    user = tokens.account_of(claims, for_update=for_update)
    # Using the link replaces the account's key, so the key in the token makes it single-use.
    if user is None or not user.active:
        return None
    return user


def user_for_reset(token: str | None) -> User | None:
    """The account a still-valid reset token is for, else None."""
    return _reset_claims_user(token)


def reset_password(token: str | None, new: str) -> User | None:
    """Set the new password if the token is still valid; it can be used once."""
    with write_transaction():
        user = _reset_claims_user(token, for_update=True)
        if user is None:
            db.session.rollback()
            return None
        _set_password(user, new)
        # The mailbox is proven: earlier failed logins no longer hold the owner back, and an
        # invited clinician's address is confirmed by following the link.
        throttle.forget_login_failures(user.email)
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()
        return user


# Profile -----------------------------------------------------------------------------------


def update_profile(
    user: User,
    *,
    display_name: str,
    timezone: str,
    family_name: str | None = None,
    affected_side: str | None = None,
    symptoms_since_year: int | None = None,
    birth_date: date | None = None,
) -> None:
    """Save the account page's details at once (patient-only fields only for patients).

    The name and the surname are saved as typed: a name is never split into parts.
    """
    with write_transaction():
        user.set_names(display_name.strip(), _surname(family_name) if user.is_patient else None)
        zone_changed = user.timezone != timezone
        user.timezone = timezone
        if user.is_patient:
            user.affected_side = affected_side
            user.symptoms_since_year = symptoms_since_year
            user.birth_date = birth_date
        if zone_changed:
            reminder_hooks.account_changed(user.id)
