"""Medication services: regimens, dose changes that keep the history, and dose taking.

Each public function is one write transaction, as in diary.treatments.services. A dose
change closes the current regimen the day before and opens the next, linked to it, so the
chain of regimens is the drug's history; a regimen's stop date inside a chain is derived
from the next change and is never edited on its own.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from diary import policy
from diary.clock import local_today, utcnow
from diary.database import write_transaction
from diary.extensions import db
from diary.i18n import gettext
from diary.models import DoseLog, MedicationRegimen, User
from diary.models.treatment import DoseStatus
from diary.reminders.planning import hooks as reminder_hooks
from diary.treatments import entries, rules
from diary.treatments.entries import Confirmation, Saved, TreatmentRefused
from diary.treatments.values import DoseChangeValues, DoseValues, Period, RegimenValues
from diary.treatments.wording import treatment_date


def save_regimen(
    viewer: User,
    values: RegimenValues,
    *,
    patient_id: int | None = None,
    regimen_id: int | None = None,
    confirmation: Confirmation = Confirmation(),  # noqa: B008
) -> Saved:
    """Record a medication a patient takes, or correct one (regimen_id).

    A regimen inside a chain of dose changes keeps its drug, and its stop date stays the day
    before the next change; moving a change's start moves the previous regimen's stop with it.
    """
    viewer_id = viewer.id
    with write_transaction():
        regimen, patient = entries.load_for_write(viewer, MedicationRegimen, regimen_id, patient_id)
        previous = following = None
        if regimen is not None:
            previous = live_regimen(regimen.previous_regimen_id)
            following = successor(regimen.id)
        now = utcnow()
        entries.refuse(
            rules.regimen_problems(
                values,
                local_today(patient.timezone, now),
                previous=_period(previous),
                following=_period(following),
            )
        )
        dose = (values.drug, values.strength, values.unit, values.doses_per_day)
        unchanged = regimen is not None and dose == (
            regimen.drug,
            regimen.strength,
            regimen.unit,
            regimen.doses_per_day,
        )
        warnings = [] if unchanged else rules.regimen_warnings(*dose)
        if not confirmation.accepts(warnings):
            db.session.rollback()
            return Saved(None, tuple(warnings))

        regimen, before = entries.open_entry(MedicationRegimen, regimen, patient.id, viewer_id, now)
        for name in (
            "drug",
            "strength",
            "unit",
            "doses_per_day",
            "started_on",
            "stopped_on",
            "change_reason",
            "stop_reason",
        ):
            setattr(regimen, name, getattr(values, name))
        regimen.drug_other = values.drug_other if values.drug == "other" else None
        regimen.times_of_day = list(values.times_of_day)
        if previous is not None:
            # Derived from this change's start, so it is not an edit of its own.
            previous.stopped_on = values.started_on - timedelta(days=1)
        entries.mark_retrospective(regimen, values.started_on, patient.timezone, now)
        entry_id = entries.finish(regimen, "medication_regimen", before, viewer_id, now)
        return Saved(entry_id, tuple(warnings))


def change_dose(
    viewer: User,
    regimen_id: int,
    change: DoseChangeValues,
    *,
    confirmation: Confirmation = Confirmation(),  # noqa: B008
) -> Saved:
    """Close the current regimen the day before the change and open the next, linked to it."""
    viewer_id = viewer.id
    with write_transaction():
        current = policy.editable_or_404(viewer, MedicationRegimen, regimen_id)
        patient = db.session.get(User, current.patient_id)
        later = successor(current.id)
        if later is not None:
            entries.refuse(
                {
                    "changed_on": gettext(
                        "This dose was already changed on %(day)s: change the latest dose "
                        "instead.",
                        day=treatment_date(later.started_on),
                    )
                }
            )
        now = utcnow()
        entries.refuse(
            rules.dose_change_problems(_values(current), change, local_today(patient.timezone, now))
        )
        warnings = rules.regimen_warnings(
            current.drug, change.strength, change.unit, change.doses_per_day
        )
        if not confirmation.accepts(warnings):
            db.session.rollback()
            return Saved(None, tuple(warnings))

        following = MedicationRegimen(
            patient_id=current.patient_id,
            drug=current.drug,
            drug_other=current.drug_other,
            strength=change.strength,
            unit=change.unit,
            doses_per_day=change.doses_per_day,
            times_of_day=list(change.times_of_day),
            started_on=change.changed_on,
            # A stop already recorded for the drug now ends the new dose.
            stopped_on=current.stopped_on,
            stop_reason=current.stop_reason,
            change_reason=change.change_reason,
            previous_regimen_id=current.id,
            **entries.provenance(viewer_id, now),
        )
        entries.mark_retrospective(following, change.changed_on, patient.timezone, now)
        current.stopped_on = change.changed_on - timedelta(days=1)
        current.stop_reason = None
        db.session.add(following)
        db.session.flush()
        entry_id = following.id
        reminder_hooks.entry_changed(current, following)
        return Saved(entry_id, tuple(warnings))


def record_dose(viewer: User, regimen_id: int, values: DoseValues) -> int:
    """Record a missed or extra dose (or a day taken as planned) of one regimen; returns its id."""
    viewer_id = viewer.id
    with write_transaction():
        regimen = policy.editable_or_404(viewer, MedicationRegimen, regimen_id)
        patient = db.session.get(User, regimen.patient_id)
        entries.lock_patient(patient.id)
        now = utcnow()
        entries.refuse(
            rules.dose_problems(values, _period(regimen), local_today(patient.timezone, now))
        )
        entry = _put_dose(regimen, values, patient.timezone, viewer_id, now)
        entry_id = entry.id
        return entry_id


def record_doses_taken_as_planned(
    patient: User, day: date, *, author: User | None = None, commit: bool = True
) -> list[int]:
    """Mark the day's doses of every regimen the patient was taking as taken as planned.

    Returns the ids of the regimens recorded (none when no medication was being taken). Safe
    to repeat: a second call changes nothing. It replaces a "missed" record of the same day,
    since the latest statement wins. With commit=False it writes inside the caller's open
    write transaction (a write_transaction() block) and leaves the commit to the caller, so
    that a check-in and its doses are saved together. The caller has authorised the patient
    (policy.patient_or_404); author defaults to the patient.
    """
    patient_id, zone = patient.id, patient.timezone
    author_id = author.id if author is not None else patient_id
    # commit=False: inside the caller's write transaction, which commits or rolls back.
    with write_transaction() if commit else nullcontext():
        entries.lock_patient(patient_id)
        now = utcnow()
        if day > local_today(zone, now):
            raise TreatmentRefused({"day": str(rules.FUTURE)})
        taking = db.session.scalars(
            sa.select(MedicationRegimen)
            .where(
                MedicationRegimen.patient_id == patient_id,
                MedicationRegimen.deleted_at.is_(None),
                MedicationRegimen.started_on <= day,
                sa.or_(MedicationRegimen.stopped_on.is_(None), MedicationRegimen.stopped_on >= day),
            )
            .order_by(MedicationRegimen.id)
        ).all()
        for regimen in taking:
            values = DoseValues(day, DoseStatus.TAKEN_AS_PLANNED.value, regimen.doses_per_day)
            _put_dose(regimen, values, zone, author_id, now)
        recorded = [regimen.id for regimen in taking]
        db.session.flush()
        return recorded


def _put_dose(
    regimen: MedicationRegimen, values: DoseValues, zone: str, author_id: int, now: datetime
) -> DoseLog:
    """One live row per regimen, day and status; "taken as planned" and "missed" exclude each other.

    The patient's row lock (PostgreSQL) or BEGIN IMMEDIATE (SQLite) serialises these writes,
    so reading before writing cannot race.
    """
    rows = db.session.scalars(
        sa.select(DoseLog).where(DoseLog.regimen_id == regimen.id, DoseLog.day == values.day)
    ).all()
    by_status = {row.status: row for row in rows}
    contrary = {
        DoseStatus.TAKEN_AS_PLANNED: DoseStatus.MISSED,
        DoseStatus.MISSED: DoseStatus.TAKEN_AS_PLANNED,
    }.get(DoseStatus(values.status))
    if contrary is not None:
        other = by_status.get(contrary.value)
        if other is not None and other.deleted_at is None:
            entries.soft_delete(other, "dose_log", author_id, now)

    entry = by_status.get(values.status)
    if entry is None or entry.deleted_at is not None:
        if entry is None:
            entry = DoseLog(patient_id=regimen.patient_id, regimen_id=regimen.id, day=values.day)
            db.session.add(entry)
        # A deleted record of the same day and status comes back as a new entry.
        for name, value in entries.provenance(author_id, now).items():
            setattr(entry, name, value)
        before = None
    else:
        before = entry.snapshot()
    entry.status = values.status
    entry.count = values.count
    entry.note = values.note
    entries.mark_retrospective(entry, values.day, zone, now)
    entries.note_update(entry, "dose_log", before, author_id, now)
    db.session.flush()
    return entry


# Regimen chains --------------------------------------------------------------------------


def live_regimen(regimen_id: int | None) -> MedicationRegimen | None:
    """A regimen by id unless it is deleted."""
    if regimen_id is None:
        return None
    regimen = db.session.get(MedicationRegimen, regimen_id)
    return regimen if regimen is not None and regimen.deleted_at is None else None


def successor(regimen_id: int) -> MedicationRegimen | None:
    """The live dose change that followed a regimen, if any."""
    return db.session.scalar(
        sa.select(MedicationRegimen).where(
            MedicationRegimen.previous_regimen_id == regimen_id,
            MedicationRegimen.deleted_at.is_(None),
        )
    )


def _period(regimen: MedicationRegimen | None) -> Period | None:
    """What the chain rules read of a regimen."""
    if regimen is None:
        return None
    return Period(regimen.drug, regimen.drug_other, regimen.started_on, regimen.stopped_on)


def _values(regimen: MedicationRegimen) -> RegimenValues:
    """A stored regimen as rule values."""
    return RegimenValues(
        drug=regimen.drug,
        drug_other=regimen.drug_other,
        strength=regimen.strength,
        unit=regimen.unit,
        doses_per_day=regimen.doses_per_day,
        times_of_day=tuple(regimen.times_of_day or ()),
        started_on=regimen.started_on,
        stopped_on=regimen.stopped_on,
    )
