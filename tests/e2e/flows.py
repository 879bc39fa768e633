"""Steps many browser tests share, done the way a person does them: by label and button text."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.checks import check_page


def register(
    page: Page,
    email: str = "sam@example.org",
    *,
    password: str = PASSWORD,
    name: str = "Sam",
    time_zone: str = "Europe/Berlin",
    side: str = "Left",
    since: str = "2019",
) -> None:
    """Fill in and send the registration page (checked on the way); ends on the next page."""
    page.goto("/register")
    check_page(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat password").fill(password)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Time zone").select_option(time_zone)
    page.get_by_label("Affected side").select_option(label=side)
    page.get_by_label("Year the spasms began").fill(since)
    page.get_by_role("button", name="Create account").click()


def log_in(page: Page, email: str = "pat@example.org", password: str = PASSWORD) -> None:
    """Fill in the login form the page shows (checked first) and send it."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    check_page(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def flash(page: Page):
    """The status message at the top of the page."""
    return page.get_by_role("status")
