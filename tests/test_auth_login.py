"""Logging in and out, the same answer for every failure, throttling, and ended sessions."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from diary import create_app
from diary.auth.routes import safe_next
from diary.extensions import db
from diary.models import LoginFailure, User, UserSession
from tests.conftest import PASSWORD


def failure_rows(app) -> list[tuple[str, str]]:
    """The throttle's rows as (scope, key)."""
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            sa.select(LoginFailure.scope, LoginFailure.key).order_by(LoginFailure.id)
        )]


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


def test_each_failure_is_recorded_for_the_account_and_the_address(app, make_user, auth):
    make_user()
    auth.login("Pat@example.org", "wrong password")
    assert failure_rows(app) == [("address", "127.0.0.1"), ("account", "pat@example.org")]


def test_throttle_per_account_answers_429_without_checking_the_password(app, make_user):
    make_user()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    # Failures from different addresses still count for the account.
    for i in range(limit):
        client = client_from(app, f"10.0.0.{i}")
        client.post("/login", data={"email": "pat@example.org", "password": "wrong password"})
    fresh = client_from(app, "10.0.1.1")
    response = fresh.post("/login", data={"email": "pat@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert response.headers["Retry-After"] == str(app.config["LOGIN_THROTTLE_WINDOW_MINUTES"] * 60)
    assert fresh.get("/account").status_code == 302
    # Refused before the password was checked: nothing more was counted.
    assert len(failure_rows(app)) == 2 * limit


def test_throttle_answers_the_same_for_an_account_that_does_not_exist(app):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    client = app.test_client()
    for _ in range(limit):
        assert client.post(
            "/login", data={"email": "ghost@example.org", "password": "guess"}
        ).status_code == 200
    response = client.post("/login", data={"email": "ghost@example.org", "password": "guess"})
    assert response.status_code == 429


def test_throttle_per_address_covers_every_account_tried_from_it(app, make_user):
    make_user()
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    attacker = client_from(app, "192.0.2.7")
    for i in range(3):
        attacker.post("/login", data={"email": f"user{i}@example.org", "password": "guess"})
    response = attacker.post("/login", data={"email": "pat@example.org", "password": PASSWORD})
    assert response.status_code == 429
    # Another address is not affected.
    elsewhere = client_from(app, "198.51.100.1")
    assert elsewhere.post(
        "/login", data={"email": "pat@example.org", "password": PASSWORD}
    ).status_code == 302


def test_throttle_state_is_shared_by_every_process_through_the_database(app, make_user):
    make_user()
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 2
    # A second app on the same database stands for another gunicorn worker.
    other_worker = create_app(dict(app.config))
    app.test_client().post("/login", data={"email": "pat@example.org", "password": "guess"})
    other_worker.test_client().post("/login", data={"email": "pat@example.org", "password": "guess"})
    response = app.test_client().post("/login", data={"email": "pat@example.org", "password": PASSWORD})
    assert response.status_code == 429
    with other_worker.app_context():
        db.engine.dispose()


def test_the_throttle_forgets_failures_after_its_window(app, clock, make_user, auth):
    make_user()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        auth.login(password="wrong password")
    assert auth.login().status_code == 429
    clock.advance(minutes=app.config["LOGIN_THROTTLE_WINDOW_MINUTES"], seconds=1)
    assert auth.login().status_code == 302


def test_old_failure_rows_are_pruned_when_new_ones_are_written(app, clock, auth):
    auth.login("a@example.org", "guess")
    clock.advance(minutes=app.config["LOGIN_THROTTLE_WINDOW_MINUTES"], seconds=1)
    auth.login("b@example.org", "guess")
    assert failure_rows(app) == [("address", "127.0.0.1"), ("account", "b@example.org")]


def test_an_invalid_form_is_not_counted_as_a_failure(app, auth):
    response = auth.login("not-an-address", "guess")
    assert response.status_code == 200
    assert failure_rows(app) == []


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
