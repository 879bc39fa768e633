"""Account pages (skeleton; filled in by the accounts work)."""

from flask import render_template
from flask_login import login_required

from diary.auth import bp


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in."""
    return render_template("errors/error.html", status=200, title="Log in", message="")


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Register as a patient."""
    return render_template("errors/error.html", status=200, title="Register", message="")


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out."""
    return render_template("errors/error.html", status=200, title="Log out", message="")


@bp.route("/account")
@login_required
def account():
    """The account page."""
    return render_template("errors/error.html", status=200, title="Account", message="")
