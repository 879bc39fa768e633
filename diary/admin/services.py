"""What the administrator changes: clinics, memberships and staff accounts, each audited.

Every change and its audit row commit together (diary.audit.record). Deactivating a clinician
ends their sessions at once (their session rows are deleted, see diary/auth/sessions.py) and
takes nothing from the clinic: care links belong to the clinic, so its other members keep
seeing its patients.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from diary import audit, memberships
from diary.auth import emails, second_factor, session_store
from diary.auth.services import AccountError, find_user_by_email, normalise_email
from diary.database import write_transaction
from diary.errors import Refused
from diary.extensions import db
from diary.i18n import gettext
from diary.models import Clinic, ClinicMembership, Role, User
from diary.reminders.planning import hooks as reminder_hooks


class ClinicError(Refused, ValueError):
    """A clinic change refused; the message says why, for the form."""


def _clinic_named(name: str, *, other_than: int | None = None) -> bool:
    """Whether a clinic (other than one) has this name already."""
    query = sa.select(Clinic.id).where(Clinic.name == name)
    if other_than is not None:
        query = query.where(Clinic.id != other_than)
    return db.session.scalar(query) is not None


def create_clinic(name: str) -> Clinic:
    """A new clinic with the default follow-up schedule."""
    try:
        with write_transaction():
            if _clinic_named(name):
                raise ClinicError(gettext("A clinic with this name exists already."))
            clinic = Clinic(name=name)
            db.session.add(clinic)
            db.session.flush()
            audit.record(audit.CLINIC_CREATED, clinic_id=clinic.id)
    except IntegrityError:  # another request made it a moment ago
        raise ClinicError(gettext("A clinic with this name exists already.")) from None
    return clinic


def rename_clinic(clinic: Clinic, name: str) -> None:
    """Give the clinic a new name, unless another clinic has it."""
    try:
        with write_transaction():
            if _clinic_named(name, other_than=clinic.id):
                raise ClinicError(gettext("Another clinic has this name."))
            clinic.name = name
            audit.record(audit.CLINIC_RENAMED, clinic_id=clinic.id)
    except IntegrityError:  # another request took the name a moment ago
        raise ClinicError(gettext("Another clinic has this name.")) from None


@dataclass(frozen=True)
class Added:
    """A member added: the account, whether it was invited (new) and the mail sent, and
    whether the membership is confirmed already (the exempt first member) or pending."""

    user: User
    invited: bool
    mail_sent: bool = False
    confirmed: bool = False


def _unusable_password() -> str:
    """A password hash no password matches (argon2 refuses it as invalid): the invited
    clinician chooses the first password through the emailed link."""
    return f"!invited-{secrets.token_hex(16)}"


def add_member(clinic: Clinic, *, email: str, display_name: str | None, member_role: str) -> Added:
    """Add a clinician to the clinic: an existing clinician account, or a new one, invited."""
    opening = False
    try:
        with write_transaction():
            user = find_user_by_email(email)
            invited = user is None
            if user is None:
                address = normalise_email(email)
                name = (display_name or address.partition("@")[0])[:80]
                user = User(email=address, password_hash=_unusable_password(),
                            role=Role.CLINICIAN.value, timezone="UTC")
                user.set_names(name, None)
                db.session.add(user)
                db.session.flush()
            elif user.role != Role.CLINICIAN:
                raise AccountError(gettext("This address belongs to an account that is not a "
                                           "clinician's; only clinicians join a clinic."))
            membership = db.session.scalar(
                sa.select(ClinicMembership).where(ClinicMembership.clinic_id == clinic.id,
                                                  ClinicMembership.user_id == user.id)
            )
            if membership is not None and membership.active:
                raise AccountError(gettext("This clinician is a member of the clinic already."))
            opening = True
            # Pending until a colleague confirms, unless the clinic is exempt (diary/memberships.py).
            membership = memberships.open_membership(clinic.id, user, member_role)
            confirmed = membership.confirmed
            state = "confirmed: first member, no patients" if confirmed else "pending confirmation"
            audit.record(audit.MEMBER_ADDED, clinic_id=clinic.id,
                         subject=f"{'invited ' if invited else ''}account {user.id}, {state}")
    except IntegrityError:
        if not opening:
            raise
        raise AccountError(gettext("This address was added a moment ago; please look again.")) from None
    # Mailed once the account and membership are committed.
    sent = emails.send_staff_invitation(user, clinic.name) if invited else False
    return Added(user=user, invited=invited, mail_sent=sent, confirmed=confirmed)


def set_member_role(membership: ClinicMembership, member_role: str) -> None:
    """Clinician or nurse, in one clinic."""
    with write_transaction():
        membership.member_role = member_role
        audit.record(audit.MEMBER_ROLE_CHANGED, clinic_id=membership.clinic_id,
                     subject=f"account {membership.user_id}")


def _clinic_ids(user: User) -> list[int | None]:
    """The clinics the account belongs to (None when none: the event is still recorded)."""
    ids = db.session.scalars(
        sa.select(ClinicMembership.clinic_id).where(ClinicMembership.user_id == user.id)
        .order_by(ClinicMembership.clinic_id)
    ).all()
    return list(ids) or [None]


def deactivate(user: User) -> None:
    """Close a clinician's account: every session ends on its next request; links stay."""
    with write_transaction():
        was_active = user.active
        user.active = False
        session_store.end_all(user.id)
        if was_active:
            reminder_hooks.account_changed(user.id)
        for clinic_id in _clinic_ids(user):
            audit.record(audit.MEMBER_DEACTIVATED, clinic_id=clinic_id, subject=f"account {user.id}")


def reactivate(user: User) -> None:
    """Open a deactivated clinician's account again (their memberships are as they were)."""
    with write_transaction():
        was_active = user.active
        user.active = True
        if not was_active:
            reminder_hooks.account_changed(user.id)
        for clinic_id in _clinic_ids(user):
            audit.record(audit.MEMBER_REACTIVATED, clinic_id=clinic_id, subject=f"account {user.id}")


def reset_second_factor(user: User) -> None:
    """Forget a staff member's second factor; they enrol again at their next login."""
    with write_transaction():
        second_factor.reset(user)
        audit.record(audit.SECOND_FACTOR_RESET, subject=f"account {user.id}")
