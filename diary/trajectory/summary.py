"""The remission summary of one patient: every figure the surgeon reads at a glance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from diary.trajectory import rules
from diary.trajectory.baseline import Baseline, ToxinCycle, baseline, baseline_reads
from diary.trajectory.outcome import (
    TimeGroup,
    days_between,
    outcome_class,
    percent_change,
    recurrence_day,
    remission_start,
    time_group,
    window_before,
)
from diary.trajectory.series import Diary, WindowMean, last_logged_day, last_spasm_day, window_mean


@dataclass(frozen=True, slots=True)
class ManualBaseline:
    """A pre-operative baseline a clinician entered for a patient who enrolled after surgery."""

    spasms_per_day: float


@dataclass(frozen=True, slots=True)
class RemissionSummary:
    """Baseline, now, change, class, remission and recurrence for one patient on one day."""

    today: date
    surgery: date | None
    baseline: Baseline | None
    baseline_mean: float | None  # the figure change is measured against
    baseline_source: str | None  # "diary", "untreated", "clinician" or None
    trailing: WindowMean
    percent_change: float | None
    outcome: str
    remission_start: date | None
    recurrence_on: date | None
    time_to_remission: TimeGroup | None
    last_spasm: date | None
    last_entry: date | None

    @property
    def outcome_label(self) -> str:
        """The class as a surgeon reads it."""
        return rules.CLASS_LABELS[self.outcome]

    @property
    def days_since_last_spasm(self) -> int | None:
        """Days from the last spasm to today."""
        return days_between(self.last_spasm, self.today)

    @property
    def days_since_surgery(self) -> int | None:
        """Days from the reference surgery to today."""
        return days_between(self.surgery, self.today)

    @property
    def recurrence(self) -> bool:
        """Spasms returned on 3 of 14 days after remission began."""
        return self.recurrence_on is not None


@dataclass(frozen=True, slots=True)
class Landmarks:
    """The figures of a summary that may lie anywhere in the diary, not in a fixed window."""

    remission_start: date | None
    recurrence_on: date | None
    last_spasm: date | None
    last_entry: date | None


def landmarks(diary: Diary, today: date, surgery: date | None) -> Landmarks:
    """Remission start, recurrence, last spasm and last entry, found by walking the diary."""
    remission = remission_start(diary, surgery, today) if surgery is not None else None
    return Landmarks(
        remission_start=remission,
        recurrence_on=recurrence_day(diary, remission, today),
        last_spasm=last_spasm_day(diary, until=today),
        last_entry=last_logged_day(diary, until=today),
    )


def first_day_read(today: date, surgery: date | None, cycles: Sequence[ToxinCycle] = ()) -> date:
    """The earliest diary day `summarise` reads once the last spasm and last entry are known.

    The trailing window, the baseline's and, for remission and recurrence, every day after
    surgery: a caller that finds the last spasm and last entry by other means (an indexed
    maximum in SQL) needs the diary from this day on, not all of it.
    """
    first = window_before(today, rules.TRAILING_WINDOW_DAYS)[0]
    if surgery is not None:
        first = min(first, baseline_reads(cycles, surgery)[0])
    return first


@dataclass(frozen=True, slots=True)
class ReferenceBaseline:
    """The figure % change and class are measured against, where it came from, and, when
    there is none, the class that says why."""

    mean: float | None
    source: str | None  # "diary", "untreated", "clinician" or None
    without: str = rules.NO_BASELINE


def reference_baseline(
    pre_op: Baseline | None, manual: ManualBaseline | None, surgery: date | None
) -> ReferenceBaseline:
    """Which baseline change is measured against (docs/trajectory.md, Which baseline is used).

    In order: the 28-day window when toxin did not suppress it; the untreated baseline of
    the six months before surgery when it did; a clinician's baseline. A suppressed window
    is never measured against on its own: toxin lowers the count, so a change against it
    overstates any worsening and understates what the surgery did.
    """
    if surgery is None:
        return ReferenceBaseline(None, None, rules.NO_SURGERY)
    if pre_op is not None and pre_op.usable and not pre_op.toxin.suppressed:
        return ReferenceBaseline(pre_op.mean, "diary")
    if pre_op is not None and pre_op.untreated is not None:
        return ReferenceBaseline(pre_op.untreated.mean, "untreated")
    if manual is not None:
        return ReferenceBaseline(manual.spasms_per_day, "clinician")
    if pre_op is not None and pre_op.usable:
        return ReferenceBaseline(None, None, rules.BASELINE_SUPPRESSED)
    return ReferenceBaseline(None, None, rules.NO_BASELINE)


def summarise(
    diary: Diary,
    today: date,
    surgery: date | None,
    cycles: Sequence[ToxinCycle] = (),
    manual_baseline: ManualBaseline | None = None,
    found: Landmarks | None = None,
) -> RemissionSummary:
    """Compute the remission summary from a diary, the reference surgery and toxin cycles.

    With `found`, the landmarks are taken as given, and the diary need only hold the days
    from `first_day_read()` on.
    """
    if found is None:
        found = landmarks(diary, today, surgery)
    start, end = window_before(today, rules.TRAILING_WINDOW_DAYS)
    trailing = window_mean(diary, start, end)
    pre_op = baseline(diary, cycles, surgery) if surgery is not None else None

    reference = reference_baseline(pre_op, manual_baseline, surgery)
    remission = found.remission_start
    return RemissionSummary(
        today=today,
        surgery=surgery,
        baseline=pre_op,
        baseline_mean=reference.mean,
        baseline_source=reference.source,
        trailing=trailing,
        percent_change=percent_change(reference.mean, trailing.mean),
        outcome=outcome_class(
            reference.mean, trailing.mean, trailing.logged_days, reference.without
        ),
        remission_start=remission,
        recurrence_on=found.recurrence_on,
        time_to_remission=time_group(surgery, remission) if surgery and remission else None,
        last_spasm=found.last_spasm,
        last_entry=found.last_entry,
    )
