"""A new patient's first day, on a phone: register by the mailed link, log three entries, see them.

The app's clock stands at Tuesday, 10 March 2026, 12:00 UTC (13:00 in Berlin); the patient
lives in Berlin, so today is 10 March and yesterday 9 March. Every page is checked with
axe-core and for sideways scrolling at 360 px as the patient reaches it.
"""

import re

from playwright.sync_api import Page, expect

from tests.e2e.checks import check_page
from tests.e2e.flows import flash, log_in, log_out, nav_link, register

TODAY = "2026-03-10"
YESTERDAY = "2026-03-09"


def test_new_patient_logs_a_first_day_and_sees_it_in_history(page: Page, mailbox, clock):
    # Register: the address first, then the mailed link's page; logged in, address confirmed.
    register(page, mailbox, "sam@example.org", name="Sam")
    expect(page).to_have_url("/")
    expect(flash(page)).to_contain_text("Your account is ready")
    check_page(page)

    nav_link(page, "Account").click()
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()
    check_page(page)

    # One tap from the home page: no spasms today.
    page.get_by_role("link", name="Today").click()
    page.get_by_role("button", name="No spasms today").click()
    expect(flash(page)).to_contain_text("no spasms today")
    check_page(page)

    # The detailed check-in opens on today (now logged, so the link changes it); yesterday is
    # logged from its own link.
    page.get_by_role("link", name="Change today's check-in").click()
    expect(page).to_have_url(re.compile(rf"/checkin(\?day={TODAY})?$"))
    expect(page.get_by_label("Date", exact=True)).to_have_value(TODAY)
    check_page(page)
    page.goto(f"/checkin?day={YESTERDAY}")
    expect(page.get_by_label("Date", exact=True)).to_have_value(YESTERDAY)
    check_page(page)
    page.get_by_label("Number of spasms").fill("12")
    page.get_by_role("button", name="Save check-in").click()
    expect(flash(page)).to_contain_text("12 spasms")
    check_page(page)

    # Two hours later (15:00 in Berlin) a spasm comes: one tap, then how long it lasted.
    clock.advance(hours=2)
    page.get_by_role("button", name="Spasm now").click()
    expect(page).to_have_url(re.compile(r"/episodes/\d+$"))
    check_page(page)
    page.get_by_label("How long did it last").fill("20")
    page.get_by_role("button", name="Save length").click()
    expect(flash(page)).to_contain_text("20 seconds")
    check_page(page)

    # History shows the three entries: today's "no spasms" and the spasm, yesterday's check-in.
    nav_link(page, "History").click()
    expect(page).to_have_url("/history")
    check_page(page)
    expect(page.get_by_role("article")).to_have_count(2)
    today = page.get_by_role("article", name="Tuesday, 10 March 2026: 1 spasm")
    expect(today.get_by_role("listitem")).to_have_count(2)
    expect(today.get_by_role("listitem")).to_contain_text(["Number of spasms: 0", "15:00, 20 seconds"])
    yesterday = page.get_by_role("article", name="Monday, 9 March 2026: 12 spasms")
    expect(yesterday.get_by_role("listitem")).to_have_text(["Number of spasms: 12"])

    log_out(page)
    expect(flash(page)).to_contain_text("You are logged out.")
    check_page(page)


def test_returning_patient_is_sent_back_to_the_page_they_asked_for(page: Page, make_user):
    make_user("pat@example.org")
    page.goto("/history")
    expect(page).to_have_url("/login?next=%2Fhistory")
    log_in(page, "pat@example.org")
    expect(page).to_have_url("/history")
    expect(page.get_by_text("Nothing logged yet.")).to_be_visible()
    check_page(page)
