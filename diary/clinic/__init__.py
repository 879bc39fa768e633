"""The clinic's side: the patient list, the follow-up review, assessments and the schedule."""

from flask import Blueprint

bp = Blueprint("clinic", __name__, url_prefix="/clinic")

from diary.clinic import member_routes, routes  # noqa: E402,F401  (routes attach themselves to bp)
