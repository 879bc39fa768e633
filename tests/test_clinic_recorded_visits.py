"""A recorded visit moves the schedule on: the review, the list and the reminder agree.

The patient lives in Berlin, shares the diary with "Sharing clinic" (the default schedule
1w,1m,3m,6m,9m,12m) and had an MVD on 1 September 2026, so the 3-month visit is due on
1 December 2026 and the 6-month visit on 1 March 2027. An assessment's visit date fulfils
the suggested visit nearest to it, within FULFIL_DAYS (docs/clinic.md, The follow-up
schedule); the next one then becomes "next" everywhere.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diary.clinic.schedule import (
    FULFIL_DAYS,
    fulfilled_visits,
    next_due,
    parse_schedule,
    visits_until,
)
from tests.clinic_support import assess, share
from tests.journal_helpers import login_as, page_text
from tests.reminders_support import planned, save_reminder
from tests.treatments_support import TreatmentRecorder

MVD_DAY = date(2026, 9, 1)
THREE_MONTHS = date(2026, 12, 1)
SIX_MONTHS = date(2027, 3, 1)
DEFAULT = parse_schedule("1w,1m,3m,6m,9m,12m")


def noon(day: date) -> datetime:
    """12:00 UTC (13:00 in Berlin) on a day."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


# The rule, on plain values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recorded", "today", "label", "due"),
    [
        # The case: an assessment on the day the 3-month visit was due.
        ([THREE_MONTHS], THREE_MONTHS, "6 months", SIX_MONTHS),
        # A few days early or late still is the 3-month visit.
        ([date(2026, 11, 26)], date(2026, 11, 26), "6 months", SIX_MONTHS),
        ([date(2026, 11, 26)], date(2026, 11, 30), "6 months", SIX_MONTHS),
        # Nearer to the 1-month visit (1 October) than to the 3-month one: fulfils the former.
        ([date(2026, 10, 29)], date(2026, 10, 29), "3 months", THREE_MONTHS),
        # Exactly half way between 1 October and 1 December: the earlier one, the later stays.
        ([date(2026, 10, 31)], date(2026, 10, 31), "3 months", THREE_MONTHS),
        ([date(2026, 11, 1)], date(2026, 11, 1), "6 months", SIX_MONTHS),
        # Two visits near the 3-month visit fulfil it once; the 6-month visit stays due.
        ([date(2026, 11, 24), date(2026, 12, 3)], date(2026, 12, 3), "6 months", SIX_MONTHS),
        ([date(2026, 11, 24), date(2026, 12, 3)], date(2027, 1, 15), "6 months", SIX_MONTHS),
        # No visit: the first due on or after today, as before.
        ([], THREE_MONTHS, "3 months", THREE_MONTHS),
        # A visit on the day of surgery or before it fulfils nothing.
        ([MVD_DAY], MVD_DAY, "1 week", date(2026, 9, 8)),
    ],
)
def test_a_recorded_visit_fulfils_the_suggested_visit_nearest_to_it(recorded, today, label, due):
    visit = next_due(MVD_DAY, DEFAULT, today, recorded)

    assert (visit.label, visit.due_on) == (label, due)


def test_a_visit_further_than_the_window_from_any_suggestion_fulfils_none():
    # 3 months is 1 December 2026, 12 months 1 September 2027: a visit 43 days before the
    # 12-month date is nearest to it, but further than FULFIL_DAYS.
    offsets = parse_schedule("3m,12m")
    early = date(2027, 9, 1) - timedelta(days=43)
    inside = date(2027, 9, 1) - timedelta(days=FULFIL_DAYS)

    assert next_due(MVD_DAY, offsets, early, [early]).label == "12 months"
    assert next_due(MVD_DAY, offsets, inside, [inside]).label == "2 years"


def test_the_review_list_of_visits_names_the_visit_that_fulfilled_each():
    shown = visits_until(MVD_DAY, DEFAULT, THREE_MONTHS, [date(2026, 9, 9), THREE_MONTHS])

    assert [(v.label, v.seen_on) for v in shown] == [
        ("1 week", date(2026, 9, 9)),
        ("1 month", None),
        ("3 months", THREE_MONTHS),
        ("6 months", None),
    ]


@given(
    text=st.sampled_from(["1w,1m,3m,6m,9m,12m", "3m,12m", "10d", "4w,1m,2m", "2y"]),
    recorded=st.lists(st.integers(min_value=-60, max_value=1200), max_size=6),
    today=st.integers(min_value=0, max_value=1200),
)
def test_fulfilled_visits_keep_the_rule_for_any_visits(text, recorded, today):
    offsets = parse_schedule(text)
    days = [MVD_DAY + timedelta(days=n) for n in recorded]
    shown = [v for _, v in zip(range(30), fulfilled_visits(MVD_DAY, offsets, days), strict=False)]

    for visit in shown:
        if visit.seen_on is not None:
            assert visit.seen_on in days
            assert abs((visit.seen_on - visit.due_on).days) <= FULFIL_DAYS
            # No other suggested date is nearer to the visit that fulfilled this one.
            assert all(abs((visit.seen_on - v.due_on).days) >= abs((visit.seen_on - visit.due_on).days)
                       for v in shown)
    # A recorded visit fulfils the suggestions of one date at most.
    for day in days:
        assert len({v.due_on for v in shown if v.seen_on == day}) <= 1
    # The next visit is never earlier than without visits, and never one already fulfilled.
    moment = MVD_DAY + timedelta(days=today)
    later = next_due(MVD_DAY, offsets, moment, days)
    assert later.due_on >= next_due(MVD_DAY, offsets, moment).due_on >= moment
    assert later.seen_on is None


# The review, the list and the reminder ------------------------------------------------------


@pytest.fixture
def shared(app, make_user, clock):
    """(patient, clinician) on the day the 3-month visit is due, the reminder on the day."""
    clock.set(noon(THREE_MONTHS))
    patient = make_user("ada@example.org", display_name="Ada")
    clinician = make_user("doc@example.org", role="clinician", clinic="Sharing clinic")
    share(app, patient)
    TreatmentRecorder(app, patient).surgery(performed_on=MVD_DAY)
    # Reminded on the visit's own day at 18:00 (17:00 UTC), after the clinic's morning visit.
    save_reminder(app, patient, "follow_up", clock(), enabled=True, notice_days=0)
    return patient, clinician


def schedule_items(response) -> list[str]:
    """The review's follow-up schedule, one text per visit."""
    block = response.get_data(as_text=True).split('id="schedule-list">', 1)[1].split("</ul>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip()
            for item in re.findall(r"<li[^>]*>(.*?)</li>", block, re.S)]


def test_an_assessment_on_the_due_day_makes_the_6_month_visit_next_everywhere(app, client, shared):
    patient, clinician = shared
    assert planned(app, patient, "follow_up").due_at == datetime(2026, 12, 1, 17, tzinfo=UTC)

    assess(app, clinician, patient, THREE_MONTHS)
    login_as(client, clinician)

    items = schedule_items(client.get(f"/clinic/patients/{patient}"))
    assert items[-2:] == ["1 December 2026: 3 months, seen 1 December 2026", "1 March 2027: 6 months (next)"]
    listed = page_text(client.get("/clinic/patients"))
    assert "1 March 2027" in listed and "6 months after surgery" in listed
    assert "1 December 2026" not in listed
    # Replanned in the assessment's own transaction: 18:00 CET on 1 March 2027.
    assert planned(app, patient, "follow_up").due_at == datetime(2027, 3, 1, 17, tzinfo=UTC)


def test_an_early_visit_within_the_window_moves_the_reminder_on(app, client, shared, clock):
    patient, clinician = shared
    clock.set(noon(date(2026, 11, 26)))
    save_reminder(app, patient, "follow_up", clock(), notice_days=1)
    # 18:00 CET on 30 November, the day before the 3-month visit.
    assert planned(app, patient, "follow_up").due_at == datetime(2026, 11, 30, 17, tzinfo=UTC)

    assess(app, clinician, patient, date(2026, 11, 26))

    assert planned(app, patient, "follow_up").due_at == datetime(2027, 2, 28, 17, tzinfo=UTC)


def test_a_visit_outside_the_window_leaves_the_schedule_as_it_was(app, client, shared, clock):
    patient, clinician = shared
    clock.set(noon(date(2026, 10, 29)))
    save_reminder(app, patient, "follow_up", clock(), notice_days=1)
    before = planned(app, patient, "follow_up").due_at

    assess(app, clinician, patient, date(2026, 10, 29))  # nearer to the 1-month visit
    login_as(client, clinician)

    assert planned(app, patient, "follow_up").due_at == before == datetime(2026, 11, 30, 17, tzinfo=UTC)
    items = schedule_items(client.get(f"/clinic/patients/{patient}"))
    assert items[-2:] == ["1 October 2026: 1 month, seen 29 October 2026", "1 December 2026: 3 months (next)"]
    assert "3 months after surgery" in page_text(client.get("/clinic/patients"))


def test_two_visits_near_the_3_month_visit_fulfil_it_once(app, client, shared, clock):
    patient, clinician = shared
    assess(app, clinician, patient, date(2026, 11, 24))
    assess(app, clinician, patient, THREE_MONTHS)
    login_as(client, clinician)

    items = schedule_items(client.get(f"/clinic/patients/{patient}"))

    assert items[-2:] == ["1 December 2026: 3 months, seen 1 December 2026", "1 March 2027: 6 months (next)"]
    assert "6 months after surgery" in page_text(client.get("/clinic/patients"))
    assert planned(app, patient, "follow_up").due_at == datetime(2027, 3, 1, 17, tzinfo=UTC)
