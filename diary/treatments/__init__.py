"""Treatments: toxin injections, medication with dose taking, and surgery, on one timeline."""

from flask import Blueprint

bp = Blueprint("treatments", __name__, url_prefix="/treatments")

from diary.treatments import routes  # noqa: E402,F401  (routes attach themselves to bp)
