"""Flask-Login wiring: the session identity carries the account's session version."""

from __future__ import annotations

from flask import Flask

from diary.extensions import db, login_manager
from diary.models import User


def load_user(identity: str) -> User | None:
    """Return the account of a session, or None when its session version is stale."""
    user_id, _, version = identity.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def init_login(app: Flask) -> None:
    """Bind Flask-Login to the app."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # The JSON API answers 401 (as JSON, see diary.errors) instead of redirecting to a page.
    login_manager.blueprint_login_views = {"api": None}
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
