"""Logging in and out, the same answer for every failure, throttling, and ended sessions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from diary.auth.routes import safe_next
from diary.extensions import db
from diary.models import User, UserSession
from tests.conftest import PASSWORD


def client_from(app, address: str):
    """A test client whose requests come from the given address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def error_text(response) -> str:
    """The message beside the password field."""
    page = response.get_data(as_text=True)
    return page.split('id="password-error"', 1)[1].split("</ul>", 1)[0]


def test_login_with_the_right_password_opens_the_diary(client, make_user, auth):
    make_user()
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/account").status_code == 200


def test_email_case_and_spaces_do_not_matter_at_login(make_user, auth):
    make_user()
    assert auth.login(" PAT@Example.org ").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make_user, auth):
    make_user()
    wrong_password = auth.login(password="not the password")
    unknown_email = auth.login("nobody@example.org")
    assert wrong_password.status_code == unknown_email.status_code == 200
    assert error_text(wrong_password) == error_text(unknown_email)
    assert "The email or password is not right." in error_text(wrong_password)
    assert client.get("/account").status_code == 302


def test_a_deactivated_account_gets_the_same_answer_as_a_wrong_password(app, make_user, auth):
    user_id = make_user()
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    response = auth.login()
    assert response.status_code == 200
    assert "The email or password is not right." in error_text(response)


# How attempts are counted and how long a guesser waits: tests/test_throttle.py.


def test_the_wait_answers_the_same_for_an_account_that_does_not_exist(app, make_user):
    make_user()
    for email in ("pat@example.org", "ghost@example.org"):
        client = client_from(app, "192.0.2.7")
        for _ in range(app.config["THROTTLE_LOGIN_PER_ACCOUNT_AND_ADDRESS"]):
            assert client.post("/login", data={"email": email, "password": "guess"}).status_code == 200
        response = client.post("/login", data={"email": email, "password": "guess"})
        assert (response.status_code, response.headers["Retry-After"]) == (429, "60"), email


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/history", "/history"),
        ("/account?tab=password", "/account?tab=password"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("/\t/evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_next_only_leads_to_pages_of_this_site(app, target, expected):
    with app.test_request_context():
        assert safe_next(target) == expected


def test_login_follows_next_within_the_site(client, make_user):
    make_user()
    response = client.post(
        "/login?next=/history", data={"email": "pat@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/history"


def test_login_refuses_to_send_anyone_to_another_site(client, make_user):
    make_user()
    response = client.post(
        "/login?next=https://evil.example/", data={"email": "pat@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_a_page_that_needs_login_comes_back_after_login(client, make_user):
    make_user()
    response = client.get("/account")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/login?next=")
    response = client.post(login_url, data={"email": "pat@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/account"


def test_logout_requires_post(client, patient):
    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/account").status_code == 302


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_logout_without_the_csrf_token_is_refused(client, make_user):
    make_user()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"email": "pat@example.org", "password": PASSWORD, "csrf_token": token})
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/account").status_code == 302


def test_a_deactivated_user_is_logged_out_on_the_next_request(app, client, patient):
    assert client.get("/account").status_code == 200
    with app.app_context():
        db.session.get(User, patient).active = False
        db.session.commit()
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_session_whose_row_is_gone_is_logged_out(app, client, patient):
    with app.app_context():
        db.session.execute(sa.delete(UserSession).where(UserSession.user_id == patient))
        db.session.commit()
    assert client.get("/account").status_code == 302


def test_the_session_cookie_is_httponly_and_samesite_lax(client, make_user, auth):
    make_user()
    cookie = auth.login().headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
