"""Every page of the app, opened in Chromium by each role that may see it, passes check_page.

The journeys visit the pages a story needs; this walk makes sure no page is left out. The
list of pages and who may see them is tests/route_matrix.py: for each endpoint and each role
whose GET answer there is 200 (or AUDITED, a clinician's audited read), the role's browser
opens that URL and check_page runs on it (axe-core serious or critical, console errors, CSP
violations, requests to other hosts, sideways scrolling at 360 px).

- One browser context per role, logged in once through the real pages (the second factor for
  staff); its pages are visited one after another, so the walk stays under a few minutes.
- Answers that are not HTML (CSV, ZIP, FHIR and API JSON) are skipped: a download has no page
  to check. The content type decides, asked with the context's own cookies before the visit.
- The test collects every page's failure and reports them together, so one run lists them
  all rather than the first.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.checks import check_page
from tests.e2e.flows import log_in, log_in_staff
from tests.route_matrix import ROLES, ROUTES, build_records

STAFF = {"clinician": "dr@example.org", "care_team": "team@example.org",
         "admin": "admin@example.org"}
PATIENTS = {"owner": "owner@example.org", "other_patient": "other@example.org"}


@pytest.fixture
def browser_context_args(browser_context_args, request) -> dict:
    """The phone of conftest.py; for a test marked `german`, a browser set to German."""
    if request.node.get_closest_marker("german"):
        return {**browser_context_args, "locale": "de-DE"}
    return browser_context_args


def pages_for(app, records, role: str) -> list[tuple[str, str]]:
    """(endpoint, URL) of every page the matrix lets the role GET with a 200."""
    return [
        (endpoint, url)
        for endpoint, route in sorted(ROUTES.items())
        if route.get is not None and route.get[role].status == 200
        for url in route.urls(app, endpoint, records)
    ]


def log_in_as(page: Page, app, role: str) -> None:
    """Open the role's session through the login pages (nothing for anonymous)."""
    if role in STAFF:
        log_in_staff(page, app, STAFF[role])
    elif role in PATIENTS:
        page.goto("/login")
        log_in(page, PATIENTS[role])


def walk(page: Page, app, make_user, role: str, *, lang: str = "en-GB") -> None:
    """Open every page the role may see, run check_page on each and report all failures."""
    records = build_records(app, make_user)
    log_in_as(page, app, role)
    pages = pages_for(app, records, role)
    assert pages, f"the matrix gives {role} no page at all"

    checked, failures = [], []
    for endpoint, url in pages:
        answer = page.request.get(url, max_redirects=0)
        if answer.status != 200:
            failures.append(f"{endpoint} {url}: answered {answer.status}, the matrix says 200")
            continue
        if not answer.headers.get("content-type", "").startswith("text/html"):
            continue  # a download (CSV, ZIP, JSON): no page to check
        page.goto(url)
        try:
            check_page(page)
            declared = page.evaluate("document.documentElement.lang")
            assert declared == lang, f"<html lang> is {declared!r}, not {lang!r}"
        except AssertionError as problem:
            failures.append(f"{endpoint} {url}:\n{problem}")
        checked.append(endpoint)

    assert checked, f"no HTML page checked for {role}"
    assert not failures, f"{len(failures)} of {len(pages)} pages failed for {role}:\n\n" + \
        "\n\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_may_see_passes_the_page_checks(page: Page, app, make_user, role):
    walk(page, app, make_user, role)


@pytest.mark.german
@pytest.mark.parametrize("app_config", [{"OFFERED_LOCALES": ("en_GB", "de_DE")}])
@pytest.mark.parametrize("role", ROLES)
def test_every_page_holds_in_german(page: Page, app, make_user, role):
    """The same walk for a browser that asks for German: German dates and words are longer,
    and the layout must hold them at 360 px; the page declares its language."""
    walk(page, app, make_user, role, lang="de-DE")
