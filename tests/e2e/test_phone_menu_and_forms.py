"""The header's menu and the long treatment and reminder pages on a phone.

At 360x640 and 390x844 (docs/architecture.md, The site menu): the menu takes one row, keeps
Today and the inbox count in sight and opens and closes, with JavaScript and without it; the
injection form, the medication page and the reminders page put their main action within the
first two screens (docs/clinical.md, Injection sites; docs/reminders.md, The settings page);
and an injection with two sites is recorded with "Add a site", in place with JavaScript and
by sending the form back without it. The app's clock stands at Tuesday, 10 March 2026.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from diary.reminders.delivery.dispatch import dispatch_due
from tests.conftest import PASSWORD
from tests.e2e.checks import (
    check_page,
    check_page_without_js,
)
from tests.e2e.flows import flash, log_in, main_nav, nav_link
from tests.e2e.watch import collect_pending, watch_context
from tests.treatments_support import TreatmentRecorder

PHONES = [pytest.param({"width": 360, "height": 640}, id="360x640"),
          pytest.param({"width": 390, "height": 844}, id="390x844")]
EYELID = "Muscle around the eye, upper lid (orbicularis oculi, pretarsal)"
CHEEK = "Cheek muscle that lifts the mouth corner (zygomaticus)"


@pytest.fixture
def no_js_page(browser: Browser, browser_context_args, browser_problems) -> Iterator[Page]:
    """A phone with JavaScript switched off, watched like the `page` fixture."""
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    watch_page = watch_context(context, browser_problems)
    page = context.new_page()
    watch_page(page)
    yield page
    collect_pending(context, browser_problems)
    context.close()
    report = browser_problems.report()
    if report:
        pytest.fail("The browser saw problems during this test:\n" + report, pytrace=False)


def log_in_without_js(page: Page, twin: Page) -> None:
    """The login form, filled and sent; ends on the home page."""
    page.goto("/login")
    check_page_without_js(page, twin)
    page.get_by_label("Email").fill("pat@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url("/")


def box(page: Page, selector: str) -> dict:
    """An element's box, in page coordinates (scrolled positions included)."""
    return page.evaluate(
        """(selector) => { const r = document.querySelector(selector).getBoundingClientRect();
            return {top: r.top + window.scrollY, bottom: r.bottom + window.scrollY, height: r.height}; }""",
        selector,
    )


def within_two_screens(page: Page, selector: str) -> None:
    """The element ends within the first two screens of the page."""
    limit = 2 * page.viewport_size["height"]
    found = box(page, selector)
    assert found["bottom"] <= limit, f"{selector} ends at {found['bottom']:.0f} px, below {limit} px"


@pytest.mark.parametrize("phone", PHONES)
def test_the_menu_takes_one_row_keeps_today_and_the_inbox_count_and_opens_and_closes(
    page: Page, app, make_user, phone
):
    make_user("pat@example.org")
    with app.app_context():
        dispatch_due(datetime(2026, 3, 10, 19, 0, tzinfo=UTC))  # one unread message
    page.set_viewport_size(phone)
    page.goto("/login")
    log_in(page)
    page.wait_for_load_state("load")  # the header is laid out by its stylesheet

    nav = main_nav(page)
    expect(nav.get_by_role("link", name="Today")).to_be_visible()
    expect(nav.get_by_role("link", name="Inbox 1 unread")).to_be_visible()
    expect(nav.get_by_role("link", name="History")).to_be_hidden()
    row = box(page, ".nav-compact > li:first-child")["height"]
    assert box(page, "nav[aria-label=Main]")["height"] <= row + 1, "the menu wraps to a second row"
    # The app's name shares the row: the whole header is one row, an unread count included.
    assert box(page, ".site-header")["height"] < 1.5 * row, "the header wraps onto a second row"
    # The day strip starts on the first screen.
    assert box(page, ".day-strip")["top"] < phone["height"]
    check_page(page)

    menu = page.locator("details.nav-menu")
    nav.get_by_text("Menu", exact=True).click()
    expect(menu).to_have_attribute("open", "")
    expect(nav.get_by_role("link", name="History")).to_be_visible()
    expect(nav.get_by_role("button", name="Log out")).to_be_visible()
    check_page(page)
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(page.locator("details.nav-menu > summary")).to_be_focused()

    nav.get_by_text("Menu", exact=True).click()
    page.mouse.click(5, phone["height"] - 5)  # a tap outside, below the open list, closes it
    expect(menu).not_to_have_attribute("open", "")

    nav_link(page, "Treatments").click()
    expect(page).to_have_url("/treatments")
    check_page(page)


def test_a_wide_screen_shows_every_link_without_a_menu(page: Page, make_user):
    make_user("pat@example.org")
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto("/login")
    log_in(page)
    page.wait_for_load_state("load")  # the header is laid out by its stylesheet

    nav = main_nav(page)
    for name in ("Today", "History", "Treatments", "My trajectory", "Reminders", "Sharing", "Account"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(nav.get_by_role("button", name="Log out")).to_be_visible()
    expect(nav.get_by_text("Menu", exact=True)).to_be_hidden()


def test_the_menu_opens_without_javascript(no_js_page: Page, twin: Page, make_user):
    page = no_js_page
    make_user("pat@example.org")
    log_in_without_js(page, twin)
    check_page_without_js(page, twin)

    nav = main_nav(page)
    expect(nav.get_by_role("link", name="Reminders")).to_be_hidden()
    nav.get_by_text("Menu", exact=True).click()
    nav.get_by_role("link", name="Reminders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminders")
    check_page_without_js(page, twin)


@pytest.mark.parametrize("phone", PHONES)
def test_the_long_pages_put_their_main_action_within_two_screens(page: Page, app, make_user, phone):
    patient = make_user("pat@example.org")
    recorder = TreatmentRecorder(app, patient)
    recorder.regimen(times_of_day=("08:00", "14:00", "20:00"))
    six_sites = recorder.injection(total_units="60", sites=tuple(
        (muscle, "affected", "10") for muscle in ("oo_pretarsal_upper", "oo_pretarsal_lower",
                                                   "oo_preseptal_upper", "zygomaticus",
                                                   "risorius", "mentalis")))
    page.set_viewport_size(phone)
    page.goto("/login")
    log_in(page)
    page.wait_for_load_state("load")  # the header is laid out by its stylesheet

    page.goto("/treatments/injections/new")
    expect(page.get_by_role("button", name="Save injection")).to_be_visible()
    within_two_screens(page, "main form button.primary[type=submit]")
    check_page(page)

    # An edited injection shows a line per site: six lines still keep Save on the first
    # screen, its buttons held at the bottom of the screen, and Save there is what it taps.
    page.goto(f"/treatments/injections/{six_sites}/edit")
    save = page.locator("main form button.primary[type=submit]")
    assert box(page, "main form button.primary[type=submit]")["bottom"] <= phone["height"]
    expect(save).to_be_in_viewport()
    check_page(page)
    save.click()  # 60 U is more than a session usually takes: the form asks once
    expect(page.get_by_role("checkbox", name="Save anyway")).to_be_visible()
    expect(save).to_be_in_viewport()
    save.click()
    expect(page).to_have_url("/treatments")

    page.goto("/treatments/medication")
    within_two_screens(page, "main form button.primary[type=submit]")
    check_page(page)

    page.goto("/reminders")
    first_switch = page.locator("#check-in").get_by_role("button", name="Switch off Daily diary reminder")
    expect(first_switch).to_be_visible()
    within_two_screens(page, "#check-in button.switch")
    check_page(page)
    first_switch.click()
    expect(flash(page)).to_contain_text("The diary reminder is off. Its settings are kept.")
    expect(page.locator("#check-in")).to_contain_text("Off")
    check_page(page)


def test_add_a_site_reveals_the_next_line_in_place(page: Page, make_user):
    make_user("pat@example.org")
    page.goto("/login")
    log_in(page)
    page.wait_for_load_state("load")  # the header is laid out by its stylesheet
    page.goto("/treatments/injections/new")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    page.get_by_label("Date of the injection").fill("2026-03-02")
    page.get_by_label("Product", exact=True).select_option(label="Botox (onabotulinumtoxinA)")
    page.get_by_label("Total units").fill("12")
    page.get_by_label("Site 1: muscle").select_option(label=EYELID)
    page.get_by_label("Site 1: units").fill("10")
    expect(page.get_by_label("Site 2: muscle")).to_have_count(0)
    page.get_by_role("button", name="Add a site").click()
    expect(page.get_by_label("Site 2: muscle")).to_be_focused()
    assert posts == []  # nothing was sent: the line came in place
    expect(page.get_by_label("Site 1: units")).to_have_value("10")
    check_page(page)
    page.get_by_label("Site 2: muscle").select_option(label=CHEEK)
    page.get_by_label("Site 2: units").fill("2")
    page.get_by_role("button", name="Save injection").click()

    expect(page).to_have_url("/treatments")
    expect(flash(page)).to_contain_text("Injection saved.")
    expect(page.get_by_role("main")).to_contain_text(f"Sites: {EYELID}: 10 U; {CHEEK}: 2 U")
    check_page(page)


def test_an_injection_with_two_sites_is_recorded_without_javascript(
    no_js_page: Page, twin: Page, make_user
):
    page = no_js_page
    make_user("pat@example.org")
    log_in_without_js(page, twin)
    nav_link(page, "Treatments").click()
    page.get_by_role("link", name="Add injection").click()
    expect(page).to_have_url("/treatments/injections/new")
    check_page_without_js(page, twin)

    page.get_by_label("Date of the injection").fill("2026-03-02")
    page.get_by_label("Product", exact=True).select_option(label="Botox (onabotulinumtoxinA)")
    page.get_by_label("Total units").fill("12")
    page.get_by_label("Site 1: muscle").select_option(label=EYELID)
    page.get_by_label("Site 1: units").fill("10")
    page.get_by_role("button", name="Add a site").click()

    # The same form again, one line more, everything typed kept, nothing saved.
    expect(page).to_have_url("/treatments/injections/new")
    expect(page.get_by_label("Site 2: muscle")).to_be_visible()
    expect(page.get_by_label("Site 1: muscle")).to_have_value("oo_pretarsal_upper")
    expect(page.get_by_label("Site 1: units")).to_have_value("10")
    expect(page.get_by_label("Total units")).to_have_value("12")
    expect(page.get_by_label("Date of the injection")).to_have_value("2026-03-02")
    check_page_without_js(page, twin)
    page.get_by_label("Site 2: muscle").select_option(label=CHEEK)
    page.get_by_label("Site 2: side").select_option(label="Other side")
    page.get_by_label("Site 2: units").fill("2")
    page.get_by_role("button", name="Save injection").click()

    expect(page).to_have_url("/treatments")
    expect(flash(page)).to_contain_text("Injection saved.")
    expect(page.get_by_role("main")).to_contain_text(
        re.compile(rf"Sites: {re.escape(EYELID)}: 10 U; {re.escape(CHEEK)} \(other side\): 2 U")
    )
    check_page_without_js(page, twin)
