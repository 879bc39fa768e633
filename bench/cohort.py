"""The cohort view's figure (docs/quality-bars.md, The bars: under 300 ms over the 500-patient reference clinic).

The reference clinician makes the request, so every patient of the reference clinic must be
shared with that clinician's clinic; the simulator's writer gives each patient a CareLink,
and `share_reference_clinic` adds any that are missing so the figure is always measured
over the whole clinic rather than silently over none.
"""

from __future__ import annotations

import sqlalchemy as sa

from bench.dataset import Account
from bench.measure import Call, Endpoint
from diary.extensions import db
from diary.models import CareLink, ClinicMembership, User
from diary.models.summary import PatientSummary

COHORT_MAX_MS = 300.0


def cohort_page(account: Account, run: int) -> Call:
    """The clinician's cohort view of the reference clinic (the default, first clinic)."""
    return Call("GET", "/clinic/cohort")


COHORT = Endpoint("cohort", "Cohort view (reference clinic)", "clinician", cohort_page,
                  max_ms=COHORT_MAX_MS)


def share_reference_clinic(clinician_id: int) -> int:
    """Link every patient with a summary row to the clinician's clinic; returns how many are shared.

    Runs after the build, outside its measured time.
    """
    clinic_id = db.session.scalar(
        sa.select(ClinicMembership.clinic_id)
        .where(ClinicMembership.user_id == clinician_id, ClinicMembership.active.is_(True))
        .order_by(ClinicMembership.id)
        .limit(1)
    )
    linked = sa.select(CareLink.patient_id).where(
        CareLink.clinic_id == clinic_id, CareLink.live
    )
    missing = db.session.scalars(
        sa.select(PatientSummary.patient_id)
        .join(User, User.id == PatientSummary.patient_id)
        .where(User.role == "patient", PatientSummary.patient_id.not_in(linked))
    ).all()
    db.session.add_all(CareLink(patient_id=p, clinic_id=clinic_id, source="code") for p in missing)
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count()).select_from(linked.subquery()))
