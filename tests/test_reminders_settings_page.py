"""The reminders page on a phone: one line per reminder, a switch, and settings on demand.

Through the test client; the patient lives in Berlin and the clock stands at Tuesday,
10 March 2026, 12:00 UTC (docs/reminders.md, The settings page).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.reminders_support import planned
from tests.route_matrix import database_rows
from tests.test_reminders_pages import reminder
from tests.treatments_support import text_of


def section(response, anchor: str) -> str:
    """The HTML of one reminder's section of the page."""
    page = response.get_data(as_text=True)
    match = re.search(rf'<section class="card reminder" id="{anchor}".*?</section>', page, re.S)
    assert match, f"no section #{anchor}"
    return match.group(0)


def test_each_reminder_reads_as_one_line_what_on_or_off_when_and_where_to(client, patient):
    page = client.get("/reminders")

    assert page.status_code == 200
    text = text_of(page)
    assert "Daily diary reminder Switch off Daily diary reminder On: 20:00, every day, by email and in the inbox" in text
    assert "Injection due Switch on Injection due Off" in text
    assert "Follow-up visits Switch on Follow-up visits Off" in text
    assert "Medication doses Switch on Medication doses Off" in text


def test_the_settings_wait_folded_until_asked_for(client, patient):
    check_in = section(client.get("/reminders"), "check-in")

    assert '<details class="settings">' in check_in
    assert "<summary>Settings of the diary reminder</summary>" in check_in
    assert 'name="check_in-send_time"' in check_in  # inside the fold, there without JavaScript


def test_a_refused_form_comes_back_with_its_settings_open_and_the_others_folded(app, client, patient):
    response = client.post("/reminders/check-in", data={
        "check_in-enabled": "y", "check_in-send_time": "07:30", "check_in-weekdays": ["0"],
    })

    assert response.status_code == 422
    assert '<details class="settings" open>' in section(response, "check-in")
    assert "Choose email, the inbox or both" in section(response, "check-in")
    assert '<details class="settings" open>' not in section(response, "injection")


def test_one_tap_switches_a_reminder_off_and_keeps_its_settings(app, client, patient):
    client.post("/reminders/check-in", data={
        "check_in-enabled": "y", "check_in-channels": ["email"], "check_in-send_time": "07:30",
        "check_in-weekdays": ["0", "2"],
    })

    response = client.post("/reminders/check-in/switch", data={"enabled": "off"})

    assert response.status_code == 302 and response.location == "/reminders#check-in"
    saved = reminder(app, patient)
    assert (saved.enabled, saved.by_email, saved.in_app) == (False, True, False)
    assert (saved.send_minute, saved.weekdays) == (7 * 60 + 30, 0b101)
    assert planned(app, patient) is None
    page = client.get("/reminders")
    assert "The diary reminder is off. Its settings are kept." in text_of(page)
    assert "Daily diary reminder Switch on Daily diary reminder Off" in text_of(page)

    client.post("/reminders/check-in/switch", data={"enabled": "on"})
    page = client.get("/reminders")
    assert "On: 07:30 on Mon, Wed, by email" in text_of(page)
    # Wednesday 07:30 in Berlin is the next one.
    assert planned(app, patient).due_at == datetime(2026, 3, 11, 6, 30, tzinfo=UTC)


def test_a_reminder_switched_on_with_nowhere_to_go_comes_to_the_inbox(app, client, patient):
    response = client.post("/reminders/injection/switch", data={"enabled": "on"})

    assert response.status_code == 302
    saved = reminder(app, patient, "injection")
    assert saved.enabled is True and saved.in_app is True
    assert "The injection reminder is on." in text_of(client.get("/reminders"))


def test_a_switch_that_is_neither_on_nor_off_changes_nothing(app, client, patient):
    before = database_rows(app)

    response = client.post("/reminders/check-in/switch", data={"enabled": "maybe"})

    assert response.status_code == 302
    assert database_rows(app) == before
    assert "That did not work" in text_of(client.get("/reminders"))


def test_the_lines_count_weeks_and_days_in_the_right_number(client, patient):
    client.post("/reminders/injection", data={
        "injection-enabled": "y", "injection-channels": ["in_app"], "injection-weeks_after": "12",
        "injection-notice_days": "7", "injection-send_time": "18:00",
    })
    client.post("/reminders/follow-up", data={
        "follow_up-enabled": "y", "follow_up-channels": ["in_app"], "follow_up-notice_days": "1",
        "follow_up-send_time": "18:00",
    })

    text = text_of(client.get("/reminders"))
    assert "On: 12 weeks after an injection, at 18:00, in the inbox" in text
    assert "On: 1 day before a visit, at 18:00, in the inbox" in text

    client.post("/reminders/follow-up", data={
        "follow_up-enabled": "y", "follow_up-channels": ["in_app"], "follow_up-notice_days": "2",
        "follow_up-send_time": "18:00",
    })
    assert "On: 2 days before a visit, at 18:00, in the inbox" in text_of(client.get("/reminders"))
