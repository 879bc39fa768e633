"""The one authorisation policy: who may see and change which patient's records.

A viewer sees a patient when the viewer is that patient, or an active clinician who is an
active, confirmed member of a clinic that the patient shares with (docs/decisions.md, Authorisation). A
membership an administrator added waits for a colleague's confirmation and opens nothing
until then (docs/security.md, Who can give diary access). Everything the viewer may not see
answers 404, so that its existence is not revealed either: the functions here raise
diary.errors.NotFound (or its NotAllowed), and the web edge answers both as 404.

A clinician acts for one clinic per patient (acting_clinic): the lowest id among their active,
confirmed clinics that hold a live link from the patient. Reviews, assessments, reports and
their audit rows all name that clinic.
"""

from __future__ import annotations

from typing import Any, TypeVar

import sqlalchemy as sa

from diary.errors import NotAllowed, NotFound
from diary.extensions import db
from diary.models import Assessment, CareLink, Clinic, ClinicMembership, FollowUpVisit, Role, User
from diary.models.reminder import VisitSource

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


def live_links(viewer: User) -> sa.Select:
    """A SELECT of (patient_id, clinic_id) of every live link to a clinic the viewer is an
    active, confirmed member of: what opens a patient to a clinician."""
    return (
        sa.select(CareLink.patient_id, CareLink.clinic_id)
        .join(ClinicMembership, ClinicMembership.clinic_id == CareLink.clinic_id)
        .where(ClinicMembership.user_id == viewer.id, grants_access(), CareLink.live)
    )


def acting_clinic_ids(viewer: User) -> sa.Select:
    """A SELECT of (patient_id, clinic_id): for each patient the viewer sees through a clinic,
    the clinic the viewer acts for, the lowest id among those (see acting_clinic)."""
    links = live_links(viewer).subquery()
    return sa.select(
        links.c.patient_id, sa.func.min(links.c.clinic_id).label("clinic_id")
    ).group_by(links.c.patient_id)


def acting_clinic(viewer: Any, patient_id: int) -> Clinic | None:
    """The clinic for which the viewer reviews, assesses, reports on and is audited about
    this patient: the lowest id among the viewer's active, confirmed clinics that hold a live
    link from the patient; None for anyone who sees the patient through no clinic."""
    if not _is_usable(viewer) or viewer.role != Role.CLINICIAN:
        return None
    acting = acting_clinic_ids(viewer).subquery()
    return db.session.scalar(
        sa.select(Clinic).join(acting, acting.c.clinic_id == Clinic.id)
        .where(acting.c.patient_id == patient_id)
    )


def visible_patient_ids(viewer: User) -> sa.Select:
    """A SELECT of the ids of every patient the viewer may see: the scope of every list."""
    if viewer.role == Role.PATIENT:
        return sa.select(sa.literal(viewer.id).label("id"))
    if viewer.role == Role.CLINICIAN:
        links = live_links(viewer).subquery()
        return sa.select(links.c.patient_id.label("id")).distinct()
    # Administrators manage accounts; they never read a diary. The empty scope is typed as an
    # integer so that PostgreSQL can compare it with patient ids.
    return sa.select(sa.cast(sa.null(), sa.Integer).label("id")).where(sa.false())


def own_assessments(viewer: Any) -> sa.Select:
    """A SELECT of the clinic's assessments of the viewer, for the viewer alone to read.

    The patient reads what every clinic recorded of them, whether or not the diary is
    still shared with it: the assessment is about the patient (docs/report.md, The patient's
    summary). Which fields the patient sees (the note only when the clinician marked it
    visible) is the reader's part, diary.progress.queries.clinic_assessments. Nobody else
    reads through this: a clinician's reads go through acting_clinic, and for anyone but an
    active patient the scope is empty.
    """
    if not _is_usable(viewer) or viewer.role != Role.PATIENT:
        return sa.select(Assessment).where(sa.false())
    return sa.select(Assessment).where(Assessment.patient_id == viewer.id)


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

    Diary entries belong to the patient alone, except the clinic's own appointments (a
    follow-up visit the clinic entered), which are the clinic's to change. A clinician's
    writes go through can_assess.
    """
    if not _is_usable(viewer):
        return False
    if isinstance(record, FollowUpVisit) and record.source != VisitSource.PATIENT:
        return False
    patient_id = getattr(record, "patient_id", None)
    return viewer.role == Role.PATIENT and viewer.id == patient_id


def can_assess(viewer: Any, patient_id: int) -> bool:
    """Whether the viewer may write the clinic's records of the patient: assessments, the
    clinician baseline, surgery verification, correction and the reference mark. An active
    clinician who acts for a clinic of the patient's (acting_clinic)."""
    return acting_clinic(viewer, patient_id) is not None


def viewable_or_404(viewer: Any, model: type[T], record_id: int) -> T:
    """Load a live patient record the viewer may read; NotFound if there is none, NotAllowed
    if it is not the viewer's to read (both answered 404)."""
    record = db.session.get(model, record_id)
    if record is None or getattr(record, "deleted_at", None) is not None:
        raise NotFound(f"{model.__name__} {record_id}")
    if not can_view(viewer, record.patient_id):
        raise NotAllowed(f"{model.__name__} {record_id}")
    return record


def editable_or_404(viewer: Any, model: type[T], record_id: int) -> T:
    """Load a live patient record the viewer may change; NotFound or NotAllowed otherwise."""
    record = viewable_or_404(viewer, model, record_id)
    if not can_edit(viewer, record):
        raise NotAllowed(f"{model.__name__} {record_id}")
    return record


def patient_or_404(viewer: Any, patient_id: int) -> User:
    """Load a patient the viewer may see; NotFound if there is none, NotAllowed if the
    patient is not the viewer's to see (both answered 404)."""
    patient = db.session.get(User, patient_id)
    if patient is None or patient.role != Role.PATIENT:
        raise NotFound(f"patient {patient_id}")
    if not can_view(viewer, patient.id):
        raise NotAllowed(f"patient {patient_id}")
    return patient


def acting_clinic_or_404(viewer: Any, patient_id: int) -> tuple[User, Clinic]:
    """The patient and the clinic the viewer acts for (acting_clinic), for the clinic's pages
    and writes (can_assess); NotFound or NotAllowed when the viewer has none."""
    patient = patient_or_404(viewer, patient_id)
    clinic = acting_clinic(viewer, patient.id)
    if clinic is None:
        raise NotAllowed(f"patient {patient_id}")
    return patient, clinic
