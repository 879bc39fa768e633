"""The patient's data is theirs, in a browser: download everything as a ZIP and the record as
FHIR, then delete the account, after which the login no longer works."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.checks import check_page
from tests.e2e.flows import flash, log_in
from tests.fhir_checks import assert_valid_bundle
from tests.journal_helpers import TODAY, check_in


def test_a_patient_downloads_everything_then_deletes_the_account(
    page: Page, live_server, app, make_user, browser_problems
):
    browser_problems.allow(r"status of 422")  # the wrong password below answers 422
    patient = make_user("pat@example.org")
    check_in(app, patient, TODAY - timedelta(days=1), 6, note="a long day")
    page.goto("/login")
    log_in(page)

    page.goto("/export")
    expect(page.get_by_role("heading", level=1)).to_have_text("Download my diary")
    check_page(page)
    with page.expect_download() as zipped:
        page.get_by_role("link", name="Download everything (ZIP)").click()
    with zipfile.ZipFile(zipped.value.path()) as archive:
        names = archive.namelist()
        assert "spasm-diary/csv/check_ins.csv" in names and "spasm-diary/audit.csv" in names
        assert b"a long day" in archive.read("spasm-diary/csv/check_ins.csv")
    with page.expect_download() as fhir:
        page.get_by_role("link", name="Download the hospital record file (FHIR)").click()
    with open(fhir.value.path(), encoding="utf-8") as handle:
        assert_valid_bundle(json.load(handle))

    page.goto("/account")
    check_page(page)
    page.get_by_role("link", name="Delete my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete my account")
    check_page(page)
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Delete my account for good").click()
    expect(page.locator(".field-errors")).to_contain_text("Nothing was deleted")
    check_page(page)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account for good").click()
    expect(flash(page)).to_contain_text("Your account and your whole diary are deleted.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    check_page(page)

    page.get_by_label("Email").fill("pat@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("The email or password is not right.")).to_be_visible()
    check_page(page)
