"""The patient's trajectory page."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from diary.clock import local_today
from diary.models import User
from diary.progress.trajectory import (
    RANGE_LABELS,
    build_trajectory,
    resolve_range,
    trajectory_payload,
)
from diary.web.guards import patient_required
from diary.web.ranges import chart_request

bp = Blueprint("progress", __name__)


@bp.get("/trajectory")
@patient_required
def my_trajectory(patient: User):
    """My trajectory: summary cards, the chart and the same numbers as a table."""
    today = local_today(patient.timezone)
    range_key, bucket = chart_request(request.args)
    start, end = resolve_range(patient.id, today, range_key=range_key)
    trajectory = build_trajectory(patient.id, today, start, end, bucket)
    return render_template(
        "progress/trajectory.html",
        trajectory=trajectory,
        payload=trajectory_payload(trajectory),
        range_key=range_key,
        range_labels=RANGE_LABELS,
        bucket=bucket,
    )
