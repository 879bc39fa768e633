"""Sharing's writes: share codes, redemption, invitations and revocation, each audited.

Every change runs in one write transaction with its audit row (diary/audit.py), so a link
never exists without the record of how it came to be. Redemption is safe against two
clinicians typing the same code at once: the code is claimed by a conditional UPDATE, which
exactly one transaction wins (SQLite serialises writers; PostgreSQL re-checks the row).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from diary import audit, memberships, throttle
from diary.auth.services import normalise_email
from diary.clinic.attention import refresh_attention
from diary.clock import utcnow
from diary.database import write_transaction
from diary.extensions import db
from diary.models import (
    CareLink,
    Clinic,
    ClinicInvitation,
    Role,
    ShareCode,
    User,
)
from diary.models.clinic import LinkSource
from diary.reminders.planning import hooks as reminder_hooks
from diary.sharing import codes, emails

CODE_VALID_FOR = timedelta(days=7)
INVITATION_VALID_FOR = timedelta(days=14)
MAX_CODE_ATTEMPTS = 5  # fresh codes tried when one collides with a stored hash


# The audit subject of a share code's events; the access log joins the code back by it.
CODE_SUBJECT_PREFIX = "share code "


def code_subject(code_id: int) -> str:
    """How audit rows name a share code (never the code itself)."""
    return f"{CODE_SUBJECT_PREFIX}{code_id}"


class Redeemed(enum.Enum):
    """What typing a code did."""

    LINKED = "linked"
    ALREADY_SHARING = "already_sharing"
    INVALID = "invalid"


@dataclass(frozen=True)
class Redemption:
    """The outcome of a redemption, with the patient's name when the code was good."""

    outcome: Redeemed
    patient_name: str | None = None


def _live_link(patient_id: int, clinic_id: int) -> CareLink | None:
    """The patient's live link with the clinic, if any."""
    return db.session.scalar(
        sa.select(CareLink).where(
            CareLink.patient_id == patient_id,
            CareLink.clinic_id == clinic_id,
            CareLink.live,
        )
    )


def _link(patient_id: int, clinic_id: int, source: LinkSource, subject: str, actor: User) -> bool:
    """Create the live link and audit it; False when one exists (also when another request
    made it a moment ago: the unique index refuses the second, inside a savepoint). The
    clinic is locked first, so that no member is let in unconfirmed meanwhile (memberships)."""
    memberships.lock_clinic(clinic_id)
    if _live_link(patient_id, clinic_id) is not None:
        return False
    link = CareLink(patient_id=patient_id, clinic_id=clinic_id, source=source.value,
                    consented_at=utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(link)
    except IntegrityError:
        return False
    reminder_hooks.entry_changed(link)
    refresh_attention(patient_id)  # the clinic's list row (clinic.attention)
    audit.record(audit.LINK_CREATED, patient_id=patient_id, clinic_id=clinic_id, subject=subject,
                 actor=actor)
    return True


# Share codes (the patient's side) ---------------------------------------------------------


def create_code(patient: User, birth_date: date | None = None) -> tuple[ShareCode, str]:
    """A new code for the patient: the row (holding only the hash) and the code, shown once.

    A date of birth given with it is kept on the account, in the same transaction: the
    clinic matches it to its record (docs/security.md, Who sees the date of birth and the
    hospital number). None leaves the one given before.
    """
    with write_transaction():
        now = utcnow()
        if birth_date is not None:
            patient.birth_date = birth_date
        for _ in range(MAX_CODE_ATTEMPTS):
            code = codes.new_code()
            digest = codes.code_hash(code)
            if db.session.scalar(sa.select(ShareCode.id).where(ShareCode.code_hash == digest)) is None:
                break
        else:  # pragma: no cover - 31**8 codes; five collisions in a row do not happen
            raise RuntimeError("could not find a free share code")
        row = ShareCode(patient_id=patient.id, code_hash=digest, created_at=now,
                        expires_at=now + CODE_VALID_FOR)
        db.session.add(row)
        db.session.flush()
        audit.record(audit.SHARE_CODE_CREATED, patient_id=patient.id, subject=code_subject(row.id),
                     actor=patient)
        return row, code


def cancel_code(patient: User, code_id: int) -> bool:
    """Delete one of the patient's unused codes; False when there is no such code."""
    with write_transaction():
        row = db.session.scalar(
            sa.select(ShareCode).where(
                ShareCode.id == code_id, ShareCode.patient_id == patient.id, ShareCode.used_at.is_(None)
            )
        )
        if row is None:
            db.session.rollback()
            return False
        db.session.delete(row)
        audit.record(audit.SHARE_CODE_CANCELLED, patient_id=patient.id, subject=code_subject(code_id),
                     actor=patient)
        return True


# Share codes (the clinician's side) --------------------------------------------------------


def redeem_code(clinician: User, clinic_id: int, typed: str, address: str | None) -> Redemption:
    """Claim a patient's code for one of the clinician's clinics.

    Raises Throttled before looking at the code when the account or the address must wait
    (diary/throttle.py). The attempt is counted first and given back when the code was live,
    so a wrong, expired or used code (one answer: INVALID) is what counts. The code is marked
    used and the link made in one transaction.
    """
    attempt = throttle.claim_share_code(clinician.public_id, address)
    code = codes.normalise(typed)
    if code is not None:
        result = _claim(code, clinic_id, clinician)
        if result is not None:
            attempt.give_back()
            return result
    return Redemption(Redeemed.INVALID)


def _claim(code: str, clinic_id: int, clinician: User) -> Redemption | None:
    """Mark the code used by the clinic and link its patient, or None (rolled back) when the
    code is not a live one."""
    with write_transaction():
        now = utcnow()
        found = db.session.execute(
            sa.select(ShareCode.id, ShareCode.patient_id).where(
                ShareCode.code_hash == codes.code_hash(code)
            )
        ).one_or_none()
        patient = db.session.get(User, found.patient_id) if found else None
        if found is None or patient is None or not patient.active:
            db.session.rollback()
            return None
        claimed = db.session.execute(
            sa.update(ShareCode)
            .where(ShareCode.id == found.id, ShareCode.used_at.is_(None), ShareCode.expires_at > now)
            .values(used_at=now, clinic_id=clinic_id)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            again = _used_by_and_sharing(found.id, patient.id, clinic_id)
            db.session.rollback()
            # The clinic typed a code it redeemed itself for a patient it still sees: it
            # learns nothing new, so it is told so rather than "not valid".
            return Redemption(Redeemed.ALREADY_SHARING, patient.display_name) if again else None
        linked = _link(patient.id, clinic_id, LinkSource.CODE, code_subject(found.id), clinician)
        name = patient.display_name
        return Redemption(Redeemed.LINKED if linked else Redeemed.ALREADY_SHARING, name)


def _used_by_and_sharing(code_id: int, patient_id: int, clinic_id: int) -> bool:
    """Whether the clinic itself used the code and the patient still shares with it."""
    used_by = db.session.scalar(sa.select(ShareCode.clinic_id).where(ShareCode.id == code_id))
    return used_by == clinic_id and _live_link(patient_id, clinic_id) is not None


# Revocation --------------------------------------------------------------------------------


def live_link_of(patient: User, link_id: int) -> CareLink | None:
    """One of the patient's live links, with its clinic."""
    return db.session.scalar(
        sa.select(CareLink).where(
            CareLink.id == link_id, CareLink.patient_id == patient.id, CareLink.live
        )
    )


def revoke_link(patient: User, link_id: int) -> str | None:
    """End a live link at once; the clinic's name, or None when there is no such link.

    Nothing else is needed: the policy reads the link on every request, so every member of
    the clinic gets 404 on their next one.
    """
    with write_transaction():
        link = live_link_of(patient, link_id)
        if link is None:
            db.session.rollback()
            return None
        link.revoked_at = utcnow()
        reminder_hooks.entry_changed(link)
        name = link.clinic.name
        audit.record(audit.LINK_REVOKED, patient_id=patient.id, clinic_id=link.clinic_id,
                     subject=f"care link {link.id}", actor=patient)
        return name


# Invitations --------------------------------------------------------------------------------


def pending_invitations(patient: User) -> sa.Select:
    """The invitations the patient may answer: to their verified address, live, unanswered."""
    if patient.email_verified_at is None:
        return sa.select(ClinicInvitation).where(sa.false())
    return sa.select(ClinicInvitation).where(
        ClinicInvitation.email == normalise_email(patient.email),
        ClinicInvitation.still_open(utcnow()),
    )


def _pending_invitation(patient: User, invitation_id: int) -> ClinicInvitation | None:
    """One of the patient's pending invitations."""
    return db.session.scalar(
        pending_invitations(patient).where(ClinicInvitation.id == invitation_id)
    )


def accept_invitation(patient: User, invitation_id: int) -> str | None:
    """Accept an invitation: the clinic's name (now shared with), or None when not pending."""
    with write_transaction():
        invitation = _pending_invitation(patient, invitation_id)
        if invitation is None:
            db.session.rollback()
            return None
        invitation.accepted_at = utcnow()
        _link(patient.id, invitation.clinic_id, LinkSource.INVITATION, f"invitation {invitation.id}",
              patient)
        name = invitation.clinic.name
        return name


def decline_invitation(patient: User, invitation_id: int) -> str | None:
    """Decline an invitation: the clinic's name, or None when not pending."""
    with write_transaction():
        invitation = _pending_invitation(patient, invitation_id)
        if invitation is None:
            db.session.rollback()
            return None
        invitation.declined_at = utcnow()
        audit.record(audit.INVITATION_DECLINED, patient_id=patient.id, clinic_id=invitation.clinic_id,
                     subject=f"invitation {invitation.id}", actor=patient)
        name = invitation.clinic.name
        return name


def invite(clinician: User, clinic_id: int, email: str, address: str | None) -> None:
    """Store an invitation and mail it when the address is a patient's verified one.

    Whoever the address belongs to, the clinician learns nothing: the same answer follows,
    and every invitation counts against the throttle so that the form cannot be used to try
    addresses in bulk. Raises Throttled before anything is stored.
    """
    throttle.claim_invitation(clinician.public_id, address)
    email = normalise_email(email)
    with write_transaction():
        now = utcnow()
        invitation = db.session.scalar(
            sa.select(ClinicInvitation).where(
                ClinicInvitation.clinic_id == clinic_id,
                ClinicInvitation.email == email,
                ClinicInvitation.still_open(now),
            )
        )
        # Asking again renews a pending invitation rather than adding a second one.
        clinician_id = clinician.id  # read first: reloading the account would flush a half row
        if invitation is None:
            invitation = ClinicInvitation(clinic_id=clinic_id, email=email, created_at=now,
                                          invited_by_id=clinician_id,
                                          expires_at=now + INVITATION_VALID_FOR)
            db.session.add(invitation)
        invitation.invited_by_id = clinician_id
        invitation.expires_at = now + INVITATION_VALID_FOR
        db.session.flush()
        patient = db.session.scalar(
            sa.select(User).where(
                User.email == email,
                User.role == Role.PATIENT,
                User.active.is_(True),
                User.email_verified_at.is_not(None),
            )
        )
        audit.record(audit.INVITATION_SENT, patient_id=patient.id if patient else None,
                     clinic_id=clinic_id, subject=f"invitation {invitation.id}", actor=clinician)
        clinic_name = db.session.get(Clinic, clinic_id).name
    if patient is not None:  # mailed once the invitation is committed
        emails.mail_invitation(patient, clinic_name)
