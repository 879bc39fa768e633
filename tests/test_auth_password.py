"""Changing the password, and resetting it by a single-use emailed link."""

from __future__ import annotations

import sqlalchemy as sa

from diary.auth import tokens
from diary.extensions import db
from diary.models import ThrottleBucket, User
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def change(client, current=PASSWORD, new=NEW_PASSWORD, repeat=None):
    """Post the change-password form of the account page."""
    return client.post("/account/password", data={
        "current_password": current, "password": new, "password_repeat": repeat or new,
    })


def logged_in(client) -> bool:
    """Whether the client's session opens the account page."""
    return client.get("/account").status_code == 200


def login(app, email="pat@example.org", password=PASSWORD):
    """A new client (another device) logged in."""
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def credentials(app, user_id: int) -> tuple[str, str]:
    """The account's password hash and the key its emailed links carry: what a change replaces."""
    with app.app_context():
        user = db.session.get(User, user_id)
        return user.password_hash, user.token_key


# Changing the password ---------------------------------------------------------------------


def test_password_change_ends_other_sessions(app, make_user):
    make_user()
    phone, laptop = login(app), login(app)
    response = change(phone)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert logged_in(phone)
    assert not logged_in(laptop)


def test_after_a_change_only_the_new_password_opens_the_account(app, make_user):
    make_user()
    change(login(app))
    assert app.test_client().post(
        "/login", data={"email": "pat@example.org", "password": PASSWORD}
    ).status_code == 200
    login(app, password=NEW_PASSWORD)


def test_a_wrong_current_password_is_explained_and_changes_nothing(app, client, patient):
    before = credentials(app, patient)
    response = change(client, current="not my password")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Your current password is not right." in page.split('id="current_password-error"')[1]
    assert credentials(app, patient) == before
    assert logged_in(client)
    login(app)


def test_a_wrong_current_password_counts_towards_the_throttle(app, client, patient):
    before = credentials(app, patient)
    app.config["THROTTLE_LOGIN_PER_ACCOUNT_AND_ADDRESS"] = 2
    change(client, current="guess one")
    change(client, current="guess two")
    assert change(client).status_code == 429
    assert credentials(app, patient) == before


def test_new_password_must_be_long_enough_and_repeated(app, client, patient):
    before = credentials(app, patient)
    short = change(client, new="short")
    assert "Use between 8 and 128 characters." in short.get_data(as_text=True)
    mismatch = change(client, repeat="something else entirely")
    assert "The two passwords are not the same." in mismatch.get_data(as_text=True)
    assert credentials(app, patient) == before


def test_the_password_form_needs_login(client):
    assert client.post("/account/password", data={}).status_code == 302


# Resetting it by email ---------------------------------------------------------------------


def request_reset(client, email="pat@example.org"):
    """Post the forgotten-password form."""
    return client.post("/password/forgot", data={"email": email})


def reset_path(client, mailbox, email="pat@example.org") -> str:
    """Ask for a reset and return the link's path from the mail."""
    request_reset(client, email)
    return mailbox.link(mailbox.last(email), "/reset/")


def choose(client, password=NEW_PASSWORD, repeat=None):
    """Post the new-password form."""
    return client.post("/password/new", data={"password": password, "password_repeat": repeat or password})


def test_reset_request_gets_the_same_answer_for_every_address(client, make_user, mailbox):
    make_user("pat@example.org")
    make_user("unverified@example.org", verified=False)
    answers = []
    for email in ("pat@example.org", "unverified@example.org", "nobody@example.org"):
        response = request_reset(client, email)
        assert response.status_code == 302
        assert response.headers["Location"] == "/login"
        page = client.get("/login").get_data(as_text=True)
        answers.append(page.replace(email, "EMAIL"))
    assert answers[0] == answers[1] == answers[2]
    # Mailed only to the verified address.
    assert [m["To"] for m in mailbox.messages()] == ["pat@example.org"]
    assert mailbox.last()["Subject"] == "Reset your password"


def test_reset_link_moves_the_token_out_of_the_url(client, make_user, mailbox):
    make_user()
    path = reset_path(client, mailbox)
    token = path.removeprefix("/reset/")
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/password/new"
    assert token not in response.headers["Location"]
    page = client.get("/password/new")
    assert page.status_code == 200
    assert token not in page.get_data(as_text=True)
    assert "pat@example.org" in page.get_data(as_text=True)


def test_reset_sets_the_password_logs_in_and_ends_other_sessions(app, client, make_user, mailbox):
    make_user()
    other_device = login(app)
    client.get(reset_path(client, mailbox))
    response = choose(client)
    assert response.status_code == 302
    assert logged_in(client)
    assert not logged_in(other_device)
    login(app, password=NEW_PASSWORD)


def test_reset_link_is_single_use(app, client, make_user, mailbox):
    make_user()
    path = reset_path(client, mailbox)
    client.get(path)
    choose(client)
    again = app.test_client()
    again.get(path)
    response = again.get("/password/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/password/forgot"
    assert "expired or has been used" in again.get("/password/forgot").get_data(as_text=True)
    assert choose(again, "yet another password").status_code == 302
    login(app, password=NEW_PASSWORD)


def test_reset_link_works_for_an_hour(client, clock, make_user, mailbox):
    make_user()
    path = reset_path(client, mailbox)
    clock.advance(hours=1)
    client.get(path)
    assert client.get("/password/new").status_code == 200


def test_reset_link_expires_after_an_hour(app, client, clock, make_user, mailbox):
    make_user()
    path = reset_path(client, mailbox)
    clock.advance(hours=1, seconds=1)
    client.get(path)
    assert client.get("/password/new").headers["Location"] == "/password/forgot"
    assert choose(client).headers["Location"] == "/password/forgot"
    login(app)


def test_a_password_change_invalidates_an_earlier_reset_link(app, client, make_user, mailbox):
    make_user()
    path = reset_path(client, mailbox)
    change(login(app))
    client.get(path)
    assert client.get("/password/new").headers["Location"] == "/password/forgot"


def test_a_forged_or_foreign_token_is_refused(app, client, make_user):
    user_id = make_user()
    with app.test_request_context():
        key = db.session.get(User, user_id).token_key
        wrong_purpose = tokens.issue(tokens.VERIFY_EMAIL, key=key)
        # The shape of a link before the identity model: it named the account by row id.
        by_row_id = tokens.issue(tokens.RESET_PASSWORD, uid=user_id, sv=1)
    for token in ("nonsense", wrong_purpose, by_row_id, "x" * 5000):
        client.get(f"/reset/{token}")
        assert client.get("/password/new").headers["Location"] == "/password/forgot"


def test_the_new_password_form_explains_bad_input_and_keeps_the_link(client, make_user, mailbox):
    make_user()
    client.get(reset_path(client, mailbox))
    response = choose(client, "short")
    assert response.status_code == 200
    assert "Use between 8 and 128 characters." in response.get_data(as_text=True)
    assert choose(client).status_code == 302


def test_a_reset_lifts_the_account_throttle(app, client, make_user, mailbox):
    make_user()
    for _ in range(app.config["THROTTLE_LOGIN_PER_ACCOUNT_AND_ADDRESS"]):
        app.test_client().post("/login", data={"email": "pat@example.org", "password": "guess"})
    assert app.test_client().post(
        "/login", data={"email": "pat@example.org", "password": PASSWORD}).status_code == 429
    client.get(reset_path(client, mailbox))
    choose(client)
    with app.app_context():
        scopes = db.session.scalars(sa.select(ThrottleBucket.scope)).all()
    assert scopes == ["login.address"]  # the account's buckets, alone and with the address, went
    login(app, password=NEW_PASSWORD)
