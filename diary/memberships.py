"""Who can give a person diary access: a clinic membership takes two people.

An administrator (or the `users create --clinic` command) opens a membership; it is pending
and opens none of the clinic's patients (policy.grants_access) until a colleague who is an
active, confirmed member of the same clinic confirms it, or refuses it. A member of a clinic
with no patient, no open invitation and nobody who could confirm is confirmed at once: there
is nobody to ask and nothing to read.
When the clinic's last confirmed clinician is gone, the operator's break-glass command
confirms one named pending membership, with a reason that the audit trail keeps. Patients
who share with the clinic are told in their inbox whenever a member joins.
See docs/security.md, Who can give diary access.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from diary import audit, policy
from diary.clock import utcnow
from diary.database import write_transaction
from diary.errors import Refused
from diary.extensions import db
from diary.models import (
    CareLink,
    Clinic,
    ClinicInvitation,
    ClinicMembership,
    InboxMessage,
    Role,
    User,
)
from diary.models.audit import MAX_SUBJECT_LENGTH
from diary.models.reminder import InboxTopic
from diary.names import has_invisible_characters
from diary.orm import UTCDateTime

# The break-glass reason goes into the audit row's subject beside "account <id>: ".
REASON_MIN_LENGTH = 10
REASON_MAX_LENGTH = MAX_SUBJECT_LENGTH - len("account 2147483647: ")


class BreakGlassRefused(Refused, ValueError):
    """The break-glass confirmation was refused; the message says why."""


def _subject(user_id: int) -> str:
    """How audit rows name the member (never by name or address)."""
    return f"account {user_id}"


# Reads --------------------------------------------------------------------------------------


def confirmers(clinic_id: int) -> sa.Select:
    """The ids of those who may confirm a membership of the clinic: active clinician accounts
    with an active, confirmed membership of it. The break-glass command refuses while any
    exists, so the two rules can never disagree."""
    return (
        sa.select(User.id)
        .join(ClinicMembership, ClinicMembership.user_id == User.id)
        .where(
            ClinicMembership.clinic_id == clinic_id,
            policy.grants_access(),
            User.active.is_(True),
            User.role == Role.CLINICIAN.value,
        )
    )


def _has_or_may_have_patients(clinic_id: int) -> bool:
    """Whether any patient shares with the clinic now (a live care link) or may do so by
    accepting an invitation still open: either would let the new member read a diary."""
    shares = sa.exists().where(CareLink.clinic_id == clinic_id, CareLink.live)
    invited = sa.exists().where(ClinicInvitation.clinic_id == clinic_id,
                                ClinicInvitation.still_open(utcnow()))
    return db.session.scalar(sa.select(sa.or_(shares, invited))) or False


def lock_clinic(clinic_id: int) -> None:
    """Serialise the clinic's membership and sharing writes on PostgreSQL (SQLite's BEGIN
    IMMEDIATE already does): the exemption is decided on what no other transaction is
    changing, so a patient cannot link at the moment a member is let in unconfirmed."""
    if db.engine.dialect.name != "sqlite":
        db.session.execute(sa.select(Clinic.id).where(Clinic.id == clinic_id).with_for_update())


def is_exempt(clinic_id: int) -> bool:
    """Whether a new member of the clinic needs nobody's confirmation: the clinic has no
    patient, no open invitation and no confirmed member who could be asked."""
    has_confirmer = db.session.scalar(sa.select(sa.exists(confirmers(clinic_id))))
    return not has_confirmer and not _has_or_may_have_patients(clinic_id)


def can_confirm(viewer: User, membership: ClinicMembership) -> bool:
    """Whether the viewer may confirm or refuse this pending membership: a colleague, never
    the member, never an administrator."""
    if viewer.role != Role.CLINICIAN or not viewer.active or viewer.id == membership.user_id:
        return False
    ids = confirmers(membership.clinic_id).where(User.id == viewer.id)
    return db.session.scalar(sa.select(sa.exists(ids))) or False


@dataclass(frozen=True)
class Member:
    """A member of a clinic as colleagues and patients see them: name and role."""

    membership_id: int
    clinic_id: int
    display_name: str
    member_role: str


@dataclass(frozen=True)
class ClinicMembers:
    """One of the viewer's clinics: its confirmed members and those waiting for confirmation."""

    clinic_id: int
    clinic_name: str
    members: list[Member]
    pending: list[Member]


def _rows(query: sa.Select) -> list[Member]:
    """Members from (membership id, clinic id, display name, member role) rows."""
    return [Member(*row) for row in db.session.execute(query)]


def _member_columns() -> sa.Select:
    """The columns of a Member, by name."""
    return (
        sa.select(ClinicMembership.id, ClinicMembership.clinic_id, User.display_name,
                  ClinicMembership.member_role)
        .join(User, User.id == ClinicMembership.user_id)
        .order_by(User.display_name, ClinicMembership.id)
    )


def confirmed_members(clinic_ids: list[int]) -> dict[int, list[Member]]:
    """The active, confirmed members of each clinic whose account is active, by name
    (one query): whom a patient's diary is open to."""
    rows = _rows(_member_columns().where(
        ClinicMembership.clinic_id.in_(clinic_ids), policy.grants_access(),
        User.active.is_(True)))
    by_clinic: dict[int, list[Member]] = {clinic_id: [] for clinic_id in clinic_ids}
    for row in rows:
        by_clinic[row.clinic_id].append(row)
    return by_clinic


def members_page(viewer: User) -> tuple[list[ClinicMembers], list[str]]:
    """The viewer's clinics with their members and pending members, and the names of the
    clinics where the viewer's own membership waits for confirmation (four queries)."""
    clinics = policy.member_clinics(viewer)
    ids = [c.id for c in clinics]
    confirmed = confirmed_members(ids)
    pending = _rows(_member_columns().where(
        ClinicMembership.clinic_id.in_(ids), ClinicMembership.pending()))
    waiting = list(db.session.scalars(
        sa.select(Clinic.name).join(ClinicMembership, ClinicMembership.clinic_id == Clinic.id)
        .where(ClinicMembership.user_id == viewer.id, ClinicMembership.pending())
        .order_by(Clinic.name)))
    return [
        ClinicMembers(c.id, c.name, confirmed[c.id], [p for p in pending if p.clinic_id == c.id])
        for c in clinics
    ], waiting


# Opening a membership --------------------------------------------------------------------


def open_membership(clinic_id: int, user: User, member_role: str) -> ClinicMembership:
    """Make the account a member of the clinic (a new row, or an inactive one opened again):
    pending, unless the clinic is exempt. The caller has begun the write, audits and commits.

    An exempt clinic has no patient to tell, so nobody is notified here."""
    lock_clinic(clinic_id)
    membership = db.session.scalar(
        sa.select(ClinicMembership).where(ClinicMembership.clinic_id == clinic_id,
                                          ClinicMembership.user_id == user.id))
    exempt = is_exempt(clinic_id)
    now = utcnow()
    if membership is None:
        membership = ClinicMembership(clinic_id=clinic_id, user_id=user.id, member_role=member_role)
        db.session.add(membership)
    membership.active = True
    membership.member_role = member_role
    # Opened again, a membership is confirmed again: an earlier confirmation vouched for a
    # person at that time, not for whoever is added under the account later.
    membership.confirmed_at = now if exempt else None
    membership.confirmed_by_id = None
    db.session.flush()
    return membership


# Confirming and refusing -------------------------------------------------------------------


class Outcome(enum.Enum):
    """What a confirmation or refusal did."""

    DONE = "done"
    # Someone else confirmed or refused it a moment earlier, or the admin removed it.
    GONE = "gone"


@dataclass(frozen=True)
class Decision:
    """A confirmation or refusal: what happened, and to whom."""

    outcome: Outcome
    display_name: str = ""
    clinic_name: str = ""
    # How many patients were told in their inbox (confirmations only).
    patients_told: int = 0


def pending_or_none(membership_id: int) -> ClinicMembership | None:
    """An active membership waiting for confirmation, by id."""
    membership = db.session.get(ClinicMembership, membership_id)
    if membership is None or not membership.active or membership.confirmed:
        return None
    return membership


def confirm(viewer: User, membership_id: int) -> Decision | None:
    """A colleague confirms a pending membership: the member sees the clinic's patients from
    now on, and those patients are told. None when the viewer may not (the route's 404)."""
    with write_transaction():
        membership = pending_or_none(membership_id)
        if membership is None or not can_confirm(viewer, membership):
            db.session.rollback()
            return None
        return _confirm(membership, by=viewer, action=audit.MEMBER_CONFIRMED,
                        subject=_subject(membership.user_id), actor=viewer)


def refuse(viewer: User, membership_id: int) -> Decision | None:
    """A colleague refuses a pending membership: the row goes, the audit trail keeps the
    refusal. None when the viewer may not (the route's 404)."""
    with write_transaction():
        membership = pending_or_none(membership_id)
        if membership is None or not can_confirm(viewer, membership):
            db.session.rollback()
            return None
        member = db.session.get(User, membership.user_id)
        clinic = db.session.get(Clinic, membership.clinic_id)
        # Conditional, so that a refusal racing a confirmation cannot undo it.
        gone = db.session.execute(
            sa.delete(ClinicMembership).where(ClinicMembership.id == membership.id,
                                              ClinicMembership.confirmed_at.is_(None))
        ).rowcount
        if not gone:
            db.session.rollback()
            return Decision(Outcome.GONE)
        audit.record(audit.MEMBER_REFUSED, clinic_id=clinic.id, subject=_subject(member.id),
                     actor=viewer)
        return Decision(Outcome.DONE, member.display_name, clinic.name)


def _confirm(membership: ClinicMembership, *, by: User | None, action: str, subject: str,
             actor: User | None) -> Decision:
    """Mark the membership confirmed (unless someone did a moment ago), audit and tell the
    patients, in the caller's write transaction."""
    now = utcnow()
    # Conditional, so that two colleagues confirming at once confirm (and notify) once.
    done = db.session.execute(
        sa.update(ClinicMembership)
        .where(ClinicMembership.id == membership.id, ClinicMembership.pending())
        .values(confirmed_at=now, confirmed_by_id=by.id if by is not None else None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        db.session.rollback()
        return Decision(Outcome.GONE)
    db.session.refresh(membership)
    member = db.session.get(User, membership.user_id)
    clinic = db.session.get(Clinic, membership.clinic_id)
    audit.record(action, clinic_id=clinic.id, subject=subject, actor=actor)
    told = _tell_patients(membership, member, now)
    return Decision(Outcome.DONE, member.display_name, clinic.name, told)


# Break glass ------------------------------------------------------------------------------


def reason_problem(reason: str) -> str | None:
    """Why a break-glass reason is refused, or None."""
    if len(reason) < REASON_MIN_LENGTH:
        return f"give a reason of at least {REASON_MIN_LENGTH} characters."
    if len(reason) > REASON_MAX_LENGTH:
        return f"the audit trail keeps at most {REASON_MAX_LENGTH} characters of the reason."
    if has_invisible_characters(reason):
        return "use printable characters only."
    return None


def break_glass(clinic_name: str, email: str, reason: str) -> tuple[Decision, User]:
    """The operator confirms one named pending membership (the account's email, as stored)
    of a clinic that has no confirmed clinician left to do it; the audit row keeps the
    reason. Refused while a colleague could confirm."""
    reason = reason.strip()
    problem = reason_problem(reason)
    if problem:
        raise BreakGlassRefused(f"Reason refused: {problem}")
    with write_transaction():
        clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == clinic_name))
        if clinic is None:
            raise BreakGlassRefused(f"No clinic is named {clinic_name!r}.")
        user = db.session.scalar(sa.select(User).where(User.email == email))
        membership = None if user is None else db.session.scalar(
            sa.select(ClinicMembership).where(ClinicMembership.clinic_id == clinic.id,
                                              ClinicMembership.user_id == user.id))
        if membership is None or not membership.active or membership.confirmed:
            raise BreakGlassRefused(f"{email} has no membership of {clinic.name} waiting for "
                                    "confirmation.")
        colleagues = db.session.scalar(
            sa.select(sa.func.count()).select_from(confirmers(clinic.id).subquery()))
        if colleagues:
            raise BreakGlassRefused(
                f"{clinic.name} has {colleagues} active confirmed clinician(s): one of them must "
                "confirm the membership on the clinic's Members page.")
        decision = _confirm(membership, by=None, action=audit.MEMBER_BREAK_GLASS,
                            subject=f"{_subject(user.id)}: {reason}", actor=None)
        return decision, user


# Telling the patients ----------------------------------------------------------------------


def joined_notice(clinic_name: str, display_name: str, member_role: str) -> tuple[str, str]:
    """The inbox title and text that tell a patient a member joined a clinic they share with."""
    title = f"A new member joined {clinic_name}"
    body = (f"{display_name} joined {clinic_name} as a {member_role}. Every member of a clinic you "
            f"share your diary with can read it. If you do not want {display_name} to read "
            f"it, you can stop sharing with {clinic_name} on your sharing page.")
    return title, body


def _tell_patients(membership: ClinicMembership, member: User, now: datetime) -> int:
    """An inbox notice for every patient who shares with the clinic (one INSERT ... SELECT)."""
    clinic = db.session.get(Clinic, membership.clinic_id)
    title, body = joined_notice(clinic.name, member.display_name, membership.member_role)
    patients = (
        sa.select(
            CareLink.patient_id,
            sa.literal(InboxTopic.CLINIC_MEMBER.value),
            sa.literal(title),
            sa.literal(body),
            sa.literal("/sharing"),
            sa.literal(now, UTCDateTime()),
        )
        .where(CareLink.clinic_id == clinic.id, CareLink.live)
        .distinct()
    )
    result = db.session.execute(sa.insert(InboxMessage).from_select(
        ["patient_id", "topic", "title", "body", "link", "created_at"], patients))
    return result.rowcount
