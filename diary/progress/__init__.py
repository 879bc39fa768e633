"""The remission trajectory in the app: SQL series, the per-patient summary, the pages."""

from flask import Blueprint

bp = Blueprint("progress", __name__)

from diary.progress import routes  # noqa: E402,F401  (routes attach themselves to bp)
