"""Which baseline change is measured against when toxin suppressed the days before surgery.

The rule (docs/trajectory.md, Which baseline is used): the untreated baseline where the diary
has one, else a clinician's, and never the toxin-suppressed window alone; without a baseline
it can defend, the class says what is missing instead of giving a number.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diary.trajectory import ManualBaseline, ToxinCycle, rules, summarise

SURGERY = date(2025, 6, 2)
TODAY = SURGERY + timedelta(days=240)


def day(offset: int) -> date:
    """The day `offset` days after surgery (negative: before)."""
    return SURGERY + timedelta(days=offset)


def span(first: int, last: int, count: int) -> dict[date, int]:
    """The same count on every day from first to last (offsets, inclusive)."""
    return {day(i): count for i in range(first, last + 1)}


def failure_diary(after: int = 26) -> dict[date, int]:
    """The demo failure: 32 spasms a day untreated, 6 under the injection given 35 days
    before surgery, `after` a day in the last 28 days."""
    return span(-180, -36, 32) | span(-35, -1, 6) | span(1, 240, after)


def test_an_untreated_baseline_is_what_change_is_measured_against():
    summary = summarise(failure_diary(), TODAY, SURGERY, cycles=[ToxinCycle(day(-35))])
    assert summary.baseline.toxin.suppressed
    assert summary.baseline.mean == 6  # the 28-day window, shown and marked, not used
    assert summary.baseline_source == "untreated"
    assert summary.baseline_mean == 32
    assert summary.percent_change == pytest.approx((26 - 32) / 32 * 100)  # about -19%
    assert summary.outcome == rules.UNCHANGED_OR_WORSE


def test_a_suppressed_window_alone_gives_no_change_and_an_uncertain_class():
    # The injection 35 days before surgery, and another 120 days before it: no day of the six
    # months before surgery is toxin-free, so there is no untreated baseline.
    cycles = [ToxinCycle(day(-35)), ToxinCycle(day(-120)), ToxinCycle(day(-200))]
    summary = summarise(failure_diary(), TODAY, SURGERY, cycles=cycles)
    assert summary.baseline.toxin.suppressed and summary.baseline.untreated is None
    assert summary.percent_change is None
    assert summary.baseline_mean is None and summary.baseline_source is None
    assert summary.outcome == rules.BASELINE_SUPPRESSED
    assert summary.outcome_label == "Uncertain: baseline under toxin"


def test_spasm_free_needs_no_baseline_even_a_suppressed_one():
    cycles = [ToxinCycle(day(-35)), ToxinCycle(day(-120)), ToxinCycle(day(-200))]
    summary = summarise(failure_diary(after=0), TODAY, SURGERY, cycles=cycles)
    assert summary.outcome == rules.SPASM_FREE


def test_a_clinician_baseline_stands_in_for_a_suppressed_window():
    cycles = [ToxinCycle(day(-35)), ToxinCycle(day(-120)), ToxinCycle(day(-200))]
    summary = summarise(
        failure_diary(after=3), TODAY, SURGERY, cycles=cycles,
        manual_baseline=ManualBaseline(40.0),
    )
    assert summary.baseline_source == "clinician"
    assert summary.percent_change == pytest.approx(-92.5)
    assert summary.outcome == rules.REDUCED_90


def test_an_unsuppressed_window_is_used_as_before():
    summary = summarise(span(-28, -1, 20) | span(1, 240, 5), TODAY, SURGERY)
    assert (summary.baseline_source, summary.baseline_mean) == ("diary", 20)
    assert summary.outcome == rules.REDUCED_50


def test_without_surgery_the_class_says_there_is_nothing_to_measure_against():
    # A toxin-only patient: 25 of the last 28 days logged, no surgery.
    diary = {TODAY - timedelta(days=i): 12 for i in range(25)}
    summary = summarise(diary, TODAY, None, cycles=[ToxinCycle(TODAY - timedelta(days=50))])
    assert summary.trailing.logged_days == 25
    assert summary.outcome == rules.NO_SURGERY
    assert summary.outcome_label == "No surgery to measure against"


def test_a_surgery_without_a_baseline_says_the_baseline_is_missing():
    summary = summarise(span(1, 240, 5), TODAY, SURGERY)
    assert summary.outcome == rules.NO_BASELINE
    assert summary.outcome_label == "No baseline before surgery"


def test_too_few_days_now_is_still_not_enough_diary():
    summary = summarise(span(-28, -1, 20) | {TODAY: 3}, TODAY, SURGERY)
    assert summary.outcome == rules.NOT_ENOUGH_DATA
    assert summary.outcome_label == "Not enough diary"


# --- properties ------------------------------------------------------------------------------

ORIGIN = SURGERY - timedelta(days=200)
@st.composite
def pre_and_post_op(draw) -> dict[date, int]:
    """A diary of the 200 days before surgery and 60 after, with missing days."""
    counts = draw(st.lists(st.none() | st.integers(0, 60), min_size=260, max_size=260))
    return {day(o): n for o, n in zip(range(-200, 60), counts, strict=True) if n is not None}


injection_sets = st.lists(st.integers(-200, -1).map(lambda o: ToxinCycle(day(o))), max_size=3)
manual = st.none() | st.floats(0.5, 80).map(ManualBaseline)


def worse_than_before(summary) -> bool:
    """What raises the list's "More spasms than before surgery" flag."""
    return summary.percent_change is not None and summary.percent_change > 0


def against_suppressed_window_alone(summary) -> bool:
    """Change measured against the 28-day window although toxin suppressed it."""
    return summary.baseline_source == "diary" and summary.baseline.toxin.suppressed


@given(pre_and_post_op(), injection_sets, st.integers(-200, -1), manual)
def test_adding_an_injection_never_flags_worse_against_a_suppressed_window(
    diary, cycles, injected, clinician
):
    today = day(60)
    before = summarise(diary, today, SURGERY, cycles=cycles, manual_baseline=clinician)
    after = summarise(
        diary, today, SURGERY, cycles=[*cycles, ToxinCycle(day(injected))],
        manual_baseline=clinician,
    )
    for summary in (before, after):
        assert not against_suppressed_window_alone(summary)
    if worse_than_before(after) and not worse_than_before(before):
        # Only a baseline that toxin did not touch may raise the flag.
        assert after.baseline_source in ("untreated", "clinician")


@given(pre_and_post_op(), injection_sets)
def test_a_suppressed_window_without_an_untreated_one_gives_no_number(diary, cycles):
    summary = summarise(diary, day(60), SURGERY, cycles=cycles)
    if summary.baseline.toxin.suppressed and summary.baseline.untreated is None:
        assert summary.percent_change is None
        assert summary.outcome in (
            rules.SPASM_FREE, rules.BASELINE_SUPPRESSED, rules.NO_BASELINE, rules.NOT_ENOUGH_DATA
        )
