"""The one authorisation policy: who may see and change which patient's records.

A viewer sees a patient when the viewer is that patient, or an active clinician who is an
active, confirmed member of a clinic that the patient shares with (DESIGN.md, Decisions). A
membership an administrator added waits for a colleague's confirmation and opens nothing
until then (docs/security.md, Who can give diary access). Everything the viewer may not see
answers 404, so that its existence is not revealed either.
"""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort

from diary.extensions import db
from diary.models import CareLink, Clinic, ClinicMembership, Role, User

T = TypeVar("T")


def _is_usable(viewer: Any) -> bool:
    """A logged-in, active account."""
    return bool(viewer is not None and getattr(viewer, "is_authenticated", False) and viewer.active)


def grants_access(membership: Any = ClinicMembership) -> sa.ColumnElement[bool]:
    """The one condition under which a membership (or an alias of the table) opens the
    clinic's patients to its member: active and confirmed. Every query that reads through a
    membership uses it, so a pending membership opens nothing anywhere."""
    return sa.and_(membership.active.is_(True), membership.confirmed_at.is_not(None))


def member_clinics(viewer: User, *, in_joining_order: bool = False) -> list[Clinic]:
    """The clinics the viewer is an active, confirmed member of, by name or in the order
    joined (one query)."""
    order = (ClinicMembership.id,) if in_joining_order else (Clinic.name, Clinic.id)
    return list(
        db.session.scalars(
            sa.select(Clinic)
            .join(ClinicMembership, ClinicMembership.clinic_id == Clinic.id)
            .where(ClinicMembership.user_id == viewer.id, grants_access())
            .order_by(*order)
        )
    )


def visible_patient_ids(viewer: User) -> sa.Select:
    """A SELECT of the ids of every patient the viewer may see: the scope of every list."""
    if viewer.role == Role.PATIENT:
        return sa.select(sa.literal(viewer.id).label("id"))
    if viewer.role == Role.CLINICIAN:
        return (
            sa.select(CareLink.patient_id.label("id"))
            .join(ClinicMembership, ClinicMembership.clinic_id == CareLink.clinic_id)
            .where(
                ClinicMembership.user_id == viewer.id,
                grants_access(),
                CareLink.revoked_at.is_(None),
            )
            .distinct()
        )
    # Administrators manage accounts; they never read a diary. The empty scope is typed as an
    # integer so that PostgreSQL can compare it with patient ids.
    return sa.select(sa.cast(sa.null(), sa.Integer).label("id")).where(sa.false())


def can_view(viewer: Any, patient_id: int) -> bool:
    """Whether the viewer may read the records of the patient with this id."""
    if not _is_usable(viewer):
        return False
    if viewer.role == Role.PATIENT:
        return viewer.id == patient_id
    if viewer.role != Role.CLINICIAN:
        return False
    scope = visible_patient_ids(viewer).subquery()
    return db.session.scalar(sa.select(sa.exists().where(scope.c.id == patient_id))) or False


def can_edit(viewer: Any, record: Any) -> bool:
    """Whether the viewer may change a patient's record.

    Diary entries belong to the patient alone; clinicians gain edit rights on particular
    records (surgery verification) through their own rules, which come here too.
    """
    if not _is_usable(viewer):
        return False
    patient_id = getattr(record, "patient_id", None)
    return viewer.role == Role.PATIENT and viewer.id == patient_id


def viewable_or_404(viewer: Any, model: type[T], record_id: int) -> T:
    """Load a live patient record the viewer may read, or answer 404."""
    record = db.session.get(model, record_id)
    if record is None or getattr(record, "deleted_at", None) is not None:
        abort(404)
    if not can_view(viewer, record.patient_id):
        abort(404)
    return record


def editable_or_404(viewer: Any, model: type[T], record_id: int) -> T:
    """Load a live patient record the viewer may change, or answer 404."""
    record = viewable_or_404(viewer, model, record_id)
    if not can_edit(viewer, record):
        abort(404)
    return record


def patient_or_404(viewer: Any, patient_id: int) -> User:
    """Load a patient the viewer may see, or answer 404."""
    patient = db.session.get(User, patient_id)
    if patient is None or patient.role != Role.PATIENT or not can_view(viewer, patient.id):
        abort(404)
    return patient
