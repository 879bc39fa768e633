"""The patient's downloads, every URL under /export: the CSV tables, FHIR JSON and the full ZIP."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, render_template, stream_with_context

from diary.clock import utcnow
from diary.models import User
from diary.records import archive, csv_tables, fhir
from diary.web.guards import patient_required

bp = Blueprint("records", __name__)


@bp.get("/export")
@patient_required
def export_index(patient: User):
    """The downloads of the patient's own data."""
    return render_template("records/export.html", tables=csv_tables.TABLES.values())


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


@bp.get("/export/fhir.json")
@patient_required
def fhir_download(patient: User):
    """The patient's record as a FHIR R4B Bundle, as a file."""
    body = json.dumps(fhir.patient_bundle(patient.id), ensure_ascii=False, indent=1)
    return Response(body, mimetype=fhir.MIMETYPE, headers={
        "Content-Disposition": 'attachment; filename="spasm-diary-fhir.json"'})


@bp.get("/export/all.zip")
@patient_required
def full_download(patient: User):
    """Everything at once: CSV tables, codebook, FHIR and the audit trail, streamed as a ZIP."""
    moment = utcnow()
    filename = f"spasm-diary-{moment.date().isoformat()}.zip"
    return Response(
        stream_with_context(archive.full_download(patient.id, moment)),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
