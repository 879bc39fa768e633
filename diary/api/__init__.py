"""The JSON API under /api/v1: errors as {"error": {"code", "message", "fields"}}."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from diary.api import routes  # noqa: E402,F401  (routes attach themselves to bp)
