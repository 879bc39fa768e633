"""The patient's trajectory page, and their one-page summary to take to any doctor.

The summary (/trajectory/summary) is built from the clinic's report's parts
(diary.clinic.report.build_content, templates/clinic/_report_*.html), with the patient's
summary cards in place of the report's "Baseline and now" and the clinics' assessments as
the patient may read them (docs/report.md, The patient's summary).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import Blueprint, render_template, request

from diary.clinic.report import MAX_INJECTIONS, build_content, shorten
from diary.clock import local_today
from diary.models import User
from diary.progress.queries import ClinicAssessment, clinic_assessments
from diary.progress.trajectory import (
    RANGE_LABELS,
    build_trajectory,
    resolve_range,
    trajectory_payload,
)
from diary.treatments import wording
from diary.web.guards import patient_required
from diary.web.ranges import chart_request

bp = Blueprint("progress", __name__)
# The chart's JSON carries ISO dates; a page shows them through the date formatters of
# diary/i18n.py: {{ s.date|iso_day|medium_date }} (docs/wording.md, Dates and times).
bp.add_app_template_filter(date.fromisoformat, "iso_day")

# The assessments the one-page summary lists, newest first, and where their notes are cut.
SUMMARY_ASSESSMENTS = 3
SUMMARY_NOTE_CHARACTERS = 200


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
        assessments=clinic_assessments(patient),
    )


@bp.get("/trajectory/summary")
@patient_required
def my_summary(patient: User):
    """My one-page summary: what the clinic's report shows, as I may read it, to print."""
    today = local_today(patient.timezone)
    assessments = clinic_assessments(patient, limit=SUMMARY_ASSESSMENTS + 1)
    content = build_content(patient, today)
    return render_template(
        "progress/summary.html",
        report=content,
        s=content.payload["summary"],
        payload=content.payload,
        today=today,
        assessments=[_shortened(a) for a in assessments[:SUMMARY_ASSESSMENTS]],
        more_assessments=len(assessments) > SUMMARY_ASSESSMENTS,
        max_injections=MAX_INJECTIONS,
        surgery_types=wording.SURGERY_TYPES,
        sides=wording.SURGERY_SIDES,
    )


def _shortened(assessment: ClinicAssessment) -> ClinicAssessment:
    """The assessment with its note cut to fit the page (diary.clinic.report.shorten)."""
    note, _ = shorten(assessment.note, SUMMARY_NOTE_CHARACTERS)
    return replace(assessment, note=note)
