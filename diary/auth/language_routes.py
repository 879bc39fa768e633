"""Choosing the language: a visitor's choice for this browser, an account's for every device
(docs/wording.md, Languages). Under /language, beside the other account routes (auth/routes.py).
"""

from __future__ import annotations

from flask import abort, redirect, request, session
from flask_login import current_user

from diary import i18n
from diary.auth.routes import bp, safe_next
from diary.database import write_transaction

# Where a visitor's choice is kept in the session cookie until they log in.
VISITOR_LOCALE_KEY = i18n.VISITOR_LOCALE_KEY


@bp.route("/language", methods=["POST"])
def choose_language():
    """Switch the language and return to the page the form was on.

    A logged-in account stores the choice (it follows the account to every device and into
    its mail); a visitor's is kept for this browser. A locale the app does not offer is a
    form nobody sent from our pages: 400, nothing changed.
    """
    locale = request.form.get("locale", "")
    if locale not in i18n.offered_locales():
        abort(400, description="This language is not offered.")
    if current_user.is_authenticated:
        with write_transaction():
            current_user.locale = locale
    else:
        session[VISITOR_LOCALE_KEY] = locale
    return redirect(safe_next(request.form.get("next")))
