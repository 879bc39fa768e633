"""The patient's diary: today, check-ins, quick spasm log, history."""

from flask import Blueprint

bp = Blueprint("journal", __name__)

from diary.journal import routes  # noqa: E402,F401  (routes attach themselves to bp)
