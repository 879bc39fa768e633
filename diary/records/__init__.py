"""The patient's record leaving the app, or leaving it for good: FHIR, the full download,
account deletion and database backups (issue 7, "The patient's data is theirs")."""

from flask import Blueprint

bp = Blueprint("records", __name__)

from diary.records import routes  # noqa: E402,F401  (routes attach themselves to bp)
