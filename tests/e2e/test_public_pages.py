"""The pages a visitor sees before logging in: they load cleanly, pass axe and fit a phone."""

from playwright.sync_api import Page, expect

from tests.e2e.checks import check_page


def test_login_page(page: Page):
    page.goto("/login")
    expect(page).to_have_title("Log in · Spasm Diary")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_label("Email")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    check_page(page)


def test_register_page(page: Page):
    page.goto("/login")
    page.get_by_role("link", name="Register").first.click()
    expect(page).to_have_url("/register")
    expect(page.get_by_label("Email")).to_be_visible()
    expect(page.get_by_role("button", name="Send the link")).to_be_visible()
    check_page(page)


def test_finishing_registration_from_the_mailed_link(page: Page, mailbox):
    page.goto("/register")
    page.get_by_label("Email").fill("nora@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check_page(page)
    page.goto(mailbox.link(mailbox.last(to="nora@example.org"), "/register/finish/"))
    for label in ("Repeat password", "Your name", "Time zone", "Affected side",
                  "Year the spasms began"):
        expect(page.get_by_label(label)).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Create account")).to_be_visible()
    # The browser's own zone (Berlin) is chosen for the person, as registration always did.
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    check_page(page)


def test_an_expired_registration_link_offers_to_start_again(page: Page, mailbox, clock, live_server):
    page.goto("/register")
    page.get_by_label("Email").fill("nora@example.org")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    clock.advance(seconds=live_server.app.config["REGISTRATION_LINK_MAX_AGE"] + 1)
    page.goto(mailbox.link(mailbox.last(to="nora@example.org"), "/register/finish/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    check_page(page)
    page.get_by_role("link", name="Start again").click()
    expect(page).to_have_url("/register")


def test_home_page_asks_a_visitor_to_log_in(page: Page):
    page.goto("/")
    expect(page).to_have_url("/login?next=%2F")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    check_page(page)
