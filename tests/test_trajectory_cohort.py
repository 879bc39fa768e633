"""The Kaplan-Meier estimator, its Greenwood log-log band, the number at risk and the rule of
too few at risk, against examples computed by hand; the cohort groupings and the published series."""

import math

import pytest

from diary.trajectory.cohort import (
    LANDMARK_DAYS,
    MIN_AT_RISK,
    PUBLISHED_SERIES,
    FollowUp,
    at_risk_on,
    axis_months,
    day_of_month,
    estimate_at,
    kaplan_meier,
    share_spasm_free_by,
    survival_band,
    time_group_counts,
)


def test_kaplan_meier_matches_a_hand_computed_example():
    # Six patients. Spasm-free after 5, 5, 30 days; censored (last logged day) at 10, 30, 60.
    #   day 5:  6 at risk, 2 events      S = 1 * (1 - 2/6)          = 0.6667
    #   day 10: 4 at risk, 1 censored    S unchanged                = 0.6667
    #   day 30: 3 at risk, 1 event, 1 censored: S = 0.6667 * (1 - 1/3) = 0.4444
    #   day 60: 1 at risk, 1 censored    S unchanged                = 0.4444
    follow_ups = [
        FollowUp(5, True), FollowUp(5, True), FollowUp(10, False),
        FollowUp(30, True), FollowUp(30, False), FollowUp(60, False),
    ]
    steps = kaplan_meier(follow_ups)
    assert [(s.day, s.at_risk, s.events, s.censored) for s in steps] == [
        (5, 6, 2, 0), (10, 4, 0, 1), (30, 3, 1, 1), (60, 1, 0, 1),
    ]
    assert [round(s.survival, 4) for s in steps] == [0.6667, 0.6667, 0.4444, 0.4444]
    assert share_spasm_free_by(steps, 29) == pytest.approx(1 / 3)
    assert share_spasm_free_by(steps, 30) == pytest.approx(1 - 4 / 9)
    assert share_spasm_free_by(steps, 4) == 0.0
    assert share_spasm_free_by(steps, 61) is None  # nobody followed that long


def test_everyone_spasm_free_reaches_one():
    steps = kaplan_meier([FollowUp(1, True), FollowUp(3, True)])
    assert steps[-1].spasm_free_share == 1.0


def test_empty_cohort_has_no_curve():
    assert kaplan_meier([]) == []
    assert share_spasm_free_by([], 90) is None


def test_time_group_counts_use_published_groups():
    counts = time_group_counts([0, 6, 7, 30, 31, 100, 200, 400])
    assert counts == {
        "under_7_days": 2, "7_days_to_1_month": 2, "1_to_3_months": 1,
        "3_to_6_months": 1, "6_to_12_months": 1, "over_12_months": 1,
    }


def test_kaplan_meier_with_ties_and_censoring_matches_the_hand_computation():
    # Eight patients, days from MVD to spasm-free (event) or to the last logged day (censored):
    #   A 3 event, B 3 event, C 10 censored, D 20 event, E 20 censored, F 45 event,
    #   G 100 censored, H 200 event.
    # At a day with both, events come first: the censored patient was at risk that day.
    #   day 3:   8 at risk, 2 events          S = 1 - 2/8                 = 0.75
    #   day 10:  6 at risk, 1 censored        S = 0.75
    #   day 20:  5 at risk, 1 event, 1 cens.  S = 0.75 * (1 - 1/5)        = 0.60
    #   day 45:  3 at risk, 1 event           S = 0.60 * (1 - 1/3)        = 0.40
    #   day 100: 2 at risk, 1 censored        S = 0.40
    #   day 200: 1 at risk, 1 event           S = 0.40 * (1 - 1/1)        = 0.00
    follow_ups = [
        FollowUp(3, True), FollowUp(3, True), FollowUp(10, False), FollowUp(20, True),
        FollowUp(20, False), FollowUp(45, True), FollowUp(100, False), FollowUp(200, True),
    ]
    steps = kaplan_meier(follow_ups)
    assert [(s.day, s.at_risk, s.events, s.censored) for s in steps] == [
        (3, 8, 2, 0), (10, 6, 0, 1), (20, 5, 1, 1), (45, 3, 1, 0), (100, 2, 0, 1), (200, 1, 1, 0),
    ]
    assert [round(s.survival, 4) for s in steps] == [0.75, 0.75, 0.6, 0.4, 0.4, 0.0]
    # Share spasm-free at the landmarks: 1 month (30 days), 3 months (91), 12 months (365).
    assert share_spasm_free_by(steps, LANDMARK_DAYS[1]) == pytest.approx(0.40)
    assert share_spasm_free_by(steps, LANDMARK_DAYS[3]) == pytest.approx(0.60)
    # Past the longest follow-up the curve stays at 100%: everyone left became spasm-free.
    assert share_spasm_free_by(steps, LANDMARK_DAYS[12]) == 1.0
    # Numbers at risk at the start of a day: still followed and not yet spasm-free.
    assert [at_risk_on(follow_ups, d) for d in (0, 3, 4, 30, 91, 182)] == [8, 8, 6, 3, 2, 1]


# Ten patients, days from MVD to spasm-free (event) or to the last logged day (censored),
# with a tie of two events and a day with both an event and a censoring:
#   A 7 event, B 7 event, C 20 censored, D 45 event, E 45 censored, F 120 event,
#   G 150 censored, H 200 event, I 250 censored, J 400 censored.
TEN = [
    FollowUp(7, True), FollowUp(7, True), FollowUp(20, False), FollowUp(45, True),
    FollowUp(45, False), FollowUp(120, True), FollowUp(150, False), FollowUp(200, True),
    FollowUp(250, False), FollowUp(400, False),
]


def test_greenwood_sum_and_log_log_band_match_the_hand_computation():
    # Kaplan-Meier S and Greenwood's sum G = sum d / (n (n - d)), events before censorings:
    #   day 7:   n 10, d 2    S = 1 - 2/10            = 0.8       G = 2/(10*8)        = 0.025
    #   day 20:  n 8,  c 1    S = 0.8                             G = 0.025
    #   day 45:  n 7,  d 1, c 1  S = 0.8 * 6/7        = 0.685714  G = 0.025 + 1/(7*6) = 0.048810
    #   day 120: n 5,  d 1    S = 0.685714 * 4/5      = 0.548571  G + 1/(5*4)         = 0.098810
    #   day 150: n 4,  c 1    unchanged
    #   day 200: n 3,  d 1    S = 0.548571 * 2/3      = 0.365714  G + 1/(3*2)         = 0.265476
    #   day 250: n 2,  c 1;  day 400: n 1, c 1       unchanged
    steps = kaplan_meier(TEN)
    assert [(s.day, s.at_risk, s.events, s.censored) for s in steps] == [
        (7, 10, 2, 0), (20, 8, 0, 1), (45, 7, 1, 1), (120, 5, 1, 0), (150, 4, 0, 1),
        (200, 3, 1, 0), (250, 2, 0, 1), (400, 1, 0, 1),
    ]
    assert [round(s.survival, 6) for s in steps] == [
        0.8, 0.8, 0.685714, 0.548571, 0.548571, 0.365714, 0.365714, 0.365714,
    ]
    assert [round(s.greenwood, 6) for s in steps] == [
        0.025, 0.025, 0.04881, 0.09881, 0.09881, 0.265476, 0.265476, 0.265476,
    ]
    # The log-log band: se = sqrt(G) / |log S|, S from S ** exp(+1.96 se) to S ** exp(-1.96 se).
    #   day 7:  log S = -0.223144, sqrt G = 0.158114, se = 0.708575,
    #           exp(+1.96 se) = 4.01006, exp(-1.96 se) = 0.24937,
    #           S from 0.8 ** 4.01006 = 0.4087 to 0.8 ** 0.24937 = 0.9459,
    #           so the share spasm-free 1 - S from 1 - 0.9459 = 0.0541 to 1 - 0.4087 = 0.5913.
    #   day 45: log S = -0.377294, sqrt G = 0.220929, se = 0.585561,
    #           exp(+) = 3.15094, exp(-) = 0.31737: S 0.3046 to 0.8872, share 0.1128 to 0.6954.
    #   day 120: se = 0.314340 / 0.600438 = 0.523518: S 0.1873 to 0.8064, share 0.1936 to 0.8127.
    #   day 200: se = 0.515244 / 1.005903 = 0.512220: S 0.0642 to 0.6917, share 0.3083 to 0.9358.
    assert [tuple(round(x, 4) for x in s.band) for s in steps[::2]] == [
        (0.0541, 0.5913), (0.1128, 0.6954), (0.1936, 0.8127), (0.3083, 0.9358),
    ]
    assert steps[1].band == steps[0].band  # a censoring moves neither S nor its band
    low, high = survival_band(0.8, 0.025)
    assert (round(low, 4), round(high, 4)) == (0.4087, 0.9459)


def test_the_band_is_undefined_where_s_is_one_or_zero():
    assert survival_band(1.0, 0.0) is None  # no remission yet: log S = 0
    steps = kaplan_meier([FollowUp(2, False), FollowUp(5, True), FollowUp(9, True)])
    # day 5: n 2, d 1: S = 0.5; day 9: n 1, d 1: S = 0, and d / (n (n - d)) divides by zero.
    assert steps[0].band is None and steps[0].survival == 1.0
    assert steps[1].band is not None
    assert steps[2].survival == 0.0 and steps[2].greenwood == math.inf and steps[2].band is None


def test_estimates_state_a_share_only_with_at_least_five_at_risk():
    steps = kaplan_meier(TEN)
    # At risk at the start of a day: patients whose follow-up reaches it.
    #   day 0: all 10;  30 days (1 month): D..J = 7;  91 days (3 months): F, G, H, I, J = 5;
    #   182 days (6 months): H, I, J = 3;  365 days (12 months): J = 1;  730 days: 0.
    estimates = {m: estimate_at(steps, d) for m, d in LANDMARK_DAYS.items()}
    assert {m: e.at_risk for m, e in estimates.items()} == {0: 10, 1: 7, 3: 5, 6: 3, 12: 1, 24: 0}
    assert {e.patients for e in estimates.values()} == {10}
    assert [at_risk_on(TEN, d) for d in LANDMARK_DAYS.values()] == [10, 7, 5, 3, 1, 0]
    # Day 0: no remission yet: 0%, and no band (S = 1).
    assert (estimates[0].share, estimates[0].low, estimates[0].high) == (0.0, None, None)
    # 1 month: the step of day 7, 20% (5.4% to 59.1%); 3 months: the step of day 45, 31.4%
    # (1 - 0.685714 = 0.314286; band 11.3% to 69.5%), with exactly MIN_AT_RISK at risk.
    assert estimates[1].share == pytest.approx(0.2)
    assert (round(estimates[1].low, 4), round(estimates[1].high, 4)) == (0.0541, 0.5913)
    assert estimates[3].share == pytest.approx(0.314286, abs=1e-6)
    assert (round(estimates[3].low, 4), round(estimates[3].high, 4)) == (0.1128, 0.6954)
    assert MIN_AT_RISK == 5 and not estimates[3].too_few
    # 6, 12 and 24 months: fewer than 5 at risk, too few to tell (the curve itself still
    # reads 45.1% at 6 months and 63.4% at 12).
    for months in (6, 12, 24):
        assert estimates[months].too_few
        assert (estimates[months].share, estimates[months].low, estimates[months].high) == (None, None, None)
    assert share_spasm_free_by(steps, LANDMARK_DAYS[12]) == pytest.approx(1 - 0.365714, abs=1e-6)


def test_the_old_example_no_longer_claims_100_percent_with_nobody_at_risk():
    # The eight patients above: the curve reaches 100% at day 200 with 1 at risk, and nobody
    # is left at 12 months; the estimate there is too few to tell, not 100%.
    steps = kaplan_meier([
        FollowUp(3, True), FollowUp(3, True), FollowUp(10, False), FollowUp(20, True),
        FollowUp(20, False), FollowUp(45, True), FollowUp(100, False), FollowUp(200, True),
    ])
    twelve = estimate_at(steps, LANDMARK_DAYS[12])
    assert (twelve.at_risk, twelve.share, twelve.too_few) == (0, None, True)
    assert estimate_at(steps, 3).share == pytest.approx(0.25)  # 8 at risk on day 3


def test_the_axis_months_and_the_landmark_days_agree():
    assert LANDMARK_DAYS == {0: 0, 1: 30, 3: 91, 6: 182, 12: 365, 24: 730}
    assert [day_of_month(m) for m in (1, 3, 6, 12)] == [30, 91, 182, 365]  # as rules.TIME_GROUPS
    assert axis_months(200) == [0, 1, 2, 3, 4, 5, 6, 7]  # 6.6 months: every month up to 7
    assert axis_months(400) == [0, 3, 6, 9, 12, 15]  # 13.1 months: every 3 months
    assert axis_months(0) == [0, 1]


def test_the_published_series_name_their_sources_and_denominators():
    by_source = {s.source: s for s in PUBLISHED_SERIES}
    cured = by_source["PubMed 36097503"]
    assert [(f.when, f.percent, f.patients) for f in cured.figures] == [
        ("7 days", 35, 175), ("1 month", 51, 175), ("3 months", 73, 175), ("6 months", 87, 175),
        ("12 months", 97, 175),
    ]
    assert "eventually cured" in cured.denominator
    greifswald = by_source["PMC6415620, table 2"]
    assert [(f.when, f.percent, f.patients) for f in greifswald.figures] == [
        ("Immediately", 55.6, 320), ("After more than 12 months", 77.6, 201),
    ]
    assert "320 patients" in greifswald.name and "339 operations" in greifswald.name
    assert "all operated patients" in greifswald.denominator
