"""Treatment services: every write of injections and surgery, and deleting any treatment entry.

Each public function is one write transaction, a write_transaction() block: the authorisation policy, the
rules, the change with its revision, one commit. A refusal rolls back before anything is
written, so nothing is ever half saved; unusual values come back as warnings and are saved
only once the user confirms them. Medication has its own module, diary.treatments.medication.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from diary import policy
from diary.clock import local_today, utcnow
from diary.database import write_transaction
from diary.extensions import db
from diary.i18n import gettext
from diary.models import DoseLog, Injection, InjectionSite, MedicationRegimen, Surgery, User
from diary.progress.summary import refresh_summary
from diary.reminders.planning import hooks as reminder_hooks
from diary.treatments import entries, medication, rules
from diary.treatments.entries import Confirmation, Saved
from diary.treatments.queries import session_units
from diary.treatments.values import (
    InjectionValues,
    OtherInjection,
    SurgeryValues,
)
from diary.treatments.wording import treatment_date

# Entry kinds as the URLs name them: the model and the revision's entry type.
ENTRY_KINDS: dict[str, tuple[type, str]] = {
    "injections": (Injection, "injection"),
    "medication": (MedicationRegimen, "medication_regimen"),
    "doses": (DoseLog, "dose_log"),
    "surgeries": (Surgery, "surgery"),
}


# Injections ------------------------------------------------------------------------------


def save_injection(
    viewer: User,
    values: InjectionValues,
    *,
    patient_id: int | None = None,
    injection_id: int | None = None,
    confirmation: Confirmation = Confirmation(),  # noqa: B008  (frozen, never mutated)
) -> Saved:
    """Record a new injection for a patient, or correct one (injection_id)."""
    viewer_id = viewer.id
    with write_transaction():
        injection, patient = entries.load_for_write(viewer, Injection, injection_id, patient_id)
        now = utcnow()
        entries.refuse(rules.injection_problems(values, local_today(patient.timezone, now)))
        warnings = rules.injection_warnings(
            values, _injections_near(patient.id, values.injected_on, injection_id)
        )
        if not confirmation.accepts(warnings):
            db.session.rollback()
            return Saved(None, tuple(warnings))

        injection, before = entries.open_entry(Injection, injection, patient.id, viewer_id, now)
        for name in (
            "injected_on",
            "product",
            "total_units",
            "injector",
            "lot",
            "note",
            "effect_began_on",
            "best_effect_on",
            "wore_off_on",
        ):
            setattr(injection, name, getattr(values, name))
        injection.product_other = values.product_other if values.product == "other" else None
        injection.side_effects = list(values.side_effects)
        _replace_sites(injection, values)
        entries.mark_retrospective(injection, values.injected_on, patient.timezone, now)
        entry_id = entries.finish(injection, "injection", before, viewer_id, now)
        return Saved(entry_id, tuple(warnings))


def _replace_sites(injection: Injection, values: InjectionValues) -> None:
    """Update sites in place by (muscle, side): a delete-then-insert would trip the unique key."""
    existing = {(s.muscle, s.side): s for s in injection.sites}
    kept = []
    for site in values.sites:
        row = existing.pop((site.muscle, site.side), None) or InjectionSite(
            muscle=site.muscle, side=site.side
        )
        row.units = site.units
        kept.append(row)
    injection.sites = kept


def _injections_near(patient_id: int, day: date, exclude_id: int | None) -> list[OtherInjection]:
    """The patient's other live injections within the warning window around a day."""
    window = timedelta(days=rules.CLOSE_INJECTION_DAYS)
    rows = db.session.execute(
        sa.select(
            Injection.injected_on, Injection.product, Injection.product_other, session_units()
        ).where(
            Injection.patient_id == patient_id,
            Injection.deleted_at.is_(None),
            Injection.id != (exclude_id or 0),
            Injection.injected_on.between(day - window, day + window),
        )
    ).all()
    return [OtherInjection(*row) for row in rows]


# Surgery ---------------------------------------------------------------------------------


def save_surgery(
    viewer: User,
    values: SurgeryValues,
    *,
    patient_id: int | None = None,
    surgery_id: int | None = None,
) -> Saved:
    """Record an operation, or correct one (surgery_id).

    A patient's correction makes the details patient-reported again: a clinician's earlier
    verification was of other values (the revision keeps it). A clinician's marking of the
    reference surgery is about which operation, not its details, and stays.
    """
    viewer_id = viewer.id
    with write_transaction():
        surgery, patient = entries.load_for_write(viewer, Surgery, surgery_id, patient_id)
        now = utcnow()
        entries.refuse(rules.surgery_problems(values, local_today(patient.timezone, now)))
        surgery, before = entries.open_entry(Surgery, surgery, patient.id, viewer_id, now)
        for name in (
            "surgery_type",
            "performed_on",
            "side",
            "centre",
            "surgeon",
            "technique",
            "implant",
            "house_brackmann_grade",
            "note",
        ):
            setattr(surgery, name, getattr(values, name))
        surgery.vessels = list(values.vessels)
        surgery.complications = list(values.complications)
        if viewer_id == surgery.patient_id and before is not None:
            changed = {k: v for k, v in surgery.snapshot().items() if before.get(k) != v}
            if changed:
                surgery.verified_by_id = None
                surgery.verified_at = None
        entries.mark_retrospective(surgery, values.performed_on, patient.timezone, now)
        return Saved(entries.finish(surgery, "surgery", before, viewer_id, now))


# Deleting --------------------------------------------------------------------------------


def delete_entry(viewer: User, kind: str, entry_id: int) -> None:
    """Hide a treatment entry from every view; a revision keeps what it said.

    Deleting a dose change gives its period back to the dose before it; a regimen that was
    changed afterwards cannot be deleted before the change.
    """
    viewer_id = viewer.id
    model, entry_type = ENTRY_KINDS[kind]
    with write_transaction():
        entry = policy.editable_or_404(viewer, model, entry_id)
        now = utcnow()
        if isinstance(entry, MedicationRegimen):
            later = medication.successor(entry.id)
            if later is not None:
                entries.refuse(
                    {
                        "": gettext(
                            "This dose was changed on %(day)s. Delete that change first.",
                            day=treatment_date(later.started_on),
                        )
                    }
                )
            previous = medication.live_regimen(entry.previous_regimen_id)
            if previous is not None:
                previous.stopped_on = entry.stopped_on
                previous.stop_reason = entry.stop_reason
        entries.soft_delete(entry, entry_type, viewer_id, now)
        refresh_summary(entry.patient_id, now=now)
        reminder_hooks.entry_changed(entry)
