"""A day logged from the home page on a phone: two taps and some typing, no scrolling.

The patient opens the app on a 360x640 and on a 390x844 phone and logs today's number of
spasms, then yesterday's, from the home page's count box. Each takes at most two taps (the
number box or a day of the strip, then Save) and the page never scrolls. The Save button must
lie in the top half of the screen: once the number has the focus a phone's keyboard covers
the rest (headless Chromium shows none, so the test measures instead).

Positions are measured on the whole screen, the site's header and menu included.

Also here: the same day logged with JavaScript off (the box is a plain number field, the
detail a plain <details>), and "Time a spasm", driven by Playwright's clock (never a sleep).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.checks import check_page, check_page_without_js
from tests.e2e.flows import flash, log_out_button
from tests.journal_helpers import check_ins, day_numbers, episodes

TODAY = date(2026, 3, 10)
YESTERDAY = date(2026, 3, 9)
PHONES = [pytest.param({"width": 360, "height": 640}, id="360x640"), pytest.param({"width": 390, "height": 844}, id="390x844")]
def assert_unscrolled(page: Page) -> None:
    """The page has not moved."""
    assert page.evaluate("() => window.scrollY") == 0, "the page scrolled"


def assert_in_top_half(page: Page, target: Locator) -> None:
    """The element's whole box lies in the top half of the screen, the page unscrolled."""
    assert_unscrolled(page)
    box = target.bounding_box()
    assert box is not None
    half = page.viewport_size["height"] / 2
    bottom = box["y"] + box["height"]
    assert bottom <= half, f"{target} ends at {bottom:.0f} px, below the top half ({half:.0f} px)"


def assert_on_first_screen(page: Page, target: Locator) -> None:
    """The element's whole box lies on the first screen, the page unscrolled."""
    assert_unscrolled(page)
    box = target.bounding_box()
    assert box is not None
    bottom = box["y"] + box["height"]
    height = page.viewport_size["height"]
    assert bottom <= height, f"{target} ends at {bottom:.0f} px, below the screen ({height} px)"


def open_home(page: Page, make_user, viewport: dict, *, twin: Page | None = None) -> None:
    """A patient who began in 2019, logged in, on the home page at the given size."""
    def checked(page: Page) -> None:
        check_page(page) if twin is None else check_page_without_js(page, twin)

    make_user("pat@example.org", symptoms_since_year=2019, affected_side="left")
    page.set_viewport_size(viewport)
    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    checked(page)
    page.get_by_label("Email").fill("pat@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(log_out_button(page)).to_be_attached()
    page.goto("/")
    checked(page)


@pytest.mark.parametrize("viewport", PHONES)
def test_a_count_is_logged_from_home_for_today_and_yesterday_in_two_taps_without_scrolling(
    page: Page, make_user, app, viewport
):
    open_home(page, make_user, viewport)
    save = page.get_by_role("button", name="Save", exact=True)

    # Today: tap the number box, type, tap Save.
    taps = 0
    number = page.get_by_label("How many spasms today?")
    assert_in_top_half(page, save)
    number.click()
    taps += 1
    page.keyboard.type("12")
    assert_in_top_half(page, save)
    save.click()
    taps += 1
    expect(flash(page)).to_contain_text("Saved Tuesday, 10 March 2026: 12 spasms.")
    assert taps == 2
    check_page(page)

    # Yesterday: tap it in the strip (the box takes it, and the focus), type, tap Save.
    taps = 0
    yesterday = page.get_by_role("link", name=re.compile(r"^Mon 9 Mar"))
    assert_on_first_screen(page, yesterday)
    yesterday.click()
    taps += 1
    expect(page).to_have_url("/?day=2026-03-09")
    number = page.get_by_label("How many spasms that day?")
    expect(number).to_be_focused()
    expect(page.locator(".count-label")).to_contain_text("Monday, 9 March 2026")
    page.keyboard.type("5")
    assert_in_top_half(page, save)
    save.click()
    taps += 1
    expect(flash(page)).to_contain_text("Saved Monday, 9 March 2026: 5 spasms.")
    assert taps == 2
    assert_unscrolled(page)
    check_page(page)

    assert day_numbers(app, 1, YESTERDAY, TODAY) == {YESTERDAY: 5, TODAY: 12}
    # The strip shows both days, and Enter in the box saves as well.
    expect(page.get_by_role("link", name=re.compile(r"^Mon 9 Mar: 5 spasms"))).to_be_visible()
    page.get_by_label("How many spasms today?").fill("13")
    page.keyboard.press("Enter")
    expect(flash(page)).to_contain_text("Saved Tuesday, 10 March 2026: 13 spasms.")
    check_page(page)


def test_the_steppers_count_up_and_down_and_the_count_is_saved(page: Page, make_user, app):
    open_home(page, make_user, {"width": 360, "height": 640})
    number = page.get_by_label("How many spasms today?")
    more = page.get_by_role("button", name="One more")
    fewer = page.get_by_role("button", name="One fewer")

    more.click()
    more.click()
    more.click()
    fewer.click()
    expect(number).to_have_value("2")
    for _ in range(3):
        fewer.click()
    expect(number).to_have_value("0")  # never below 0
    more.click()
    page.get_by_role("button", name="Save", exact=True).click()

    expect(flash(page)).to_contain_text("Saved Tuesday, 10 March 2026: 1 spasm.")
    assert [(r.day, r.spasm_count) for r in check_ins(app)] == [(TODAY, 1)]
    check_page(page)


@pytest.mark.parametrize("viewport", PHONES)
def test_the_check_in_puts_the_count_and_save_on_the_first_screen(page: Page, make_user, viewport):
    open_home(page, make_user, viewport)
    page.goto("/checkin?day=2026-03-09")
    check_page(page)

    assert_on_first_screen(page, page.get_by_role("button", name="Save check-in"))
    expect(page.get_by_text("Press Enter or Save")).to_be_visible()
    expect(page.get_by_label("How strong were the spasms?", exact=False).first).to_be_hidden()


def test_a_spasm_timed_on_the_home_page_is_saved_to_the_second(page: Page, make_user, app):
    page.clock.install()
    open_home(page, make_user, {"width": 390, "height": 844})

    page.get_by_role("button", name="Time a spasm").click()
    page.clock.run_for(23_400)
    expect(page.locator("[data-timer-display]")).to_have_text("23 s")
    page.get_by_role("button", name="It stopped: save").click()

    expect(flash(page)).to_contain_text("Saved: a spasm that lasted 23 seconds.")
    (episode,) = episodes(app)
    assert episode.duration_seconds == 23
    check_page(page)


def test_the_length_pages_stopwatch_saves_the_seconds_it_showed(page: Page, make_user, app):
    page.clock.install()
    open_home(page, make_user, {"width": 360, "height": 640})
    page.get_by_role("button", name="Spasm now").click()
    expect(page).to_have_url(re.compile(r"/episodes/\d+$"))
    check_page(page)

    page.get_by_role("button", name="Start timer").click()
    page.clock.run_for(7_800)
    expect(page.locator("[data-timer-display]")).to_have_text("7 s")
    page.get_by_role("button", name="Stop timer").click()
    expect(page.get_by_label("How long did it last")).to_have_value("7")
    page.get_by_role("button", name="Save length").click()

    expect(flash(page)).to_contain_text("Saved: the spasm lasted 7 seconds.")
    (episode,) = episodes(app)
    assert episode.duration_seconds == 7
    check_page(page)


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_without_javascript_a_count_and_a_detailed_check_in_are_logged(
    page: Page, twin: Page, make_user, app
):
    open_home(page, make_user, {"width": 360, "height": 640}, twin=twin)
    # No steppers, no timer: a plain number box and its Save button.
    expect(page.get_by_role("button", name="One more")).to_be_hidden()
    expect(page.get_by_role("button", name="Time a spasm")).to_be_hidden()

    page.get_by_label("How many spasms today?").fill("4")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(flash(page)).to_contain_text("Saved Tuesday, 10 March 2026: 4 spasms.")
    check_page_without_js(page, twin)

    # Yesterday in detail: the strip's day, then its check-in, the detail opened by hand.
    page.get_by_role("link", name=re.compile(r"^Mon 9 Mar")).click()
    page.get_by_role("link", name="Add detail to 9 March").click()
    expect(page.get_by_label("Date", exact=True)).to_have_value("2026-03-09")
    check_page_without_js(page, twin)
    page.get_by_label("Number of spasms").fill("7")
    page.get_by_text("More detail (optional)").click()
    severity = page.get_by_role("group", name="How strong were the spasms? (Jankovic severity)")
    severity.get_by_role("radio", name=re.compile(r"^3\b")).check()
    page.get_by_role("group", name="Where on your face?").get_by_role("checkbox", name=re.compile("^Eye")).check()
    page.get_by_label("Note").fill("Windy walk")
    page.get_by_role("button", name="Save all").click()
    expect(flash(page)).to_contain_text("Saved Monday, 9 March 2026: 7 spasms.")
    check_page_without_js(page, twin)

    rows = {r.day: r for r in check_ins(app)}
    assert rows[TODAY].spasm_count == 4
    assert (rows[YESTERDAY].spasm_count, rows[YESTERDAY].jrs_severity) == (7, 3)
    assert (rows[YESTERDAY].regions, rows[YESTERDAY].note) == (["eye"], "Windy walk")

    # The saved detail opens by itself when the day is opened again.
    page.goto("/checkin?day=2026-03-09")
    expect(page.get_by_label("Note")).to_have_value("Windy walk")
    check_page_without_js(page, twin)
