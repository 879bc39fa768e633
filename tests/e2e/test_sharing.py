"""Sharing on a phone: a patient makes a share code, a clinician enters it, the patient sees
the clinic on the sharing page, reads the access log and stops sharing (docs/sharing.md).

The clinician logs in through the real pages, the second factor included (flows.log_in_staff).
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.checks import check_page
from tests.e2e.flows import flash, log_in, log_in_staff, nav_link
from tests.e2e.flows import log_out as flows_log_out

GROUPED_CODE = re.compile(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}")


def main_nav(page: Page):
    """The header's navigation."""
    return page.get_by_role("navigation", name="Main")


def log_out(page: Page) -> None:
    """Log out from the header."""
    flows_log_out(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")


def test_a_patient_shares_by_code_and_stops_sharing(page: Page, app, live_server, make_user):
    make_user("pat@example.org", display_name="Pat Jones")
    make_user("dr@example.org", role="clinician", clinic="Neurosurgery North", display_name="Dr Roth")

    # The patient makes a code and reads it off the page.
    page.goto("/login")
    log_in(page, "pat@example.org")
    nav_link(page, "Sharing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sharing")
    expect(page.get_by_text("You do not share your diary with any clinic.")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Create a share code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your share code")
    code = page.locator("#share-code").inner_text().strip()
    assert GROUPED_CODE.fullmatch(code), code
    expect(page.get_by_text("until Tuesday, 17 March 2026 at 13:00")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Back to Sharing").click()
    expect(page.get_by_text("works until Tuesday, 17 March 2026 at 13:00")).to_be_visible()
    check_page(page)
    log_out(page)

    # The clinician enters it as a person would type it: lower case, a space for the dash.
    log_in_staff(page, app, "dr@example.org")
    nav_link(page, "Add a patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a patient")
    check_page(page)
    page.get_by_label("Share code").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Add patient").click()
    expect(flash(page)).to_contain_text("Pat Jones now shares the diary with Neurosurgery North.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Patients")
    expect(page.get_by_role("link", name="Pat Jones")).to_be_visible()
    check_page(page)
    nav_link(page, "Add a patient").click()
    page.get_by_role("link", name="Invite a patient by email").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite a patient")
    check_page(page)
    log_out(page)

    # The patient sees the clinic, then who added the diary, then stops sharing.
    log_in(page, "pat@example.org")
    nav_link(page, "Sharing").click()
    clinic = page.locator("li", has=page.get_by_role("heading", name="Neurosurgery North"))
    expect(clinic).to_contain_text("Since Tuesday, 10 March 2026 at 13:00, with a share code.")
    expect(page.get_by_text("works until")).to_have_count(0)
    check_page(page)
    page.get_by_role("link", name="See who opened your diary").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who opened your diary")
    expect(page.locator(".access-log li").first).to_contain_text("Sharing with a clinic began")
    expect(page.locator(".access-log li").first).to_contain_text("Dr Roth")
    check_page(page)
    page.get_by_role("link", name="Back to Sharing").click()
    clinic.get_by_role("link", name="Stop sharing with Neurosurgery North").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stop sharing with Neurosurgery North?")
    check_page(page)
    page.get_by_role("button", name="Stop sharing").click()
    expect(flash(page)).to_contain_text("You no longer share your diary with Neurosurgery North.")
    expect(page.get_by_text("You do not share your diary with any clinic.")).to_be_visible()
    check_page(page)
