"""Treatments: toxin injections, medication with dose taking, and surgery, on one timeline."""

from flask import Blueprint

from diary.treatments.wording import describe_treatment

bp = Blueprint("treatments", __name__, url_prefix="/treatments")
bp.add_app_template_filter(describe_treatment, "treatment_lines")

from diary.treatments import routes  # noqa: E402,F401  (routes attach themselves to bp)
