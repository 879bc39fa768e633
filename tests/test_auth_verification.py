"""Confirming the email address by an emailed link, and sending the link again.

Registration confirms the address by itself (its link is mailed to it); these accounts are
made unconfirmed the way the CLI makes them (and as registration did before), logged in, and
sent a link through the public form.
"""

from __future__ import annotations

from itsdangerous import URLSafeSerializer

from diary.auth import tokens
from diary.extensions import db
from diary.models import User
from tests.conftest import PASSWORD

EMAIL = "new@example.org"


def unconfirmed_account_with_a_link(client, make_user) -> None:
    """An unconfirmed account, logged in, with a confirmation link in its mailbox."""
    make_user(EMAIL, verified=False)
    assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 302
    client.post("/resend-verification", data={"email": EMAIL})


def verified(app, email=EMAIL) -> bool:
    """Whether the account's address is confirmed."""
    from diary.auth.services import find_user_by_email

    with app.app_context():
        return find_user_by_email(email).email_verified


def test_the_emailed_link_confirms_the_address(app, client, clock, mailbox, make_user):
    unconfirmed_account_with_a_link(client, make_user)
    path = mailbox.link(mailbox.last("new@example.org"), "/verify/")
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"
    assert verified(app)
    page = client.get("/account").get_data(as_text=True)
    assert "your email address is confirmed" in page
    assert "Not confirmed yet" not in page


def test_the_link_works_on_another_device_without_login(app, client, mailbox, make_user):
    unconfirmed_account_with_a_link(client, make_user)
    path = mailbox.link(mailbox.last("new@example.org"), "/verify/")
    other = app.test_client()
    response = other.get(path)
    assert response.headers["Location"] == "/login"
    assert verified(app)


def test_an_expired_link_fails_gracefully(app, client, clock, mailbox, make_user):
    unconfirmed_account_with_a_link(client, make_user)
    path = mailbox.link(mailbox.last("new@example.org"), "/verify/")
    clock.advance(seconds=app.config["EMAIL_VERIFY_MAX_AGE"] + 1)
    response = client.get(path)
    assert response.status_code == 302
    assert not verified(app)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This confirmation link has expired or is not valid." in page


def test_a_forged_link_fails_gracefully(app, client, make_user):
    user_id = make_user("pat@example.org", verified=False)
    with app.test_request_context():
        key = db.session.get(User, user_id).token_key
        reset_token = tokens.issue(tokens.RESET_PASSWORD, key=key, email="pat@example.org")
        # The shape of a link before the identity model: it named the account by row id.
        by_row_id = tokens.issue(tokens.VERIFY_EMAIL, uid=user_id, email="pat@example.org")
    signed_with_another_key = URLSafeSerializer("other key", salt="diary.auth.verify-email").dumps(
        {"key": key, "email": "pat@example.org", "iat": 0}
    )
    for token in ("forged", reset_token, by_row_id, signed_with_another_key, "y" * 3000):
        response = client.get(f"/verify/{token}")
        assert response.status_code == 302
        assert response.headers["Location"] == "/resend-verification"
    assert not verified(app, "pat@example.org")


def test_a_link_for_an_address_the_account_no_longer_has_confirms_nothing(app, client, mailbox, make_user):
    unconfirmed_account_with_a_link(client, make_user)
    path = mailbox.link(mailbox.last("new@example.org"), "/verify/")
    with app.app_context():
        user = db.session.scalar(db.select(User))
        user.email = "changed@example.org"
        db.session.commit()
    client.get(path)
    assert not verified(app, "changed@example.org")


def test_the_account_page_offers_to_send_the_link_again(app, client, mailbox, make_user):
    unconfirmed_account_with_a_link(client, make_user)
    page = client.get("/account").get_data(as_text=True)
    assert "Not confirmed yet" in page
    assert "Send the confirmation link again" in page
    response = client.post("/account/resend-verification")
    assert response.headers["Location"] == "/account"
    assert len(mailbox.messages("new@example.org")) == 2
    client.get(mailbox.link(mailbox.last("new@example.org"), "/verify/"))
    assert verified(app)
    client.post("/account/resend-verification")
    assert len(mailbox.messages("new@example.org")) == 2


def test_resending_from_the_account_page_needs_login_and_post(client):
    assert client.post("/account/resend-verification").status_code == 302
    assert client.get("/account/resend-verification").status_code == 405


def test_the_public_resend_form_gives_the_same_answer_for_every_address(client, make_user, mailbox):
    make_user("done@example.org", verified=True)
    make_user("waiting@example.org", verified=False)
    answers = []
    for email in ("done@example.org", "waiting@example.org", "nobody@example.org"):
        response = client.post("/resend-verification", data={"email": email})
        assert response.headers["Location"] == "/login"
        answers.append(client.get("/login").get_data(as_text=True).replace(email, "EMAIL"))
    assert answers[0] == answers[1] == answers[2]
    assert [m["To"] for m in mailbox.messages()] == ["waiting@example.org"]


def test_an_unverified_account_can_use_the_app_at_once(client, make_user, auth):
    make_user(verified=False)
    assert auth.login().status_code == 302
    assert client.get("/account").status_code == 200
