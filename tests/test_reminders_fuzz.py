"""Whatever is sent to a reminder form: a page, never a server error (docs/quality-bars.md, Reliability).

A refused form changes no row at all; an accepted one stores exactly what it said, and the
reminder's planned delivery agrees with it (planned when on, none when off).
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diary.extensions import db
from diary.models import FollowUpVisit, Reminder
from tests.reminders_support import planned
from tests.route_matrix import database_rows

FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
TODAY = date(2026, 3, 10)

EDGES = ["", " ", "\x00", "y", "on", "n", "0", "1", "-1", "6", "7", "12", "52", "53", "28",
         "29", "4", "3", "00:00", "23:59", "24:00", "7:5", "07:30:00", "07:30:60", "12:00 pm",
         "email", "in_app", "sms", "2026-03-10", "2026-03-09", "2028-03-10", "2029-01-01",
         "9" * 400, "1e3", "٣", "x" * 200, "<b>", "\U0001f642"]
typed = st.one_of(st.sampled_from(EDGES), st.text(max_size=20), st.integers().map(str),
                  st.times().map(time.isoformat), st.dates().map(date.isoformat))


def sent(values: st.SearchStrategy[str]) -> st.SearchStrategy:
    """A field sent once, several times, or as an empty list."""
    return st.one_of(values, values, st.lists(values, max_size=3))


def noisy(prefix: str, *fields: str) -> st.SearchStrategy[dict]:
    """Any of the form's fields, each with anything at all."""
    return st.fixed_dictionaries({}, optional={f"{prefix}-{name}": sent(typed) for name in fields})


clock_times = st.times().map(lambda t: t.strftime("%H:%M"))
channels = st.sets(st.sampled_from(["email", "in_app"]))


@st.composite
def valid_check_in(draw) -> tuple[dict, dict]:
    """A daily check-in reminder form the page accepts, and what it stores."""
    enabled = draw(st.booleans())
    chosen = draw(channels.filter(lambda c: c or not enabled))
    days = draw(st.sets(st.integers(0, 6), min_size=1))
    at = draw(clock_times)
    form = {"check_in-channels": sorted(chosen), "check_in-send_time": at,
            "check_in-weekdays": [str(d) for d in sorted(days)]}
    if enabled:
        form["check_in-enabled"] = "y"
    hours, minutes = map(int, at.split(":"))
    return form, {"enabled": enabled, "by_email": "email" in chosen, "in_app": "in_app" in chosen,
                  "send_minute": hours * 60 + minutes, "weekdays": sum(1 << d for d in days)}


@st.composite
def valid_injection(draw) -> tuple[dict, dict]:
    """An injection reminder form the page accepts, and what it stores."""
    enabled = draw(st.booleans())
    chosen = draw(channels.filter(lambda c: c or not enabled))
    weeks, notice, at = draw(st.integers(4, 52)), draw(st.integers(0, 28)), draw(clock_times)
    form = {"injection-channels": sorted(chosen), "injection-weeks_after": str(weeks),
            "injection-notice_days": f" {notice} ", "injection-send_time": at}
    if enabled:
        form["injection-enabled"] = "y"
    hours, minutes = map(int, at.split(":"))
    return form, {"enabled": enabled, "by_email": "email" in chosen, "in_app": "in_app" in chosen,
                  "weeks_after": weeks, "notice_days": notice, "send_minute": hours * 60 + minutes}


def stored(app, patient_id: int, kind: str) -> dict | None:
    """A reminder's settings as stored."""
    with app.app_context():
        row = db.session.scalar(
            sa.select(Reminder).where(Reminder.patient_id == patient_id, Reminder.kind == kind)
        )
        if row is None:
            return None
        return {name: getattr(row, name) for name in (
            "enabled", "by_email", "in_app", "send_minute", "weekdays", "weeks_after",
            "notice_days")}


def check_answer(app, patient_id: int, kind: str, response, before, expected: dict | None) -> None:
    """Never a 5xx; a refusal changes nothing; an acceptance stores its values and replans."""
    assert response.status_code in (302, 422), response.status_code
    if response.status_code == 422:
        assert expected is None, "a valid form was refused"
        assert database_rows(app) == before
        return
    settings_now = stored(app, patient_id, kind)
    if expected is not None:
        assert {k: settings_now[k] for k in expected} == expected
    # Whatever was accepted obeys the table's rules and the plan follows the switch.
    assert not settings_now["enabled"] or settings_now["by_email"] or settings_now["in_app"]
    if not settings_now["enabled"]:
        assert planned(app, patient_id, kind) is None
    elif kind == "check_in":
        assert planned(app, patient_id, kind) is not None


@FUZZ
@given(case=st.one_of(
    valid_check_in(),
    noisy("check_in", "enabled", "channels", "send_time", "weekdays", "weekly_day").map(lambda f: (f, None)),
))
def test_fuzzed_check_in_reminder_form(app, client, patient, case):
    form, expected = case
    before = database_rows(app)

    response = client.post("/reminders/check-in", data=form)

    check_answer(app, patient, "check_in", response, before, expected)


@FUZZ
@given(case=st.one_of(
    valid_injection(),
    noisy("injection", "enabled", "channels", "weeks_after", "notice_days", "send_time").map(
        lambda f: (f, None)),
))
def test_fuzzed_injection_reminder_form(app, client, patient, case):
    form, expected = case
    before = database_rows(app)

    response = client.post("/reminders/injection", data=form)

    check_answer(app, patient, "injection", response, before, expected)


@pytest.mark.parametrize(
    ("slug", "kind", "fields"),
    [
        ("follow-up", "follow_up", ("enabled", "channels", "notice_days", "send_time")),
        ("medication", "medication", ("enabled", "channels")),
    ],
)
@FUZZ
@given(data=st.data())
def test_fuzzed_follow_up_and_medication_reminder_forms(app, client, patient, slug, kind, fields, data):
    form = data.draw(noisy(kind, *fields))
    before = database_rows(app)

    response = client.post(f"/reminders/{slug}", data=form)

    check_answer(app, patient, kind, response, before, None)


@FUZZ
@given(form=st.one_of(
    st.fixed_dictionaries({
        "visit-visit_on": st.dates(TODAY, TODAY + timedelta(days=700)).map(date.isoformat),
        "visit-visit_time": clock_times,
        "visit-place": st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1,
                               max_size=120).filter(str.strip),
    }),
    noisy("visit", "visit_on", "visit_time", "place"),
))
def test_fuzzed_visit_form_adds_one_visit_or_none(app, client, patient, form):
    before = database_rows(app)

    response = client.post("/reminders/visits", data=form)

    assert response.status_code in (302, 422), response.status_code
    after = database_rows(app)
    if response.status_code == 422:
        assert after == before
        return
    assert len(after["follow_up_visits"]) == len(before["follow_up_visits"]) + 1
    with app.app_context():
        visit = db.session.scalar(sa.select(FollowUpVisit).order_by(FollowUpVisit.id.desc()).limit(1))
        assert TODAY <= visit.visit_on <= TODAY + timedelta(days=2 * 366)
        assert 1 <= len(visit.place) <= 120 and visit.place == visit.place.strip()


@FUZZ
@given(form=st.fixed_dictionaries({}, optional={"cadence": sent(typed | st.sampled_from(["weekly", "daily"]))}))
def test_fuzzed_cadence_switch(app, client, patient, form):
    response = client.post("/reminders/check-in/cadence", data=form)

    assert response.status_code == 302
    with app.app_context():
        reminder = db.session.scalar(sa.select(Reminder).where(Reminder.kind == "check_in"))
        assert reminder.cadence in ("daily", "weekly")
        assert reminder.cadence == "daily" or bin(reminder.weekdays).count("1") == 1
