"""Account pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from diary.auth import bp
from diary.auth.forms import LoginForm
from diary.auth.passwords import verify_password
from diary.auth.services import find_user_by_email


def safe_next(target: str | None) -> str:
    """The `next` parameter when it stays on this site, else the home page (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("journal.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("journal.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user_by_email(form.email.data)
        valid = verify_password(user.password_hash if user else None, form.password.data)
        if user is not None and valid and user.active:
            login_user(user)
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append("The email or password is not right.")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (POST only, with CSRF)."""
    logout_user()
    flash("You are logged out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Register as a patient (filled in by the accounts work)."""
    return render_template("errors/error.html", status=200, title="Register", message="")


@bp.route("/account")
@login_required
def account():
    """The account page (filled in by the accounts work)."""
    return render_template("errors/error.html", status=200, title="Account", message="")
