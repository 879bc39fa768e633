"""Friendly error pages, and JSON errors under /api/."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from diary.errors import NotFound, Refused, Throttled
from diary.i18n import gettext, lazy_gettext, ngettext

bp = Blueprint("errors", __name__)
log = logging.getLogger(__name__)

# Each status's title and message; read as text when a page or an answer is made.
MESSAGES = {
    400: (lazy_gettext("Something in the request was not right"), lazy_gettext("Please go back and try again.")),
    401: (lazy_gettext("Please log in"), lazy_gettext("Log in to see this.")),
    403: (lazy_gettext("Not allowed"), lazy_gettext("Your account cannot open this page.")),
    404: (lazy_gettext("Page not found"), lazy_gettext("This page does not exist, or it is not yours to see.")),
    405: (lazy_gettext("Not allowed"), lazy_gettext("This page cannot be used that way.")),
    413: (lazy_gettext("Too much data"), lazy_gettext("What you sent is too large.")),
    422: (lazy_gettext("Not saved"), lazy_gettext("Something in what you sent cannot be used. Please check it and try again.")),
    429: (lazy_gettext("Too many attempts"), lazy_gettext("Please wait a few minutes before trying again.")),
    503: (lazy_gettext("Not available on this server"), lazy_gettext("This server cannot do that at the moment.")),
    500: (lazy_gettext("Something went wrong on our side"), lazy_gettext("Nothing you did caused this. Please try again.")),
}


def wants_json() -> bool:
    """Whether the client gets JSON errors: every request under /api/."""
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, fields: dict | None = None,
                   *, way_out: tuple[str, str] | None = None):
    """Render an error as a page in the layout, or as JSON under /api/; `way_out` is a link
    (its text and address) the page offers before the home page."""
    title, default_message = (str(words) for words in MESSAGES.get(status, MESSAGES[400]))
    text = message or default_message
    if wants_json():
        code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                413: "too_large", 422: "unprocessable", 429: "too_many_requests", 500: "server_error"}.get(status, "error")
        return jsonify({"error": {"code": code, "message": text, "fields": fields or {}}}), status
    return render_template("errors/error.html", status=status, title=title, message=text,
                           way_out=way_out), status


# What was tried too often: the callers name one of these (too_many_attempts).
LOGINS, REGISTRATIONS, CODES, INVITATIONS = "logins", "registrations", "codes", "invitations"


def _too_many(what: str, minutes: int) -> str:
    """What was tried too often and how long to wait, as one message for each attempt, so
    that a language joins the two sentences and agrees the count its own way
    (docs/wording.md, Strings)."""
    if what == REGISTRATIONS:
        return ngettext(
            "Too many registrations were asked for from here or for this address. "
            "Please wait %(num)d minute before trying again.",
            "Too many registrations were asked for from here or for this address. "
            "Please wait %(num)d minutes before trying again.", minutes)
    if what == CODES:
        return ngettext(
            "Too many codes were tried from this account or this address. "
            "Please wait %(num)d minute before trying again.",
            "Too many codes were tried from this account or this address. "
            "Please wait %(num)d minutes before trying again.", minutes)
    if what == INVITATIONS:
        return ngettext(
            "Too many invitations were sent from this account or this address. "
            "Please wait %(num)d minute before trying again.",
            "Too many invitations were sent from this account or this address. "
            "Please wait %(num)d minutes before trying again.", minutes)
    return ngettext(
        "Too many wrong passwords or codes were tried for this account. "
        "Please wait %(num)d minute before trying again.",
        "Too many wrong passwords or codes were tried for this account. "
        "Please wait %(num)d minutes before trying again.", minutes)


def too_many_attempts(error: Throttled, what: str, *, way_out: tuple[str, str] | None = None):
    """The 429 page: what was tried too often (LOGINS, REGISTRATIONS, CODES, INVITATIONS),
    how long to wait (also as Retry-After), and where a way out is, e.g. the password reset,
    which ends a login wait at once."""
    body, status = error_response(429, _too_many(what, error.minutes), way_out=way_out)
    return body, status, {"Retry-After": str(error.retry_after)}


def too_many_logins(error: Throttled):
    """The 429 page of a login wait (a password or a code tried too often, at login or where
    the password is asked again): how long, and the password reset, which ends it."""
    return too_many_attempts(error, LOGINS,
                             way_out=(gettext("Set a new password"), url_for("auth.forgot_password")))


@bp.app_errorhandler(CSRFError)
def handle_csrf_error(error: CSRFError):
    """An expired or missing form token: ask to reload rather than blame the user."""
    return error_response(400, gettext("The form had expired. Please reload the page and send it again."))


@bp.app_errorhandler(NotFound)
def handle_not_found(error: NotFound):
    """What a core did not find, or found but the viewer may not touch (NotAllowed): the
    same 404 as any missing page, so that existence is not revealed."""
    return error_response(404)


@bp.app_errorhandler(Refused)
def handle_refused(error: Refused):
    """A refusal no view answered itself: 422, its message and its fields (in JSON)."""
    return error_response(422, error.message or None, error.fields)


@bp.app_errorhandler(Throttled)
def handle_throttled(error: Throttled):
    """Too many attempts where no view says what was tried: 429 with the generic message and
    Retry-After. Views that name the attempt catch Throttled and use too_many_attempts."""
    body, status = error_response(429)
    return body, status, {"Retry-After": str(error.retry_after)}


@bp.app_errorhandler(HTTPException)
def handle_http_error(error: HTTPException):
    """Every HTTP error in the layout (or as JSON)."""
    status = error.code or 500
    if status == 500:
        return error_response(500)
    body, status = error_response(status, None if status in MESSAGES else error.description)
    # Keep the headers the error carries: Allow on a 405 (required), Retry-After on a 429.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    return body, status, headers


@bp.app_errorhandler(InternalServerError)
def handle_server_error(error: InternalServerError):
    """An unexpected failure: logged with its traceback, shown without detail."""
    return error_response(500)


@bp.app_errorhandler(Exception)
def handle_unexpected(error: Exception):
    """Any exception that escaped a view: log it, answer a friendly 500."""
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500)
