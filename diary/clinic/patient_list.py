"""The clinic's patient list as plain rows: figures relative to today, needs-attention, sorting.

Pure Python over values the list query read (diary.clinic.queries.patient_rows), so that
each rule is tested on its own. Figures relative to today are derived here, at read time, in
each patient's own time zone (docs/decisions.md, Per-patient time zone).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from diary.trajectory import rules

# No entry for this many days while not yet in remission needs attention.
QUIET_DAYS = 7
COMPLETENESS_DAYS = rules.TRAILING_WINDOW_DAYS

NO_RECENT_ENTRY = "no_recent_entry"
RECURRENCE = "recurrence"
WORSE_THAN_BASELINE = "worse_than_baseline"


@dataclass(frozen=True, slots=True)
class PatientRow:
    """One patient as the list shows it."""

    patient_id: int
    name: str  # the name the patient goes by (users.display_name)
    family_name: str | None  # None: not given (accounts made before it was asked)
    birth_year: int | None  # the list shows the year; the review the whole date
    mrn: str | None  # the hospital number of the clinic the viewer acts for
    affected_side: str | None
    surgery_on: date | None
    days_since_surgery: int | None
    baseline_mean: float | None  # what change is measured against
    baseline_source: str | None  # "diary", "untreated", "clinician" or None
    window_mean: float | None  # the 28 days before surgery, used or not
    baseline_suppressed: bool
    trailing_mean: float | None
    percent_change: float | None
    outcome: str
    remission_start: date | None
    recurrence_on: date | None
    days_since_last_spasm: int | None
    last_spasm: date | None
    last_entry: date | None
    days_since_last_entry: int | None
    logged_days: int  # of the last COMPLETENESS_DAYS, today included
    next_due: date | None
    next_due_label: str | None
    changed_since_visit: bool | None  # None: no assessment yet
    reasons: tuple[str, ...]

    @property
    def outcome_label(self) -> str:
        """The class as a surgeon reads it."""
        return rules.CLASS_LABELS[self.outcome]

    @property
    def completeness(self) -> float:
        """Logged days over the last 28 days, as a fraction."""
        return self.logged_days / COMPLETENESS_DAYS

    @property
    def needs_attention(self) -> bool:
        """Whether any needs-attention rule holds."""
        return bool(self.reasons)


def days_since(day: date | None, today: date) -> int | None:
    """Whole days from a date to today, or None."""
    return None if day is None else (today - day).days


def attention_reasons(
    *,
    days_since_last_entry: int | None,
    remission_start: date | None,
    recurrence_on: date | None,
    percent_change: float | None,
) -> tuple[str, ...]:
    """Why a patient needs attention (docs/clinic.md), in the order the list names them."""
    reasons = []
    not_in_remission = remission_start is None or recurrence_on is not None
    quiet = days_since_last_entry is None or days_since_last_entry >= QUIET_DAYS
    if quiet and not_in_remission:
        reasons.append(NO_RECENT_ENTRY)
    if recurrence_on is not None:
        reasons.append(RECURRENCE)
    if percent_change is not None and percent_change > 0:
        reasons.append(WORSE_THAN_BASELINE)
    return tuple(reasons)


def changed_since(diary_changed_at: datetime | None, assessed_at: datetime | None) -> bool | None:
    """Whether the diary changed after the clinic's latest assessment (None: never assessed)."""
    if assessed_at is None:
        return None
    return diary_changed_at is not None and diary_changed_at > assessed_at


# Sorting -----------------------------------------------------------------------------------

# The column keys of ?sort=, each with how to read its value from a row.
SORT_KEYS: dict[str, Callable[[PatientRow], Any]] = {
    "name": lambda r: r.name.casefold(),
    "side": lambda r: r.affected_side,
    "surgery": lambda r: r.surgery_on,
    "since_surgery": lambda r: r.days_since_surgery,
    "baseline": lambda r: r.baseline_mean,
    "last_28": lambda r: r.trailing_mean,
    "change": lambda r: r.percent_change,
    "outcome": lambda r: rules.OUTCOMES.index(r.outcome),
    "since_spasm": lambda r: r.days_since_last_spasm,
    "last_entry": lambda r: r.last_entry,
    "completeness": lambda r: r.logged_days,
    "next_due": lambda r: r.next_due,
    "changed": lambda r: r.changed_since_visit,
}
DEFAULT_SORT = "name"


def sort_rows(rows: list[PatientRow], key: str, descending: bool) -> list[PatientRow]:
    """Rows sorted by a column; rows without a value come last either way, then by name."""
    read = SORT_KEYS.get(key, SORT_KEYS[DEFAULT_SORT])
    by_name = sorted(rows, key=lambda r: (r.name.casefold(), r.patient_id))
    present = [r for r in by_name if read(r) is not None]
    missing = [r for r in by_name if read(r) is None]
    return sorted(present, key=read, reverse=descending) + missing
