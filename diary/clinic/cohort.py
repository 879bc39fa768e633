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
from diary.trajectory import rules
from diary.trajectory.cohort import (
    LANDMARK_DAYS,
    FollowUp,
    Step,
    at_risk_on,
    kaplan_meier,
    share_spasm_free_by,
    time_group_counts,
)

# The shares the view states in words, in months since surgery (docs/clinical.md, Reference figures for a clinic's cohort: 3, 6 and 12).
SHARE_MONTHS = (3, 6, 12)
# The months under the chart where the number still at risk is given.
AT_RISK_MONTHS = tuple(LANDMARK_DAYS)


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
    """The estimate at one time since surgery: share spasm-free (None: not followed so long)."""

    months: int
    days: int
    at_risk: int
    share: float | None


@dataclass(frozen=True, slots=True)
class Cohort:
    """Every figure of the cohort view for one clinic."""

    patients: int  # with a reference surgery
    followed: list[FollowUp]  # with at least one logged day after surgery
    steps: list[Step]
    at_risk: list[Landmark]
    shares: list[Landmark]
    time_groups: list[tuple[str, int]]
    recurrences: int
    outcomes: list[tuple[str, int]]

    @property
    def not_followed(self) -> int:
        """Patients with a surgery but no logged day after it: not in the estimate."""
        return self.patients - len(self.followed)

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


def build_cohort(rows: list[SummaryRow]) -> Cohort:
    """The Kaplan-Meier estimate, numbers at risk, shares, groups and counts of the rows."""
    followed = [f for f in map(follow_up_of, rows) if f is not None]
    steps = kaplan_meier(followed)

    def landmark(months: int) -> Landmark:
        days = LANDMARK_DAYS[months]
        return Landmark(months, days, at_risk_on(followed, days), share_spasm_free_by(steps, days))

    groups = time_group_counts(f.days for f in followed if f.spasm_free)
    outcome_counts = {key: 0 for key in rules.OUTCOMES}
    for row in rows:
        outcome_counts[row.outcome] = outcome_counts.get(row.outcome, 0) + 1
    return Cohort(
        patients=len(rows),
        followed=followed,
        steps=steps,
        at_risk=[landmark(m) for m in AT_RISK_MONTHS],
        shares=[landmark(m) for m in SHARE_MONTHS],
        time_groups=[(label, groups[key]) for key, label, _ in rules.TIME_GROUPS],
        recurrences=sum(1 for row in rows if row.recurrence_on is not None),
        # Every reduction class, and the classes that say what is missing where they occur.
        outcomes=[
            (rules.CLASS_LABELS[key], n) for key, n in outcome_counts.items()
            if n or key in rules.CLASS_ORDER
        ],
    )


def chart_payload(cohort: Cohort) -> dict[str, Any]:
    """The step chart's data: the share spasm-free (%) from day 0 after each step.

    The x values are days since surgery; static/js/cohort.js draws them in months.
    """
    points = [{"day": 0, "percent": 0.0}]
    for step in cohort.steps:
        points.append({"day": step.day, "percent": round(step.spasm_free_share * 100, 1)})
    return {
        "points": points,
        "at_risk": [{"months": m.months, "n": m.at_risk} for m in cohort.at_risk],
        "censored": [f.days for f in cohort.followed if not f.spasm_free],
    }
