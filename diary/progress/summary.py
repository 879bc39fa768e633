"""The per-patient summary row: recomputed inside every transaction that changes it.

Every write service that changes what the summary depends on (check-ins, episodes,
injections, surgeries, deletions) calls `refresh_summary(patient_id)` before it commits,
so the clinic list and the cohort read one up-to-date row per patient.

The refresh runs on every save, so it reads only what the summary depends on: the baseline
and trailing windows, the days after surgery (remission and recurrence) and the last spasm
and last entry as indexed maxima. `compute_summary` reads the whole diary instead and is
what the refresh is tested against: the row always equals a recomputation from scratch.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import replace
from datetime import date, datetime

import sqlalchemy as sa

from diary.clinic.attention import refresh_attention
from diary.clock import local_today, utcnow
from diary.database import dialect_insert, lock_patient, read_rows, write_transaction
from diary.extensions import db
from diary.models import ClinicianBaseline, Injection, User
from diary.models.summary import PatientSummary
from diary.progress.queries import diary_counts, last_days
from diary.trajectory import RemissionSummary, ToxinCycle, first_day_read, landmarks, summarise
from diary.trajectory.summary import ManualBaseline
from diary.treatments.queries import reference_surgery_of

log = logging.getLogger(__name__)

# Built once: it runs on every save (see queries.py on prebuilt reads).
_TOXIN_CYCLES = sa.select(Injection.injected_on, Injection.wore_off_on).where(
    Injection.patient_id == sa.bindparam("patient_id"),
    Injection.deleted_at.is_(None),
    Injection.injected_on <= sa.bindparam("until"),
)

_MANUAL_BASELINE = sa.select(ClinicianBaseline.spasms_per_day).where(
    ClinicianBaseline.patient_id == sa.bindparam("patient_id")
)


def toxin_cycles(patient_id: int, until: date) -> list[ToxinCycle]:
    """The patient's injections as the baseline rule needs them (one query)."""
    rows = read_rows(_TOXIN_CYCLES, patient_id=patient_id, until=until)
    return [ToxinCycle(injected_on, wore_off_on) for injected_on, wore_off_on in rows]


def manual_baseline(patient_id: int) -> ManualBaseline | None:
    """The pre-operative baseline a clinician entered, if any (one query).

    It counts only when the diary has no usable baseline window: a patient who enrolled
    after surgery (docs/decisions.md, Baseline); summarise() decides which one applies.
    """
    rows = read_rows(_MANUAL_BASELINE, patient_id=patient_id)
    value = rows[0][0] if rows else None
    return None if value is None else ManualBaseline(float(value))


def compute_summary(
    patient_id: int, today: date, diary: dict[date, int] | None = None
) -> RemissionSummary:
    """The remission summary of a patient on a day (a fixed 5 queries, 3 given the diary)."""
    surgery = reference_surgery_of(patient_id)
    return summarise(
        diary if diary is not None else diary_counts(patient_id, end=today),
        today=today,
        surgery=surgery.performed_on if surgery else None,
        cycles=toxin_cycles(patient_id, today),
        manual_baseline=manual_baseline(patient_id),
    )


def summary_from_windows(patient_id: int, today: date) -> RemissionSummary:
    """The same summary as compute_summary, reading only what it depends on (a fixed 6 queries).

    The last spasm and last entry are indexed maxima; the rest needs the diary from the
    baseline window (or the trailing one, without a surgery) to today: the days after
    surgery hold remission and recurrence, the days before it nothing the summary shows.
    """
    surgery = reference_surgery_of(patient_id)
    surgery_on = surgery.performed_on if surgery else None
    cycles = toxin_cycles(patient_id, today)
    diary = diary_counts(patient_id, start=first_day_read(today, surgery_on, cycles), end=today)
    latest = last_days(patient_id, today)
    found = replace(
        landmarks(diary, today, surgery_on), last_spasm=latest.spasm, last_entry=latest.entry
    )
    return summarise(
        diary, today=today, surgery=surgery_on, cycles=cycles, found=found,
        manual_baseline=manual_baseline(patient_id),
    )


# The columns summary_values() fills, in the row's order.
SUMMARY_COLUMNS = (
    "computed_on", "surgery_on", "baseline_mean", "baseline_logged_days", "baseline_source",
    "baseline_suppressed", "window_mean", "untreated_mean", "untreated_logged_days", "trailing_mean",
    "trailing_logged_days", "percent_change", "outcome", "remission_start", "recurrence_on",
    "last_spasm", "last_entry",
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
        "window_mean": base.window.mean if base else None,
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


def refresh_summary(
    patient_id: int,
    *,
    diary_changed: bool = True,
    now: datetime | None = None,
    zone: str | None = None,
) -> None:
    """Recompute the patient's summary row in the current transaction (the caller commits).

    `zone` is the patient's time zone when the caller has it at hand, which saves a query.
    The patient's needs-attention rows are derived from this row and follow it
    (clinic.attention.refresh_attention).
    """
    moment = now or utcnow()
    if zone is None:
        zone = db.session.scalar(sa.select(User.timezone).where(User.id == patient_id))
    if zone is None:
        return
    values = summary_values(summary_from_windows(patient_id, local_today(zone, moment)))
    changes = {**values, "updated_at": moment}
    if diary_changed:
        changes["diary_changed_at"] = moment
    connection = db.session.connection()
    if not connection.execute(_SUMMARY_UPDATE, {"summary_of": patient_id, **changes}).rowcount:
        row = {"patient_id": patient_id, "diary_changed_at": None, **changes}
        connection.execute(_summary_upsert(db.engine.dialect.name, diary_changed), row)
    refresh_attention(patient_id, now=moment, zone=zone)


# The row exists after a patient's first save: an UPDATE, whose compiled form SQLAlchemy
# caches (an ON CONFLICT statement is compiled anew on every execution), with the upsert
# below for the first save. The SET clause is the keys of the parameters.
_SUMMARY_UPDATE = sa.update(PatientSummary.__table__).where(
    PatientSummary.__table__.c.patient_id == sa.bindparam("summary_of")
)


@functools.cache
def _summary_upsert(dialect: str, diary_changed: bool) -> sa.Insert:
    """INSERT ... ON CONFLICT DO UPDATE of a summary row, built once per dialect.

    It creates the row, and stays right if another transaction created it meanwhile.
    diary_changed_at is kept as it was unless the diary changed.
    """
    table = PatientSummary.__table__
    statement = dialect_insert(table)
    changed = [*SUMMARY_COLUMNS, "updated_at"] + (["diary_changed_at"] if diary_changed else [])
    return statement.on_conflict_do_update(
        index_elements=[table.c.patient_id],
        set_={name: statement.excluded[name] for name in changed},
    )


def refresh_past_summaries(now: datetime, limit: int | None = 100) -> int:
    """Recompute up to `limit` (None: all) summary rows computed before their patient's local today.

    A summary depends on the day (the trailing 28 days, the class), so a patient who logs
    nothing would keep the figures of their last entry. The scheduler calls this on every
    tick; the oldest rows go first, each in its own write transaction under the patient's
    lock, so a save at the same moment is never overwritten with older figures. The row's
    diary_changed_at stays: the diary did not change. Returns the number refreshed.
    """
    zones = db.session.scalars(
        sa.select(User.timezone).join(PatientSummary, PatientSummary.patient_id == User.id)
        .distinct()
    ).all()
    if not zones:
        return 0
    past = sa.or_(*(
        sa.and_(User.timezone == zone, PatientSummary.computed_on < local_today(zone, now))
        for zone in zones
    ))
    due = db.session.execute(
        sa.select(User.id, User.timezone)
        .join(PatientSummary, PatientSummary.patient_id == User.id)
        .where(past)
        .order_by(PatientSummary.computed_on, User.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    refreshed = 0
    for patient_id, zone in due:
        try:
            with write_transaction():
                lock_patient(patient_id)
                still_there = sa.select(PatientSummary.patient_id).where(
                    PatientSummary.patient_id == patient_id
                )
                if db.session.scalar(still_there) is not None:  # not an account deleted meanwhile
                    refresh_summary(patient_id, diary_changed=False, now=now, zone=zone)
            refreshed += 1
        except Exception:  # one patient's failure must not stop every other refresh
            log.exception("the summary of patient %s could not be brought to today", patient_id)
    return refreshed


def summary_of(patient_id: int) -> PatientSummary | None:
    """The stored summary row of a patient."""
    return db.session.get(PatientSummary, patient_id)
