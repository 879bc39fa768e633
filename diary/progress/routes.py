"""The patient's trajectory page."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_login import current_user, login_required

from diary import policy
from diary.clock import local_today
from diary.exports import csv_tables
from diary.progress.queries import BUCKETS
from diary.progress.trajectory import (
    DEFAULT_BUCKET,
    RANGE_LABELS,
    RANGES,
    build_trajectory,
    resolve_range,
    trajectory_payload,
)

bp = Blueprint("progress", __name__)


@bp.get("/trajectory")
@login_required
def my_trajectory():
    """My trajectory: summary cards, the chart and the same numbers as a table."""
    patient = policy.patient_or_404(current_user, current_user.id)
    today = local_today(patient.timezone)
    range_key = request.args.get("range", "all")
    if range_key not in RANGES:
        range_key = "all"
    bucket = request.args.get("bucket", DEFAULT_BUCKET[range_key])
    if bucket not in BUCKETS:
        bucket = DEFAULT_BUCKET[range_key]
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
@login_required
def export_index():
    """The downloads of the patient's own data."""
    policy.patient_or_404(current_user, current_user.id)
    return render_template("progress/export.html", tables=csv_tables.TABLES.values())


@bp.get("/export/<name>.csv")
@login_required
def export_csv(name: str):
    """One table of the patient's diary as CSV, streamed."""
    patient = policy.patient_or_404(current_user, current_user.id)
    table = csv_tables.TABLES.get(name)
    if table is None:
        abort(404)
    filename = f"spasm-diary-{name}.csv"
    return Response(
        stream_with_context(csv_tables.csv_lines(table, patient.id)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
