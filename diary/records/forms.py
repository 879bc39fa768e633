"""The account deletion form: the password again, as the only confirmation that counts."""

from __future__ import annotations

from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from diary.auth import rules
from diary.web.forms import TextForm


class DeleteAccountForm(TextForm):
    """The current password."""

    password = PasswordField(
        "Your password",
        validators=[
            DataRequired(message="Enter your password to delete the account."),
            Length(max=rules.PASSWORD_MAX_LENGTH, message="This password is not right."),
        ],
    )
