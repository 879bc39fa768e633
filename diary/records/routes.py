"""The patient's downloads, every URL under /export: the CSV tables, FHIR JSON and the full ZIP."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, render_template, request, stream_with_context

from diary.clock import utcnow
from diary.models import User
from diary.records import archive, csv_tables, fhir
from diary.web.guards import patient_required

bp = Blueprint("records", __name__)


def spreadsheet_style() -> tuple[str, csv_tables.CsvStyle]:
    """The spreadsheet files' style: the export page's choice (`decimal=comma|point`), else
    the browser's first language (docs/csv-codebook.md, Spreadsheet files)."""
    chosen = request.args.get("decimal", "")
    if chosen in csv_tables.STYLES:
        return chosen, csv_tables.STYLES[chosen]
    style = csv_tables.spreadsheet_style(next(iter(request.accept_languages.values()), None))
    return ("comma" if style is csv_tables.DECIMAL_COMMA else "point"), style


@bp.get("/export")
@patient_required
def export_index(patient: User):
    """The downloads of the patient's own data."""
    decimal, style = spreadsheet_style()
    return render_template("records/export.html", tables=csv_tables.TABLES.values(),
                           decimal=decimal, style=style, styles=csv_tables.STYLES)


@bp.get("/export/<name>.csv")
@patient_required
def export_csv(patient: User, name: str):
    """One table of the patient's diary as CSV, streamed: for machines, or with `for=spreadsheet`
    in the style of the patient's language."""
    table = csv_tables.TABLES.get(name)
    if table is None:
        abort(404)
    style, filename = csv_tables.MACHINE, f"spasm-diary-{name}.csv"
    if request.args.get("for") == "spreadsheet":
        style, filename = spreadsheet_style()[1], f"spasm-diary-{name}-spreadsheet.csv"
    return Response(
        stream_with_context(csv_tables.csv_lines(table, patient.id, style)),
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
