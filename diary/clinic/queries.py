"""The clinic's reads: the patient list in a fixed number of queries, and the viewer's clinics.

Every read is scoped by the authorisation policy (policy.visible_patient_ids): a patient
outside it never reaches a row.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from diary import policy
from diary.clinic import schedule
from diary.clinic.identity import normalise_mrn
from diary.clinic.patient_list import (
    COMPLETENESS_DAYS,
    PatientRow,
    attention_reasons,
    changed_since,
    days_since,
)
from diary.clock import local_today, utcnow
from diary.extensions import db
from diary.models import (
    Assessment,
    CareLink,
    CheckIn,
    Clinic,
    ClinicPatientRecord,
    FollowUpVisit,
    PatientSummary,
    Role,
    SpasmEpisode,
    User,
)
from diary.models.clinic import DEFAULT_FOLLOW_UP_SCHEDULE
from diary.names import has_invisible_characters, search_key
from diary.trajectory import rules

# A local date is the UTC date, the day before or the day after (UTC-12 to UTC+14): the list
# reads a figure for each of the three, and each patient's row takes the one of their today.
LOCAL_SHIFTS = (-1, 0, 1)


def clinics_sharing(viewer: User, patient_id: int) -> list[Clinic]:
    """The viewer's clinics the patient shares with, lowest id first (one query).

    The first one is the clinic the viewer acts for (policy.acting_clinic); the review shows
    the assessments of all of them.
    """
    links = policy.live_links(viewer).where(CareLink.patient_id == patient_id).subquery()
    return list(
        db.session.scalars(
            sa.select(Clinic).where(Clinic.id.in_(sa.select(links.c.clinic_id))).order_by(Clinic.id)
        )
    )


def possible_todays(utc_today: date) -> list[date]:
    """Every date that is someone's today while it is utc_today in UTC (see LOCAL_SHIFTS)."""
    return [utc_today + timedelta(days=shift) for shift in LOCAL_SHIFTS]


def patient_rows(viewer: User, now: datetime | None = None, search: str = "") -> list[PatientRow]:
    """Every patient the viewer may see, with the list's figures: one query, whatever their number.

    `search` keeps the patients whose name or hospital number match (matching_search).
    """
    now = now or utcnow()
    utc_today = now.astimezone(UTC).date()
    scope = policy.visible_patient_ids(viewer).subquery()
    links = policy.live_links(viewer).subquery()
    # The clinic whose schedule counts: the one the viewer acts for (policy.acting_clinic).
    first_clinic = policy.acting_clinic_ids(viewer).subquery()
    assessed = (
        sa.select(Assessment.patient_id, sa.func.max(Assessment.created_at).label("assessed_at"))
        .join(
            links,
            sa.and_(links.c.patient_id == Assessment.patient_id, links.c.clinic_id == Assessment.clinic_id),
        )
        .group_by(Assessment.patient_id)
        .subquery()
    )
    earliest = utc_today + timedelta(days=LOCAL_SHIFTS[0])
    visits = (
        sa.select(
            FollowUpVisit.patient_id,
            *[
                sa.func.min(sa.case((FollowUpVisit.visit_on >= day, FollowUpVisit.visit_on))).label(
                    f"visit_{i}"
                )
                for i, day in enumerate(possible_todays(utc_today))
            ],
        )
        .where(FollowUpVisit.patient_id.in_(sa.select(scope.c.id)), FollowUpVisit.visit_on >= earliest)
        .group_by(FollowUpVisit.patient_id)
        .subquery()
    )
    window_start = earliest - timedelta(days=COMPLETENESS_DAYS - 1)
    logged = sa.union_all(
        *[
            sa.select(model.patient_id.label("patient_id"), model.day.label("day")).where(
                model.patient_id.in_(sa.select(scope.c.id)),
                model.deleted_at.is_(None),
                model.day >= window_start,
            )
            for model in (CheckIn, SpasmEpisode)
        ]
    ).subquery()
    completeness = (
        sa.select(
            logged.c.patient_id,
            *[
                sa.func.count(
                    sa.distinct(
                        sa.case(
                            (
                                logged.c.day.between(
                                    day - timedelta(days=COMPLETENESS_DAYS - 1), day
                                ),
                                logged.c.day,
                            )
                        )
                    )
                ).label(f"logged_{i}")
                for i, day in enumerate(possible_todays(utc_today))
            ],
        )
        .group_by(logged.c.patient_id)
        .subquery()
    )
    query = (
        sa.select(
            User.id,
            User.display_name,
            User.timezone,
            User.affected_side,
            User.family_name,
            User.birth_date,
            ClinicPatientRecord.mrn,
            PatientSummary,
            Clinic.follow_up_schedule,
            assessed.c.assessed_at,
            *[visits.c[f"visit_{i}"] for i in range(len(LOCAL_SHIFTS))],
            *[completeness.c[f"logged_{i}"] for i in range(len(LOCAL_SHIFTS))],
        )
        .join(scope, scope.c.id == User.id)
        .outerjoin(PatientSummary, PatientSummary.patient_id == User.id)
        .outerjoin(first_clinic, first_clinic.c.patient_id == User.id)
        .outerjoin(Clinic, Clinic.id == first_clinic.c.clinic_id)
        # The hospital number of the clinic the viewer acts for (diary/clinic/identity.py).
        .outerjoin(ClinicPatientRecord, sa.and_(
            ClinicPatientRecord.clinic_id == first_clinic.c.clinic_id,
            ClinicPatientRecord.patient_id == User.id,
        ))
        .outerjoin(assessed, assessed.c.patient_id == User.id)
        .outerjoin(visits, visits.c.patient_id == User.id)
        .outerjoin(completeness, completeness.c.patient_id == User.id)
        .where(User.role == Role.PATIENT.value)
    )
    wanted = matching_search(search)
    if wanted is not None:
        query = query.where(wanted)
    return [_row(record, now, utc_today) for record in db.session.execute(query)]


# Searching the list (docs/clinic.md, Searching the list) -----------------------------------

MAX_SEARCH_LENGTH = 100


def _like_escaped(text: str) -> str:
    """Text for a LIKE pattern, its wildcards taken literally (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matching_search(search: str) -> sa.ColumnElement[bool] | None:
    """The list's search as one WHERE clause, or None for an empty search.

    A patient matches when every word of the search is part of the name's search key
    (users.name_search: case-folded, without accents, so "jurgen" finds "Jürgen" on SQLite
    and PostgreSQL alike), or when the search, normalised as hospital numbers are, begins
    the acting clinic's hospital number. Needs the list query's join of ClinicPatientRecord.
    """
    # No name holds a control or format character (diary/names.py), and PostgreSQL refuses NUL.
    text = "".join(ch for ch in (search or "")[:MAX_SEARCH_LENGTH] if not has_invisible_characters(ch))
    words = search_key(text).split()
    if not words:
        return None
    by_name = sa.and_(*[
        User.name_search.like(f"%{_like_escaped(word)}%", escape="\\") for word in words
    ])
    mrn = normalise_mrn(text)
    if not mrn:
        return by_name
    by_mrn = ClinicPatientRecord.mrn.like(f"{_like_escaped(mrn)}%", escape="\\")
    return sa.or_(by_name, by_mrn)


def _row(record, now: datetime, utc_today: date) -> PatientRow:
    """One list row from the query's record, with its figures relative to the patient's today."""
    summary: PatientSummary | None = record.PatientSummary
    today = local_today(record.timezone, now)
    shift = LOCAL_SHIFTS.index(max(-1, min(1, (today - utc_today).days)))
    surgery_on = summary.surgery_on if summary else None
    last_entry = summary.last_entry if summary else None
    remission_start = summary.remission_start if summary else None
    recurrence_on = summary.recurrence_on if summary else None
    # A row written before change was never measured against a suppressed window alone
    # (docs/trajectory.md, Which baseline is used) shows no change until it is recomputed.
    trusted = summary is not None and not (
        summary.baseline_source == "diary" and summary.baseline_suppressed
    )
    percent_change = summary.percent_change if trusted else None
    next_due, next_label = None, None
    if surgery_on is not None:
        offsets = schedule.schedule_or_default(record.follow_up_schedule, DEFAULT_FOLLOW_UP_SCHEDULE)
        visit = schedule.next_due(surgery_on, offsets, today)
        next_due, next_label = visit.due_on, f"{visit.label} after surgery"
    booked = getattr(record, f"visit_{shift}")
    if booked is not None and (next_due is None or booked < next_due):
        next_due, next_label = booked, "booked visit"
    return PatientRow(
        patient_id=record.id,
        name=record.display_name,
        family_name=record.family_name,
        birth_year=record.birth_date.year if record.birth_date else None,
        mrn=record.mrn,
        affected_side=record.affected_side,
        surgery_on=surgery_on,
        days_since_surgery=days_since(surgery_on, today),
        baseline_mean=summary.baseline_mean if summary else None,
        baseline_source=summary.baseline_source if summary else None,
        window_mean=summary.window_mean if summary else None,
        baseline_suppressed=bool(summary and summary.baseline_suppressed),
        trailing_mean=summary.trailing_mean if summary else None,
        percent_change=percent_change,
        outcome=summary.outcome if summary else rules.NOT_ENOUGH_DATA,
        remission_start=remission_start,
        recurrence_on=recurrence_on,
        days_since_last_spasm=days_since(summary.last_spasm if summary else None, today),
        last_spasm=summary.last_spasm if summary else None,
        last_entry=last_entry,
        days_since_last_entry=days_since(last_entry, today),
        logged_days=getattr(record, f"logged_{shift}") or 0,
        next_due=next_due,
        next_due_label=next_label,
        changed_since_visit=changed_since(
            summary.diary_changed_at if summary else None, record.assessed_at
        ),
        reasons=attention_reasons(
            days_since_last_entry=days_since(last_entry, today),
            remission_start=remission_start,
            recurrence_on=recurrence_on,
            percent_change=percent_change,
        ),
    )
