"""A day's number of spasms (docs/decisions.md): the larger of check-in and episodes; no entry is missing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from diary.extensions import db
from diary.journal import queries, services
from diary.models import User
from tests.journal_helpers import (
    TODAY,
    account,
    check_in,
    counted_queries,
    day_numbers,
    spasm_now,
)


def test_no_spasm_day_counts_as_zero_not_missing(app, patient):
    check_in(app, patient, TODAY - timedelta(days=1), 0)

    numbers = day_numbers(app, patient, TODAY - timedelta(days=2), TODAY)

    assert numbers == {TODAY - timedelta(days=1): 0}
    assert TODAY - timedelta(days=2) not in numbers  # missing, never zero
    assert TODAY not in numbers


def test_day_number_is_larger_of_checkin_and_episodes(app, patient, clock):
    check_in(app, patient, TODAY, 0)
    spasm_now(app, patient, "token-one-a")
    assert day_numbers(app, patient, TODAY, TODAY) == {TODAY: 1}

    spasm_now(app, patient, "token-two-b")
    assert day_numbers(app, patient, TODAY, TODAY) == {TODAY: 2}

    check_in(app, patient, TODAY, 5)
    assert day_numbers(app, patient, TODAY, TODAY) == {TODAY: 5}


def test_no_spasms_today_then_a_spasm_makes_the_day_one(app, patient, clock):
    clock.set(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))  # 09:00 in Berlin
    with account(app, patient) as pat:
        services.record_no_spasms_today(pat, pat)
    clock.set(datetime(2026, 3, 10, 14, 0, tzinfo=UTC))  # 15:00 in Berlin
    spasm_now(app, patient, "afternoon-spasm")

    assert day_numbers(app, patient, TODAY, TODAY) == {TODAY: 1}


def test_episodes_alone_make_a_logged_day(app, patient):
    spasm_now(app, patient, "only-an-episode")

    with app.app_context():
        (number,) = queries.day_numbers(patient, TODAY, TODAY)

    assert number == queries.DayNumber(day=TODAY, spasms=1, check_in_count=None, episode_count=1)


def test_day_numbers_cover_only_the_range_and_only_this_patient(app, patient, make_user):
    other = make_user("other@example.org")
    check_in(app, patient, TODAY - timedelta(days=10), 3)
    check_in(app, patient, TODAY - timedelta(days=3), 4)
    check_in(app, other, TODAY - timedelta(days=3), 9)

    assert day_numbers(app, patient, TODAY - timedelta(days=5), TODAY) == {
        TODAY - timedelta(days=3): 4
    }


def test_deleted_entries_do_not_count(app, patient):
    check_in(app, patient, TODAY, 7)
    episode_id = spasm_now(app, patient, "deleted-spasm")
    with account(app, patient) as pat:
        services.delete_episode(pat, episode_id)
        check_in_id = queries.check_in_on(patient, TODAY).id
        services.delete_check_in(pat, check_in_id)

    assert day_numbers(app, patient, TODAY, TODAY) == {}


def test_day_numbers_take_one_query_whatever_the_range(app, patient):
    for offset in range(20):
        check_in(app, patient, TODAY - timedelta(days=offset), offset)
        spasm_now(app, patient, f"spasm-{offset:04d}")

    with counted_queries(app) as short, app.app_context():
        queries.day_numbers(patient, TODAY - timedelta(days=1), TODAY)
    with counted_queries(app) as long, app.app_context():
        found = queries.day_numbers(patient, TODAY - timedelta(days=400), TODAY)

    assert len(found) == 20
    assert len(short) == len(long) == 1


def test_time_zone_change_never_moves_past_days(app, patient, clock):
    # 23:30 UTC on 10 March is already 00:30 on 11 March in Berlin.
    clock.set(datetime(2026, 3, 10, 23, 30, tzinfo=UTC))
    spasm_now(app, patient, "late-night-spasm")
    check_in(app, patient, date(2026, 3, 11), 2)

    with app.app_context():
        db.session.get(User, patient).timezone = "America/New_York"
        db.session.commit()
    clock.advance(days=2)

    assert day_numbers(app, patient, date(2026, 3, 9), date(2026, 3, 13)) == {
        date(2026, 3, 11): 2
    }
