"""Helpers for the staff tests: enrol a second factor, compute codes from the app clock."""

from __future__ import annotations

import re

from flask import Flask

from diary.auth import second_factor
from diary.extensions import db
from diary.models import User
from tests.conftest import PASSWORD

SECRET_ON_PAGE = re.compile(r'<code class="secret" id="totp-secret">([A-Z2-7 ]+)</code>')
RECOVERY_ON_PAGE = re.compile(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>")


def enrol(app: Flask, user_id: int) -> tuple[str, list[str]]:
    """Enrol a TOTP secret for the account through the service; returns it and the recovery
    codes. The code used to confirm is the current step's, which is then spent."""
    with app.test_request_context():
        user = db.session.get(User, user_id)
        secret = second_factor.new_secret()
        codes = second_factor.confirm_enrolment(
            user, secret, second_factor.code_for(secret, second_factor.current_step()), None
        )
        assert codes is not None
        return secret, codes


def code(app: Flask, secret: str, steps: int = 0) -> str:
    """The code of the app clock's step, or of a step before or after it."""
    with app.app_context():
        return second_factor.code_for(secret, second_factor.current_step() + steps)


def password_step(client, email: str, password: str = PASSWORD):
    """Post the login form; a clinician or admin is then half logged in."""
    return client.post("/login", data={"email": email, "password": password})


def stored(app: Flask, user_id: int) -> User:
    """The account as stored, detached for reading."""
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user
