"""The clinic's patient list as plain rows: figures relative to today, needs-attention, order.

Pure Python over values the list query read (diary.clinic.queries.patient_rows), so that
each rule is tested on its own. Figures relative to today are derived here, at read time, in
each patient's own time zone (docs/decisions.md, Per-patient time zone).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from diary.i18n import lazy_gettext
from diary.progress.wording import class_label
from diary.trajectory import rules

# No entry for this many days while not yet in remission needs attention.
QUIET_DAYS = 7
COMPLETENESS_DAYS = rules.TRAILING_WINDOW_DAYS
# Fewer logged days than this among the last 28, while not in remission, needs attention:
# half the days, so that the "Last 28 days" mean is more diary than gaps (docs/clinic.md,
# Needs attention).
SPARSE_DIARY_DAYS = COMPLETENESS_DAYS // 2

NO_RECENT_ENTRY = "no_recent_entry"
RECURRENCE = "recurrence"
WORSE_THAN_BASELINE = "worse_than_baseline"
FOLLOW_UP_DUE = "follow_up_due"
SPARSE_DIARY = "sparse_diary"
UNVERIFIED_SURGERY = "unverified_surgery"

# Every reason in the order the list names them; bit i of the stored mask is REASONS[i]
# (diary.models.summary.PatientAttention.reasons).
REASONS = (
    NO_RECENT_ENTRY, RECURRENCE, WORSE_THAN_BASELINE, FOLLOW_UP_DUE, SPARSE_DIARY,
    UNVERIFIED_SURGERY,
)
# Each reason as the list says it.
REASON_LABELS = {
    NO_RECENT_ENTRY: lazy_gettext("No diary entry for %(days)d days, not in remission", days=QUIET_DAYS),
    RECURRENCE: lazy_gettext("Recurrence after remission"),
    WORSE_THAN_BASELINE: lazy_gettext("More spasms than before surgery"),
    FOLLOW_UP_DUE: lazy_gettext("Follow-up visit due or overdue"),
    SPARSE_DIARY: lazy_gettext("Diary on fewer than %(logged)d of the last %(days)d days",
                     logged=SPARSE_DIARY_DAYS, days=COMPLETENESS_DAYS),
    UNVERIFIED_SURGERY: lazy_gettext("Surgery reported by the patient, not yet verified"),
}


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
    visit_due: bool = False  # the next visit is today or overdue (scheduled or booked)
    visit_overdue: bool = False  # the next visit's date has passed (clinic.schedule.OVERDUE_DAYS)

    @property
    def outcome_label(self) -> str:
        """The class as a surgeon reads it."""
        return class_label(self.outcome)

    @property
    def completeness(self) -> float:
        """Logged days over the last 28 days, as a fraction."""
        return self.logged_days / COMPLETENESS_DAYS

    @property
    def needs_attention(self) -> bool:
        """Whether any needs-attention rule holds."""
        return bool(self.reasons)

    @property
    def reason_labels(self) -> list[str]:
        """The reasons in words."""
        return [REASON_LABELS[reason] for reason in self.reasons]

    @property
    def first(self) -> bool:
        """Whether the list opens on this row: it needs attention or has a visit due."""
        return self.needs_attention or self.visit_due


def days_since(day: date | None, today: date) -> int | None:
    """Whole days from a date to today, or None."""
    return None if day is None else (today - day).days


def trusted_change(
    percent_change: float | None, baseline_source: str | None, baseline_suppressed: bool
) -> float | None:
    """The summary's change, or None for a row written when change could still be measured
    against a toxin-suppressed window alone (docs/trajectory.md, Which baseline is used):
    such a row shows no change until the scheduler recomputes it."""
    if baseline_source == "diary" and baseline_suppressed:
        return None
    return percent_change


def attention_reasons(
    *,
    days_since_last_entry: int | None,
    remission_start: date | None,
    recurrence_on: date | None,
    percent_change: float | None,
    next_due: date | None = None,
    today: date | None = None,
    logged_days: int | None = None,
    unverified_surgery: bool = False,
) -> tuple[str, ...]:
    """Why a patient needs attention (docs/clinic.md, Needs attention), in REASONS' order.

    `next_due` is the next suggested visit (clinic.schedule.next_due), `logged_days` the
    logged days among the last COMPLETENESS_DAYS to `today`.
    """
    found = set()
    not_in_remission = remission_start is None or recurrence_on is not None
    quiet = days_since_last_entry is None or days_since_last_entry >= QUIET_DAYS
    if quiet and not_in_remission:
        found.add(NO_RECENT_ENTRY)
    elif logged_days is not None and logged_days < SPARSE_DIARY_DAYS and not_in_remission:
        found.add(SPARSE_DIARY)
    if recurrence_on is not None:
        found.add(RECURRENCE)
    if percent_change is not None and percent_change > 0:
        found.add(WORSE_THAN_BASELINE)
    if next_due is not None and today is not None and next_due <= today:
        found.add(FOLLOW_UP_DUE)
    if unverified_surgery:
        found.add(UNVERIFIED_SURGERY)
    return tuple(reason for reason in REASONS if reason in found)


def reasons_mask(reasons: tuple[str, ...]) -> int:
    """The reasons as the stored bitmask (bit i is REASONS[i])."""
    return sum(1 << REASONS.index(reason) for reason in reasons)


def reasons_of(mask: int | None) -> tuple[str, ...]:
    """The reasons of a stored bitmask, in REASONS' order."""
    return tuple(reason for i, reason in enumerate(REASONS) if (mask or 0) >> i & 1)


def changed_since(
    diary_changed_at: datetime | None,
    assessed_at: datetime | None,
    reviewed_at: datetime | None = None,
) -> bool | None:
    """Whether the diary changed after the clinic last looked: the later of its latest
    assessment's recording and its last opening of the review (None: neither yet;
    docs/clinic.md, Changed since the last visit).

    The list sorts by the same rule in SQL (queries._ListQuery.sort_expression, key
    "changed"); a change here goes there too, and the order test compares the two.
    """
    looks = [moment for moment in (assessed_at, reviewed_at) if moment is not None]
    if not looks:
        return None
    return diary_changed_at is not None and diary_changed_at > max(looks)


# Sorting -----------------------------------------------------------------------------------

# The column keys of ?sort=, each with how to read its value from a row.
# sort_rows is the definition the list's SQL order (diary.clinic.queries.ORDER) is tested
# against; "attention" (the default) puts the rows the list opens on first.
SORT_KEYS: dict[str, Callable[[PatientRow], Any]] = {
    "attention": lambda r: 0 if r.first else 1,
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
DEFAULT_SORT = "attention"


def sort_rows(rows: list[PatientRow], key: str, descending: bool) -> list[PatientRow]:
    """Rows sorted by a column; rows without a value come last either way, then by name.

    The list sorts in SQL (diary.clinic.queries); this is the order it is tested against.
    """
    read = SORT_KEYS.get(key, SORT_KEYS[DEFAULT_SORT])
    by_name = sorted(rows, key=lambda r: (r.name.casefold(), r.patient_id))
    present = [r for r in by_name if read(r) is not None]
    missing = [r for r in by_name if read(r) is None]
    return sorted(present, key=read, reverse=descending) + missing
