"""Remission maths on plain values: no Flask, no database session.

The diary arrives as a mapping of local date to spasms that day (a missing day is absent);
toxin cycles and the reference surgery as dates. docs/trajectory.md states every rule.
"""

from diary.trajectory import rules
from diary.trajectory.baseline import Baseline, ToxinCycle, ToxinStatus, baseline, is_toxin_free
from diary.trajectory.outcome import (
    TimeGroup,
    outcome_class,
    percent_change,
    recurrence_day,
    remission_start,
    time_group,
)
from diary.trajectory.series import Diary, WindowMean, last_spasm_day, rolling_means, window_mean
from diary.trajectory.summary import (
    Landmarks,
    ManualBaseline,
    RemissionSummary,
    first_day_read,
    landmarks,
    summarise,
)

__all__ = [
    "Baseline",
    "Diary",
    "Landmarks",
    "ManualBaseline",
    "RemissionSummary",
    "TimeGroup",
    "ToxinCycle",
    "ToxinStatus",
    "WindowMean",
    "baseline",
    "first_day_read",
    "is_toxin_free",
    "landmarks",
    "last_spasm_day",
    "outcome_class",
    "percent_change",
    "recurrence_day",
    "remission_start",
    "rolling_means",
    "rules",
    "summarise",
    "time_group",
    "window_mean",
]
