"""The trajectory's series in SQL: days merged by the day rule, weeks and months bucketed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from diary.progress import queries
from tests.journal_helpers import check_in, counted_queries, spasm_now

MONDAY = date(2026, 2, 2)


def series(app, patient_id, bucket, start, end):
    with app.app_context():
        return queries.series(patient_id, bucket, start, end)


def test_daily_series_merges_check_ins_and_episodes_by_the_larger(app, clock, make_user):
    patient = make_user()
    check_in(app, patient, date(2026, 3, 10), 0, jrs_severity=0)  # "no spasms" in the morning
    spasm_now(app, patient, "a")
    spasm_now(app, patient, "b")  # two taps later that day
    check_in(app, patient, date(2026, 3, 8), 5, jrs_severity=2)
    days = series(app, patient, "day", date(2026, 3, 1), date(2026, 3, 10))
    assert [(b.start, b.spasms, b.severity) for b in days] == [
        (date(2026, 3, 8), 5, 2),
        (date(2026, 3, 10), 2, 0),
    ]


def test_missing_days_have_no_bucket_and_do_not_lower_a_week(app, make_user):
    patient = make_user()
    check_in(app, patient, MONDAY, 10)
    check_in(app, patient, date(2026, 2, 4), 20)  # Wednesday; Tuesday missing
    weeks = series(app, patient, "week", date(2026, 1, 1), date(2026, 3, 10))
    assert [(w.start, w.spasms, w.logged_days) for w in weeks] == [(MONDAY, 15.0, 2)]


def test_weeks_start_on_monday_and_months_on_the_first(app, make_user):
    patient = make_user()
    check_in(app, patient, date(2026, 2, 1), 4)  # a Sunday: the week of 26 January
    check_in(app, patient, date(2026, 2, 8), 8)  # the next Sunday: week of 2 February
    check_in(app, patient, date(2026, 3, 1), 6)
    weeks = series(app, patient, "week", date(2026, 1, 1), date(2026, 3, 10))
    assert [w.start for w in weeks] == [date(2026, 1, 26), date(2026, 2, 2), date(2026, 2, 23)]
    months = series(app, patient, "month", date(2026, 1, 1), date(2026, 3, 10))
    assert [(m.start, m.spasms, m.logged_days) for m in months] == [
        (date(2026, 2, 1), 6.0, 2),
        (date(2026, 3, 1), 6.0, 1),
    ]


def test_another_patients_entries_never_appear(app, make_user):
    mine = make_user("me@example.org")
    theirs = make_user("them@example.org")
    check_in(app, theirs, MONDAY, 30)
    assert series(app, mine, "day", date(2026, 1, 1), date(2026, 3, 10)) == []


@pytest.mark.parametrize("bucket", ["day", "week", "month"])
def test_series_runs_one_query_however_long_the_diary(app, clock, make_user, bucket):
    patient = make_user()
    check_in(app, patient, MONDAY, 3)
    with counted_queries(app) as short:
        series(app, patient, bucket, date(2025, 1, 1), date(2026, 3, 10))
    for day in range(1, 28):
        check_in(app, patient, date(2026, 1, day), day)
    with counted_queries(app) as long:
        series(app, patient, bucket, date(2025, 1, 1), date(2026, 3, 10))
    assert len(short) == len(long) == 1


def test_unknown_bucket_is_refused(app, make_user):
    patient = make_user()
    with pytest.raises(ValueError):
        series(app, patient, "year", MONDAY, MONDAY)


def test_diary_counts_feed_the_maths(app, clock, make_user):
    patient = make_user()
    check_in(app, patient, MONDAY, 7)
    clock.set(datetime(2026, 3, 10, 23, 30, tzinfo=UTC))  # 00:30 on 11 March in Berlin
    spasm_now(app, patient, "late")
    with app.app_context():
        assert queries.diary_counts(patient) == {MONDAY: 7, date(2026, 3, 11): 1}
