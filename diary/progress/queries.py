"""Reads for the trajectory: the daily series and its weekly and monthly buckets, in SQL.

Each function runs a fixed number of queries whatever the length of the diary. Callers pass
a patient id they have authorised through diary.policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from diary.extensions import db
from diary.models import CheckIn, SpasmEpisode
from diary.progress.sql import month_start, week_start

BUCKETS = ("day", "week", "month")


@dataclass(frozen=True, slots=True)
class Bucket:
    """A day, week or month of the diary: spasms per logged day, and how many days were logged."""

    start: date
    spasms: float  # for a day its number; for a week or month the mean per logged day
    logged_days: int
    severity: float | None  # mean self-rated JRS severity over the days that carry one


def daily_numbers(patient_id: int, start: date | None = None, end: date | None = None) -> sa.Subquery:
    """One row per logged day: its number (DESIGN.md's day rule) and self-rated severity.

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


@dataclass(frozen=True, slots=True)
class DayRow:
    """One logged day: its number of spasms and the check-in's self-rated severity."""

    day: date
    spasms: int
    severity: int | None


def daily_rows(patient_id: int, end: date | None = None) -> list[DayRow]:
    """Every logged day up to `end`, oldest first (two indexed queries).

    The day rule is applied in SQL for each source (a check-in's number, the count of a
    day's episodes) and the two per-day series are merged here: two plain index scans are
    several times cheaper than a union grouped in a temporary table, and this runs on
    every save and every trajectory.
    """
    check_ins = sa.select(CheckIn.day, CheckIn.spasm_count, CheckIn.jrs_severity).where(
        CheckIn.patient_id == patient_id, CheckIn.deleted_at.is_(None)
    )
    episodes = (
        sa.select(SpasmEpisode.day, sa.func.count())
        .where(SpasmEpisode.patient_id == patient_id, SpasmEpisode.deleted_at.is_(None))
        .group_by(SpasmEpisode.day)
    )
    if end is not None:
        check_ins = check_ins.where(CheckIn.day <= end)
        episodes = episodes.where(SpasmEpisode.day <= end)
    merged: dict[date, list] = {
        day: [count, severity] for day, count, severity in db.session.execute(check_ins)
    }
    for day, count in db.session.execute(episodes):
        if day in merged:
            merged[day][0] = max(merged[day][0], count)
        else:
            merged[day] = [count, None]
    return [DayRow(day, n, severity) for day, (n, severity) in sorted(merged.items())]


# The reads of every save (the summary refresh), built once: building and keying a statement
# costs more Python than running these indexed queries. Parameters: patient_id, start, end.
_CHECK_IN_COUNTS = sa.select(CheckIn.day, CheckIn.spasm_count).where(
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


def diary_counts(patient_id: int, start: date | None = None, end: date | None = None) -> dict[date, int]:
    """The diary as the remission maths takes it: local date -> spasms (two indexed queries).

    A day's number is the larger of its check-in's count and its number of live episodes
    (DESIGN.md's day rule, as in daily_numbers); a day with neither is absent.
    """
    bounds = {"patient_id": patient_id, "start": start or date.min, "end": end or date.max}
    counts = {day: n for day, n in db.session.execute(_CHECK_IN_COUNTS, bounds)}
    for day, episodes in db.session.execute(_EPISODE_COUNTS, bounds):
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
        for value in db.session.execute(_LAST_DAYS, {"patient_id": patient_id, "end": end}).one()
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
