"""The Kaplan-Meier estimator against a hand-computed example, and the cohort groupings."""

import pytest

from diary.trajectory.cohort import (
    LANDMARK_DAYS,
    FollowUp,
    at_risk_on,
    kaplan_meier,
    share_spasm_free_by,
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
