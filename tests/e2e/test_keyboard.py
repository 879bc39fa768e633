"""The diary works by keyboard alone, and the keyboard's focus is always visible.

A patient who cannot use a mouse or a touch screen logs in, goes from the home page to the
detailed check-in with Tab, enters the number of spasms, rates the severity with the arrow
keys and saves with Enter, then opens the saved day again. Nothing is clicked: only
`page.keyboard`. Every element the Tab key reaches must show a focus indicator (an outline
or a box-shadow), the buttons included. Every page is checked with axe-core and at 360 px.

A date input is the one element whose focus the computed style cannot show: Chromium gives
its calendar button a Tab stop of its own, inside the input's shadow tree, where app.css's
`:focus-visible` ring does not reach and the input itself is not `:focus`. The browser draws its
own ring around the button there; `tab_to` lets that stop through, and
`test_date_input_calendar_button_shows_its_focus` checks with screenshots that a ring is drawn.
"""

import re

from playwright.sync_api import Locator, Page, expect

from tests.conftest import PASSWORD
from tests.e2e.checks import check_page
from tests.e2e.flows import flash, log_in

TAB_LIMIT = 80

# The focused element, named for a failure message, and how its focus is drawn.
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const text = (el.labels && el.labels.length ? el.labels[0].innerText : el.innerText || "")
        .trim().replace(/\\s+/g, " ").slice(0, 60);
    return {
        element: `${el.tagName.toLowerCase()}${el.type ? "[type=" + el.type + "]" : ""} "${text}"`,
        // The calendar button inside a date input: the input is active without being :focus.
        calendarButton: el.type === "date" && !el.matches(":focus") && el.matches(":focus-within"),
        tag: el.tagName.toLowerCase(),
        outlineStyle: style.outlineStyle,
        outlineWidth: parseFloat(style.outlineWidth) || 0,
        boxShadow: style.boxShadow,
    };
}"""


def focus_is_visible(focused: dict) -> bool:
    """An outline that is drawn, or a box-shadow."""
    outlined = focused["outlineStyle"] != "none" and focused["outlineWidth"] > 0
    return outlined or focused["boxShadow"] not in ("", "none")


def tab_to(page: Page, target: Locator, *, within: bool = False) -> list[dict]:
    """Press Tab until the target (or, with `within`, an element inside it) has the focus.

    Asserts that every element reached on the way shows a visible focus indicator, and
    returns them in order. A date input's calendar button is checked by screenshots instead
    (see the module's docstring).
    """
    test = (
        "(el) => el.contains(document.activeElement)"
        if within
        else "(el) => el === document.activeElement"
    )
    reached: list[dict] = []
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused is not None:
            reached.append(focused)
            assert focused["calendarButton"] or focus_is_visible(focused), (
                f"On {page.url} the keyboard focus is not visible on {focused['element']}: "
                f"outline-style {focused['outlineStyle']}, outline-width "
                f"{focused['outlineWidth']} px, box-shadow {focused['boxShadow']}"
            )
        if target.evaluate(test):
            return reached
    names = ", ".join(f["element"] for f in reached[-10:])
    raise AssertionError(
        f"{TAB_LIMIT} presses of Tab on {page.url} never reached {target}; last: {names}"
    )


def test_check_in_by_keyboard_alone(page: Page, make_user):
    make_user("pat@example.org", affected_side="left")

    # Log in: Tab to each field, type, Enter sends the form.
    page.goto("/")
    check_page(page)
    tab_to(page, page.get_by_role("main").get_by_role("link", name="Log in"))
    page.keyboard.press("Enter")
    expect(page).to_have_url("/login")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type("pat@example.org")
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url("/")
    expect(page.get_by_text("Today is not logged yet.")).to_be_visible()
    check_page(page)

    # From the top of the home page to "Log today in detail", past the header, the steppers
    # and the count box's Save button.
    detail = page.get_by_role("link", name="Log today in detail")
    reached = tab_to(page, detail)
    buttons = [f["element"] for f in reached if f["tag"] == "button"]
    # On a phone the header's other links and "Log out" wait behind "Menu" (docs/architecture.md).
    assert any(f["tag"] == "summary" and "Menu" in f["element"] for f in reached), reached
    assert any("One fewer" in b or "\u2212" in b for b in buttons), reached
    assert any("Save" in b for b in buttons), reached
    page.keyboard.press("Enter")
    expect(page).to_have_url("/checkin")
    expect(page.get_by_label("Date", exact=True)).to_have_value("2026-03-10")
    check_page(page)

    # The number of spasms, then the folded detail opened with Enter, and a severity chosen
    # with the arrow keys.
    tab_to(page, page.get_by_label("Number of spasms"))
    page.keyboard.type("7")
    more = page.locator("summary", has_text="More detail (optional)")
    tab_to(page, more)
    page.keyboard.press("Enter")
    severity = page.get_by_role("group", name="How strong were the spasms? (Jankovic severity)")
    tab_to(page, severity, within=True)
    two = severity.get_by_role("radio", name=re.compile(r"^2\b"))
    for _ in range(6):
        if two.is_checked():
            break
        page.keyboard.press("ArrowDown")
    expect(two).to_be_checked()
    expect(two).to_be_focused()

    # On to the button at the end of the detail, whose focus must show, and Enter saves.
    save = page.get_by_role("button", name="Save all")
    tab_to(page, save)
    expect(save).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url("/")
    expect(flash(page)).to_contain_text("Saved Tuesday, 10 March 2026: 7 spasms.")
    expect(page.get_by_text("Logged today: 7 spasms.")).to_be_visible()
    check_page(page)

    # The saved day opens again from the home page with what was entered.
    tab_to(page, page.get_by_role("link", name="Change today's check-in"))
    page.keyboard.press("Enter")
    expect(page).to_have_url("/checkin?day=2026-03-10")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check-in for Tuesday, 10 March 2026")
    expect(page.get_by_label("Number of spasms")).to_have_value("7")
    severity = page.get_by_role("group", name="How strong were the spasms? (Jankovic severity)")
    expect(severity.get_by_role("radio", name=re.compile(r"^2\b"))).to_be_checked()
    check_page(page)


def test_date_input_calendar_button_shows_its_focus(page: Page, make_user):
    make_user("pat@example.org", affected_side="left")
    page.goto("/login")
    log_in(page, "pat@example.org")
    page.goto("/checkin")
    check_page(page)
    date = page.get_by_label("Date", exact=True)
    tab_to(page, date)
    for _ in range(4):  # day, month, year, then the calendar button
        if page.evaluate(FOCUSED)["calendarButton"]:
            break
        page.keyboard.press("Tab")
    focused = page.evaluate(FOCUSED)
    assert focused["calendarButton"], f"no calendar button reached: {focused['element']}"
    # Whatever draws the focus, the input must look different once the focus has left it.
    # The input and a margin around it, in page coordinates: moving the focus may scroll.
    top, height = date.evaluate(
        "el => [el.getBoundingClientRect().top + window.scrollY, el.offsetHeight]"
    )
    around = {"x": 0, "y": top - 12, "width": 360, "height": height + 24}
    with_focus = page.screenshot(clip=around, full_page=True)
    page.keyboard.press("Tab")  # on to the number of spasms, further down
    expect(page.get_by_label("Number of spasms")).to_be_focused()
    without_focus = page.screenshot(clip=around, full_page=True)
    unchanged = with_focus == without_focus
    assert not unchanged, "nothing shows that the date input's calendar button has the focus"
