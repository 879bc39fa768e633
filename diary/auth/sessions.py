"""Sessions: Flask-Login wiring, the staff second-factor gate and the idle logout.

The session identity carries the account's session version, so a password change, a reset, a
deactivation or a second-factor reset ends every other session on its next request.

Clinicians and administrators pass two more checks on every request, here in one
before_request hook so that no route can forget them (docs/security.md):
- a session that has not passed the second factor reaches only the second-factor pages and
  logout; everything else sends it there;
- a session idle for IDLE_TIMEOUT_MINUTES (30) or longer is logged out; the last request's
  moment (app clock) is kept in the session.
Patients pass neither check.
"""

from __future__ import annotations

from flask import Flask, flash, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user

from diary.clock import utcnow
from diary.extensions import db, login_manager
from diary.models import User

# Session keys. The id of the account whose second factor this session passed (an id, not a
# flag, so that it never carries over to another account logged in in the same browser).
SECOND_FACTOR_KEY = "second_factor_for"
# The app clock's moment (POSIX seconds) of the session's last request, for the idle logout.
LAST_SEEN_KEY = "last_seen"
# A secret shown for enrolment but not confirmed yet; it reaches the database only once
# confirmed with a code, so a GET of the enrolment page writes nothing.
PENDING_SECRET_KEY = "totp_pending"  # noqa: S105 (a session key)
# Where a staff member was going when the login page asked for the password.
NEXT_KEY = "after_second_factor"
# What a session that has not passed the second factor may reach.
HALF_OPEN_ENDPOINTS = frozenset(
    {"auth.second_factor", "auth.enrol_second_factor", "auth.logout", "static"}
)


def load_user(identity: str) -> User | None:
    """Return the account of a session, or None when its session version is stale."""
    user_id, _, version = identity.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def needs_second_factor(user: User) -> bool:
    """Clinicians and administrators log in with a second factor; patients do not."""
    return user.is_clinician or user.is_admin


def idle_limit_minutes() -> int:
    """IDLE_TIMEOUT_MINUTES, 30 unless configured."""
    from flask import current_app

    return int(current_app.config.get("IDLE_TIMEOUT_MINUTES", 30))


def begin(user: User) -> None:
    """Log in after the password (or a reset link): the second factor is still to come."""
    for key in (SECOND_FACTOR_KEY, PENDING_SECRET_KEY, NEXT_KEY):
        session.pop(key, None)
    login_user(user)
    session[LAST_SEEN_KEY] = utcnow().timestamp()


def second_factor_passed(user: User) -> bool:
    """Whether this session has passed the account's second factor (patients need none)."""
    return not needs_second_factor(user) or session.get(SECOND_FACTOR_KEY) == user.id


def pass_second_factor(user: User) -> None:
    """Mark the session complete: the account's second factor was given."""
    session.pop(PENDING_SECRET_KEY, None)
    session[SECOND_FACTOR_KEY] = user.id


def end() -> None:
    """Log out and forget everything this module keeps in the session."""
    logout_user()
    for key in (SECOND_FACTOR_KEY, LAST_SEEN_KEY, PENDING_SECRET_KEY, NEXT_KEY):
        session.pop(key, None)


def guard_staff_session():
    """The idle logout and the second-factor gate for clinicians and administrators."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()
    if not needs_second_factor(user):
        return None
    now = utcnow().timestamp()
    last_seen = session.get(LAST_SEEN_KEY)
    minutes = idle_limit_minutes()
    if isinstance(last_seen, int | float) and now - last_seen >= minutes * 60:
        end()
        flash(f"You were logged out after {minutes} minutes without activity. "
              "Please log in again.", "info")
        return redirect(url_for("auth.login"))
    session[LAST_SEEN_KEY] = now
    if session.get(SECOND_FACTOR_KEY) != user.id and request.endpoint not in HALF_OPEN_ENDPOINTS:
        if request.path.startswith("/api/"):
            from diary.errors import error_response

            return error_response(401)
        return redirect(url_for("auth.second_factor"))
    return None


def init_login(app: Flask) -> None:
    """Bind Flask-Login to the app, and the staff checks to every request."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # The JSON API answers 401 (as JSON, see diary.errors) instead of redirecting to a page.
    login_manager.blueprint_login_views = {"api": None}
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    app.before_request(guard_staff_session)
    # The layout hides the nav's links from a session that still owes its second factor.
    app.jinja_env.globals["second_factor_pending"] = (
        lambda: current_user.is_authenticated and not second_factor_passed(current_user)
    )
