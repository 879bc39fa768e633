"""The remission maths on hand-built diaries: each test is one rule of docs/trajectory.md."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from diary.trajectory import (
    ManualBaseline,
    ToxinCycle,
    baseline,
    outcome_class,
    percent_change,
    recurrence_day,
    remission_start,
    rolling_means,
    rules,
    summarise,
    time_group,
    window_mean,
)

SURGERY = date(2025, 6, 2)


def day(offset: int) -> date:
    """The day `offset` days after surgery (negative: before)."""
    return SURGERY + timedelta(days=offset)


def span(first: int, last: int, count: int) -> dict[date, int]:
    """A diary with the same count on every day from first to last (offsets, inclusive)."""
    return {day(i): count for i in range(first, last + 1)}


# --- the daily series --------------------------------------------------------------------


def test_missing_day_is_skipped_not_counted_as_zero():
    diary = {day(0): 10, day(2): 20}  # day(1) missing
    assert window_mean(diary, day(0), day(2)).mean == 15
    assert window_mean(diary, day(0), day(2)).logged_days == 2


def test_logged_zero_day_counts_as_zero():
    diary = {day(0): 10, day(1): 0, day(2): 20}
    assert window_mean(diary, day(0), day(2)).mean == 10


def test_window_with_no_logged_day_has_no_mean():
    assert window_mean({}, day(0), day(27)).mean is None


def test_rolling_mean_uses_logged_days_of_the_last_seven():
    diary = {day(0): 7, day(6): 14, day(7): 0}
    means = rolling_means(diary, day(6), day(13))
    assert means[day(6)] == pytest.approx(10.5)  # days 0..6: 7 and 14
    assert means[day(7)] == pytest.approx(7.0)  # days 1..7: 14 and 0
    assert means[day(13)] == pytest.approx(0.0)  # days 7..13: 0
    assert rolling_means(diary, day(20), day(20))[day(20)] is None


# --- baseline ------------------------------------------------------------------------------


def test_baseline_is_mean_per_logged_day_over_28_days_before_surgery():
    diary = span(-28, -1, 30) | span(-60, -29, 99) | {day(0): 500}
    result = baseline(diary, [], SURGERY)
    assert result.mean == 30
    assert result.window.logged_days == 28
    assert (result.window.start, result.window.end) == (day(-28), day(-1))
    assert not result.toxin.suppressed


def test_baseline_with_few_logged_days_is_shown_but_not_usable():
    diary = span(-6, -1, 30)
    result = baseline(diary, [], SURGERY)
    assert result.window.logged_days == 6
    assert not result.usable


def test_baseline_within_twelve_weeks_of_injection_is_flagged_suppressed():
    result = baseline(span(-28, -1, 5), [ToxinCycle(day(-40))], SURGERY)
    assert result.toxin.suppressed
    assert result.toxin.last_injection == day(-40)
    assert result.toxin.days_since_injection == 39


def test_baseline_after_recorded_wear_off_is_not_suppressed():
    cycles = [ToxinCycle(day(-70), wore_off_on=day(-30))]
    result = baseline(span(-28, -1, 5), cycles, SURGERY)
    assert not result.toxin.suppressed
    assert result.toxin.wore_off_recorded


def test_baseline_more_than_84_days_after_injection_is_not_suppressed():
    result = baseline(span(-28, -1, 5), [ToxinCycle(day(-28 - 85))], SURGERY)
    assert not result.toxin.suppressed


def test_untreated_baseline_uses_toxin_free_days_of_six_months():
    # Injections 91 days apart; days more than 84 days after one are toxin-free.
    cycles = [ToxinCycle(day(-20)), ToxinCycle(day(-111))]
    diary = span(-182, -1, 4)
    for free in range(-117, -111):  # -117..-112: before any injection, so toxin-free
        diary[day(free)] = 40
    for free in range(-20 - 6, -20):  # days -26..-21: 85..90 days after -111
        diary[day(free)] = 40
    result = baseline(diary, cycles, SURGERY)
    assert result.toxin.suppressed
    assert result.untreated is not None
    # Toxin-free logged days: -26..-21 (6 days, 85-90 days after -111) plus every day before
    # -111 within the 182-day lookback that is not within 84 days of an earlier injection
    # (there is none), i.e. -182..-112 (71 days, of which -117..-112 hold 40).
    expected_days = 6 + 71
    assert result.untreated.logged_days == expected_days
    expected_mean = (6 * 40 + 6 * 40 + 65 * 4) / expected_days
    assert result.untreated.mean == pytest.approx(expected_mean)


def test_no_untreated_baseline_with_fewer_than_seven_toxin_free_days():
    cycles = [ToxinCycle(day(-200)), ToxinCycle(day(-110)), ToxinCycle(day(-20))]
    diary = span(-100, -1, 4)  # all within 84 days of an injection, except -25..-21
    result = baseline(diary, cycles, SURGERY)
    assert result.toxin.suppressed
    assert result.untreated is None


# --- change and class ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline_mean", "now", "expected"),
    [
        (40, 0, rules.SPASM_FREE),
        (40, 4, rules.REDUCED_90),
        (40, 4.01, rules.REDUCED_50),
        (40, 20, rules.REDUCED_50),
        (40, 20.5, rules.UNCHANGED_OR_WORSE),
        (40, 60, rules.UNCHANGED_OR_WORSE),
    ],
)
def test_outcome_class_thresholds(baseline_mean, now, expected):
    assert outcome_class(baseline_mean, now, now_logged_days=28) == expected


def test_no_class_from_fewer_than_seven_logged_days():
    assert outcome_class(40, 0, now_logged_days=6) == rules.NOT_ENOUGH_DATA


def test_spasm_free_needs_no_baseline_but_reduction_does():
    assert outcome_class(None, 0, now_logged_days=10) == rules.SPASM_FREE
    assert outcome_class(None, 3, now_logged_days=10) == rules.NO_BASELINE


def test_percent_change_is_negative_for_fewer_spasms():
    assert percent_change(40, 10) == -75
    assert percent_change(0, 10) is None


# --- remission and recurrence --------------------------------------------------------------


def test_remission_begins_on_first_day_of_28_spasm_free_logged_days():
    diary = span(1, 10, 5) | span(11, 38, 0)
    assert remission_start(diary, SURGERY, day(60)) == day(11)


def test_27_spasm_free_days_are_not_yet_remission():
    diary = span(1, 10, 5) | span(11, 37, 0)
    assert remission_start(diary, SURGERY, day(60)) is None


def test_short_gaps_inside_a_run_neither_count_nor_break_it():
    diary = span(11, 24, 0) | span(32, 45, 0)  # 7 missing days (25..31) in the middle
    assert remission_start(diary, SURGERY, day(60)) == day(11)


def test_a_gap_longer_than_seven_days_breaks_the_run():
    diary = span(11, 24, 0) | span(33, 60, 0)  # 8 missing days
    assert remission_start(diary, SURGERY, day(90)) == day(33)


def test_a_spasm_day_breaks_the_run():
    diary = span(1, 20, 0) | {day(21): 1} | span(22, 49, 0)
    assert remission_start(diary, SURGERY, day(60)) == day(22)


def test_recurrence_is_three_spasm_days_within_fourteen_after_remission():
    diary = span(1, 40, 0) | {day(50): 2, day(55): 1, day(63): 3}
    assert recurrence_day(diary, day(1), day(90)) == day(63)


def test_three_spasm_days_spread_over_more_than_fourteen_days_are_no_recurrence():
    diary = span(1, 40, 0) | {day(50): 2, day(57): 1, day(64): 3}
    assert recurrence_day(diary, day(1), day(90)) is None


@pytest.mark.parametrize(
    ("elapsed", "key"),
    [
        (0, "under_7_days"),
        (6, "under_7_days"),
        (7, "7_days_to_1_month"),
        (30, "7_days_to_1_month"),
        (31, "1_to_3_months"),
        (91, "1_to_3_months"),
        (92, "3_to_6_months"),
        (183, "6_to_12_months"),
        (365, "6_to_12_months"),
        (366, "over_12_months"),
    ],
)
def test_time_to_remission_uses_the_published_groups(elapsed, key):
    assert time_group(SURGERY, day(elapsed)).key == key


# --- whole patients --------------------------------------------------------------------------


def case_report_diary() -> dict[date, int]:
    """Strong spasms persisting after MVD, gone at about 4 months, spasm-free at 8 months."""
    diary = span(-28, -1, 40)
    diary |= span(1, 100, 30)  # persisting after surgery
    diary |= {day(i): max(0, 30 - (i - 100) * 2) for i in range(101, 121)}  # fading to 0
    # Occasional single spasms until month 8, then none.
    for i in range(121, 241):
        diary[day(i)] = 1 if i % 10 == 0 else 0
    diary |= span(241, 300, 0)
    return diary


def test_case_report_delayed_resolution():
    summary = summarise(case_report_diary(), today=day(300), surgery=SURGERY)
    assert summary.baseline_mean == 40
    assert summary.baseline_source == "diary"
    assert summary.outcome == rules.SPASM_FREE
    assert summary.percent_change == -100
    assert summary.last_spasm == day(240)
    assert summary.days_since_last_spasm == 60
    assert summary.remission_start == day(241)
    assert summary.time_to_remission.key == "6_to_12_months"
    assert not summary.recurrence


def test_case_report_at_three_months_is_unchanged():
    summary = summarise(case_report_diary(), today=day(90), surgery=SURGERY)
    assert summary.percent_change == pytest.approx(-25)
    assert summary.outcome == rules.UNCHANGED_OR_WORSE
    assert summary.remission_start is None


def test_patient_on_toxin_cycles_before_surgery():
    # Injections every 91 days; wearing off shows as spasms back to 30/day after 84 days.
    cycles = [ToxinCycle(day(-20 - 91 * k)) for k in range(3)]
    diary: dict[date, int] = {}
    for i in range(-200, 0):
        last = max(c.injected_on for c in cycles if c.injected_on <= day(i)) if any(
            c.injected_on <= day(i) for c in cycles
        ) else None
        suppressed = last is not None and (day(i) - last).days <= 84
        diary[day(i)] = 6 if suppressed else 30
    diary |= span(0, 60, 0)
    summary = summarise(diary, today=day(60), surgery=SURGERY, cycles=cycles)
    assert summary.baseline.toxin.suppressed
    # Window -28..-1: days -28 and -27 are 83-84 days after the -111 injection (suppressed),
    # -26..-21 are 85-90 days after it (worn off), -20..-1 follow the -20 injection.
    assert summary.baseline.mean == pytest.approx((22 * 6 + 6 * 30) / 28)
    assert summary.baseline.untreated is not None
    # Change is measured against the untreated baseline, not the suppressed window.
    assert (summary.baseline_source, summary.baseline_mean) == ("untreated", 30)
    assert summary.outcome == rules.SPASM_FREE
    assert summary.remission_start == day(1)
    assert summary.time_to_remission.key == "under_7_days"


def test_recurrence_after_remission_is_flagged():
    diary = span(-28, -1, 20) | span(1, 500, 0)
    for i in (540, 545, 550):
        diary[day(i)] = 5
    diary |= {day(i): 0 for i in range(501, 560) if day(i) not in diary}
    summary = summarise(diary, today=day(559), surgery=SURGERY)
    assert summary.remission_start == day(1)
    assert summary.recurrence
    assert summary.recurrence_on == day(550)


def test_clinician_baseline_is_used_when_the_diary_has_none():
    diary = span(1, 28, 2)
    summary = summarise(diary, day(28), SURGERY, manual_baseline=ManualBaseline(20))
    assert summary.baseline_source == "clinician"
    assert summary.percent_change == pytest.approx(-90)
    assert summary.outcome == rules.REDUCED_90


def test_no_surgery_means_no_baseline_and_no_remission():
    summary = summarise(span(-10, 0, 3), today=day(0), surgery=None)
    assert summary.baseline is None
    assert summary.remission_start is None
    assert summary.outcome == rules.NO_SURGERY
