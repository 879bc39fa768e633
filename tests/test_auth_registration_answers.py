"""Registration does not reveal who has an account: the answers compared byte for byte, the mail
read off a real SMTP server (aiosmtpd on loopback), CSRF on as in production.

Whether someone keeps a hemifacial-spasm diary is health data (docs/security.md, Registration).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from diary.admin import services as admin_services
from diary.auth.services import find_user_by_email
from tests.conftest import PASSWORD

ADDRESS = "nora@example.org"
TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


@pytest.fixture
def app_config(sink) -> dict:
    """The app mails through the sink; CSRF is on, as in production."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": sink.port, "WTF_CSRF_ENABLED": True}


def start(app, email: str):
    """Step one as a browser does it: a new visitor loads the form and sends the address.

    Returns the answer, the answer with its CSRF token (if any) blanked, and the client.
    """
    client = app.test_client()
    form = client.get("/register").get_data(as_text=True)
    token = TOKEN.search(form).group(1)
    response = client.post("/register", data={"email": email, "csrf_token": token})
    body = response.get_data(as_text=True).replace(token, "CSRF")
    return response, body, client


def answer(response, body: str, *, ignore: tuple[str, ...] = ()) -> tuple:
    """What a visitor can observe of an answer, CSRF token and session cookie aside."""
    ignore = ("Set-Cookie", *ignore)
    headers = sorted((k, v) for k, v in response.headers.items() if k not in ignore)
    return response.status_code, headers, "Set-Cookie" in response.headers, body


def session_of(app, client) -> dict:
    """The signed session cookie the browser now holds, decoded."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def deactivate(app, email: str) -> None:
    """Close the account as an administrator does."""
    with app.test_request_context():
        admin_services.deactivate(find_user_by_email(email))


def test_new_taken_deactivated_and_undeliverable_addresses_get_the_same_answer(
    app, make_user, sink
):
    # One address through every state, so even the echoed address is the same; four
    # attempts for one email, one more than the throttle lets pass at once.
    app.config["THROTTLE_REGISTRATION_PER_EMAIL"] = 4
    answers, clients = {}, {}
    for state in ("new but refused by the mail server", "new", "taken", "deactivated"):
        sink.refuse_rcpt = "550 5.1.1 No such mailbox" if "refused" in state else None
        if state == "taken":
            make_user(ADDRESS, role="clinician")
        elif state == "deactivated":
            deactivate(app, ADDRESS)
        response, body, clients[state] = start(app, ADDRESS)
        answers[state] = answer(response, body)
        # The cookie holds the anonymous visitor's CSRF token (and Flask-Login's "_fresh" mark,
        # which it adds to any non-empty anonymous session) but no session: nobody is logged in.
        assert set(session_of(app, clients[state])) == {"csrf_token", "_fresh"}, state

    first = answers["new"]
    assert first[0] == 200 and "Check your email" in first[-1]
    for state, observed in answers.items():
        assert observed == first, f"the answer for a {state} address differs"
    for state, client in clients.items():
        assert client.get("/account").status_code == 302, state


def test_any_two_addresses_get_the_same_answer_but_for_the_address_itself(app, make_user):
    make_user("pat@example.org")
    seen = []
    for email in ("pat@example.org", "someone.new+diary@mail.example.org"):
        response, body, _ = start(app, email)
        # The page echoes the address typed (so a typo shows), hence its length differs too.
        seen.append(answer(response, body.replace(email, "EMAIL"), ignore=("Content-Length",)))
    assert seen[0] == seen[1]


def test_each_case_mails_what_it_should_on_the_wire(app, make_user, sink):
    make_user("pat@example.org")
    make_user("dr@example.org", role="clinician")
    deactivate(app, "dr@example.org")

    for email in (ADDRESS, "pat@example.org", "dr@example.org"):
        start(app, email)

    # The new address gets the link to finish; the owner the notice; the closed account nothing.
    assert [(m["To"], m["Subject"]) for m in sink.received] == [
        (ADDRESS, "Finish creating your account"),
        ("pat@example.org", "Someone tried to create an account with your email address"),
    ]
    link, notice = (m.get_body(preferencelist=("plain",)).get_content() for m in sink.received)
    assert "/register/finish/" in link
    assert "/register/finish/" not in notice and "/login" in notice and "/password/forgot" in notice


def test_the_link_from_the_mail_server_finishes_the_registration_with_csrf(app, sink):
    start(app, ADDRESS)
    (message,) = sink.received
    text = message.get_body(preferencelist=("plain",)).get_content()
    path = urlsplit(re.search(r"https?://\S+/register/finish/\S+", text).group(0)).path
    browser = app.test_client()
    token = TOKEN.search(browser.get(path).get_data(as_text=True)).group(1)

    response = browser.post(path, data={
        "csrf_token": token, "password": PASSWORD, "password_repeat": PASSWORD,
        "display_name": "Nora", "timezone": "UTC", "affected_side": "right",
    })

    assert (response.status_code, response.location) == (302, "/")
    assert browser.get("/account").status_code == 200
    with app.app_context():
        assert find_user_by_email(ADDRESS).email_verified
