"""The second step of a staff login: enrol TOTP the first time, then a code at every login."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from diary.auth import second_factor, sessions
from diary.auth.forms import CodeForm
from diary.auth.routes import bp, safe_next
from diary.i18n import lazy_gettext, ngettext
from diary.throttle import Throttled
from diary.web.errors import too_many_logins
from diary.web.pages import render_form

CODE_REFUSED = lazy_gettext("This code is not right. Check the time on your phone and try the newest code.")


def recovery_used(left: int) -> str:
    """What a login with a recovery code says, the codes left counted (docs/wording.md)."""
    return ngettext("You logged in with a recovery code; it cannot be used again. "
                    "%(num)d recovery code left.",
                    "You logged in with a recovery code; it cannot be used again. "
                    "%(num)d recovery codes left.", left)


def landing():
    """Where a complete staff login goes: administrators to /admin, others where they were
    going (the home page by default)."""
    target = session.pop(sessions.NEXT_KEY, None)
    if current_user.is_admin and not target:
        return redirect(url_for("admin.index"))
    return redirect(safe_next(target))


@bp.route("/login/code", methods=["GET", "POST"], endpoint="second_factor")
@login_required
def second_factor_page():
    """Ask for the code of the authenticator app, or a recovery code."""
    user = current_user._get_current_object()
    if sessions.second_factor_passed(user):
        return landing()
    if user.totp_enrolled_at is None:
        return redirect(url_for("auth.enrol_second_factor"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            used = second_factor.verify_login(user, form.code.data, request.remote_addr)
        except Throttled as error:
            return too_many_logins(error)
        if used is not None:
            sessions.pass_second_factor(user)
            if used == "recovery":
                flash(recovery_used(second_factor.recovery_codes_left(user)), "warning")
            return landing()
        form.code.errors.append(str(CODE_REFUSED))
    return render_form("auth/second_factor.html", form)


@bp.route("/login/second-factor/setup", methods=["GET", "POST"])
@login_required
def enrol_second_factor():
    """Enrol an authenticator app: show the secret and its QR code, confirm with a code."""
    user = current_user._get_current_object()
    if sessions.second_factor_passed(user):
        return landing()
    if user.totp_enrolled_at is not None:
        return redirect(url_for("auth.second_factor"))
    secret = session.get(sessions.PENDING_SECRET_KEY)
    if not isinstance(secret, str) or len(secret) != 32:
        if request.method == "POST":  # the page was not shown in this session
            return redirect(url_for("auth.enrol_second_factor"))
        secret = session[sessions.PENDING_SECRET_KEY] = second_factor.new_secret()
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = second_factor.confirm_enrolment(user, secret, form.code.data, request.remote_addr)
        except Throttled as error:
            return too_many_logins(error)
        if codes is not None:
            sessions.pass_second_factor(user)
            # Shown once, in this answer; only their hashes are stored.
            return render_template("auth/recovery_codes.html", codes=codes)
        form.code.errors.append(str(CODE_REFUSED))
    uri = second_factor.provisioning_uri(secret, user.email)
    return render_form(
        "auth/enrol_second_factor.html",
        form,
        secret=second_factor.grouped(secret),
        qr=second_factor.qr_data_uri(uri),
    )
