"""Reads for the trajectory: the daily series and its weekly and monthly buckets, in SQL.

Each function runs a fixed number of queries whatever the length of the diary. Callers pass
a patient id they have authorised through diary.policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa

from diary import policy
from diary.database import read_rows
from diary.extensions import db
from diary.models import CheckIn, Clinic, SpasmEpisode, User
from diary.progress.sql import month_start, week_start
from diary.progress.wording import class_label

BUCKETS = ("day", "week", "month")


class Bucket(NamedTuple):
    """A day, week or month of the diary: spasms per logged day, and how many days were logged.

    A named tuple rather than a frozen dataclass: as immutable, and built three times
    faster, which counts when a three-year chart makes one per day.
    """

    start: date
    spasms: float  # for a day its number; for a week or month the mean per logged day
    logged_days: int
    severity: float | None  # mean self-rated JRS severity over the days that carry one


def daily_numbers(patient_id: int, start: date | None = None, end: date | None = None) -> sa.Subquery:
    """One row per logged day: its number (docs/decisions.md, A day's number of spasms) and self-rated severity.

    A day's number is the larger of the check-in's count and the number of live episodes;
    a day with neither has no row, so it is missing, never zero.
    """

    def live(model):
        conditions = [model.patient_id == patient_id, model.deleted_at.is_(None)]
        if start is not None:
            conditions.append(model.day >= start)
        if end is not None:
            conditions.append(model.day <= end)
        return conditions

    check_ins = sa.select(
        CheckIn.day.label("day"),
        CheckIn.spasm_count.label("check_in_count"),
        sa.literal(0, sa.Integer).label("episode"),
        CheckIn.jrs_severity.label("severity"),
    ).where(*live(CheckIn))
    episodes = sa.select(
        SpasmEpisode.day.label("day"),
        sa.cast(sa.null(), sa.Integer).label("check_in_count"),
        sa.literal(1, sa.Integer).label("episode"),
        sa.cast(sa.null(), sa.Integer).label("severity"),
    ).where(*live(SpasmEpisode))
    entries = sa.union_all(check_ins, episodes).subquery("entries")
    check_in = sa.func.max(entries.c.check_in_count)
    episode_count = sa.func.sum(entries.c.episode)
    spasms = sa.case(
        (sa.and_(check_in.is_not(None), check_in >= episode_count), check_in),
        else_=episode_count,
    )
    return (
        sa.select(
            entries.c.day.label("day"),
            spasms.label("spasms"),
            check_in.label("check_in_count"),
            episode_count.label("episode_count"),
            sa.func.max(entries.c.severity).label("severity"),
        )
        .group_by(entries.c.day)
        .subquery("daily")
    )


# The reads of every save and every trajectory, built once: building and keying a statement
# costs more Python than running these indexed queries. Parameters: patient_id, start, end.
_CHECK_INS = sa.select(CheckIn.day, CheckIn.spasm_count, CheckIn.jrs_severity).where(
    CheckIn.patient_id == sa.bindparam("patient_id"),
    CheckIn.deleted_at.is_(None),
    CheckIn.day.between(sa.bindparam("start"), sa.bindparam("end")),
)
_EPISODE_COUNTS = (
    sa.select(SpasmEpisode.day, sa.func.count())
    .where(
        SpasmEpisode.patient_id == sa.bindparam("patient_id"),
        SpasmEpisode.deleted_at.is_(None),
        SpasmEpisode.day.between(sa.bindparam("start"), sa.bindparam("end")),
    )
    .group_by(SpasmEpisode.day)
)


def _days(patient_id: int, start: date | None, end: date | None) -> dict:
    """The parameters of the day reads; open ends reach the whole diary."""
    return {"patient_id": patient_id, "start": start or date.min, "end": end or date.max}


def daily_buckets(patient_id: int, end: date | None = None) -> list[Bucket]:
    """Every logged day up to `end` as a day's bucket, oldest first (two indexed queries).

    The day rule is applied in SQL for each source (a check-in's number, the count of a
    day's episodes) and the two per-day series are merged here: two plain index scans are
    several times cheaper than a union grouped in a temporary table, and this runs on
    every trajectory.
    """
    days = _days(patient_id, None, end)
    merged = {day: (count, severity) for day, count, severity in read_rows(_CHECK_INS, **days)}
    for day, episodes in read_rows(_EPISODE_COUNTS, **days):
        count, severity = merged.get(day, (0, None))
        merged[day] = (max(count, episodes), severity)
    return [Bucket(day, n, 1, severity) for day, (n, severity) in sorted(merged.items())]


def diary_counts(patient_id: int, start: date | None = None, end: date | None = None) -> dict[date, int]:
    """The diary as the remission maths takes it: local date -> spasms (two indexed queries).

    A day's number is the larger of its check-in's count and its number of live episodes
    (docs/decisions.md, A day's number of spasms, as in daily_numbers); a day with neither is absent.
    """
    days = _days(patient_id, start, end)
    counts = {day: n for day, n, _ in read_rows(_CHECK_INS, **days)}
    for day, episodes in read_rows(_EPISODE_COUNTS, **days):
        counts[day] = max(counts.get(day, 0), episodes)
    return counts


@dataclass(frozen=True, slots=True)
class LastDays:
    """The latest logged day and the latest day with spasms, up to a day."""

    entry: date | None
    spasm: date | None


def _latest(model, *conditions) -> sa.ScalarSelect:
    """The latest live day of a patient's check-ins or episodes up to `end`."""
    return (
        sa.select(sa.func.max(model.day))
        .where(
            model.patient_id == sa.bindparam("patient_id"),
            model.deleted_at.is_(None),
            model.day <= sa.bindparam("end"),
            *conditions,
        )
        .scalar_subquery()
    )


# An episode is a spasm, so a day with one has spasms whatever its check-in says.
_LAST_DAYS = sa.select(
    _latest(CheckIn), _latest(CheckIn, CheckIn.spasm_count > 0), _latest(SpasmEpisode)
)


def last_days(patient_id: int, end: date) -> LastDays:
    """The latest logged day and the latest spasm day up to `end` (one query, three index
    look-ups), wherever they lie in the diary."""
    check_in, spasm_check_in, episode = (
        _as_date(value) if value is not None else None
        for value in read_rows(_LAST_DAYS, patient_id=patient_id, end=end)[0]
    )
    return LastDays(
        entry=max((d for d in (check_in, episode) if d), default=None),
        spasm=max((d for d in (spasm_check_in, episode) if d), default=None),
    )


def series(patient_id: int, bucket: str, start: date, end: date) -> list[Bucket]:
    """The diary between two dates in daily, weekly (Monday) or monthly buckets (one query)."""
    if bucket not in BUCKETS:
        raise ValueError(f"unknown bucket {bucket!r}")
    daily = daily_numbers(patient_id, start, end)
    if bucket == "day":
        statement = sa.select(
            daily.c.day, daily.c.spasms, sa.literal(1), daily.c.severity
        ).order_by(daily.c.day)
    else:
        key = (week_start if bucket == "week" else month_start)(daily.c.day).label("bucket")
        statement = (
            sa.select(
                key,
                sa.func.avg(daily.c.spasms),
                sa.func.count(),
                sa.func.avg(daily.c.severity),
            )
            .group_by(key)
            .order_by(key)
        )
    return [
        Bucket(
            start=_as_date(first),
            spasms=float(spasms),
            logged_days=int(logged),
            severity=float(severity) if severity is not None else None,
        )
        for first, spasms, logged, severity in db.session.execute(statement)
    ]


def _as_date(value: date | str) -> date:
    """SQLite returns computed dates as text."""
    return value if isinstance(value, date) else date.fromisoformat(value)


@dataclass(frozen=True, slots=True)
class ClinicAssessment:
    """A clinic's assessment as the patient reads it: the note only when it was shared."""

    visit_on: date
    clinic: str
    outcome: str | None  # the class as the clinician judged it, in the summary's words
    note: str | None


def clinic_assessments(viewer: User, limit: int | None = None) -> list[ClinicAssessment]:
    """The clinics' assessments of the viewing patient, newest first (one query; through
    policy.own_assessments, so only the patient's own). A note the clinician did not mark
    visible to the patient is never read out of the database."""
    own = policy.own_assessments(viewer).subquery()
    query = (
        sa.select(
            own.c.visit_on,
            Clinic.name,
            own.c.outcome,
            sa.case((own.c.note_visible_to_patient.is_(True), own.c.note), else_=sa.null()),
        )
        .join(Clinic, Clinic.id == own.c.clinic_id)
        .order_by(own.c.visit_on.desc(), own.c.id.desc())
        .limit(limit)
    )
    return [
        ClinicAssessment(visit_on, clinic, class_label(outcome) if outcome else None, note or None)
        for visit_on, clinic, outcome, note in db.session.execute(query)
    ]
