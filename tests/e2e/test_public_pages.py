"""The pages a visitor sees before logging in: they load cleanly, pass axe and fit a phone."""

import pytest
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


def first_screen_facts(page: Page) -> dict:
    """Where the landing page's parts end, against the window's height."""
    return page.evaluate(
        """() => {
            const bottom = (el) => el ? el.getBoundingClientRect().bottom + window.scrollY : null;
            const main = document.querySelector("main");
            const link = (name) => [...main.querySelectorAll("a")].find((a) => a.textContent.trim() === name);
            return {
                window: window.innerHeight,
                height: document.documentElement.scrollHeight,
                lead: bottom(main.querySelector(".landing-lead")),
                what: bottom(main.querySelector(".landing-what")),
                register: bottom(link("Register")),
                login: bottom(link("Log in")),
                clinic: bottom(main.querySelector(".landing-clinic")),
            };
        }"""
    )


@pytest.mark.parametrize("size", [(360, 640), (390, 844)], ids=["360x640", "390x844"])
def test_a_visitor_sees_in_one_screen_what_the_app_is_for_whom_and_the_way_in(page: Page, size):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    page.goto("/")
    expect(page).to_have_url("/")
    expect(page).to_have_title("A diary for hemifacial spasm · Spasm Diary")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("A diary for hemifacial spasm")
    expect(main).to_contain_text("For people with hemifacial spasm")
    expect(main).to_contain_text("microvascular decompression, MVD")
    expect(main).to_contain_text("for their clinics")
    expect(main).not_to_contain_text("Please log in to continue")
    check_page(page)

    facts = first_screen_facts(page)
    # What it is, for whom, and both ways in end above the fold: nothing needs a scroll.
    for part in ("lead", "what", "register", "login", "clinic"):
        assert facts[part] is not None, part
        assert facts[part] <= facts["window"], f"{part} ends at {facts[part]} px, below {facts}"

    main.get_by_role("link", name="Register", exact=True).click()
    expect(page).to_have_url("/register")
    page.go_back()
    main.get_by_role("link", name="Log in").click()
    expect(page).to_have_url("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")


def test_a_page_behind_the_login_still_asks_a_visitor_to_log_in(page: Page):
    page.goto("/history")
    expect(page).to_have_url("/login?next=%2Fhistory")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    check_page(page)
