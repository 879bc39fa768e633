"""When reminders fall due: pure computations on plain values (diary/reminders/planning/schedule.py).

The daylight-saving rule of docs/reminders.md, on both change days of 2026 in Berlin and in
Chicago: a wall time that does not exist is sent at the first instant after the gap; one that
exists twice is sent once, at its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diary.reminders.planning import schedule
from diary.reminders.planning.schedule import (
    EVERY_DAY,
    DoseTimes,
    Occurrence,
    Visit,
    check_in_after,
    follow_up_after,
    injection_due_after,
    instant_of,
    medication_after,
    weeks_without_spasms,
)

BERLIN = ZoneInfo("Europe/Berlin")
CHICAGO = ZoneInfo("America/Chicago")
HALF_PAST_TWO = 2 * 60 + 30
HALF_PAST_ONE = 1 * 60 + 30


def utc(*args: int) -> datetime:
    """An aware UTC moment."""
    return datetime(*args, tzinfo=UTC)


def daily(zone: ZoneInfo, minute: int, start: datetime, count: int) -> list[Occurrence]:
    """The first `count` occurrences of an every-day reminder after `start`."""
    found, after = [], start
    for _ in range(count):
        occurrence = check_in_after(after, zone, minute, EVERY_DAY)
        found.append(occurrence)
        after = occurrence.due_at
    return found


# The rule on the change days -------------------------------------------------------------


def test_a_0230_reminder_in_berlin_on_the_spring_change_comes_at_0300():
    # 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
    before, change, after = daily(BERLIN, HALF_PAST_TWO, utc(2026, 3, 27, 12), 3)

    assert change == Occurrence(utc(2026, 3, 29, 1, 0), date(2026, 3, 29), HALF_PAST_TWO)
    assert change.due_at.astimezone(BERLIN).strftime("%H:%M %Z") == "03:00 CEST"
    assert before.due_at == utc(2026, 3, 28, 1, 30)  # 02:30 CET
    assert after.due_at == utc(2026, 3, 30, 0, 30)  # 02:30 CEST


def test_a_0230_reminder_in_berlin_on_the_autumn_change_comes_once_at_the_first_0230():
    # 25 October 2026: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
    before, change, after = daily(BERLIN, HALF_PAST_TWO, utc(2026, 10, 23, 12), 3)

    assert change == Occurrence(utc(2026, 10, 25, 0, 30), date(2026, 10, 25), HALF_PAST_TWO)
    assert change.due_at.astimezone(BERLIN).strftime("%H:%M %Z") == "02:30 CEST"
    # The second 02:30 (01:30 UTC, CET) is not a second reminder: the next is the day after.
    assert after.due_at == utc(2026, 10, 26, 1, 30)
    assert before.due_at == utc(2026, 10, 24, 0, 30)


def test_a_0230_reminder_in_chicago_on_the_spring_change_comes_at_0300():
    # 8 March 2026: 02:00 CST jumps to 03:00 CDT.
    _, change, after = daily(CHICAGO, HALF_PAST_TWO, utc(2026, 3, 6, 18), 3)

    assert change == Occurrence(utc(2026, 3, 8, 8, 0), date(2026, 3, 8), HALF_PAST_TWO)
    assert change.due_at.astimezone(CHICAGO).strftime("%H:%M %Z") == "03:00 CDT"
    assert after.due_at == utc(2026, 3, 9, 7, 30)  # 02:30 CDT


def test_a_0230_reminder_in_chicago_on_the_autumn_change_exists_once_after_the_repeat():
    # 1 November 2026: 02:00 CDT falls back to 01:00 CST; 01:00-02:00 repeats, 02:30 does not.
    before, change, after = daily(CHICAGO, HALF_PAST_TWO, utc(2026, 10, 30, 18), 3)

    assert change == Occurrence(utc(2026, 11, 1, 8, 30), date(2026, 11, 1), HALF_PAST_TWO)
    assert change.due_at.astimezone(CHICAGO).strftime("%H:%M %Z") == "02:30 CST"
    assert before.due_at == utc(2026, 10, 31, 7, 30)
    assert after.due_at == utc(2026, 11, 2, 8, 30)


def test_a_0130_reminder_in_chicago_on_the_autumn_change_comes_once_at_the_first_0130():
    _, change, after = daily(CHICAGO, HALF_PAST_ONE, utc(2026, 10, 30, 18), 3)

    assert change.due_at == utc(2026, 11, 1, 6, 30)  # 01:30 CDT, not 01:30 CST (07:30 UTC)
    assert change.due_at.astimezone(CHICAGO).strftime("%Z") == "CDT"
    assert after.due_at == utc(2026, 11, 2, 7, 30)


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        (BERLIN, date(2026, 3, 29), utc(2026, 3, 29, 1, 0)),
        (BERLIN, date(2026, 10, 25), utc(2026, 10, 25, 0, 30)),
        (CHICAGO, date(2026, 3, 8), utc(2026, 3, 8, 8, 0)),
        (CHICAGO, date(2026, 11, 1), utc(2026, 11, 1, 8, 30)),
    ],
)
def test_instant_of_0230_on_each_change_day(zone, day, expected):
    assert instant_of(day, HALF_PAST_TWO, zone) == expected


def test_a_skipped_calendar_day_sends_at_the_first_instant_of_the_next():
    # Samoa skipped 30 December 2011 altogether: its reminders came at the first instant after.
    apia = ZoneInfo("Pacific/Apia")

    moment = instant_of(date(2011, 12, 30), 9 * 60, apia)

    assert moment.astimezone(apia).replace(tzinfo=None) == datetime(2011, 12, 31, 0, 0)


def test_a_half_hour_gap_is_found_to_the_second():
    # Lord Howe Island moves by 30 minutes: 02:00 becomes 02:30 on 4 October 2026.
    lord_howe = ZoneInfo("Australia/Lord_Howe")

    moment = instant_of(date(2026, 10, 4), 2 * 60 + 10, lord_howe)

    assert moment.astimezone(lord_howe).strftime("%H:%M:%S") == "02:30:00"


# Every day exactly once, in any zone -----------------------------------------------------

ZONES_WITH_CHANGES = [
    "Europe/Berlin", "America/Chicago", "America/Santiago", "Australia/Sydney",
    "Australia/Lord_Howe", "Pacific/Chatham", "America/St_Johns", "Asia/Jerusalem",
    "Europe/London", "America/Havana", "UTC", "Asia/Kolkata",
]


@given(
    zone_name=st.sampled_from(ZONES_WITH_CHANGES),
    minute=st.integers(0, 24 * 60 - 1),
    start=st.datetimes(datetime(2025, 1, 1), datetime(2027, 1, 1)).map(lambda d: d.replace(tzinfo=UTC)),
)
def test_a_daily_reminder_comes_once_on_every_local_day(zone_name, minute, start):
    zone = ZoneInfo(zone_name)
    occurrences = daily(zone, minute, start, 400)

    days = [o.local_day for o in occurrences]
    assert days == [days[0] + timedelta(days=n) for n in range(len(days))]
    moments = [o.due_at for o in occurrences]
    assert moments == sorted(set(moments))
    assert occurrences[0].due_at > start
    for occurrence in occurrences:
        wall = datetime.combine(occurrence.local_day, datetime.min.time()) + timedelta(minutes=minute)
        local = occurrence.due_at.astimezone(zone).replace(tzinfo=None)
        if local == wall:
            # It exists: at the first of two, if it came twice.
            for hours in (0.5, 1, 2):
                earlier = occurrence.due_at - timedelta(hours=hours)
                assert earlier.astimezone(zone).replace(tzinfo=None) != wall
        else:
            # It did not exist: the first instant after the gap.
            assert local > wall
            second_before = occurrence.due_at - timedelta(seconds=1)
            assert second_before.astimezone(zone).replace(tzinfo=None) < wall


@given(
    mask=st.integers(1, EVERY_DAY),
    start=st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31)).map(lambda d: d.replace(tzinfo=UTC)),
)
def test_a_reminder_comes_only_on_its_weekdays_and_on_each_of_them(mask, start):
    occurrences, after = [], start
    for _ in range(30):
        occurrence = check_in_after(after, BERLIN, 20 * 60, mask)
        occurrences.append(occurrence)
        after = occurrence.due_at
    assert all(mask & (1 << o.local_day.weekday()) for o in occurrences)
    first, last = occurrences[0].local_day, occurrences[-1].local_day
    wanted = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    assert [o.local_day for o in occurrences] == [d for d in wanted if mask & (1 << d.weekday())]


def test_a_weekly_reminder_on_sunday():
    occurrence = check_in_after(utc(2026, 3, 10, 12), BERLIN, 19 * 60, 1 << 6)

    assert occurrence.local_day == date(2026, 3, 15)
    assert occurrence.due_at == utc(2026, 3, 15, 18, 0)


def test_no_weekday_means_no_reminder():
    assert check_in_after(utc(2026, 3, 10), BERLIN, 600, 0) is None


def test_the_occurrence_at_the_moment_itself_is_not_after_it():
    first = check_in_after(utc(2026, 3, 10, 12), BERLIN, 20 * 60, EVERY_DAY)

    assert check_in_after(first.due_at, BERLIN, 20 * 60, EVERY_DAY).local_day == date(2026, 3, 11)
    assert check_in_after(first.due_at - timedelta(microseconds=1), BERLIN, 20 * 60, EVERY_DAY) == first


# Injections -----------------------------------------------------------------------------


def injection(after: datetime, last: date | None, surgery: date | None = None) -> Occurrence | None:
    """The injection reminder at 09:00 in Berlin, 12 weeks, a week's notice."""
    return injection_due_after(after, BERLIN, 9 * 60, last_injection=last,
                               reference_surgery=surgery, weeks_after=12, notice_days=7)


def test_the_injection_reminder_comes_a_week_before_twelve_weeks_are_up():
    occurrence = injection(utc(2026, 1, 1), date(2026, 1, 5))

    assert occurrence.local_day == date(2026, 3, 23)  # 5 Jan + 84 days - 7
    assert occurrence.due_at == utc(2026, 3, 23, 8, 0)


def test_the_injection_reminder_comes_once_per_injection():
    first = injection(utc(2026, 1, 1), date(2026, 1, 5))

    assert injection(first.due_at, date(2026, 1, 5)) is None


def test_no_injection_no_reminder():
    assert injection(utc(2026, 1, 1), None) is None


def test_the_injection_reminder_stops_after_the_operation():
    assert injection(utc(2026, 1, 1), date(2026, 1, 5), surgery=date(2026, 2, 1)) is None
    assert injection(utc(2026, 1, 1), date(2026, 2, 1), surgery=date(2026, 2, 1)) is None


def test_the_injection_reminder_goes_on_when_injections_continue_after_the_operation():
    occurrence = injection(utc(2026, 1, 1), date(2026, 3, 2), surgery=date(2026, 2, 1))

    assert occurrence.local_day == date(2026, 5, 18)


# Follow-up visits ------------------------------------------------------------------------


def test_the_visit_reminder_comes_the_given_days_before_at_its_time():
    visits = [Visit(date(2026, 4, 2), 10 * 60), Visit(date(2026, 3, 20), 9 * 60)]

    occurrence = follow_up_after(utc(2026, 3, 10), BERLIN, 18 * 60, notice_days=1, visits=visits)

    assert occurrence == Occurrence(utc(2026, 3, 19, 17, 0), date(2026, 3, 19), 18 * 60)
    second = follow_up_after(occurrence.due_at, BERLIN, 18 * 60, notice_days=1, visits=visits)
    assert second.local_day == date(2026, 4, 1)


def test_a_visit_reminder_never_comes_after_the_visit():
    visits = [Visit(date(2026, 3, 20), 9 * 60)]

    assert follow_up_after(utc(2026, 3, 10), BERLIN, 18 * 60, notice_days=0, visits=visits) is None
    assert follow_up_after(utc(2026, 3, 10), BERLIN, 8 * 60, notice_days=0, visits=visits).local_day == date(2026, 3, 20)


# Medication -----------------------------------------------------------------------------


def test_dose_reminders_come_at_each_regimens_times_and_shared_times_once():
    regimens = [
        DoseTimes(date(2026, 1, 1), None, (8 * 60, 20 * 60)),
        DoseTimes(date(2026, 3, 1), None, (8 * 60, 14 * 60)),
    ]
    after, found = utc(2026, 3, 10, 6), []
    for _ in range(4):
        occurrence = medication_after(after, BERLIN, regimens)
        found.append((occurrence.local_day.day, schedule.clock(occurrence.local_minute)))
        after = occurrence.due_at

    assert found == [(10, "08:00"), (10, "14:00"), (10, "20:00"), (11, "08:00")]


def test_dose_reminders_respect_start_and_stop():
    regimens = [
        DoseTimes(date(2026, 3, 1), date(2026, 3, 10), (8 * 60,)),
        DoseTimes(date(2026, 3, 15), None, (9 * 60,)),
    ]

    first = medication_after(utc(2026, 3, 10, 9), BERLIN, regimens)

    assert (first.local_day, first.local_minute) == (date(2026, 3, 15), 9 * 60)
    assert medication_after(utc(2026, 3, 10, 9), BERLIN, regimens[:1]) is None
    assert medication_after(utc(2026, 3, 10), BERLIN, [DoseTimes(date(2026, 1, 1), None, ())]) is None


# Small helpers --------------------------------------------------------------------------


def test_times_of_day_read_and_written():
    assert schedule.minute_of("08:05") == 485
    assert schedule.clock(485) == "08:05"
    assert schedule.minutes_of(["20:00", "08:00", "8:00", "25:00", "08:00"]) == (480, 1200)
    for bad in ("24:00", "8:00", "08:60", "0800", "08:00\n"):
        with pytest.raises(ValueError):
            schedule.minute_of(bad)


def test_weeks_without_spasms_count_from_remission_or_the_last_spasm_after_it():
    today = date(2026, 3, 10)
    start = today - timedelta(weeks=9)

    assert weeks_without_spasms(None, None, None, today) == 0
    assert weeks_without_spasms(start, None, None, today) == 9
    assert weeks_without_spasms(start, None, start - timedelta(days=1), today) == 9
    assert weeks_without_spasms(start, None, today - timedelta(weeks=3), today) == 2
    assert weeks_without_spasms(start, today - timedelta(days=3), None, today) == 0
    assert schedule.offers_weekly(8) and not schedule.offers_weekly(7)
