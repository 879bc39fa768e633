"""The account emails: finish a registration, confirm the address, reset the password, notice of
a second sign-up.

Subjects never name the condition: they show on lock screens and in shared inboxes.
"""

from __future__ import annotations

import logging
import smtplib
from contextlib import nullcontext

from flask import current_app, render_template, url_for

from diary.auth import tokens
from diary.i18n import lazy_gettext, ngettext, speaking_to
from diary.mail import send_email
from diary.models import User

log = logging.getLogger(__name__)

SUBJECT_VERIFY = lazy_gettext("Confirm your email address")
SUBJECT_RESET = lazy_gettext("Reset your password")
SUBJECT_SECOND_SIGN_UP = lazy_gettext("Someone tried to create an account with your email address")
SUBJECT_FINISH_REGISTRATION = lazy_gettext("Finish creating your account")


def duration_words(seconds: int) -> str:
    """A link's lifetime in words: "1 hour", "7 days", "30 minutes"."""
    if seconds >= 86400 and seconds % 86400 == 0:
        return ngettext("%(num)d day", "%(num)d days", seconds // 86400)
    if seconds >= 3600 and seconds % 3600 == 0:
        return ngettext("%(num)d hour", "%(num)d hours", seconds // 3600)
    if seconds >= 60 and seconds % 60 == 0:
        return ngettext("%(num)d minute", "%(num)d minutes", seconds // 60)
    return ngettext("%(num)d second", "%(num)d seconds", seconds)


def _send_to(address: str, subject: str, template: str, **context) -> bool:
    """Render the text and HTML parts and send; False (logged without detail) when it failed."""
    subject = str(subject)  # a lazy subject, in the language of this mail (docs/wording.md)
    text = render_template(f"mail/{template}.txt", **context)
    html = render_template(f"mail/{template}.html", **context)
    try:
        send_email(address, subject, text, html)
    except (smtplib.SMTPException, OSError) as error:
        # The exception's text may quote the recipient; its type is enough to look further.
        log.warning("could not send mail: subject=%r error=%s", subject, type(error).__name__)
        return False
    return True


def _send(user: User, subject: str, template: str, **context) -> bool:
    """Mail an account's owner in their own language when they chose one, else in this
    request's (docs/wording.md, Languages); the templates greet them by name."""
    with speaking_to(user) if user.locale else nullcontext():
        return _send_to(user.email, subject, template, user=user, **context)


def send_registration_link(email: str) -> bool:
    """Mail an address that has no account a link to finish registering with it."""
    token = tokens.issue(tokens.REGISTER, email=email)
    return _send_to(
        email,
        SUBJECT_FINISH_REGISTRATION,
        "finish_registration",
        link=url_for("auth.finish_registration", token=token, _external=True),
        valid_for=duration_words(current_app.config["REGISTRATION_LINK_MAX_AGE"]),
    )


def send_verification(user: User) -> bool:
    """Mail a link that confirms the account's address."""
    token = tokens.issue(tokens.VERIFY_EMAIL, key=user.token_key, email=user.email)
    return _send(
        user,
        SUBJECT_VERIFY,
        "verify_email",
        link=url_for("auth.verify_email", token=token, _external=True),
        valid_for=duration_words(current_app.config["EMAIL_VERIFY_MAX_AGE"]),
    )


def send_password_reset(user: User) -> bool:
    """Mail a single-use reset link; the caller has checked that the address is verified."""
    token = tokens.issue(tokens.RESET_PASSWORD, key=user.token_key)
    return _send(
        user,
        SUBJECT_RESET,
        "reset_password",
        link=url_for("auth.reset_link", token=token, _external=True),
        valid_for=duration_words(current_app.config["PASSWORD_RESET_MAX_AGE"]),
    )


def send_second_sign_up_notice(user: User) -> bool:
    """Tell an account's owner that someone tried to register their address again."""
    return _send(
        user,
        SUBJECT_SECOND_SIGN_UP,
        "second_sign_up",
        login_link=url_for("auth.login", _external=True),
        reset_link=url_for("auth.forgot_password", _external=True),
    )


SUBJECT_STAFF_INVITATION = lazy_gettext("Set up your account")


def send_staff_invitation(user: User, clinic_name: str) -> bool:
    """Mail an invited clinician a link to choose a first password (single-use, like a reset)."""
    token = tokens.issue(tokens.SET_PASSWORD, key=user.token_key)
    return _send(
        user,
        SUBJECT_STAFF_INVITATION,
        "staff_invitation",
        clinic_name=clinic_name,
        link=url_for("auth.reset_link", token=token, _external=True),
        valid_for=duration_words(current_app.config["STAFF_INVITATION_MAX_AGE"]),
    )
