"""The stored needs-attention row of each share link: the next suggested visit and the reasons.

The next visit comes from each clinic's schedule with calendar-month arithmetic, so the list
could not sort or filter on it in SQL; the rows of `patient_attention` hold it, with the
reasons as a bitmask, one row per clinic and patient (docs/clinic.md, Needs attention).

They are derived rows, kept by explicit calls like the summary row (docs/architecture.md,
Writing): `refresh_attention(patient_id)` runs at the end of every summary refresh
(progress.summary.refresh_summary, so every diary, treatment and baseline write), and after
the clinic writes that move it without moving the summary: a verification, an assessment,
a new share link, a schedule saved (`refresh_clinic`). The scheduler brings rows computed
before their patient's today to today (`refresh_past_attention`). `compute_attention`
computes a row from scratch: the stored rows are tested against it.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa

from diary.clinic import schedule
from diary.clinic.patient_list import (
    attention_reasons,
    days_since,
    reasons_mask,
    trusted_change,
)
from diary.clock import local_today, utcnow
from diary.database import dialect_insert, lock_patient, write_transaction
from diary.extensions import db
from diary.models import (
    Assessment,
    CareLink,
    Clinic,
    PatientAttention,
    PatientSummary,
    Surgery,
    User,
)
from diary.models.clinic import DEFAULT_FOLLOW_UP_SCHEDULE

log = logging.getLogger(__name__)

# The summary figures a row is computed from, by name (a PatientSummary or summary_values()).
SUMMARY_INPUTS = (
    "surgery_on", "last_entry", "remission_start", "recurrence_on", "percent_change",
    "baseline_source", "baseline_suppressed", "trailing_logged_days",
)
ATTENTION_COLUMNS = ("computed_on", "next_due_on", "next_due_label", "reasons")


def next_visit(
    surgery_on: date | None, schedule_text: str | None, today: date,
    recorded_visits: Iterable[date] = (),
):
    """The next suggested visit of a clinic's schedule, or None without a surgery.

    The one call of the schedule's rule (clinic.schedule.next_due): the clinic's recorded
    visits fulfil the suggested ones nearest them (docs/clinic.md, The follow-up schedule).
    """
    if surgery_on is None:
        return None
    offsets = schedule.schedule_or_default(schedule_text, DEFAULT_FOLLOW_UP_SCHEDULE)
    return schedule.next_due(
        surgery_on, offsets, today, recorded_visits, overdue_days=schedule.OVERDUE_DAYS
    )


def attention_values(
    summary: dict | None, schedule_text: str | None, unverified_surgery: bool, today: date,
    recorded_visits: Iterable[date] = (),
) -> dict:
    """A row's columns from the summary's figures (SUMMARY_INPUTS), the clinic's schedule and
    recorded visits, and whether a patient-reported surgery waits for verification."""
    figures = summary or {}
    visit = next_visit(figures.get("surgery_on"), schedule_text, today, recorded_visits)
    reasons = attention_reasons(
        days_since_last_entry=days_since(figures.get("last_entry"), today),
        remission_start=figures.get("remission_start"),
        recurrence_on=figures.get("recurrence_on"),
        percent_change=trusted_change(
            figures.get("percent_change"), figures.get("baseline_source"),
            bool(figures.get("baseline_suppressed")),
        ),
        next_due=visit.due_on if visit else None,
        today=today,
        logged_days=figures.get("trailing_logged_days", 0),
        unverified_surgery=unverified_surgery,
    )
    return {
        "computed_on": today,
        "next_due_on": visit.due_on if visit else None,
        "next_due_label": f"{visit.label} after surgery" if visit else None,
        "reasons": reasons_mask(reasons),
    }


def _unverified_surgery(patient_id: int) -> sa.Exists:
    """In SQL: the patient has a live surgery they entered that no clinician verified
    (models.treatment.is_patient_reported)."""
    return sa.exists().where(
        Surgery.patient_id == patient_id,
        Surgery.deleted_at.is_(None),
        Surgery.verified_at.is_(None),
        sa.or_(Surgery.created_by_id.is_(None), Surgery.created_by_id == Surgery.patient_id),
    )


def _links(patient_id: int) -> list[tuple[int, str | None]]:
    """The clinics the patient shares with, live links only, with their schedules."""
    return list(
        db.session.execute(
            sa.select(Clinic.id, Clinic.follow_up_schedule)
            .join(CareLink, CareLink.clinic_id == Clinic.id)
            .where(CareLink.patient_id == patient_id, CareLink.live)
            .distinct()
        ).tuples()
    )


def _recorded_visits(patient_id: int) -> defaultdict[int, list[date]]:
    """Each clinic's recorded visits of the patient (its assessments' visit dates): 1 query."""
    visits: defaultdict[int, list[date]] = defaultdict(list)
    rows = db.session.execute(
        sa.select(Assessment.clinic_id, Assessment.visit_on)
        .where(Assessment.patient_id == patient_id).distinct()
    )
    for clinic_id, visit_on in rows:
        visits[clinic_id].append(visit_on)
    return visits


def _summary_figures(patient_id: int) -> dict | None:
    """The stored summary's figures (read with SQL: the refresh wrote it with SQL)."""
    columns = [PatientSummary.__table__.c[name] for name in SUMMARY_INPUTS]
    row = db.session.execute(
        sa.select(*columns).where(PatientSummary.patient_id == patient_id)
    ).mappings().first()
    return dict(row) if row is not None else None


def refresh_attention(
    patient_id: int, *, now: datetime | None = None, zone: str | None = None
) -> None:
    """Rewrite the patient's rows, one per clinic with a live link, in the current
    transaction (the caller commits); rows of clinics without one are deleted."""
    moment = now or utcnow()
    if zone is None:
        zone = db.session.scalar(sa.select(User.timezone).where(User.id == patient_id))
    if zone is None:
        return
    table = PatientAttention.__table__
    links = _links(patient_id)
    db.session.execute(
        sa.delete(table).where(
            table.c.patient_id == patient_id, table.c.clinic_id.not_in([c for c, _ in links])
        )
    )
    if not links:
        return
    today = local_today(zone, moment)
    figures = _summary_figures(patient_id)
    unverified = bool(db.session.scalar(sa.select(_unverified_surgery(patient_id))))
    visits = _recorded_visits(patient_id)
    rows = [
        {"clinic_id": clinic_id, "patient_id": patient_id,
         **attention_values(figures, schedule_text, unverified, today, visits[clinic_id])}
        for clinic_id, schedule_text in links
    ]
    db.session.execute(_attention_upsert(db.engine.dialect.name), rows)


@functools.cache
def _attention_upsert(dialect: str) -> sa.Insert:
    """INSERT ... ON CONFLICT DO UPDATE of attention rows, built once per dialect."""
    table = PatientAttention.__table__
    statement = dialect_insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.clinic_id, table.c.patient_id],
        set_={name: statement.excluded[name] for name in ATTENTION_COLUMNS},
    )


def refresh_clinic(clinic_id: int, now: datetime | None = None) -> int:
    """Rewrite the rows of every patient sharing with a clinic (its schedule changed), in
    the current transaction; returns their number."""
    patients = db.session.execute(
        sa.select(User.id, User.timezone)
        .join(CareLink, CareLink.patient_id == User.id)
        .where(CareLink.clinic_id == clinic_id, CareLink.live)
        .distinct()
    ).all()
    for patient_id, zone in patients:
        refresh_attention(patient_id, now=now, zone=zone)
    return len(patients)


def refresh_past_attention(now: datetime, limit: int | None = 100) -> int:
    """Bring up to `limit` (None: all) patients' rows to their local today: rows computed on
    an earlier day, and live links without a row (a migrated database, a bulk load).

    The scheduler calls it on every tick after the summaries (whose refresh already
    rewrote these rows for most patients); each patient in a write transaction of their own
    under the patient's lock, like progress.summary.refresh_past_summaries.
    """
    table = PatientAttention.__table__
    zones = db.session.scalars(
        sa.select(User.timezone).join(CareLink, CareLink.patient_id == User.id)
        .where(CareLink.live).distinct()
    ).all()
    if not zones:
        return 0
    past = sa.or_(*(
        sa.and_(User.timezone == zone, table.c.computed_on < local_today(zone, now))
        for zone in zones
    ))
    due = db.session.execute(
        sa.select(User.id, User.timezone, sa.func.min(table.c.computed_on).label("oldest"))
        .join(CareLink, sa.and_(CareLink.patient_id == User.id, CareLink.live))
        .outerjoin(table, sa.and_(table.c.patient_id == User.id,
                                  table.c.clinic_id == CareLink.clinic_id))
        .where(sa.or_(table.c.computed_on.is_(None), past))
        .group_by(User.id, User.timezone)
        .order_by(sa.func.min(table.c.computed_on).is_(None).desc(),
                  sa.func.min(table.c.computed_on), User.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    refreshed = 0
    for patient_id, zone, _ in due:
        try:
            with write_transaction():
                lock_patient(patient_id)
                refresh_attention(patient_id, now=now, zone=zone)
            refreshed += 1
        except Exception:  # one patient's failure must not stop every other refresh
            log.exception("the attention rows of patient %s could not be brought to today",
                          patient_id)
    return refreshed
