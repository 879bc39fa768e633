"""The clinic journey end to end (docs/sharing.md; docs/clinic.md): a patient shares, a surgeon reviews, another clinic cannot.

The patient makes a share code; the surgeon logs in with the second factor, enters the code,
finds the patient in the list, opens the review, records an assessment (its marker is on
the chart) and opens the one-page report, which Chromium prints to exactly one A4 page.
A surgeon of another clinic gets 404 for the review and the report, and an empty list.
Every page passes check_page. The longest demo history printing on one page is
tests/e2e/test_report.py.
"""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from tests.e2e.checks import check_page
from tests.e2e.flows import log_in, log_in_staff, nav_link
from tests.e2e.flows import log_out as flows_log_out
from tests.journal_helpers import TODAY, check_in
from tests.treatments_support import TreatmentRecorder

SURGERY = TODAY - timedelta(days=120)
PAGE_OBJECT = re.compile(rb"/Type\s*/Page\b")


def main_nav(page: Page):
    return page.get_by_role("navigation", name="Main")


def log_out(page: Page) -> None:
    flows_log_out(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")


def test_a_shared_patient_is_reviewed_assessed_and_reported_and_hidden_from_another_clinic(
    page: Page, app, live_server, make_user, browser_problems
):
    browser_problems.allow(r"status of 404")  # the other clinic's two requests below
    patient = make_user("eve@example.org", display_name="Eve Adler", affected_side="right")
    make_user("north@example.org", role="clinician", clinic="Neurosurgery North",
              display_name="Dr North")
    make_user("south@example.org", role="clinician", clinic="Neurosurgery South",
              display_name="Dr South")
    TreatmentRecorder(app, patient).surgery(performed_on=SURGERY)
    for offset in range(1, 61):
        check_in(app, patient, SURGERY - timedelta(days=offset), 25)
    for offset in range(0, 119):
        check_in(app, patient, SURGERY + timedelta(days=1 + offset), max(0, 12 - offset // 8))

    # The patient makes a share code and reads it off the page.
    page.goto("/login")
    log_in(page, "eve@example.org")
    nav_link(page, "Sharing").click()
    page.get_by_role("button", name="Create a share code").click()
    code = page.locator("#share-code").inner_text().strip()
    check_page(page)
    log_out(page)

    # The surgeon enters it and finds the patient in the clinic's list.
    log_in_staff(page, app, "north@example.org")
    nav_link(page, "Add a patient").click()
    page.get_by_label("Share code").fill(code)
    page.get_by_role("button", name="Add patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Patients")
    check_page(page)

    page.get_by_role("link", name="Eve Adler").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review: Eve Adler")
    review_url = page.url
    check_page(page)

    page.get_by_role("link", name="Record an assessment").click()
    check_page(page)
    page.get_by_label("SMC grade of the remaining spasm").select_option("1")
    page.get_by_label("Outcome class, as you judge it").select_option(label="Spasm-free")
    page.get_by_role("button", name="Save assessment").click()
    expect(page.get_by_role("status")).to_contain_text("Assessment recorded.")
    page.wait_for_function("() => window.trajectoryChart !== undefined")
    annotations = page.evaluate(
        "Object.keys(window.trajectoryChart.options.plugins.annotation.annotations)"
    )
    assert "assessment0" in annotations and "surgery0" in annotations
    check_page(page)

    page.get_by_role("link", name="One-page report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Eve Adler")
    page.wait_for_function("() => window.trajectoryChart !== undefined")
    check_page(page)
    report_url = page.url
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF-") and len(PAGE_OBJECT.findall(pdf)) == 1
    log_out(page)

    # A surgeon of another clinic sees no trace of the patient.
    log_in_staff(page, app, "south@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Patients")
    expect(page.get_by_role("link", name="Eve Adler")).to_have_count(0)
    check_page(page)
    for url in (review_url, report_url):
        response = page.goto(url)
        assert response is not None and response.status == 404, url
