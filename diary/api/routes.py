"""API routes: thin; parse, call one service, answer JSON."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, request

from diary.clock import local_today
from diary.i18n import gettext
from diary.models import User
from diary.progress.trajectory import (
    TrajectoryRequestError,
    build_trajectory,
    resolve_range,
    trajectory_payload,
)
from diary.records import fhir
from diary.web.errors import error_response
from diary.web.guards import patient_required

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# A diary has no day outside these; date arithmetic near year 1 or 9999 would overflow.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2100, 12, 31)


def parse_day(name: str) -> date | None:
    """A YYYY-MM-DD query parameter, or None when absent; raises with the field's name."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise TrajectoryRequestError({name: gettext("Use a date written as YYYY-MM-DD.")}) from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise TrajectoryRequestError({name: gettext("Use a date between 1900 and 2100.")})
    return day


@bp.get("/me/trajectory")
@patient_required
def my_trajectory(patient: User):
    """The logged-in patient's trajectory: series, treatments and summary."""
    today = local_today(patient.timezone)
    try:
        bucket = request.args.get("bucket", "day")
        start, end = resolve_range(
            patient.id, today, start=parse_day("from"), end=parse_day("to")
        )
        trajectory = build_trajectory(patient.id, today, start, end, bucket)
    except TrajectoryRequestError as error:
        return error_response(400, str(error), error.fields)
    return jsonify(trajectory_payload(trajectory))


@bp.get("/me/fhir")
@patient_required
def my_fhir(patient: User):
    """The logged-in patient's record as a FHIR R4B collection Bundle (docs/fhir.md)."""
    response = jsonify(fhir.patient_bundle(patient.id))
    response.mimetype = fhir.MIMETYPE
    return response
