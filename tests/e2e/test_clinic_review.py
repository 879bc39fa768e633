"""A clinician reviews a shared patient on a phone: list, needs attention, review, assessment.

The clinician logs in with the second factor (flows.log_in_staff). The patient had an MVD 60 days ago with 28 logged days of 10
spasms before it, then kept a diary until 9 days ago: no remission yet, so the list marks
them as needing attention. Every page passes check_page.
"""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.clinic_support import share
from tests.e2e.checks import check_page
from tests.e2e.flows import log_in_staff
from tests.journal_helpers import check_in
from tests.treatments_support import TreatmentRecorder

TODAY = date(2026, 3, 10)
SURGERY = TODAY - timedelta(days=60)


def test_a_clinician_reviews_a_shared_patient_and_records_an_assessment(page: Page, app, make_user):
    patient = make_user("ada@example.org", display_name="Ada Lovelace", affected_side="left")
    make_user("doc@example.org", role="clinician", clinic="Sharing clinic", display_name="Dr Doc")
    share(app, patient)
    TreatmentRecorder(app, patient).surgery(performed_on=SURGERY)
    for offset in range(1, 29):
        check_in(app, patient, SURGERY - timedelta(days=offset), 10)
    for offset in range(9, 30):
        check_in(app, patient, TODAY - timedelta(days=offset), 3)

    log_in_staff(page, app, "doc@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Patients")
    check_page(page)
    expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()

    page.get_by_role("link", name="Needs attention").click()
    expect(page.get_by_text("No diary entry for 7 days, not in remission")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Change", exact=True).click()
    expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    check_page(page)

    page.get_by_role("link", name="Ada Lovelace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review: Ada Lovelace")
    check_page(page)

    page.get_by_role("link", name="Record an assessment").click()
    check_page(page)
    page.get_by_label("SMC grade of the remaining spasm").select_option("2")
    page.get_by_label("Outcome class, as you judge it").select_option(label="At least 50% fewer")
    page.get_by_role("button", name="Save assessment").click()
    expect(page.get_by_role("status")).to_contain_text("Assessment recorded.")
    check_page(page)
    page.wait_for_function("window.trajectoryChart !== undefined")
    label = page.evaluate(
        "window.trajectoryChart.options.plugins.annotation.annotations.assessment0.label.content"
    )
    assert label == "SMC II, At least 50% fewer"

    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_contain_text("Surgery details verified.")
    expect(page.locator(".badge.verified")).to_have_text("Verified")
    check_page(page)
