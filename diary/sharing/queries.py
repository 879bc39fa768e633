"""What the patient's sharing page and access log show, read in a fixed number of queries.

Moments are turned into the patient's local time here, so the templates only print them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import orm as so

from diary import audit
from diary.clock import utcnow
from diary.extensions import db
from diary.i18n import gettext, lazy_gettext
from diary.memberships import Member, confirmed_members
from diary.models import AuditEvent, CareLink, Clinic, ClinicMembership, Role, ShareCode, User
from diary.sharing.services import CODE_SUBJECT_PREFIX, pending_invitations

# The access log shows the newest events; older ones stay in the table (docs/sharing.md).
ACCESS_LOG_LIMIT = 200
FORMER_MEMBER = lazy_gettext("a former member")


@dataclass(frozen=True)
class SharedClinic:
    """A clinic that reads the diary, since when, and the members who can read it now."""

    link_id: int
    clinic_name: str
    since: datetime
    source: str
    members: list[Member]


@dataclass(frozen=True)
class OpenCode:
    """An unused, unexpired share code (its text is never shown again)."""

    id: int
    created: datetime
    expires: datetime


@dataclass(frozen=True)
class Invitation:
    """A clinic's pending invitation."""

    id: int
    clinic_name: str
    sent: datetime
    expires: datetime


@dataclass(frozen=True)
class SharingView:
    """Everything on the sharing page."""

    clinics: list[SharedClinic]
    codes: list[OpenCode]
    invitations: list[Invitation]


@dataclass(frozen=True)
class AccessEntry:
    """One line of the access log."""

    at: datetime
    clinic_name: str | None  # for a share code's events, the clinic that redeemed it
    share_code: bool
    who: str
    what: str
    address: str | None


SHARE_CODE_ACTIONS = (audit.SHARE_CODE_CREATED, audit.SHARE_CODE_CANCELLED)


def local_time(moment: datetime, patient: User) -> datetime:
    """A stored UTC moment in the patient's time zone."""
    return moment.astimezone(ZoneInfo(patient.timezone))


def sharing_view(patient: User) -> SharingView:
    """The patient's live links with each clinic's confirmed members, open codes and pending
    invitations: four queries."""
    zone = ZoneInfo(patient.timezone)
    now = utcnow()
    links = db.session.execute(
        sa.select(CareLink.id, Clinic.id, Clinic.name, CareLink.consented_at, CareLink.source)
        .join(Clinic, Clinic.id == CareLink.clinic_id)
        .where(CareLink.patient_id == patient.id, CareLink.live)
        .order_by(CareLink.consented_at, CareLink.id)
    ).all()
    members = confirmed_members([clinic_id for _, clinic_id, *_ in links])
    open_codes = db.session.execute(
        sa.select(ShareCode.id, ShareCode.created_at, ShareCode.expires_at)
        .where(ShareCode.patient_id == patient.id, ShareCode.used_at.is_(None),
               ShareCode.expires_at > now)
        .order_by(ShareCode.expires_at, ShareCode.id)
    ).all()
    shared_with = sa.select(CareLink.clinic_id).where(
        CareLink.patient_id == patient.id, CareLink.live
    )
    pending = pending_invitations(patient).subquery()
    invitations = db.session.execute(
        sa.select(pending.c.id, Clinic.name, pending.c.created_at, pending.c.expires_at)
        .join(Clinic, Clinic.id == pending.c.clinic_id)
        # An invitation from a clinic the patient already shares with has nothing to ask.
        .where(pending.c.clinic_id.not_in(shared_with))
        .order_by(pending.c.created_at, pending.c.id)
    ).all()
    return SharingView(
        clinics=[SharedClinic(i, name, at.astimezone(zone), source, members[clinic_id])
                 for i, clinic_id, name, at, source in links],
        codes=[OpenCode(i, c.astimezone(zone), e.astimezone(zone)) for i, c, e in open_codes],
        invitations=[Invitation(i, name, c.astimezone(zone), e.astimezone(zone))
                     for i, name, c, e in invitations],
    )


def access_log(patient: User, limit: int = ACCESS_LOG_LIMIT) -> list[AccessEntry]:
    """The newest audited events about the patient, newest first, in one query.

    A member is named while still an active member of the clinic the event names; after that
    only "a former member" (the patient consented to the clinic, not to a person for ever).
    """
    zone = ZoneInfo(patient.timezone)
    actor = so.aliased(User)
    member = so.aliased(ClinicMembership)
    code_clinic = so.aliased(Clinic)
    rows = db.session.execute(
        sa.select(
            AuditEvent.at, AuditEvent.action, AuditEvent.address, AuditEvent.actor_id,
            AuditEvent.actor_role, sa.func.coalesce(Clinic.name, code_clinic.name),
            actor.display_name, member.id,
        )
        .outerjoin(Clinic, Clinic.id == AuditEvent.clinic_id)
        # A share code's events name no clinic when they happen: the clinic that later
        # redeemed the code is named beside them (audit subjects: services.code_subject).
        .outerjoin(ShareCode, sa.and_(
            ShareCode.patient_id == patient.id,
            AuditEvent.action.in_(SHARE_CODE_ACTIONS),
            AuditEvent.subject == sa.literal(CODE_SUBJECT_PREFIX) + sa.cast(ShareCode.id, sa.String),
        ))
        .outerjoin(code_clinic, code_clinic.id == ShareCode.clinic_id)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(member, sa.and_(
            member.user_id == AuditEvent.actor_id,
            member.clinic_id == AuditEvent.clinic_id,
            member.active.is_(True),
            actor.active.is_(True),
        ))
        .where(AuditEvent.patient_id == patient.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ).all()
    return [
        AccessEntry(
            at=at.astimezone(zone),
            clinic_name=clinic_name,
            share_code=action in SHARE_CODE_ACTIONS,
            who=_who(patient, actor_id, actor_role, display_name, membership),
            what=audit.ACTION_LABELS.get(action, action),
            address=address,
        )
        for at, action, address, actor_id, actor_role, clinic_name, display_name, membership in rows
    ]


def _who(patient: User, actor_id: int | None, role: str | None, name: str | None,
         membership: int | None) -> str:
    """How the log names the one who acted."""
    if actor_id is None and role is None:
        return gettext("Not recorded")
    if actor_id is not None and actor_id == patient.id:
        return gettext("You")
    if role == Role.ADMIN:
        return gettext("An administrator")
    if membership is not None and name:
        return name
    return str(FORMER_MEMBER)
