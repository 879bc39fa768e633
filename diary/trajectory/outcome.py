"""Outcome after surgery: class, remission start, recurrence, time to remission."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from diary.trajectory import rules
from diary.trajectory.series import Diary


def percent_change(baseline_mean: float | None, now_mean: float | None) -> float | None:
    """Change from baseline in percent (negative is fewer spasms); None without a baseline."""
    if baseline_mean is None or now_mean is None or baseline_mean <= 0:
        return None
    return (now_mean - baseline_mean) / baseline_mean * 100.0


def outcome_class(
    baseline_mean: float | None,
    now_mean: float | None,
    now_logged_days: int,
    without_baseline: str = rules.NO_BASELINE,
) -> str:
    """The outcome class of docs/decisions.md (Outcome class) from the baseline and the trailing-window mean.

    Spasm-free needs no baseline: no spasm on any logged day of the trailing window is
    spasm-free whatever came before. The reduction classes need the baseline change is
    measured against; without one the class is `without_baseline`, which says what is
    missing (docs/trajectory.md, Which baseline is used).
    """
    if now_mean is None or now_logged_days < rules.MIN_TRAILING_LOGGED_DAYS:
        return rules.NOT_ENOUGH_DATA
    if now_mean == 0:
        return rules.SPASM_FREE
    change = percent_change(baseline_mean, now_mean)
    if change is None:
        return without_baseline
    reduction = -change
    if reduction >= rules.REDUCTION_90:
        return rules.REDUCED_90
    if reduction >= rules.REDUCTION_50:
        return rules.REDUCED_50
    return rules.UNCHANGED_OR_WORSE


def remission_start(diary: Diary, surgery: date, today: date) -> date | None:
    """First day of the first run of 28 spasm-free logged days after surgery.

    Missing days inside a run neither count nor break it, unless more than
    REMISSION_MAX_GAP_DAYS are missing in a row; a logged day with spasms ends the run.
    """
    run_start: date | None = None
    run_length = 0
    last_logged: date | None = None
    for day in sorted(d for d in diary if surgery < d <= today):
        gap = (day - last_logged).days - 1 if last_logged is not None else 0
        if run_start is not None and gap > rules.REMISSION_MAX_GAP_DAYS:
            run_start, run_length = None, 0
        last_logged = day
        if diary[day] > 0:
            run_start, run_length = None, 0
            continue
        if run_start is None:
            run_start = day
        run_length += 1
        if run_length >= rules.REMISSION_RUN_LOGGED_DAYS:
            return run_start
    return None


def recurrence_day(diary: Diary, remission: date | None, today: date) -> date | None:
    """The day recurrence became certain: the 3rd spasm day within 14 days after remission."""
    if remission is None:
        return None
    spasm_days = sorted(d for d, n in diary.items() if n > 0 and remission < d <= today)
    need = rules.RECURRENCE_SPASM_DAYS
    for i in range(len(spasm_days) - need + 1):
        first, last = spasm_days[i], spasm_days[i + need - 1]
        if (last - first).days < rules.RECURRENCE_WINDOW_DAYS:
            return last
    return None


@dataclass(frozen=True, slots=True)
class TimeGroup:
    """One row of the published time-to-remission table."""

    key: str
    label: str


def time_group(surgery: date, remission: date) -> TimeGroup:
    """The published group of the time from surgery to remission (docs/clinical.md, Time to spasm-free)."""
    return time_group_for_days((remission - surgery).days)


def time_group_for_days(elapsed: int) -> TimeGroup:
    """The published group of a number of days from surgery to remission."""
    for key, label, upper in rules.TIME_GROUPS:
        if upper is None or elapsed < upper:
            return TimeGroup(key, label)
    raise AssertionError("the last group has no upper bound")  # pragma: no cover


def days_between(earlier: date | None, later: date) -> int | None:
    """Whole days from one date to another, or None."""
    return (later - earlier).days if earlier is not None else None


def window_before(day: date, width: int) -> tuple[date, date]:
    """The `width` days ending on `day`, inclusive."""
    return day - timedelta(days=width - 1), day
