"""A patient records their treatments on a phone and reads them back on one timeline.

The app's clock stands at Tuesday, 10 March 2026, 12:00 UTC; the patient lives in Berlin and
has hemifacial spasm on the left. Over one sitting they enter what happened in the past year:
a Botox injection (with a typing slip at its site that the form asks about), gabapentin and a later
dose change, an MVD, and an older injection whose large total earns a warning that they
confirm. Everything entered more than a day after it happened reads "entered later". Every
page is checked with axe-core, at 360 px and for browser problems as the patient reaches it.
"""

import re

from playwright.sync_api import Page, expect

from tests.e2e.checks import check_page
from tests.e2e.flows import flash, log_in

# What the timeline shows, newest first, once everything is entered (before the deletion).
MVD = "Microvascular decompression (MVD), left side"
BOTOX_25 = "Injection: Botox, 25 U"
DOSE_CHANGE = "Dose change: Gabapentin 400 mg, 3 times a day"
BOTOX_60 = "Injection: Botox, 60 U"
GABAPENTIN = "Started Gabapentin: 300 mg, 3 times a day"
EYELID = "Muscle around the eye, upper lid (orbicularis oculi, pretarsal)"


def timeline_titles(page: Page):
    """The titles of the timeline's entries, in the order shown."""
    return page.get_by_role("main").get_by_role("heading", level=2)


def timeline_entry(page: Page, title: str):
    """One entry of the timeline, found by its title."""
    return page.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=title, exact=True)
    )


def test_patient_records_injections_medication_and_surgery_and_reads_the_timeline(
    page: Page, make_user, browser_problems
):
    # A form the server refuses answers 422, which Chromium reports in the console.
    browser_problems.allow(r"status of 422")
    make_user("pat@example.org", affected_side="left")
    page.goto("/treatments")
    expect(page).to_have_url("/login?next=%2Ftreatments")
    log_in(page, "pat@example.org")
    expect(page).to_have_url("/treatments")
    expect(page.get_by_text("No treatments are recorded yet.")).to_be_visible()
    check_page(page)

    # --- A Botox injection: the site's units are not the total, so the page asks first. ---
    page.get_by_role("link", name="Add injection").click()
    expect(page).to_have_url("/treatments/injections/new")
    expect(page.get_by_label("Save anyway")).to_have_count(0)  # only offered with a warning
    check_page(page)
    page.get_by_label("Date of the injection").fill("2026-01-12")
    page.get_by_label("Product", exact=True).select_option(label="Botox (onabotulinumtoxinA)")
    page.get_by_label("Total units").fill("25")
    page.get_by_label("Site 1: muscle").select_option(label=EYELID)
    page.get_by_label("Site 1: units").fill("30")
    # Who injected it waits behind its fold, opened on demand.
    expect(page.get_by_label("Injected by")).to_be_hidden()
    page.get_by_text("Who injected it, lot number, note (optional)").click()
    page.get_by_label("Injected by").fill("Dr Weber")
    page.get_by_role("button", name="Save injection").click()
    slip = page.get_by_role("alert")
    expect(slip).to_contain_text("Please check before saving. Nothing is saved yet.")
    expect(slip).to_contain_text("The units per site add up to 30 U, not the total of 25 U.")
    expect(page.get_by_label("Save anyway")).not_to_be_checked()
    # Everything typed is still there.
    expect(page.get_by_label("Date of the injection")).to_have_value("2026-01-12")
    expect(page.get_by_label("Product", exact=True)).to_have_value("onabotulinumtoxinA")
    expect(page.get_by_label("Site 1: muscle")).to_have_value("oo_pretarsal_upper")
    expect(page.get_by_label("Injected by")).to_have_value("Dr Weber")
    check_page(page)

    page.get_by_label("Site 1: units").fill("25")
    page.get_by_role("button", name="Save injection").click()
    expect(page).to_have_url("/treatments")
    expect(flash(page)).to_contain_text("Injection saved.")
    expect(timeline_titles(page)).to_have_text([BOTOX_25])
    check_page(page)

    # --- Gabapentin from June 2025, then a higher dose from November. ---
    page.get_by_role("link", name="Add medication").click()
    expect(page).to_have_url("/treatments/medication/new")
    check_page(page)
    page.get_by_label("Drug", exact=True).select_option(label="Gabapentin")
    page.get_by_label("Strength of one dose").fill("300")
    page.get_by_label("Unit", exact=True).select_option(label="mg")
    page.get_by_label("Doses per day").fill("3")
    page.get_by_label("Times of day (optional)").fill("8:00, 14.00, 20:00")
    page.get_by_label("Started on").fill("2025-06-01")
    page.get_by_role("button", name="Save regimen").click()
    expect(page).to_have_url("/treatments/medication")
    expect(flash(page)).to_contain_text("Medication saved.")
    taking = page.get_by_role("listitem").filter(has_text="Gabapentin")
    expect(taking).to_contain_text("Gabapentin: 300 mg, 3 times a day")
    expect(taking).to_contain_text("Times: 08:00, 14:00, 20:00")
    check_page(page)

    page.get_by_role("link", name="Change dose of Gabapentin").click()
    expect(page).to_have_url(re.compile(r"/treatments/medication/\d+/change$"))
    expect(page.get_by_text("Now: Gabapentin: 300 mg, 3 times a day")).to_be_visible()
    expect(page.get_by_label("New dose from")).to_have_value("2026-03-10")  # today by default
    expect(page.get_by_label("Doses per day")).to_have_value("3")
    check_page(page)
    page.get_by_label("New dose from").fill("2025-11-03")
    page.get_by_label("Strength of one dose").fill("400")
    page.get_by_label("Reason for the change (optional)").fill("Spasms came back")
    page.get_by_role("button", name="Change dose").click()
    expect(page).to_have_url("/treatments/medication")
    expect(flash(page)).to_contain_text("Dose changed.")
    expect(page.get_by_role("listitem").filter(has_text="Gabapentin: 400 mg")).to_contain_text(
        "Since 3 November 2025"
    )
    earlier = page.get_by_role("listitem").filter(has_text="Gabapentin: 300 mg")
    expect(earlier).to_contain_text("1 June 2025 to 2 November 2025")
    check_page(page)

    # --- The MVD: the side comes from the patient's profile; it reads "patient-reported". ---
    page.get_by_role("link", name="All treatments").click()
    expect(page).to_have_url("/treatments")
    check_page(page)
    page.get_by_role("link", name="Add surgery").click()
    expect(page).to_have_url("/treatments/surgeries/new")
    expect(
        page.get_by_text("shows as “patient-reported” until your clinic verifies it")
    ).to_be_visible()
    expect(page.get_by_role("group", name="Side operated on").get_by_label("Left")).to_be_checked()
    check_page(page)
    page.get_by_label("Microvascular decompression (MVD)").check()
    page.get_by_label("Date of the operation").fill("2026-02-16")
    page.get_by_label("Hospital or centre").fill("Charité")
    page.get_by_label("AICA (anterior inferior cerebellar artery)").check()
    page.get_by_role("button", name="Save surgery").click()
    expect(page).to_have_url("/treatments")
    expect(flash(page)).to_contain_text("Surgery saved.")
    check_page(page)

    # --- An older injection of 60 U: more than usual for Botox, so the page asks first. ---
    page.get_by_role("link", name="Add injection").click()
    check_page(page)
    page.get_by_label("Date of the injection").fill("2025-10-06")
    page.get_by_label("Product", exact=True).select_option(label="Botox (onabotulinumtoxinA)")
    page.get_by_label("Total units").fill("60")
    page.get_by_role("button", name="Save injection").click()
    warning = page.get_by_role("alert")
    expect(warning).to_contain_text("Please check before saving. Nothing is saved yet.")
    expect(warning).to_contain_text(
        "60 U is more than the 10–35 U usually given in one session with Botox."
    )
    expect(page.get_by_label("Total units")).to_have_value("60")
    save_anyway = page.get_by_label("Save anyway")
    expect(save_anyway).not_to_be_checked()
    check_page(page)
    save_anyway.check()
    page.get_by_role("button", name="Save injection").click()
    expect(page).to_have_url("/treatments")
    expect(flash(page)).to_contain_text("Injection saved.")
    check_page(page)

    # --- The timeline: everything, newest first, in the patient's words. ---
    expect(timeline_titles(page)).to_have_text([MVD, BOTOX_25, DOSE_CHANGE, BOTOX_60, GABAPENTIN])
    expect(page.get_by_role("main").locator("time")).to_have_text(
        ["16 February 2026", "12 January 2026", "3 November 2025", "6 October 2025", "1 June 2025"]
    )
    surgery = timeline_entry(page, MVD)
    expect(surgery.locator(".badge")).to_have_text(["patient-reported", "entered later"])
    expect(surgery.get_by_role("listitem")).to_have_text(
        ["By: Charité", "Vessels: AICA (anterior inferior cerebellar artery)"]
    )
    expect(timeline_entry(page, BOTOX_25).get_by_role("listitem")).to_have_text(
        [f"Sites: {EYELID}: 25 U", "Injected by: Dr Weber"]
    )
    expect(timeline_entry(page, DOSE_CHANGE).get_by_role("listitem")).to_have_text(
        ["Before: 300 mg, 3 times a day", "Times: 08:00, 14:00, 20:00", "Reason: Spasms came back"]
    )
    expect(timeline_entry(page, BOTOX_60).get_by_role("listitem")).to_have_count(0)
    # The first dose is followed by its change, so only the change can be deleted.
    expect(timeline_entry(page, GABAPENTIN).get_by_role("link", name="Delete")).to_have_count(0)

    # --- The 60 U injection was a mistake after all: delete it, after a confirmation page. ---
    page.get_by_role("link", name=f"Delete {BOTOX_60}, 6 October 2025").click()
    expect(page).to_have_url(re.compile(r"/treatments/injections/\d+/delete$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete this entry?")
    expect(page.get_by_text(f"{BOTOX_60}, 6 October 2025")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Delete entry").click()
    expect(page).to_have_url("/treatments")
    expect(flash(page)).to_contain_text("Entry deleted.")
    expect(timeline_titles(page)).to_have_text([MVD, BOTOX_25, DOSE_CHANGE, GABAPENTIN])
    check_page(page)
