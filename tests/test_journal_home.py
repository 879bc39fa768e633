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
    revisions,
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
    assert "href=\"/checkin?day=2026-03-10\" data-count-detail>Change today's check-in</a>" in (
        response.get_data(as_text=True)
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


def test_home_tells_a_visitor_what_the_app_is_and_how_to_register_or_log_in(client):
    response = client.get("/")

    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "hemifacial spasm" in text and "microvascular decompression" in text
    assert 'href="/register"' in text and 'href="/login"' in text
    assert "Please log in to continue" not in text
    assert "day-strip" not in text  # nothing of a diary


# --- the count box ------------------------------------------------------------------------


def count_box(response) -> str:
    """The home page's count form."""
    html = response.get_data(as_text=True)
    found = re.search(r'<form method="post" action="/checkin/count".*?</form>', html, re.S)
    assert found, "no count box on the home page"
    return found.group(0)


def test_the_count_box_is_for_today_with_its_own_save_button_directly_under_it(client, patient):
    box = count_box(client.get("/"))

    assert '<input type="hidden" name="day" value="2026-03-10">' in box
    assert "How many spasms today?" in box and "Tuesday, 10 March 2026" in box
    # The number, then the Save button: nothing between them but the plus stepper.
    assert re.search(
        r'<input type="number" id="spasm_count" name="spasm_count"[^>]*>\s*'
        r'<button type="button"[^>]*data-step="1"[^>]*hidden>\+</button>\s*</div>\s*'
        r'<button type="submit" class="button primary count-save">Save</button>',
        box,
    )
    # The steppers are hidden until JavaScript shows them: without it the box is a number field.
    assert len(re.findall(r'data-step="-?1"[^>]*hidden', box)) == 2
    assert "autofocus" not in box


def test_a_count_is_saved_from_home_and_says_what_was_saved_for_which_day(client, patient, app):
    response = client.post("/checkin/count", data={"day": "2026-03-10", "spasm_count": "12"})

    assert response.status_code == 302 and response.location == "/"
    (row,) = check_ins(app)
    assert (row.day, row.spasm_count, row.entry_method) == (TODAY, 12, "form")
    page = page_text(client.get("/"))
    assert "Saved Tuesday, 10 March 2026: 12 spasms." in page
    assert "Logged today: 12 spasms" in page


def test_saving_a_count_again_changes_the_days_count_and_keeps_its_detail(client, patient, app):
    check_in(app, patient, TODAY - timedelta(days=1), 4, note="tired", regions=["eye"], jrs_severity=2)

    client.post("/checkin/count", data={"day": "2026-03-09", "spasm_count": "6"})
    client.post("/checkin/count", data={"day": "2026-03-09", "spasm_count": "7"})

    (row,) = check_ins(app)
    assert (row.spasm_count, row.note, row.regions, row.jrs_severity) == (7, "tired", ["eye"], 2)
    assert [r.before["spasm_count"] for r in revisions(app)] == [4, 6]


def test_a_day_tapped_in_the_strip_fills_the_box_for_that_day_and_takes_the_focus(client, patient, app):
    check_in(app, patient, TODAY - timedelta(days=1), 9)

    response = client.get("/?day=2026-03-09")

    box = count_box(response)
    assert '<input type="hidden" name="day" value="2026-03-09">' in box
    assert "How many spasms that day?" in box and "Monday, 9 March 2026" in box
    assert re.search(r'name="spasm_count"[^>]*value="9"', box, re.S)
    assert re.search(r'<input type="number"[^>]*autofocus>', box, re.S)
    html = response.get_data(as_text=True)
    assert 'href="/?day=2026-03-09" class="day-chosen"' in html
    assert 'href="/checkin?day=2026-03-09" data-count-detail>Add detail to 9 March</a>' in html
    # The strip's day carries the same for count.js, which chooses it in the page.
    assert re.search(
        r'data-choose-day="2026-03-09" data-count="9"\s+data-question="How many spasms that day\?" '
        r'data-day-words="Monday, 9 March 2026" data-help="Logged that day: 9 spasms."',
        html,
    )


@pytest.mark.parametrize("day", ["2026-02-24", "garbage"])
def test_a_day_outside_the_strip_or_unreadable_leaves_the_box_on_today(client, patient, day):
    box = count_box(client.get(f"/?day={day}"))

    assert 'name="day" value="2026-03-10"' in box


def test_a_future_day_says_it_has_not_come_and_the_box_stays_on_today(client, patient):
    response = client.get("/?day=2026-03-12")

    assert "Thursday, 12 March 2026 has not come yet, so the box below is for today" in page_text(response)
    assert 'name="day" value="2026-03-10"' in count_box(response)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"spasm_count": ""}, "spasm_count", "Enter the number of spasms"),
        ({"spasm_count": "-2"}, "spasm_count", "from 0 to 2000"),
        ({"spasm_count": "lots"}, "spasm_count", "whole number"),
        ({"day": "2026-03-11"}, "day", "has not come yet"),
        ({"day": "2026-02-24"}, "day", "with the check-in form"),
        ({"day": ""}, "day", "choose a day again"),
    ],
)
def test_the_count_box_refuses_bad_input_beside_the_field_and_saves_nothing(
    client, patient, app, values, field, message
):
    response = client.post("/checkin/count", data={"day": "2026-03-09", "spasm_count": "3", **values})

    assert response.status_code == 422
    errors = re.search(rf'<ul class="field-errors" id="{field}-error">(.*?)</ul>', count_box(response), re.S)
    assert errors and message in errors.group(1)
    assert check_ins(app) == []


# --- the main button ------------------------------------------------------------------------


def one_tap_buttons(response) -> list[tuple[str, bool]]:
    """The one-tap buttons in page order: (text, primary?)."""
    html = response.get_data(as_text=True)
    section = re.search(r'<div class="one-tap">(.*?)</div>', html, re.S).group(1)
    return [
        (text, "primary" in cls)
        for cls, text in re.findall(r'<button type="submit" class="([^"]*)">([^<]+)</button>', section)
    ]


def test_spasm_now_leads_until_the_patient_has_been_spasm_free_for_a_week(client, patient, app):
    for offset in range(1, 7):  # six days without spasms, a spasm on the seventh day back
        check_in(app, patient, TODAY - timedelta(days=offset), 0)
    check_in(app, patient, TODAY - timedelta(days=7), 2)

    assert one_tap_buttons(client.get("/")) == [("Spasm now", True), ("No spasms today", False)]


def test_after_seven_days_without_spasms_no_spasms_today_is_the_main_button(client, patient, app):
    for offset in range(1, 8):
        check_in(app, patient, TODAY - timedelta(days=offset), 0)

    response = client.get("/")

    assert one_tap_buttons(response) == [("No spasms today", True), ("Spasm now", False)]
    html = response.get_data(as_text=True)
    assert html.index('class="one-tap"') < html.index('action="/checkin/count"')  # above the box
    assert "No spasms in the last 7 days" in page_text(response)


def test_a_spasm_today_or_a_gap_in_the_week_keeps_spasm_now_first(client, patient, app):
    for offset in range(1, 8):
        check_in(app, patient, TODAY - timedelta(days=offset), 0)
    spasm_now(app, patient, "today-spasm")
    assert one_tap_buttons(client.get("/"))[0] == ("Spasm now", True)

    client.post(f"/episodes/{_only_episode(app)}/delete")
    client.post(f"/checkins/{check_ins(app)[2].id}/delete")  # a gap in the week
    assert one_tap_buttons(client.get("/"))[0] == ("Spasm now", True)


def _only_episode(app) -> int:
    from tests.journal_helpers import episodes

    (episode,) = episodes(app)
    return episode.id
