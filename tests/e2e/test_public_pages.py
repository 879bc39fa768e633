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
    for label in ("Email", "Repeat password", "Your name", "Time zone", "Affected side",
                  "Year the spasms began"):
        expect(page.get_by_label(label)).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Create account")).to_be_visible()
    check_page(page)


def test_home_page_asks_a_visitor_to_log_in(page: Page):
    page.goto("/")
    expect(page).to_have_url("/login?next=%2F")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    check_page(page)
