"""What the administrator's pages show, each in a fixed number of queries.

Nothing here touches a diary table: clinics, memberships, staff accounts and audit metadata
(the patient only as the audit row's pseudonym, never by name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from diary import audit
from diary.errors import NotFound
from diary.extensions import db
from diary.i18n import gettext
from diary.models import AuditEvent, CareLink, Clinic, ClinicMembership, Role, User

AUDIT_PAGE_SIZE = 50
STAFF_ROLES = (Role.CLINICIAN.value, Role.ADMIN.value)


@dataclass(frozen=True)
class ClinicRow:
    """A clinic in the list: how many active members and live care links it has."""

    id: int
    name: str
    members: int
    patients: int


def clinic_rows() -> list[ClinicRow]:
    """Every clinic by name, with its counts (one query)."""
    members = (
        sa.select(sa.func.count()).select_from(ClinicMembership)
        .join(User, User.id == ClinicMembership.user_id)
        .where(ClinicMembership.clinic_id == Clinic.id, ClinicMembership.active.is_(True),
               User.active.is_(True))
        .scalar_subquery()
    )
    patients = (
        sa.select(sa.func.count()).select_from(CareLink)
        .where(CareLink.clinic_id == Clinic.id, CareLink.live)
        .scalar_subquery()
    )
    rows = db.session.execute(sa.select(Clinic.id, Clinic.name, members, patients).order_by(Clinic.name))
    return [ClinicRow(*row) for row in rows]


def clinic_or_404(clinic_id: int) -> Clinic:
    """A clinic by id; NotFound otherwise."""
    clinic = db.session.get(Clinic, clinic_id)
    if clinic is None:
        raise NotFound(f"clinic {clinic_id}")
    return clinic


@dataclass(frozen=True)
class MemberRow:
    """One member of a clinic, as the clinic page lists them."""

    membership_id: int
    user_id: int
    display_name: str
    email: str
    member_role: str
    member_active: bool
    account_active: bool
    enrolled: bool
    # False while the membership waits for a colleague's confirmation (diary/memberships.py).
    confirmed: bool


def members(clinic_id: int) -> list[MemberRow]:
    """The clinic's members by name (one query)."""
    rows = db.session.execute(
        sa.select(ClinicMembership.id, User.id, User.display_name, User.email,
                  ClinicMembership.member_role, ClinicMembership.active, User.active,
                  User.totp_enrolled_at.is_not(None), ClinicMembership.confirmed_at.is_not(None))
        .join(User, User.id == ClinicMembership.user_id)
        .where(ClinicMembership.clinic_id == clinic_id)
        .order_by(User.display_name, User.id)
    )
    return [MemberRow(*row) for row in rows]


def membership_or_404(membership_id: int) -> ClinicMembership:
    """A membership by id; NotFound otherwise."""
    membership = db.session.get(ClinicMembership, membership_id)
    if membership is None:
        raise NotFound(f"membership {membership_id}")
    return membership


def staff() -> list[User]:
    """Every clinician and administrator account, by name (one query)."""
    return list(db.session.scalars(
        sa.select(User).where(User.role.in_(STAFF_ROLES)).order_by(User.role, User.display_name, User.id)
    ))


def staff_or_404(user_id: int, *, roles: tuple[str, ...] = STAFF_ROLES, not_id: int | None = None) -> User:
    """A staff account of one of the roles (never the acting administrator); NotFound otherwise."""
    user = db.session.get(User, user_id)
    if user is None or user.role not in roles or user.id == not_id:
        raise NotFound(f"staff account {user_id}")
    return user


@dataclass(frozen=True)
class AuditRow:
    """One line of the audit trail: who did what, when, from where, and to whose record."""

    at: datetime
    actor: str
    actor_role: str | None
    action: str
    clinic: str | None
    subject: str | None
    address: str | None
    patient_ref: str | None


def audit_page(page: int) -> tuple[list[AuditRow], bool]:
    """A page of the trail of every clinic, newest first, and whether an older page exists."""
    actor = so.aliased(User)
    rows = db.session.execute(
        sa.select(AuditEvent.at, actor.email, AuditEvent.actor_ref, AuditEvent.actor_role,
                  AuditEvent.action, Clinic.name, AuditEvent.subject, AuditEvent.address,
                  AuditEvent.patient_ref)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(Clinic, Clinic.id == AuditEvent.clinic_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset((page - 1) * AUDIT_PAGE_SIZE)
        .limit(AUDIT_PAGE_SIZE + 1)
    ).all()
    events = [
        # A patient acting (sharing, revoking) is named by pseudonym only, like the patient.
        AuditRow(at=at, actor=(email if role in STAFF_ROLES and email else ref) or gettext("system"),
                 actor_role=role,
                 action=audit.ACTION_LABELS.get(action, action), clinic=clinic, subject=subject,
                 address=address, patient_ref=patient_ref)
        for at, email, ref, role, action, clinic, subject, address, patient_ref
        in rows[:AUDIT_PAGE_SIZE]
    ]
    return events, len(rows) > AUDIT_PAGE_SIZE
