"""Diary pages (skeleton; filled in by the diary work)."""

from flask import render_template
from flask_login import login_required

from diary.journal import bp


@bp.route("/")
@login_required
def home():
    """Today."""
    return render_template("errors/error.html", status=200, title="Today", message="")


@bp.route("/history")
@login_required
def history():
    """History."""
    return render_template("errors/error.html", status=200, title="History", message="")
