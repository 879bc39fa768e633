"""The patient's trajectory page."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, stream_with_context

from diary.clock import local_today
from diary.models import User
from diary.progress.trajectory import (
    RANGE_LABELS,
    build_trajectory,
    resolve_range,
    trajectory_payload,
)
from diary.records import csv_tables
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


@bp.get("/export")
@patient_required
def export_index(patient: User):
    """The downloads of the patient's own data."""
    return render_template("progress/export.html", tables=csv_tables.TABLES.values())


@bp.get("/export/<name>.csv")
@patient_required
def export_csv(patient: User, name: str):
    """One table of the patient's diary as CSV, streamed."""
    table = csv_tables.TABLES.get(name)
    if table is None:
        abort(404)
    filename = f"spasm-diary-{name}.csv"
    return Response(
        stream_with_context(csv_tables.csv_lines(table, patient.id)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
