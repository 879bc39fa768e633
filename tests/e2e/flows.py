"""Steps many browser tests share, done the way a person does them: by label and button text."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import Locator, Page, expect

from diary.extensions import db
from tests.conftest import PASSWORD
from tests.e2e.checks import check_page


def register(
    page: Page,
    mailbox,
    email: str = "sam@example.org",
    *,
    password: str = PASSWORD,
    name: str = "Sam",
    time_zone: str = "Europe/Berlin",
    side: str = "Left",
    since: str = "2019",
) -> None:
    """Register in both steps (each page checked on the way); ends on the page after the second.

    The address goes in first; the link to finish comes by mail (the test's outbox), and its
    page asks for the password and the rest.
    """
    page.goto("/register")
    check_page(page)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check_page(page)
    page.goto(mailbox.link(mailbox.last(to=email), "/register/finish/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Finish creating your account")
    check_page(page)
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
    expect(log_out_button(page)).to_be_attached()


def flash(page: Page):
    """The status message at the top of the page."""
    return page.get_by_role("status")


def log_in_staff(page: Page, app, email: str, password: str = PASSWORD) -> None:
    """Log a clinician or administrator in through the real pages, second factor included.

    On the first login the secret is read from the enrolment page (the recovery codes page is
    checked and passed); later, codes come from the stored secret. Codes are computed with
    pyotp at the app's frozen clock; a code works once, so when the clock's steps are spent
    the clock moves on by whole steps.
    """
    import pyotp

    from diary.auth import second_factor
    from diary.models import User

    def totp(secret: str) -> str:
        clock = app.config["CLOCK"]
        with app.app_context():
            user = db.session.scalar(sa.select(User).where(User.email == email))
            now, last = second_factor.current_step(), user.totp_last_step
        if last is not None and last >= now + 1:
            clock.advance(seconds=second_factor.STEP_SECONDS * (last - now))
            now = last
        step = now if last is None or last < now else last + 1
        return pyotp.TOTP(secret).at(step * second_factor.STEP_SECONDS)

    page.goto("/login")
    log_in_form(page, email, password)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile("Enter your code|Set up your second factor"))
    check_page(page)
    if heading.inner_text() == "Set up your second factor":
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        page.get_by_label("Code", exact=True).fill(totp(secret))
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
        check_page(page)
        page.get_by_role("link", name="I have kept them: continue").click()
    else:
        with app.app_context():
            secret = db.session.scalar(sa.select(User.totp_secret).where(User.email == email))
        page.get_by_label("Code", exact=True).fill(totp(secret))
        page.get_by_role("button", name="Continue").click()
    expect(log_out_button(page)).to_be_attached()


def log_in_form(page: Page, email: str, password: str) -> None:
    """Fill in and send the login form (checked first), whatever comes next."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    check_page(page)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def main_nav(page: Page) -> Locator:
    """The header's navigation."""
    return page.get_by_role("navigation", name="Main")


def open_menu(page: Page) -> None:
    """Open the header's "Menu" when the page shows it (under 600 px most links are behind it)."""
    menu = page.locator("details.nav-menu")
    if menu.count() and menu.is_visible() and menu.get_attribute("open") is None:
        main_nav(page).get_by_text("Menu", exact=True).click()
        expect(menu).to_have_attribute("open", "")


def nav_link(page: Page, name: str) -> Locator:
    """A link of the header's navigation, the menu opened first if it hides it."""
    open_menu(page)
    return main_nav(page).get_by_role("link", name=name, exact=True)


def log_out_button(page: Page) -> Locator:
    """The header's "Log out" (present whether or not the phone's menu is open)."""
    return page.locator("header form[action='/logout'] button").first


def log_out(page: Page) -> None:
    """Log out from the header, through the menu on a phone."""
    open_menu(page)
    main_nav(page).get_by_role("button", name="Log out").click()
