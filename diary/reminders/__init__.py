"""Reminders: settings, the in-app inbox, and their delivery by a scheduler of its own.

The pages live here; the scheduler process (`flask --app wsgi scheduler`) is scheduler.py and
is never started by the web app. See docs/reminders.md.
"""

import logging

from flask import Blueprint
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

bp = Blueprint("reminders", __name__)
log = logging.getLogger(__name__)


@bp.app_context_processor
def inbox_badge() -> dict:
    """`inbox_unread()` for the header: the count is read only when a page shows it."""

    def inbox_unread() -> int | None:
        if not (current_user.is_authenticated and current_user.is_patient):
            return None
        from diary.reminders.inbox import unread_count

        try:
            return unread_count(current_user.id)
        except SQLAlchemyError:
            # A badge is not worth failing a page for (an error page among them).
            log.exception("could not count unread inbox messages")
            return None

    return {"inbox_unread": inbox_unread}


def init_app() -> None:
    """Install the session hook that replans reminders when their inputs change."""
    from diary.reminders import hooks

    hooks.install()


from diary.reminders import routes  # noqa: E402,F401  (routes attach themselves to bp)
