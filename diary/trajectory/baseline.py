"""The pre-operative baseline and the untreated baseline, with their toxin status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from diary.trajectory import rules
from diary.trajectory.series import Diary, WindowMean, days, window_mean


@dataclass(frozen=True, slots=True)
class ToxinCycle:
    """One botulinum-toxin injection and, when recorded, the day its effect wore off."""

    injected_on: date
    wore_off_on: date | None = None


@dataclass(frozen=True, slots=True)
class ToxinStatus:
    """What toxin was doing during a baseline window."""

    last_injection: date | None
    days_since_injection: int | None  # from the last injection to the window's last day
    wore_off_recorded: bool
    suppressed: bool


@dataclass(frozen=True, slots=True)
class Baseline:
    """The baseline the trajectory is measured against."""

    window: WindowMean
    toxin: ToxinStatus
    untreated: WindowMean | None  # shown beside it when the diary allows one

    @property
    def mean(self) -> float | None:
        """Mean spasms per logged day in the 28-day window."""
        return self.window.mean

    @property
    def usable(self) -> bool:
        """Enough logged days to measure change against."""
        return (
            self.window.mean is not None
            and self.window.logged_days >= rules.MIN_BASELINE_LOGGED_DAYS
        )


def _latest_injection_before(cycles: Sequence[ToxinCycle], day: date) -> ToxinCycle | None:
    """The most recent injection on or before a day."""
    earlier = [c for c in cycles if c.injected_on <= day]
    return max(earlier, key=lambda c: c.injected_on) if earlier else None


def is_toxin_free(cycles: Sequence[ToxinCycle], day: date) -> bool:
    """A day after a recorded wear-off or more than 84 days after the last injection."""
    cycle = _latest_injection_before(cycles, day)
    if cycle is None:
        return True
    if cycle.wore_off_on is not None and day >= cycle.wore_off_on:
        return True
    return (day - cycle.injected_on).days > rules.TOXIN_EFFECT_DAYS


def toxin_status(cycles: Sequence[ToxinCycle], start: date, end: date) -> ToxinStatus:
    """Whether toxin may have suppressed spasms in a window (12-week rule, docs/clinical.md, Effect over time)."""
    cycle = _latest_injection_before(cycles, end)
    if cycle is None:
        return ToxinStatus(None, None, False, False)
    wore_off = cycle.wore_off_on is not None and cycle.wore_off_on <= start
    # Suppressed when any day of the window lies within the injection's 12-week effect.
    within_effect = (start - cycle.injected_on).days <= rules.TOXIN_EFFECT_DAYS
    return ToxinStatus(
        last_injection=cycle.injected_on,
        days_since_injection=(end - cycle.injected_on).days,
        wore_off_recorded=cycle.wore_off_on is not None,
        suppressed=within_effect and not wore_off,
    )


def untreated_window(diary: Diary, cycles: Sequence[ToxinCycle], surgery: date) -> WindowMean | None:
    """Mean over toxin-free logged days of the 6 months before surgery, when there are 7+."""
    start = surgery - timedelta(days=rules.UNTREATED_LOOKBACK_DAYS)
    end = surgery - timedelta(days=1)
    values = [diary[d] for d in days(start, end) if d in diary and is_toxin_free(cycles, d)]
    if len(values) < rules.MIN_UNTREATED_LOGGED_DAYS:
        return None
    return WindowMean(start=start, end=end, mean=sum(values) / len(values), logged_days=len(values))


def baseline_reads(cycles: Sequence[ToxinCycle], surgery: date) -> tuple[date, date]:
    """The diary days `baseline()` reads: its 28-day window, or the six months before
    surgery when that window is toxin-suppressed and the untreated baseline is needed too."""
    start = surgery - timedelta(days=rules.BASELINE_WINDOW_DAYS)
    end = surgery - timedelta(days=1)
    if toxin_status(cycles, start, end).suppressed:
        start = surgery - timedelta(days=rules.UNTREATED_LOOKBACK_DAYS)
    return start, end


def baseline(diary: Diary, cycles: Sequence[ToxinCycle], surgery: date) -> Baseline:
    """The 28-day pre-operative baseline, its toxin status, and the untreated one if needed.

    The untreated baseline is only computed when the 28-day window is toxin-suppressed:
    otherwise the window is itself untreated and a second figure would repeat it.
    """
    start = surgery - timedelta(days=rules.BASELINE_WINDOW_DAYS)
    end = surgery - timedelta(days=1)
    window = window_mean(diary, start, end)
    status = toxin_status(cycles, start, end)
    untreated = untreated_window(diary, cycles, surgery) if status.suppressed else None
    return Baseline(window=window, toxin=status, untreated=untreated)
