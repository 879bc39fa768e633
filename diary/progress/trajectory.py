"""The trajectory of one patient as plain data: series, treatments and summary.

One function builds it for the page, the API and (later) the clinic's review, in a fixed
number of queries whatever the length of the diary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from diary.extensions import db
from diary.i18n import gettext, lazy_gettext
from diary.models import CheckIn, Injection, SpasmEpisode, Surgery
from diary.progress.queries import BUCKETS, Bucket, daily_buckets, series
from diary.progress.summary import compute_summary
from diary.progress.wording import class_label, time_group_label
from diary.trajectory import RemissionSummary, rolling_means, rules
from diary.treatments import wording
from diary.treatments.queries import ChartTreatments, reference_surgery_of, treatments_between

RANGES = {"3m": 91, "6m": 182, "1y": 365, "all": None}
# The period buttons' names, translated when read (docs/wording.md, Strings).
RANGE_LABELS = {
    "3m": lazy_gettext("3 months"),
    "6m": lazy_gettext("6 months"),
    "1y": lazy_gettext("1 year"),
    "all": lazy_gettext("All"),
}
DEFAULT_BUCKET = {"3m": "day", "6m": "day", "1y": "week", "all": "month"}
# The longest range the API serves for an explicit from and to: ten years of days. "All"
# (no from and to) is the whole diary, however long.
MAX_RANGE_DAYS = 3660


class TrajectoryRequestError(ValueError):
    """A trajectory request that cannot be answered; `fields` says which parameter is wrong."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(fields.values()))
        self.fields = fields


@dataclass(frozen=True, slots=True)
class Trajectory:
    """Everything the chart, the table and the summary cards show."""

    start: date
    end: date
    bucket: str
    buckets: list[Bucket]
    rolling: list[float | None]  # the 7-day mean per day (day buckets only)
    treatments: ChartTreatments
    summary: RemissionSummary


def first_entry_day(patient_id: int) -> date | None:
    """The first logged day of the diary (one query)."""
    first = [
        sa.select(sa.func.min(model.day)).where(
            model.patient_id == patient_id, model.deleted_at.is_(None)
        )
        for model in (CheckIn, SpasmEpisode)
    ]
    days = [d for d in db.session.execute(sa.select(first[0].scalar_subquery(), first[1].scalar_subquery())).one() if d]
    return min(days) if days else None


def first_recorded_day(patient_id: int) -> date | None:
    """The first day of anything the chart draws at a date: a logged day, a toxin injection
    or an operation (one query). A medication regimen begun earlier is drawn as a band from
    the chart's first day, so it does not stretch the chart (docs/trajectory.md, The chart)."""
    firsts = [
        sa.select(sa.func.min(column)).where(model.patient_id == patient_id, model.deleted_at.is_(None))
        .scalar_subquery()
        for model, column in (
            (CheckIn, CheckIn.day),
            (SpasmEpisode, SpasmEpisode.day),
            (Injection, Injection.injected_on),
            (Surgery, Surgery.performed_on),
        )
    ]
    days = [_as_date(d) for d in db.session.execute(sa.select(*firsts)).one() if d is not None]
    return min(days) if days else None


def _as_date(value: date | str) -> date:
    """SQLite may return an aggregate's date as text."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def resolve_range(
    patient_id: int,
    today: date,
    *,
    range_key: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> tuple[date, date]:
    """The dates a request covers: explicit from/to (at most ten years apart), a named range,
    or "all": the whole diary and every injection and operation, however far back, with the
    28 days before the reference surgery that its baseline reads."""
    end = end or today
    if start is None:
        days = RANGES.get(range_key or "all")
        if days is not None:
            return end - timedelta(days=days - 1), end
        start = first_recorded_day(patient_id) or end
        surgery = reference_surgery_of(patient_id)
        if surgery is not None:
            start = min(start, surgery.performed_on - timedelta(days=rules.BASELINE_WINDOW_DAYS))
        return min(start, end), end
    if start > end:
        raise TrajectoryRequestError({"from": gettext("The start must not be after the end.")})
    if (end - start).days > MAX_RANGE_DAYS:
        raise TrajectoryRequestError({"from": gettext("Ask for at most ten years at a time.")})
    return start, end


def build_trajectory(patient_id: int, today: date, start: date, end: date, bucket: str) -> Trajectory:
    """The trajectory of a patient between two dates in the given buckets."""
    if bucket not in BUCKETS:
        raise TrajectoryRequestError({"bucket": gettext("Choose day, week or month.")})
    # The whole diary is read once: the summary needs all of it, and the daily series is
    # a slice of it; weeks and months are grouped in SQL.
    days = daily_buckets(patient_id, max(today, end))
    counts = {d.start: d.spasms for d in days}
    diary = counts if end <= today else {day: n for day, n in counts.items() if day <= today}
    if bucket == "day":
        # rolling_means reads only the range and the six days before it that prime it.
        means = rolling_means(counts, start, end)
        buckets = [d for d in days if start <= d.start <= end]
        rolling = [means[b.start] for b in buckets]
    else:
        buckets = series(patient_id, bucket, start, end)
        rolling = []
    return Trajectory(
        start=start,
        end=end,
        bucket=bucket,
        buckets=buckets,
        rolling=rolling,
        treatments=treatments_between(patient_id, start, end),
        summary=compute_summary(patient_id, today, diary),
    )


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _round(value: float | None, digits: int = 1) -> float | None:
    return round(value, digits) if value is not None else None


def summary_payload(summary: RemissionSummary) -> dict[str, Any]:
    """The summary cards as JSON."""
    base = summary.baseline
    return {
        "baseline": None
        if base is None
        else {
            # What change is measured against (docs/trajectory.md, Which baseline is used);
            # the 28-day window's own mean is window_mean, used or not.
            "mean": _round(summary.baseline_mean),
            "source": summary.baseline_source,
            "window_mean": _round(base.window.mean),
            "window_from": _day(base.window.start),
            "window_to": _day(base.window.end),
            "logged_days": base.window.logged_days,
            "toxin_suppressed": base.toxin.suppressed,
            "last_injection": _day(base.toxin.last_injection),
            "days_since_injection": base.toxin.days_since_injection,
            "wore_off_recorded": base.toxin.wore_off_recorded,
            "untreated": None
            if base.untreated is None
            else {"mean": _round(base.untreated.mean), "logged_days": base.untreated.logged_days},
        },
        "last_28_days": {
            "mean": _round(summary.trailing.mean),
            "logged_days": summary.trailing.logged_days,
        },
        "percent_change": _round(summary.percent_change, 0),
        "outcome": summary.outcome,
        "outcome_label": class_label(summary.outcome),
        "surgery": _day(summary.surgery),
        "days_since_surgery": summary.days_since_surgery,
        "last_spasm": _day(summary.last_spasm),
        "days_since_last_spasm": summary.days_since_last_spasm,
        "remission_start": _day(summary.remission_start),
        "time_to_remission": time_group_label(summary.time_to_remission.key)
        if summary.time_to_remission else None,
        "recurrence_on": _day(summary.recurrence_on),
        "last_entry": _day(summary.last_entry),
    }


def trajectory_payload(trajectory: Trajectory) -> dict[str, Any]:
    """The trajectory as the JSON the page's chart and the API share (compact columns)."""
    treatments = trajectory.treatments
    series_payload: dict[str, Any] = {
        "start": [b.start.isoformat() for b in trajectory.buckets],
        "spasms": [
            int(b.spasms) if trajectory.bucket == "day" else _round(b.spasms, 2)
            for b in trajectory.buckets
        ],
        # _round inlined: these run for every day of a three-year chart.
        "severity": [None if b.severity is None else round(b.severity, 1) for b in trajectory.buckets],
    }
    if trajectory.bucket == "day":
        series_payload["rolling_mean"] = [None if m is None else round(m, 1) for m in trajectory.rolling]
    else:
        series_payload["logged_days"] = [b.logged_days for b in trajectory.buckets]
    return {
        "range": {
            "from": trajectory.start.isoformat(),
            "to": trajectory.end.isoformat(),
            "bucket": trajectory.bucket,
        },
        "series": series_payload,
        "surgeries": [
            {
                "date": s.performed_on.isoformat(),
                "type": s.surgery_type,
                "label": wording.SURGERY_TYPES.get(s.surgery_type, s.surgery_type),
                "patient_reported": s.patient_reported,
            }
            for s in treatments.surgeries
        ],
        "injections": [
            {
                "date": i.injected_on.isoformat(),
                "product": i.product_name,
                "units": float(i.total_units) if i.total_units is not None else None,
            }
            for i in treatments.injections
        ],
        "regimens": [
            {
                "drug": wording.drug_name(r.drug, r.drug_other),
                "dose": wording.dose(r.strength, r.unit, r.doses_per_day),
                "from": r.started_on.isoformat(),
                "to": _day(r.stopped_on),
            }
            for r in treatments.regimens
        ],
        "summary": summary_payload(trajectory.summary),
    }
