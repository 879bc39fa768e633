"""The per-patient summary row: recomputed inside every transaction that changes it.

Every write service that changes what the summary depends on (check-ins, episodes,
injections, surgeries, deletions) calls `refresh_summary(patient_id)` before it commits,
so the clinic list and the cohort read one up-to-date row per patient.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from diary.clock import local_today, utcnow
from diary.extensions import db
from diary.models import ClinicianBaseline, Injection, User
from diary.models.summary import PatientSummary
from diary.progress.queries import diary_counts
from diary.trajectory import RemissionSummary, ToxinCycle, summarise
from diary.trajectory.summary import ManualBaseline


def toxin_cycles(patient_id: int, until: date) -> list[ToxinCycle]:
    """The patient's injections as the baseline rule needs them (one query)."""
    rows = db.session.execute(
        sa.select(Injection.injected_on, Injection.wore_off_on).where(
            Injection.patient_id == patient_id,
            Injection.deleted_at.is_(None),
            Injection.injected_on <= until,
        )
    )
    return [ToxinCycle(injected_on, wore_off_on) for injected_on, wore_off_on in rows]


def manual_baseline(patient_id: int) -> ManualBaseline | None:
    """The pre-operative baseline a clinician entered, if any (one query).

    It counts only when the diary has no usable baseline window: a patient who enrolled
    after surgery (DESIGN.md, Baseline); summarise() decides which one applies.
    """
    value = db.session.scalar(
        sa.select(ClinicianBaseline.spasms_per_day).where(
            ClinicianBaseline.patient_id == patient_id
        )
    )
    return None if value is None else ManualBaseline(float(value))


def compute_summary(
    patient_id: int, today: date, diary: dict[date, int] | None = None
) -> RemissionSummary:
    """The remission summary of a patient on a day (a fixed 5 queries, 3 given the diary)."""
    from diary.treatments.queries import reference_surgery_of

    surgery = reference_surgery_of(patient_id)
    return summarise(
        diary if diary is not None else diary_counts(patient_id, end=today),
        today=today,
        surgery=surgery.performed_on if surgery else None,
        cycles=toxin_cycles(patient_id, today),
        manual_baseline=manual_baseline(patient_id),
    )


def summary_values(summary: RemissionSummary) -> dict:
    """The summary as the columns of its row."""
    base = summary.baseline
    untreated = base.untreated if base else None
    return {
        "computed_on": summary.today,
        "surgery_on": summary.surgery,
        "baseline_mean": summary.baseline_mean,
        "baseline_logged_days": base.window.logged_days if base else 0,
        "baseline_source": summary.baseline_source,
        "baseline_suppressed": bool(base and base.toxin.suppressed),
        "untreated_mean": untreated.mean if untreated else None,
        "untreated_logged_days": untreated.logged_days if untreated else None,
        "trailing_mean": summary.trailing.mean,
        "trailing_logged_days": summary.trailing.logged_days,
        "percent_change": summary.percent_change,
        "outcome": summary.outcome,
        "remission_start": summary.remission_start,
        "recurrence_on": summary.recurrence_on,
        "last_spasm": summary.last_spasm,
        "last_entry": summary.last_entry,
    }


def refresh_summary(patient_id: int, *, diary_changed: bool = True, now: datetime | None = None) -> None:
    """Recompute the patient's summary row in the current transaction (the caller commits)."""
    moment = now or utcnow()
    zone = db.session.scalar(sa.select(User.timezone).where(User.id == patient_id))
    if zone is None:
        return
    values = summary_values(compute_summary(patient_id, local_today(zone, moment)))
    row = db.session.get(PatientSummary, patient_id)
    if row is None:
        row = PatientSummary(patient_id=patient_id)
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    if diary_changed:
        row.diary_changed_at = moment
    db.session.flush()


def summary_of(patient_id: int) -> PatientSummary | None:
    """The stored summary row of a patient."""
    return db.session.get(PatientSummary, patient_id)
