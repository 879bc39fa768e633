"""The account deletion page, under /account with the rest of the account (auth/routes.py).

The deletion itself is a core of the records package (records/deletion.py): the patient's
record leaving the app for good.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from diary.auth import sessions
from diary.auth.forms import DeleteAccountForm
from diary.auth.routes import bp
from diary.i18n import gettext
from diary.models import User
from diary.records import deletion
from diary.throttle import Throttled
from diary.web.errors import too_many_logins
from diary.web.guards import patient_required
from diary.web.pages import render_form


@bp.route("/account/delete", methods=["GET", "POST"])
@patient_required
def delete_account(patient: User):
    """Delete the account and every row of the diary, after the password is given again."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            deletion.delete_account(patient, form.password.data, request.remote_addr)
        except Throttled as error:
            return too_many_logins(error)
        except deletion.WrongPassword:
            form.password.errors.append(gettext("This password is not right. Nothing was deleted."))
        else:
            sessions.end()
            flash(gettext("Your account and your whole diary are deleted."), "success")
            return redirect(url_for("auth.login"))
    return render_form("auth/delete_account.html", form)
