"""The clinic's writes: assessments, the clinician baseline, surgery verification, the schedule.

Each public function is one write transaction, a write_transaction() block: the authorisation policy, the
change, its audit row, the summary refreshed when the change moves it, one commit. The
patient's diary entries themselves are never written here (docs/decisions.md, Authorisation).
"""

from __future__ import annotations

import sqlalchemy as sa

from diary import audit, policy
from diary.clinic.attention import refresh_attention, refresh_clinic
from diary.clock import local_today, utcnow
from diary.database import write_transaction
from diary.errors import NotAllowed, NotFound
from diary.extensions import db
from diary.models import Assessment, Clinic, ClinicianBaseline, Surgery, User
from diary.progress.summary import refresh_summary
from diary.reminders.planning import hooks as reminder_hooks
from diary.treatments import entries, rules
from diary.treatments.values import SurgeryValues


def _patient_and_clinic(viewer: User, patient_id: int) -> tuple[User, Clinic]:
    """The patient and the clinic the viewer writes for: the policy decides (can_assess,
    acting_clinic), raising NotFound or NotAllowed."""
    return policy.acting_clinic_or_404(viewer, patient_id)


def _surgery_of(patient: User, surgery_id: int) -> Surgery:
    """A live operation of this patient; NotFound otherwise."""
    surgery = db.session.get(Surgery, surgery_id)
    if surgery is None or surgery.patient_id != patient.id or surgery.deleted_at is not None:
        raise NotFound(f"surgery {surgery_id}")
    return surgery


def record_assessment(viewer: User, patient_id: int, values: dict) -> int:
    """Store a follow-up assessment for the clinic, audited; returns its id.

    Its visit fulfils the suggested visit nearest to it, so the patient's follow-up reminder
    is replanned in the same transaction (docs/clinic.md, The follow-up schedule).
    """
    with write_transaction():
        patient, clinic = _patient_and_clinic(viewer, patient_id)
        now = utcnow()
        assessment = Assessment(
            patient_id=patient.id, clinic_id=clinic.id, clinician_id=viewer.id,
            created_at=now, updated_at=now, **values,
        )
        db.session.add(assessment)
        db.session.flush()
        assessment_id = assessment.id
        audit.record(audit.RECORD_ASSESSMENT, patient_id=patient.id, clinic_id=clinic.id,
                     subject=f"assessment:{assessment_id}")
        reminder_hooks.entry_changed(assessment)
        # A recorded visit may fulfil a suggested one (clinic.attention.next_visit).
        refresh_attention(patient.id, now=now, zone=patient.timezone)
        return assessment_id


def enter_baseline(viewer: User, patient_id: int, values: dict) -> None:
    """Enter (or replace) the clinician's pre-operative baseline; the summary follows."""
    with write_transaction():
        patient, clinic = _patient_and_clinic(viewer, patient_id)
        now = utcnow()
        row = db.session.get(ClinicianBaseline, patient.id)
        if row is None:
            row = ClinicianBaseline(patient_id=patient.id)
            db.session.add(row)
        for name, value in values.items():
            setattr(row, name, value)
        row.entered_by_id = viewer.id
        row.entered_at = now
        db.session.flush()
        audit.record(audit.ENTER_BASELINE, patient_id=patient.id, clinic_id=clinic.id)
        refresh_summary(patient.id, diary_changed=False, now=now)


def verify_surgery(viewer: User, patient_id: int, surgery_id: int) -> None:
    """Confirm the operation's details as entered: no longer patient-reported."""
    with write_transaction():
        patient, clinic = _patient_and_clinic(viewer, patient_id)
        surgery = _surgery_of(patient, surgery_id)
        surgery.verified_by_id = viewer.id
        surgery.verified_at = utcnow()
        audit.record(audit.VERIFY_SURGERY, patient_id=patient.id, clinic_id=clinic.id,
                     subject=f"surgery:{surgery.id}")
        db.session.flush()
        refresh_attention(patient.id, zone=patient.timezone)  # no longer unverified
        reminder_hooks.entry_changed(surgery)


def edit_surgery(viewer: User, patient_id: int, surgery_id: int, values: SurgeryValues) -> None:
    """Correct an operation's details; the old values stay as a revision, and it counts as verified.

    Raises TreatmentRefused (nothing saved) for impossible values, like the patient's form.
    """
    with write_transaction():
        patient, clinic = _patient_and_clinic(viewer, patient_id)
        surgery = _surgery_of(patient, surgery_id)
        now = utcnow()
        entries.refuse(rules.surgery_problems(values, local_today(patient.timezone, now)))
        before = surgery.snapshot()
        for name in ("surgery_type", "performed_on", "side", "centre", "surgeon", "technique",
                     "implant", "house_brackmann_grade", "note"):
            setattr(surgery, name, getattr(values, name))
        surgery.vessels = list(values.vessels)
        surgery.complications = list(values.complications)
        surgery.verified_by_id = viewer.id
        surgery.verified_at = now
        entries.note_update(surgery, "surgery", before, viewer.id, now)
        audit.record(audit.EDIT_SURGERY, patient_id=patient.id, clinic_id=clinic.id,
                     subject=f"surgery:{surgery.id}")
        refresh_summary(patient.id, diary_changed=False, now=now)
        reminder_hooks.entry_changed(surgery)


def mark_reference(viewer: User, patient_id: int, surgery_id: int) -> None:
    """Make this operation the one the trajectory aligns on; the summary follows at once."""
    with write_transaction():
        patient, clinic = _patient_and_clinic(viewer, patient_id)
        surgery = _surgery_of(patient, surgery_id)
        # Clear the old mark first: at most one marked operation per patient (a unique index).
        db.session.execute(
            sa.update(Surgery)
            .where(Surgery.patient_id == patient.id, Surgery.id != surgery.id, Surgery.is_reference.is_(True))
            .values(is_reference=False)
        )
        surgery.is_reference = True
        db.session.flush()
        audit.record(audit.EDIT_SURGERY, patient_id=patient.id, clinic_id=clinic.id,
                     subject=f"surgery:{surgery.id}:reference")
        refresh_summary(patient.id, diary_changed=False)
        reminder_hooks.entry_changed(surgery)


def save_schedule(viewer: User, clinic_id: int, schedule_text: str) -> None:
    """Change a clinic's follow-up schedule; only its active members may."""
    with write_transaction():
        clinic = next((c for c in policy.member_clinics(viewer) if c.id == clinic_id), None)
        if clinic is None:
            raise NotAllowed(f"clinic {clinic_id}")
        if clinic.follow_up_schedule != schedule_text:
            clinic.follow_up_schedule = schedule_text
            db.session.flush()
            reminder_hooks.schedule_changed(clinic.id)
            refresh_clinic(clinic.id)  # every patient's next suggested visit moves
