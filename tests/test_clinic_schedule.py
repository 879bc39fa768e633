"""The follow-up schedule's arithmetic, as tables: offsets to dates, month ends clamped."""

from __future__ import annotations

from datetime import date

import pytest

from diary.clinic.schedule import (
    OVERDUE_DAYS,
    Offset,
    ScheduleError,
    add_months,
    format_schedule,
    next_due,
    parse_schedule,
    visits_until,
)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 3, 31), 3, date(2026, 6, 30)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 11, 15), 2, date(2027, 1, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 5, 10), 0, date(2026, 5, 10)),
    ],
)
def test_months_are_added_with_the_end_of_a_shorter_month_clamped(day, months, expected):
    assert add_months(day, months) == expected


def test_the_default_schedule_gives_the_published_visits_then_yearly():
    offsets = parse_schedule("1w,1m,3m,6m,9m,12m")
    shown = visits_until(date(2025, 1, 31), offsets, date(2027, 6, 1))

    assert [(v.label, v.due_on) for v in shown] == [
        ("1 week", date(2025, 2, 7)),
        ("1 month", date(2025, 2, 28)),
        ("3 months", date(2025, 4, 30)),
        ("6 months", date(2025, 7, 31)),
        ("9 months", date(2025, 10, 31)),
        ("12 months", date(2026, 1, 31)),
        ("2 years", date(2027, 1, 31)),
        ("3 years", date(2028, 1, 31)),
    ]


@pytest.mark.parametrize(
    ("text", "today", "label", "due"),
    [
        ("1w,1m,3m", date(2026, 1, 1), "1 week", date(2026, 1, 8)),
        ("1w,1m,3m", date(2026, 1, 8), "1 week", date(2026, 1, 8)),
        ("1w,1m,3m", date(2026, 1, 9), "1 month", date(2026, 2, 1)),
        ("1w,1m,3m", date(2026, 4, 2), "15 months", date(2027, 4, 1)),
        ("10d", date(2026, 1, 12), "10 days and 1 year", date(2027, 1, 11)),
        ("2y", date(2027, 1, 1), "2 years", date(2028, 1, 1)),
    ],
)
def test_the_next_visit_due_is_the_first_on_or_after_today(text, today, label, due):
    visit = next_due(date(2026, 1, 1), parse_schedule(text), today)

    assert (visit.label, visit.due_on) == (label, due)


@pytest.mark.parametrize(
    ("text", "stored"),
    [("1w,1m,3m,6m,9m,12m", "1w,1m,3m,6m,9m,12m"), (" 1W , 2m ", "1w,2m"), ("3d,2w,1y", "3d,2w,1y")],
)
def test_a_valid_schedule_is_normalised(text, stored):
    assert format_schedule(parse_schedule(text)) == stored


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one"),
        ("1w,,3m", "not an offset"),
        ("3x", "not an offset"),
        ("0m", "at least one day"),
        ("3m,1m", "earliest to the latest"),
        ("1m,4w", "earliest to the latest"),
        ("6m,6m", "earliest to the latest"),
        ("11y", "ten years"),
        (",".join(f"{n}d" for n in range(1, 22)), "at most 20"),
    ],
)
def test_an_unusable_schedule_is_refused_with_a_reason(text, message):
    with pytest.raises(ScheduleError, match=message):
        parse_schedule(text)


def test_an_offset_reads_as_a_person_says_it():
    assert [Offset(1, "w").label, Offset(3, "m").label, Offset(1, "y").label] == [
        "1 week", "3 months", "1 year"
    ]


# Surgery on 1 January 2026, schedule 1w,1m,3m: visits on 8 January, 1 February, 1 April.
@pytest.mark.parametrize(
    ("today", "recorded", "label", "due"),
    [
        # The 1-week visit nobody recorded stays next, overdue, while a visit could fulfil it...
        (date(2026, 1, 20), (), "1 week", date(2026, 1, 8)),
        # ...until the 1-month visit falls due as well: that is the one to see the patient for.
        (date(2026, 2, 1), (), "1 month", date(2026, 2, 1)),
        # 32 days after the 1-month visit, nobody can fulfil it any more: 3 months is next.
        (date(2026, 3, 5), (), "3 months", date(2026, 4, 1)),
        (date(2026, 3, 4), (), "1 month", date(2026, 2, 1)),
        # A recorded visit fulfils the overdue one, and the next one is next.
        (date(2026, 2, 20), (date(2026, 2, 18),), "3 months", date(2026, 4, 1)),
    ],
)
def test_the_clinic_sees_an_unrecorded_visit_as_overdue_for_its_fulfilment_window(
    today, recorded, label, due
):
    visit = next_due(date(2026, 1, 1), parse_schedule("1w,1m,3m"), today, recorded,
                     overdue_days=OVERDUE_DAYS)

    assert (visit.label, visit.due_on) == (label, due)
    # The patient's reminder never points backwards.
    assert next_due(date(2026, 1, 1), parse_schedule("1w,1m,3m"), today, recorded).due_on >= today
