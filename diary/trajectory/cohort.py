"""Cohort outcomes: Kaplan-Meier time from MVD to spasm-free, its 95% band, estimates at
landmarks with the number still at risk, the published figures to read beside them, and
the published time groups.

Plain values in, plain values out; the formulas and their sources are in docs/cohort.md.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from diary.trajectory import rules
from diary.trajectory.outcome import time_group_for_days

# The two-sided 95% normal quantile of the confidence band (docs/cohort.md, The 95% band).
Z_95 = 1.96

# An estimate is stated only while at least this many patients are still at risk; with
# fewer, one patient's remission moves the share by 20 points or more and the band covers
# most of 0-100%, so the view says "too few to tell" (docs/cohort.md, Too few to tell).
MIN_AT_RISK = 5

# Days in a month on the chart's axis (365.25 / 12). A landmark's day is the whole day a
# month count reaches: 1 month 30 days, 3 months 91, 6 months 182, 12 months 365, as in
# rules.TIME_GROUPS.
MONTH_DAYS = 30.4375


@dataclass(frozen=True, slots=True)
class FollowUp:
    """One patient's time from surgery: to remission (event) or to the last logged day."""

    days: int
    spasm_free: bool  # True: remission began after `days`; False: censored at `days`


@dataclass(frozen=True, slots=True)
class Step:
    """One day of the Kaplan-Meier curve with an event or a censoring."""

    day: int
    at_risk: int
    events: int
    censored: int
    survival: float  # S(t): share still not spasm-free just after `day`
    greenwood: float  # sum of d / (n (n - d)) over the events so far; inf once S reaches 0

    @property
    def spasm_free_share(self) -> float:
        """1 - S(t): the estimated share spasm-free by `day`."""
        return 1.0 - self.survival

    @property
    def band(self) -> tuple[float, float] | None:
        """The 95% band of the share spasm-free (1 - S), lower and upper; None where S is 1 or 0."""
        return share_band(self.survival, self.greenwood)


def kaplan_meier(follow_ups: Iterable[FollowUp]) -> list[Step]:
    """The product-limit estimate of the share not yet spasm-free over time, with
    Greenwood's sum for its variance.

    At a day with both events and censorings, events are counted first (the usual
    convention: a patient censored on day t was at risk at t).
    """
    items = list(follow_ups)
    at_risk = len(items)
    survival, greenwood = 1.0, 0.0
    steps: list[Step] = []
    events = Counter(f.days for f in items if f.spasm_free)
    censored = Counter(f.days for f in items if not f.spasm_free)
    for day in sorted(set(events) | set(censored)):
        d, c = events.get(day, 0), censored.get(day, 0)
        if d:
            survival *= 1.0 - d / at_risk
            greenwood += d / (at_risk * (at_risk - d)) if d < at_risk else math.inf
        steps.append(Step(day, at_risk, d, c, survival, greenwood))
        at_risk -= d + c
    return steps


def survival_band(survival: float, greenwood: float, z: float = Z_95) -> tuple[float, float] | None:
    """The log-log (complementary log-log) confidence interval of S, lower and upper.

    se = sqrt(greenwood) / |log S|, and the interval is S ** exp(+z se) to S ** exp(-z se):
    it stays inside (0, 1) however few patients remain. Undefined where S is 1 (no event
    yet: log S is 0) or 0 (everyone left had the event: log S is minus infinity): None.
    """
    if not 0.0 < survival < 1.0 or not math.isfinite(greenwood):
        return None
    se = math.sqrt(greenwood) / abs(math.log(survival))
    return survival ** math.exp(z * se), survival ** math.exp(-z * se)


def share_band(survival: float, greenwood: float, z: float = Z_95) -> tuple[float, float] | None:
    """The band of the share spasm-free, 1 - S: the band of S turned upside down."""
    band = survival_band(survival, greenwood, z)
    if band is None:
        return None
    low, high = band
    return 1.0 - high, 1.0 - low


def step_on(steps: Sequence[Step], day: int) -> Step | None:
    """The curve's last step at or before a day; None before the first one."""
    found = None
    for step in steps:
        if step.day > day:
            break
        found = step
    return found


def share_spasm_free_by(steps: Sequence[Step], day: int) -> float | None:
    """The curve's share spasm-free by a day; None when no one was followed that long.

    Past the longest follow-up the curve is unknown, unless everyone still followed
    became spasm-free: then it has reached 100% and stays there. This is the line as drawn;
    the figures stated in words go through estimate_at and its rule of MIN_AT_RISK.
    """
    if not steps:
        return None
    if day > steps[-1].day:
        return 1.0 if steps[-1].survival == 0.0 else None
    step = step_on(steps, day)
    return step.spasm_free_share if step else 0.0


def at_risk_on(follow_ups: Iterable[FollowUp], day: int) -> int:
    """How many patients were still followed and not yet spasm-free at the start of a day."""
    return sum(1 for f in follow_ups if f.days >= day)


@dataclass(frozen=True, slots=True)
class Estimate:
    """The estimate at one time since surgery, with what stands behind it.

    `share`, `low` and `high` are None when fewer than MIN_AT_RISK patients are at risk
    ("too few to tell"); `low` and `high` are None too where the band is undefined (no
    remission yet, or everyone left spasm-free).
    """

    day: int
    at_risk: int  # still followed and not yet spasm-free at the start of the day
    patients: int  # in the estimate: the cohort's n
    share: float | None
    low: float | None
    high: float | None

    @property
    def too_few(self) -> bool:
        """Fewer than MIN_AT_RISK patients at risk: no figure is stated."""
        return self.at_risk < MIN_AT_RISK


def estimate_at(steps: Sequence[Step], day: int) -> Estimate:
    """The share spasm-free by a day, its 95% band and the number at risk, from the curve."""
    patients = steps[0].at_risk if steps else 0
    at_risk = sum(s.events + s.censored for s in steps if s.day >= day)
    if at_risk < MIN_AT_RISK:
        return Estimate(day, at_risk, patients, None, None, None)
    step = step_on(steps, day)
    if step is None:
        return Estimate(day, at_risk, patients, 0.0, None, None)
    low, high = step.band or (None, None)
    return Estimate(day, at_risk, patients, step.spasm_free_share, low, high)


def day_of_month(months: int) -> int:
    """The day since surgery that a number of months reaches (whole days)."""
    return int(months * MONTH_DAYS)


# The landmarks of the cohort view, in months and in days since surgery.
LANDMARK_DAYS = {m: day_of_month(m) for m in (0, 1, 3, 6, 12, 24)}


def axis_months(longest_day: int) -> list[int]:
    """The months labelled on the chart's axis: every 1, 3 or 6 up to the longest follow-up.

    Each label has its number at risk under it, so the chart and its table share these.
    """
    months = max(1, math.ceil(longest_day / MONTH_DAYS))
    every = 1 if months <= 12 else 3 if months <= 36 else 6
    return list(range(0, math.ceil(months / every) * every + 1, every))


def time_group_counts(days_to_remission: Iterable[int]) -> dict[str, int]:
    """How many patients reached remission in each of the six published time groups."""
    counts = {key: 0 for key, _, _ in rules.TIME_GROUPS}
    for elapsed in days_to_remission:
        counts[time_group_for_days(elapsed).key] += 1
    return counts


@dataclass(frozen=True, slots=True)
class PublishedFigure:
    """One published share spasm-free at a time after surgery, and of whom it is a share."""

    when: str
    percent: float
    patients: int  # the figure's denominator
    of_whom: str  # who they are, in plain words


@dataclass(frozen=True, slots=True)
class PublishedSeries:
    """A published series to read beside a clinic's estimate, with what it counts."""

    name: str
    source: str
    denominator: str  # in plain words: a share of whom, and how it differs from the clinic's
    figures: tuple[PublishedFigure, ...]


# The published figures beside the clinic's (docs/clinical.md, Reference figures for a
# clinic's cohort; docs/cohort.md, Published figures). Neither is a Kaplan-Meier estimate
# over all operated patients, which is what the clinic's curve is: the page names each
# denominator so that nobody reads them as the same curve.
CURED = "eventually cured"
PUBLISHED_SERIES = (
    PublishedSeries(
        name="175 patients who became spasm-free",
        source="PubMed 36097503",
        denominator="A share of the patients who were eventually cured, not of everyone "
        "operated on: the patients who never became spasm-free are left out, so it reaches "
        "100% by definition and runs above a curve over all operated patients.",
        figures=(
            PublishedFigure("7 days", 35, 175, CURED),
            PublishedFigure("1 month", 51, 175, CURED),
            PublishedFigure("3 months", 73, 175, CURED),
            PublishedFigure("6 months", 87, 175, CURED),
            PublishedFigure("12 months", 97, 175, CURED),
        ),
    ),
    PublishedSeries(
        name="Greifswald, 320 patients (339 operations)",
        source="PMC6415620, table 2",
        denominator="A share of all operated patients, cured or not, like the clinic's "
        "curve; the later figure counts only the 201 followed for more than 12 months, and "
        "neither figure allows for the patients followed for less.",
        figures=(
            PublishedFigure("Immediately", 55.6, 320, "operated on"),
            PublishedFigure("After more than 12 months", 77.6, 201, "followed for more than 12 months"),
        ),
    ),
)
