"""Reminders on a phone: set the daily time, see it saved, read the reminder in the inbox.

The clock stands at Tuesday, 10 March 2026, 12:00 UTC (13:00 in Berlin, where the patient
lives). The scheduler is not a thread of the served app: the test runs its dispatch itself,
at the moment the reminder is due, as the scheduler process would.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from diary.reminders.delivery.dispatch import dispatch_due
from tests.e2e.checks import check_page
from tests.e2e.flows import flash, log_in, nav_link


def main_nav(page: Page):
    """The header's navigation."""
    return page.get_by_role("navigation", name="Main")


def test_a_patient_sets_the_daily_reminder_and_reads_it_in_the_inbox(
    page: Page, live_server, make_user, mailbox, browser_problems
):
    browser_problems.allow(r"status of 422")  # the refused form below answers 422
    make_user("pat@example.org")
    page.goto("/login")
    log_in(page)

    # The reminders page: the daily reminder is on at 20:00 from the start.
    nav_link(page, "Reminders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminders")
    daily = page.locator("#check-in")
    expect(daily).to_contain_text("On: 20:00, every day, by email and in the inbox")
    expect(daily).to_contain_text("Next: Tuesday, 10 March 2026 at 20:00")
    # Its settings open on demand.
    expect(daily.get_by_label("Time", exact=True)).to_be_hidden()
    daily.get_by_text("Settings of the diary reminder").click()
    expect(daily.get_by_label("Time", exact=True)).to_have_value("20:00")
    check_page(page)

    # A later time, saved and shown.
    daily.get_by_label("Time", exact=True).fill("21:15")
    daily.get_by_role("button", name="Save diary reminder").click()
    expect(flash(page)).to_contain_text("Diary reminder saved. Next: Tuesday, 10 March 2026 at 21:15.")
    expect(daily.get_by_label("Time", exact=True)).to_have_value("21:15")
    expect(daily).to_contain_text("On: 21:15, every day, by email and in the inbox")
    expect(daily).to_contain_text("Next: Tuesday, 10 March 2026 at 21:15")
    check_page(page)

    # A form that would go nowhere is refused next to its field, nothing saved; the settings
    # come back open, with the message.
    daily.get_by_text("Settings of the diary reminder").click()
    daily.get_by_label("By email").uncheck()
    daily.get_by_label("In the app’s inbox").uncheck()
    daily.get_by_role("button", name="Save diary reminder").click()
    expect(page.locator("#check-in").get_by_text("Choose email, the inbox or both")).to_be_visible()
    check_page(page)

    # 21:15 in Berlin: the scheduler sends it, by email and to the inbox.
    with live_server.app.app_context():
        report = dispatch_due(datetime(2026, 3, 10, 20, 15, tzinfo=UTC))
    assert report["sent"] == 1
    assert mailbox.last(to="pat@example.org")["Subject"] == "Your diary for today"

    page.goto("/reminders")
    inbox_link = main_nav(page).get_by_role("link", name=re.compile(r"^Inbox"))
    expect(inbox_link).to_have_accessible_name("Inbox 1 unread")
    check_page(page)
    inbox_link.click()
    expect(page.get_by_role("heading", level=2, name=re.compile("Your diary for today"))).to_be_visible()
    expect(page.get_by_text("How was Tuesday, 10 March 2026?")).to_be_visible()
    check_page(page)

    page.get_by_role("button", name=re.compile(r"^Mark as read\W+Your diary for today")).click()
    expect(main_nav(page).get_by_role("link", name=re.compile(r"^Inbox"))).to_have_accessible_name("Inbox")
    expect(page.get_by_role("button", name=re.compile("Mark as read"))).to_have_count(0)
    check_page(page)

    # The message opens the day's check-in.
    page.get_by_role("link", name=re.compile("Open the check-in")).click()
    expect(page).to_have_url(re.compile(r"/checkin\?day=2026-03-10$"))
    expect(page.get_by_label("Date", exact=True)).to_have_value("2026-03-10")


def test_the_emailed_unsubscribe_link_asks_first_and_works_without_logging_in(
    page: Page, live_server, make_user, mailbox
):
    make_user("pat@example.org")
    with live_server.app.app_context():
        dispatch_due(datetime(2026, 3, 10, 19, 0, tzinfo=UTC))
    match = re.search(r"/unsubscribe/[\w.-]+", mailbox.last()["List-Unsubscribe"])

    page.goto(match.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Stop these emails?")
    check_page(page)
    page.get_by_role("button", name="Stop these emails").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Emails stopped")
    expect(page.get_by_role("status")).to_contain_text("diary check-in reminder")
    check_page(page)


def test_a_shared_patient_sees_the_clinics_suggested_visits_and_is_reminded_of_one(
    page: Page, app, make_user
):
    from datetime import date

    from tests.clinic_support import share
    from tests.reminders_support import save_reminder
    from tests.treatments_support import TreatmentRecorder

    patient = make_user("pat@example.org")
    make_user("doc@example.org", role="clinician", clinic="Sharing clinic")
    share(app, patient)
    TreatmentRecorder(app, patient).surgery(performed_on=date(2026, 2, 20))
    save_reminder(app, patient, "follow_up", datetime(2026, 3, 10, 12, 0, tzinfo=UTC), enabled=True)
    page.goto("/login")
    log_in(page)

    page.goto("/reminders")
    visits = page.locator("#follow-up")
    expect(visits).to_contain_text("From the follow-up schedule of Sharing clinic")
    expect(visits).to_contain_text("Around 20 March 2026 (1 month after surgery), suggested by Sharing clinic")
    expect(visits).to_contain_text("Next: Thursday, 19 March 2026 at 18:00")
    check_page(page)

    with app.app_context():
        assert dispatch_due(datetime(2026, 3, 19, 17, 0, tzinfo=UTC))["sent"] == 1
    page.goto("/inbox")
    expect(page.get_by_text(
        "Your clinic suggests a follow-up visit around 20 March 2026 (1 month after surgery). "
        "If it is not booked yet, contact Sharing clinic."
    )).to_be_visible()
    check_page(page)
