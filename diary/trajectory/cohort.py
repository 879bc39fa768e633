"""Cohort outcomes: Kaplan-Meier time from MVD to spasm-free, shares at landmarks, groups."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from diary.trajectory import rules
from diary.trajectory.outcome import time_group_for_days


@dataclass(frozen=True, slots=True)
class FollowUp:
    """One patient's time from surgery: to remission (event) or to the last logged day."""

    days: int
    spasm_free: bool  # True: remission began after `days`; False: censored at `days`


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the Kaplan-Meier curve."""

    day: int
    at_risk: int
    events: int
    censored: int
    survival: float  # share still not spasm-free just after `day`

    @property
    def spasm_free_share(self) -> float:
        """1 - S(t): the estimated share spasm-free by `day`."""
        return 1.0 - self.survival


def kaplan_meier(follow_ups: Iterable[FollowUp]) -> list[Step]:
    """The product-limit estimate of the share not yet spasm-free over time.

    At a day with both events and censorings, events are counted first (the usual
    convention: a patient censored on day t was at risk at t).
    """
    items = sorted(follow_ups, key=lambda f: f.days)
    at_risk = len(items)
    survival = 1.0
    steps: list[Step] = []
    events = Counter(f.days for f in items if f.spasm_free)
    censored = Counter(f.days for f in items if not f.spasm_free)
    for day in sorted(set(events) | set(censored)):
        d, c = events.get(day, 0), censored.get(day, 0)
        if d:
            survival *= 1.0 - d / at_risk
        steps.append(Step(day=day, at_risk=at_risk, events=d, censored=c, survival=survival))
        at_risk -= d + c
    return steps


# The landmarks of the cohort view, in months and in days since surgery; a month is counted
# as in rules.TIME_GROUPS (1 month 30 days, 3 months 91, 6 months 182, 12 months 365).
LANDMARK_DAYS = {0: 0, 1: 30, 3: 91, 6: 182, 12: 365, 24: 730}


def share_spasm_free_by(steps: Sequence[Step], day: int) -> float | None:
    """The estimated share spasm-free by a day; None when no one was followed that long.

    Past the longest follow-up the estimate is unknown, unless everyone still followed
    became spasm-free: then the curve has reached 100% and stays there.
    """
    if not steps:
        return None
    followed = [s for s in steps if s.day <= day]
    if day > steps[-1].day:
        return 1.0 if steps[-1].survival == 0.0 else None
    return followed[-1].spasm_free_share if followed else 0.0


def at_risk_on(follow_ups: Iterable[FollowUp], day: int) -> int:
    """How many patients were still followed and not yet spasm-free at the start of a day."""
    return sum(1 for f in follow_ups if f.days >= day)


def time_group_counts(days_to_remission: Iterable[int]) -> dict[str, int]:
    """How many patients reached remission in each of the six published time groups."""
    counts = {key: 0 for key, _, _ in rules.TIME_GROUPS}
    for elapsed in days_to_remission:
        counts[time_group_for_days(elapsed).key] += 1
    return counts
