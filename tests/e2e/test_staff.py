"""Staff in the browser: a clinician enrols TOTP at the first login and logs in with a code
later; an administrator creates a clinic, adds a member and deactivates them. Every page on
the way passes check_page (axe, CSP, no other hosts, 360 px)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.checks import check_page
from tests.e2e.flows import flash, log_in_form, log_in_staff, log_out, nav_link


def test_a_clinicians_first_login_enrols_totp_and_the_next_asks_for_a_code(
    page: Page, app, make_user, browser_problems
):
    browser_problems.allow(r"status of 422")  # the wrong code below
    make_user("doc@example.org", role="clinician", display_name="Dr Roth")

    log_in_staff(page, app, "doc@example.org")  # the enrolment, read from the page
    check_page(page)
    log_out(page)
    expect(flash(page)).to_contain_text("You are logged out.")

    page.goto("/login")
    log_in_form(page, "doc@example.org", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    check_page(page)
    page.get_by_label("Code", exact=True).fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("This code is not right")).to_be_visible()
    check_page(page)

    # Half logged in, the nav offers nothing but logging out works.
    log_out(page)
    log_in_staff(page, app, "doc@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Patients")  # a clinician lands on the patient list
    check_page(page)


def test_an_admin_creates_a_clinic_adds_a_member_and_deactivates_them(page: Page, app, make_user):
    make_user("root@example.org", role="admin", display_name="Root")
    make_user("nurse@example.org", role="clinician", display_name="Nora Nurse")

    log_in_staff(page, app, "root@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Administration")
    check_page(page)
    page.get_by_role("link", name="New clinic").click()
    check_page(page)
    page.get_by_label("Clinic name").fill("Neurosurgery North")
    page.get_by_role("button", name="Create clinic").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Neurosurgery North")
    check_page(page)

    page.get_by_label("Email of the clinician").fill("nurse@example.org")
    page.get_by_label("Role in the clinic").last.select_option(label="Nurse")
    page.get_by_role("button", name="Add member").click()
    expect(flash(page)).to_contain_text("nurse@example.org is now a member of Neurosurgery North.")
    expect(page.get_by_text("Nora Nurse")).to_be_visible()
    check_page(page)

    page.get_by_role("button", name="Deactivate account").click()
    expect(flash(page)).to_contain_text("is deactivated and logged out everywhere")
    expect(page.get_by_text("Account deactivated")).to_be_visible()
    check_page(page)

    nav_link(page, "Admin").click()
    page.get_by_role("link", name="Staff accounts").click()
    expect(page.get_by_role("button", name="Reactivate account")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Back to the clinics").click()
    page.get_by_role("link", name="Who did what (audit trail)").click()
    # One event per clinic the nurse belonged to: her own and Neurosurgery North.
    expect(page.get_by_text("Clinic member deactivated")).to_have_count(2)
    check_page(page)
