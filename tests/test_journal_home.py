"""The home page: today's state, the one-tap buttons, "No spasms since" and the 14-day strip."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.journal_helpers import (
    TODAY,
    check_in,
    check_ins,
    counted_queries,
    day_numbers,
    login_as,
    page_text,
    spasm_now,
)


def strip_days(response) -> dict[str, tuple[str, str]]:
    """The home page's strip: ISO day -> (css state, text)."""
    page = response.get_data(as_text=True)
    found = re.findall(
        r'<li class="day (day-\w+)">\s*<a href="/\?day=([\d-]+)"[^>]*>(.*?)</a>', page, re.S
    )
    return {
        day: (state, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip())
        for state, day, body in found
    }


def test_home_greets_today_in_the_patients_zone_and_says_it_is_not_logged(client, patient):
    response = client.get("/")

    assert response.status_code == 200
    page = page_text(response)
    assert "Today, Tuesday, 10 March 2026" in page
    assert "Today is not logged yet" in page
    assert "Log today in detail" in page
    html = response.get_data(as_text=True)
    assert re.search(r'class="button big[^"]*">No spasms today</button>', html)
    assert re.search(r'class="button big[^"]*">Spasm now</button>', html)
    assert '<label for="since">No spasms since</label>' in html
    assert ">Record no spasms</button>" in html
    assert "<script>" not in html and "style=" not in html


def test_home_shows_todays_number(client, patient, app):
    check_in(app, patient, TODAY, 4)
    spasm_now(app, patient, "one-more-now")

    assert "Logged today: 4 spasms" in page_text(client.get("/"))


def test_home_uses_the_local_date_after_midnight_in_berlin(client, patient, clock):
    clock.set(datetime(2026, 3, 10, 23, 30, tzinfo=UTC))

    assert "Today, Wednesday, 11 March 2026" in page_text(client.get("/"))


def test_missing_and_zero_days_look_and_read_differently_in_the_strip(client, patient, app):
    check_in(app, patient, TODAY - timedelta(days=1), 0)
    check_in(app, patient, TODAY - timedelta(days=2), 6)

    response = client.get("/")
    strip = strip_days(response)

    assert len(strip) == 14
    assert min(strip) == "2026-02-25" and max(strip) == "2026-03-10"
    assert strip["2026-03-09"] == ("day-zero", "Mon 9 Mar: 9 0 spasms")
    assert strip["2026-03-08"] == ("day-spasms", "Sun 8 Mar: 8 6 spasms")
    assert strip["2026-03-07"] == ("day-missing", "Sat 7 Mar: 7 ? not logged")
    assert strip["2026-03-10"][0] == "day-missing"
    assert "12 of the last 14 days are not logged" in page_text(response)
    assert "?: not logged" in page_text(response)  # the legend says it in words, not only colour


def test_no_spasms_today_creates_a_zero_checkin(client, patient, app):
    response = client.post("/checkin/none")

    assert response.status_code == 302
    (row,) = check_ins(app)
    assert (row.day, row.spasm_count, row.entry_method) == (TODAY, 0, "no_spasms_today")
    assert row.retrospective is False and row.created_by_id == patient
    assert "Logged today: no spasms" in page_text(client.get("/"))


def test_no_spasms_today_never_overwrites_a_day_with_spasms(client, patient, app):
    check_in(app, patient, TODAY, 5)

    response = client.post("/checkin/none", follow_redirects=True)

    assert "Today already has 5 spasms" in page_text(response)
    assert "href=\"/checkin?day=2026-03-10\">Change today's check-in</a>" in response.get_data(
        as_text=True
    )
    (row,) = check_ins(app)
    assert (row.spasm_count, row.entry_method) == (5, "form")


def test_no_spasms_today_after_a_spasm_now_keeps_the_spasm(client, patient, app):
    spasm_now(app, patient, "morning-spasm")

    response = client.post("/checkin/none", follow_redirects=True)

    assert "Today already has 1 spasm" in page_text(response)
    assert check_ins(app) == []
    assert day_numbers(app, patient, TODAY, TODAY) == {TODAY: 1}


def test_no_spasms_today_revives_a_deleted_checkin_for_today(client, patient, app):
    check_in(app, patient, TODAY, 5)
    client.post(f"/checkins/{check_ins(app)[0].id}/delete")

    client.post("/checkin/none")

    (row,) = check_ins(app)
    assert (row.deleted_at, row.spasm_count, row.entry_method) == (None, 0, "no_spasms_today")


def test_no_spasms_today_twice_leaves_one_row(client, patient, app):
    client.post("/checkin/none")
    client.post("/checkin/none")

    assert len(check_ins(app)) == 1


def test_no_spasms_since_records_zero_days_marked_entered_later(client, patient, app):
    response = client.post("/checkin/none-since", data={"since": "2026-03-06"}, follow_redirects=True)

    assert "Saved 5 days with no spasms" in page_text(response)
    rows = {r.day: r for r in check_ins(app)}
    assert sorted(rows) == [date(2026, 3, d) for d in range(6, 11)]
    assert all(r.spasm_count == 0 and r.entry_method == "no_spasms_since" for r in rows.values())
    assert all(rows[d].retrospective for d in rows if d < TODAY)
    assert rows[TODAY].retrospective is False


def test_no_spasms_since_never_overwrites(client, patient, app):
    check_in(app, patient, date(2026, 3, 7), 9, note="bad day")
    spasm_now(app, patient, "spasm-on-today")

    response = client.post("/checkin/none-since", data={"since": "2026-03-05"}, follow_redirects=True)

    assert "Saved 4 days with no spasms. 2 days already had an entry" in page_text(response)
    assert day_numbers(app, patient, date(2026, 3, 5), TODAY) == {
        date(2026, 3, 5): 0,
        date(2026, 3, 6): 0,
        date(2026, 3, 7): 9,
        date(2026, 3, 8): 0,
        date(2026, 3, 9): 0,
        TODAY: 1,
    }
    kept = [r for r in check_ins(app) if r.day == date(2026, 3, 7)]
    assert kept[0].note == "bad day" and kept[0].entry_method == "form"


def test_no_spasms_since_fills_a_deleted_day_but_keeps_live_ones(client, patient, app):
    check_in(app, patient, date(2026, 3, 8), 4)
    check_in(app, patient, date(2026, 3, 9), 6)
    deleted = next(r for r in check_ins(app) if r.day == date(2026, 3, 8))
    client.post(f"/checkins/{deleted.id}/delete")

    client.post("/checkin/none-since", data={"since": "2026-03-08"})

    assert day_numbers(app, patient, date(2026, 3, 8), TODAY) == {
        date(2026, 3, 8): 0,
        date(2026, 3, 9): 6,
        TODAY: 0,
    }
    revived = next(r for r in check_ins(app) if r.day == date(2026, 3, 8))
    assert (revived.id, revived.entry_method, revived.retrospective) == (deleted.id, "no_spasms_since", True)


def test_no_spasms_since_accepts_14_days_back(client, patient, app):
    response = client.post("/checkin/none-since", data={"since": "2026-02-24"})

    assert response.status_code == 302
    assert len(check_ins(app)) == 15


@pytest.mark.parametrize(
    ("since", "message"),
    [
        ("2026-02-23", "at most 14 days"),
        ("2026-03-11", "has not come yet"),
        ("", "Enter the first day without spasms"),
        ("yesterday", "like 2026-03-10"),
        ("0001-01-01", "after 1900"),
    ],
)
def test_no_spasms_since_refuses_bad_dates(client, patient, app, since, message):
    response = client.post("/checkin/none-since", data={"since": since})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert re.search(rf'<ul class="field-errors" id="since-error">\s*<li>[^<]*{message}', page)
    assert "Today, Tuesday, 10 March 2026" in page_text(response)
    assert check_ins(app) == []


def test_home_page_takes_the_same_number_of_queries_however_full_the_diary(client, patient, app):
    with counted_queries(app) as empty:
        client.get("/")
    for offset in range(14):
        check_in(app, patient, TODAY - timedelta(days=offset), offset)
        spasm_now(app, patient, f"strip-spasm-{offset:02d}")
    with counted_queries(app) as full:
        client.get("/")

    assert len(full) == len(empty)


def test_a_clinicians_home_is_the_clinics_patient_list(client, make_user, app):
    patient_id = make_user("pat@example.org")
    check_in(app, patient_id, TODAY, 3, note="private note")
    login_as(client, make_user("dr@example.org", role="clinician", display_name="Dr Who"))

    response = client.get("/")

    assert response.status_code == 302 and response.location.endswith("/clinic/patients")
    listed = client.get(response.location)
    assert listed.status_code == 200 and "private note" not in page_text(listed)


@pytest.mark.parametrize("role", ["admin"])
def test_non_patients_see_no_diary_on_the_home_page(client, make_user, app, role):
    patient_id = make_user("pat@example.org")
    check_in(app, patient_id, TODAY, 3, note="private note")
    staff = make_user(f"{role}@example.org", role=role, display_name="Dr Who")
    login_as(client, staff)

    response = client.get("/")

    assert response.status_code == 200
    page = page_text(response)
    assert "clinic views" in page and 'href="/account"' in response.get_data(as_text=True)
    assert "private note" not in page and "No spasms today" not in page
    assert "day-strip" not in response.get_data(as_text=True)


def test_home_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.location.startswith("/login")
