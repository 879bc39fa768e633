"""Sessions: one row per login on the server, the staff second-factor gate and the idle logout.

The session cookie (Flask's, signed) holds only a random key; the `user_sessions` row holds its
SHA-256, when it was last used, when it expires and whether it passed the second factor. A
cookie names no account: when its row is gone, it opens nothing. Logging out deletes this
session's row; logging out everywhere, a password change, a second-factor reset, a
deactivation and a deletion delete every row of the account (docs/security.md, The identity
model). The scheduler prunes expired rows.

Clinicians and administrators pass two more checks on every request, in one before_request
hook so that no route can forget them:
- a session that has not passed the second factor reaches only the second-factor pages and
  logout; everything else sends it there;
- a session idle for IDLE_TIMEOUT_MINUTES is logged out: its row expires that many minutes
  after its last request (app clock).
A patient's session expires SESSION_LIFETIME_DAYS after its last use (both in diary/config.py).
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, flash, g, redirect, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from diary import i18n
from diary.auth.session_store import KEY_LENGTH, end_all, key_hash
from diary.clock import utcnow
from diary.config import setting
from diary.database import write_transaction
from diary.extensions import db, login_manager
from diary.i18n import gettext, lazy_gettext, ngettext
from diary.models import User, UserSession
from diary.web.errors import error_response

# Where Flask-Login keeps the identity in the cookie: here, the session's random key.
IDENTITY_KEY = "_user_id"
# A secret shown for enrolment but not confirmed yet; it reaches the database only once
# confirmed with a code, so a GET of the enrolment page writes nothing.
PENDING_SECRET_KEY = "totp_pending"  # noqa: S105 (a session key)
# Where a staff member was going when the login page asked for the password.
NEXT_KEY = "after_second_factor"
# What a session that has not passed the second factor may reach.
HALF_OPEN_ENDPOINTS = frozenset(
    {"auth.second_factor", "auth.enrol_second_factor", "auth.logout", "static"}
)
# A patient's session row is moved on at most this often (a write per request is for staff,
# whose idle clock counts minutes).
PATIENT_TOUCH_INTERVAL = timedelta(hours=1)


def needs_second_factor(user: User) -> bool:
    """Clinicians and administrators log in with a second factor; patients do not."""
    return user.is_clinician or user.is_admin


def idle_limit_minutes() -> int:
    """IDLE_TIMEOUT_MINUTES (diary/config.py)."""
    return setting("IDLE_TIMEOUT_MINUTES")


def lifetime(user: User) -> timedelta:
    """How long a session of this account lives after its last request."""
    if needs_second_factor(user):
        return timedelta(minutes=idle_limit_minutes())
    return timedelta(days=setting("SESSION_LIFETIME_DAYS"))


def open_session(user: User, *, second_factor: bool = False) -> str:
    """Add a session row for the account to the caller's transaction; the key for the cookie."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    g.user_session = UserSession(
        user_id=user.id, key_hash=key_hash(key), created_at=now, last_seen_at=now,
        expires_at=now + lifetime(user), second_factor_at=now if second_factor else None,
    )
    db.session.add(g.user_session)
    g.session_account_id = user.id
    return key


def _delete_this_browsers_row() -> None:
    """Delete the row this browser's cookie names, if any, in the caller's write transaction."""
    key = session.get(IDENTITY_KEY)
    if isinstance(key, str) and len(key) == KEY_LENGTH:
        db.session.execute(sa.delete(UserSession).where(UserSession.key_hash == key_hash(key)))


def load_user(identity: str) -> User | None:
    """The account of a live session row, else None (the cookie then opens nothing)."""
    if not isinstance(identity, str) or len(identity) != KEY_LENGTH:
        return None
    found = db.session.execute(
        sa.select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.key_hash == key_hash(identity))
    ).first()
    if found is None:
        return None
    user_session, user = found
    if not user.active:
        return None
    if user_session.expires_at <= utcnow():
        g.expired_session_was_staff = needs_second_factor(user)
        return None
    g.user_session = user_session
    # Kept apart from the row, which a rollback expires (see answer_a_write_after_deletion).
    g.session_account_id = user.id
    user.session_key = identity
    return user


def begin(user: User) -> None:
    """Log in (after the password, a reset link or registering): a new session row.

    The browser's previous session, if any, ends; its second-factor state never carries
    over, and the new key leaves nothing an earlier copy of the cookie could reuse.
    """
    with write_transaction():
        _delete_this_browsers_row()
        key = open_session(user)
        if user.locale is None:
            # A new account, or one made before languages were stored, takes the language
            # chosen on the page, else its browser's first, when offered (docs/wording.md).
            user.locale = i18n.locale_to_store()
    for name in (PENDING_SECRET_KEY, NEXT_KEY):
        session.pop(name, None)
    user.session_key = key
    login_user(user)


def second_factor_passed(user: User) -> bool:
    """Whether this session has passed the account's second factor (patients need none)."""
    if not needs_second_factor(user):
        return True
    user_session = g.get("user_session")
    return user_session is not None and user_session.second_factor_at is not None


def pass_second_factor(user: User) -> None:
    """Mark this session complete: the account's second factor was given."""
    session.pop(PENDING_SECRET_KEY, None)
    user_session = g.user_session
    now = utcnow()
    with write_transaction():
        db.session.execute(
            sa.update(UserSession).where(UserSession.id == user_session.id)
            .values(second_factor_at=now)
        )
    set_committed_value(user_session, "second_factor_at", now)


def end() -> None:
    """Log out this browser: its session row is deleted, so a copy of the cookie is dead too."""
    with write_transaction():
        _delete_this_browsers_row()
    logout_user()
    for name in (PENDING_SECRET_KEY, NEXT_KEY):
        session.pop(name, None)


def end_everywhere(user: User) -> None:
    """Log out every device of the account, this one included."""
    with write_transaction():
        end_all(user.id)
    end()


def _keep_alive(user: User, user_session: UserSession, now: datetime) -> None:
    """Move the session's expiry on from this request.

    On a connection of its own, so that the request's objects stay loaded (a commit on the
    request's session would expire them). Nothing is written while the clock stands still.
    """
    staff = needs_second_factor(user)
    due = user_session.last_seen_at < now if staff else (
        now - user_session.last_seen_at >= PATIENT_TOUCH_INTERVAL
    )
    if not due:
        return
    expires_at = now + lifetime(user)
    with db.engine.execution_options(sqlite_immediate=True).begin() as connection:
        connection.execute(
            sa.update(UserSession).where(UserSession.id == user_session.id)
            .values(last_seen_at=now, expires_at=expires_at)
        )
    # What the row now holds, without making the request's session write it again.
    set_committed_value(user_session, "last_seen_at", now)
    set_committed_value(user_session, "expires_at", expires_at)


def guard_session():
    """The idle logout, the second-factor gate and the session's expiry, on every request."""
    if request.endpoint == "static":
        return None
    if not current_user.is_authenticated:
        was_staff = g.pop("expired_session_was_staff", None)
        if was_staff is None:
            return None
        end()
        if was_staff:
            minutes = idle_limit_minutes()
            flash(ngettext("You were logged out after %(num)d minute without activity. "
                           "Please log in again.",
                           "You were logged out after %(num)d minutes without activity. "
                           "Please log in again.", minutes), "info")
            return redirect(url_for("auth.login"))
        return None
    user = current_user._get_current_object()
    _keep_alive(user, g.user_session, utcnow())
    if not second_factor_passed(user) and request.endpoint not in HALF_OPEN_ENDPOINTS:
        if request.path.startswith("/api/"):
            return error_response(401)
        return redirect(url_for("auth.second_factor"))
    return None


def answer_a_write_after_deletion(error: IntegrityError):
    """A write that raced the deletion of its own account: answered as a logged-out request.

    The request's account existed when its session was loaded and was deleted before its
    write committed (another tab, another device), so a foreign key refused the write.
    Nothing was saved; the request is told so. Any other integrity error is a bug, and
    stays a 500.
    """
    db.session.rollback()
    user_id = g.get("session_account_id")
    if user_id is None or db.session.scalar(sa.select(User.id).where(User.id == user_id)):
        raise error
    end()
    if request.path.startswith("/api/"):
        return error_response(401)
    flash(gettext("This account has been deleted, so nothing was saved."), "info")
    return redirect(url_for("auth.login"))


def init_login(app: Flask) -> None:
    """Bind Flask-Login to the app, and the session checks to every request."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # The JSON API answers 401 (as JSON, see diary.web.errors) instead of redirecting to a page.
    login_manager.blueprint_login_views = {"api": None}
    # Flask-Login flashes this; str() translates it in the request's language (docs/wording.md).
    login_manager.login_message = lazy_gettext("Please log in to continue.")
    login_manager.localize_callback = str
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    app.before_request(guard_session)
    app.register_error_handler(IntegrityError, answer_a_write_after_deletion)
    # The layout hides the nav's links from a session that still owes its second factor.
    app.jinja_env.globals["second_factor_pending"] = (
        lambda: current_user.is_authenticated and not second_factor_passed(current_user)
    )
