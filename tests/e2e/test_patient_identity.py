"""The patient is identified, in the browser: a clinician finds a patient by a name typed
without accents, adds the clinic's hospital number on the review, and sees it on the list.
Every page passes check_page (axe, no horizontal scroll on a phone)."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page, expect

from diary.extensions import db
from diary.models import User
from tests.clinic_support import share
from tests.e2e.checks import check_page
from tests.e2e.flows import log_in, log_in_staff


def test_a_clinician_finds_a_patient_and_adds_the_hospital_number(page: Page, app, make_user):
    make_user("doc@example.org", role="clinician", clinic="Sharing clinic", display_name="Dr Doc")
    patient = make_user("juergen@example.org", display_name="Jürgen", family_name="Weber",
                        affected_side="left")
    with app.app_context():
        db.session.get(User, patient).birth_date = date(1956, 4, 2)
        db.session.commit()
    share(app, patient)
    share(app, make_user("ingrid@example.org", display_name="Ingrid", affected_side="right"))

    log_in_staff(page, app, "doc@example.org")
    expect(page.get_by_text("surname not given")).to_be_visible()
    page.get_by_label("Find a patient").fill("jurgen")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 patient matches “jurgen”")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Jürgen Weber").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review: Jürgen Weber")
    expect(page.locator("#patient-identity")).to_contain_text("2 April 1956")
    check_page(page)
    page.get_by_label("Add the hospital number of Sharing clinic").fill("a 123-45")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Hospital number saved.")
    expect(page.locator("#patient-identity")).to_contain_text("A123-45")
    check_page(page)

    page.get_by_role("link", name="All patients").click()
    page.get_by_label("Find a patient").fill("A123")
    page.get_by_role("button", name="Search").click()
    # The hospital number stands under the name, in the row's header cell.
    expect(page.get_by_role("rowheader", name="A123-45")).to_be_visible()


def test_a_patient_gives_the_date_of_birth_with_a_share_code(page: Page, app, make_user):
    make_user("pat@example.org", display_name="Ingrid", affected_side="left")
    page.goto("/login")
    log_in(page)
    page.goto("/sharing")
    check_page(page)
    page.get_by_label("Date of birth").fill("1956-04-02")
    page.get_by_role("button", name="Create a share code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your share code")
    expect(page.locator("#birth-date-note")).to_contain_text("the clinic matches it to its record")
    check_page(page)
