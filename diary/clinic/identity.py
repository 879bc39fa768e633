"""Who the patient is, for the clinic: the name, the date of birth and the clinic's own
hospital number (MRN).

The name and the date of birth are the patient's (the account page, a share code); the
hospital number is the clinic's, kept per clinic and patient in `clinic_patient_records`,
apart from the share link, which is revoked and made again when the patient shares again.
Only members of a clinic the patient shares with see any of it (docs/security.md, Who sees
the date of birth and the hospital number). Changing the number is audited without the
number: the trail says that it changed, never what it was (docs/clinic.md, The hospital
number).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from diary import audit, policy
from diary.database import write_transaction
from diary.errors import Refused
from diary.extensions import db
from diary.i18n import gettext
from diary.models import Clinic, ClinicPatientRecord, User
from diary.models.clinic import MRN_MAX_LENGTH
from diary.records import codes

# What a hospital number may hold once normalised: Latin letters, digits and the separators
# hospital systems print (docs/clinic.md, The hospital number).
MRN_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9./-]*")
# The refusal's English words, which code compares pages with; people read `mrn_taken()`.
MRN_TAKEN = "This hospital number belongs to another patient of the clinic."


def mrn_taken() -> str:
    """MRN_TAKEN in the reader's language (docs/wording.md, Strings)."""
    return gettext("This hospital number belongs to another patient of the clinic.")


@dataclass(frozen=True, slots=True)
class Identity:
    """The patient as the review and the report name them."""

    display_name: str
    family_name: str | None
    birth_date: date | None
    mrn: str | None


def normalise_mrn(text: str | None) -> str:
    """A hospital number as stored and compared: no spaces, upper case ("a 123-4" -> "A123-4")."""
    return "".join((text or "").split()).upper()


def mrn_problem(text: str | None) -> str | None:
    """Why a typed hospital number is refused, or None (an empty one clears the number)."""
    mrn = normalise_mrn(text)
    if not mrn:
        return None
    if len(mrn) > MRN_MAX_LENGTH:
        return gettext("Use at most %(num)d characters.", num=MRN_MAX_LENGTH)
    if not MRN_PATTERN.fullmatch(mrn):
        return gettext("Use letters, digits, hyphens, slashes and dots only.")
    return None


def mrn_of(clinic_id: int, patient_id: int) -> str | None:
    """The clinic's hospital number for the patient, or None. The caller authorised the read."""
    return db.session.scalar(
        sa.select(ClinicPatientRecord.mrn).where(
            ClinicPatientRecord.clinic_id == clinic_id, ClinicPatientRecord.patient_id == patient_id
        )
    )


def identity_of(patient: User, clinic: Clinic) -> Identity:
    """The patient's name, date of birth and the acting clinic's hospital number."""
    return Identity(patient.display_name, patient.family_name, patient.birth_date,
                    mrn_of(clinic.id, patient.id))


def mrn_system(clinic_id: int) -> str:
    """The FHIR identifier system of a clinic's hospital numbers (docs/fhir.md)."""
    return f"{codes.CLINIC_MRN_SYSTEM_PREFIX}/{clinic_id}/mrn"


def mrn_identifier(clinic_id: int, patient_id: int) -> dict | None:
    """The Patient.identifier of the clinic's number, or None when it has none."""
    mrn = mrn_of(clinic_id, patient_id)
    if mrn is None:
        return None
    kind = codes.coding(codes.IDENTIFIER_TYPE, codes.MEDICAL_RECORD_NUMBER, "Medical record number")
    return {"use": "official", "type": {"coding": [kind]}, "system": mrn_system(clinic_id),
            "value": mrn}


def set_mrn(viewer: User, patient_id: int, typed: str | None) -> bool:
    """Keep (or clear, when empty) the acting clinic's hospital number; True when it changed.

    The policy decides (acting_clinic_or_404: an active, confirmed member of a clinic the
    patient shares with). Audited as `mrn_changed` without the value. Raises Refused (nothing
    saved) for a number that is not one or that belongs to another patient of the clinic.
    """
    problem = mrn_problem(typed)
    if problem:
        raise Refused(problem, {"mrn": [problem]})
    mrn = normalise_mrn(typed) or None
    try:
        with write_transaction():
            patient, clinic = policy.acting_clinic_or_404(viewer, patient_id)
            record = db.session.scalar(
                sa.select(ClinicPatientRecord).where(
                    ClinicPatientRecord.clinic_id == clinic.id,
                    ClinicPatientRecord.patient_id == patient.id,
                )
            )
            if (record.mrn if record else None) == mrn:
                return False
            if mrn is not None and _taken(clinic.id, patient.id, mrn):
                raise Refused(mrn_taken(), {"mrn": [mrn_taken()]})
            if record is None:
                record = ClinicPatientRecord(clinic_id=clinic.id, patient_id=patient.id)
                db.session.add(record)
            record.mrn = mrn
            db.session.flush()
            audit.record(audit.MRN_CHANGED, patient_id=patient.id, clinic_id=clinic.id)
            return True
    except IntegrityError:
        # Two members saving the same number for two patients at once: one of them wins.
        raise Refused(mrn_taken(), {"mrn": [mrn_taken()]}) from None


def _taken(clinic_id: int, patient_id: int, mrn: str) -> bool:
    """Whether another patient of the clinic has this number."""
    return db.session.scalar(
        sa.select(ClinicPatientRecord.id).where(
            ClinicPatientRecord.clinic_id == clinic_id,
            ClinicPatientRecord.mrn == mrn,
            ClinicPatientRecord.patient_id != patient_id,
        )
    ) is not None
