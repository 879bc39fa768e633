"""The cohort view: time from MVD to spasm-free over a clinic's patients, from summary rows.

Everything is read from PatientSummary, one row per patient, in one query whatever the
number of patients; the maths is diary.trajectory.cohort (pure, tested by hand).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from diary import policy
from diary.extensions import db
from diary.models import CareLink, User
from diary.models.summary import PatientSummary
from diary.progress.wording import class_label, time_group_label
from diary.trajectory import rules
from diary.trajectory.cohort import (
    MIN_AT_RISK,
    PUBLISHED_SERIES,
    Estimate,
    FollowUp,
    PublishedSeries,
    Step,
    axis_months,
    day_of_month,
    estimate_at,
    kaplan_meier,
    time_group_counts,
)

# The shares the view states in words, in months since surgery (docs/clinical.md, Reference figures for a clinic's cohort: 3, 6 and 12).
SHARE_MONTHS = (3, 6, 12)


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """The columns of one patient's summary that the cohort reads."""

    surgery_on: date
    remission_start: date | None
    recurrence_on: date | None
    last_entry: date | None
    outcome: str


@dataclass(frozen=True, slots=True)
class Landmark:
    """The estimate at a number of months since surgery (docs/cohort.md, Too few to tell)."""

    months: int
    estimate: Estimate


@dataclass(frozen=True, slots=True)
class Cohort:
    """Every figure of the cohort view for one clinic."""

    patients: int  # with a reference surgery
    followed: list[FollowUp]  # with at least one logged day after surgery
    steps: list[Step]
    at_risk: list[Landmark]  # at each month labelled on the chart's axis
    shares: list[Landmark]  # the headline figures, by SHARE_MONTHS
    published: tuple[PublishedSeries, ...]
    time_groups: list[tuple[str, int]]
    recurrences: int
    outcomes: list[tuple[str, int]]

    @property
    def not_followed(self) -> int:
        """Patients with a surgery but no logged day after it: not in the estimate."""
        return self.patients - len(self.followed)

    @property
    def min_at_risk(self) -> int:
        """The fewest patients at risk for which an estimate is stated."""
        return MIN_AT_RISK

    @property
    def spasm_free(self) -> int:
        """Patients whose remission has begun."""
        return sum(1 for f in self.followed if f.spasm_free)


def summary_rows(viewer: User, clinic_id: int) -> list[SummaryRow]:
    """The summary rows of the clinic's patients with a reference surgery (one query).

    Scoped twice over: to the patients the policy lets the viewer see, and among them to
    those with a live link to this clinic.
    """
    scope = policy.visible_patient_ids(viewer).subquery()
    rows = db.session.execute(
        sa.select(
            PatientSummary.surgery_on,
            PatientSummary.remission_start,
            PatientSummary.recurrence_on,
            PatientSummary.last_entry,
            PatientSummary.outcome,
        )
        .join(
            CareLink,
            sa.and_(
                CareLink.patient_id == PatientSummary.patient_id,
                CareLink.clinic_id == clinic_id,
                CareLink.live,
            ),
        )
        .where(
            PatientSummary.patient_id.in_(sa.select(scope.c.id)),
            PatientSummary.surgery_on.is_not(None),
        )
    )
    return [SummaryRow(*row) for row in rows]


def follow_up_of(row: SummaryRow) -> FollowUp | None:
    """Days from surgery to remission (an event) or to the last logged day (censored).

    None for a patient with no logged day after surgery: nothing is known about them yet.
    """
    if row.remission_start is not None:
        return FollowUp(max(0, (row.remission_start - row.surgery_on).days), True)
    if row.last_entry is None or row.last_entry <= row.surgery_on:
        return None
    return FollowUp((row.last_entry - row.surgery_on).days, False)


def longest_follow_up(followed: list[FollowUp]) -> int:
    """The longest time followed, in days: where the chart's axis ends."""
    return max((f.days for f in followed), default=0)


def build_cohort(rows: list[SummaryRow]) -> Cohort:
    """The Kaplan-Meier estimate, numbers at risk, shares, groups and counts of the rows."""
    followed = [f for f in map(follow_up_of, rows) if f is not None]
    steps = kaplan_meier(followed)

    def landmark(months: int) -> Landmark:
        return Landmark(months, estimate_at(steps, day_of_month(months)))

    groups = time_group_counts(f.days for f in followed if f.spasm_free)
    outcome_counts = {key: 0 for key in rules.OUTCOMES}
    for row in rows:
        outcome_counts[row.outcome] = outcome_counts.get(row.outcome, 0) + 1
    return Cohort(
        patients=len(rows),
        followed=followed,
        steps=steps,
        at_risk=[landmark(m) for m in axis_months(longest_follow_up(followed))],
        shares=[landmark(m) for m in SHARE_MONTHS],
        published=PUBLISHED_SERIES,
        time_groups=[(time_group_label(key), groups[key]) for key, _, _ in rules.TIME_GROUPS],
        recurrences=sum(1 for row in rows if row.recurrence_on is not None),
        # Every reduction class, and the classes that say what is missing where they occur.
        outcomes=[
            (class_label(key), n) for key, n in outcome_counts.items()
            if n or key in rules.CLASS_ORDER
        ],
    )


def percent(value: float | None) -> float | None:
    """A share as a percentage with one decimal, for the page's JSON."""
    return None if value is None else round(value * 100, 1)


def chart_payload(cohort: Cohort) -> dict[str, Any]:
    """The step chart's data: the share spasm-free (%) and its 95% band from day 0 after
    each step, the censored days, and the months labelled on the axis with the number at
    risk at each.

    The x values are days since surgery; static/js/cohort.js draws them in months. `low`
    and `high` are null where the band is undefined (S = 1 or S = 0, docs/cohort.md).
    """
    points = [{"day": 0, "percent": 0.0, "low": None, "high": None}]
    for step in cohort.steps:
        low, high = step.band or (None, None)
        points.append({"day": step.day, "percent": percent(step.spasm_free_share),
                       "low": percent(low), "high": percent(high)})
    return {
        "points": points,
        "ticks": [{"months": m.months, "day": m.estimate.day, "at_risk": m.estimate.at_risk}
                  for m in cohort.at_risk],
        "censored": [f.days for f in cohort.followed if not f.spasm_free],
        "last_day": longest_follow_up(cohort.followed),
        "min_at_risk": MIN_AT_RISK,
        "patients": len(cohort.followed),
    }
