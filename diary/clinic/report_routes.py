"""The clinic's report and cohort pages, attached to the clinic blueprint (URLs under /clinic).

Both are for clinicians only: anyone else gets 404, patients included (the patient's own
printable summary is /trajectory/summary). The report names a patient, so
policy.acting_clinic_or_404 decides and every GET is audited, its PDF under an action of its
own; the cohort shows no patient, only counts over the clinic's patients that the policy
lets the clinician see.
"""

from __future__ import annotations

from datetime import date

from flask import Response, abort, current_app, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from diary import audit, policy
from diary.clinic import cohort as cohort_view
from diary.clinic import forms, identity, pdf, report_chart
from diary.clinic.report import MAX_INJECTIONS, MAX_NOTE_CHARACTERS, build_report
from diary.clinic.routes import bp
from diary.clock import local_today
from diary.i18n import gettext, short_month
from diary.models import Clinic, User
from diary.progress.wording import CLASS_LABELS
from diary.treatments import wording
from diary.web.errors import error_response
from diary.web.guards import clinician_required


@bp.get("/patients/<id:patient_id>/report")
@clinician_required
def report(patient_id: int):
    """The one-page report of a patient for the chart, audited on every view."""
    # The patient, and the clinic the viewer acts for: the one the review is audited under.
    patient, clinic = policy.acting_clinic_or_404(current_user, patient_id)
    return _render_report(patient, clinic, audit.VIEW_REPORT)


@bp.get("/patients/<id:patient_id>/report.pdf")
@clinician_required
def report_pdf(patient_id: int):
    """The same report as a PDF made on the server, for the clinic's record; audited.

    503 when this server cannot render PDFs (pdf.load_renderer); the browser's Print button
    still works then.
    """
    patient, clinic = policy.acting_clinic_or_404(current_user, patient_id)
    try:
        renderer = pdf.load_renderer()
    except pdf.PdfUnavailable as error:
        current_app.logger.warning("report PDF unavailable: %s", error.__cause__)
        return error_response(503, str(error), way_out=(
            gettext("Back to the report"), url_for("clinic.report", patient_id=patient_id)))
    html = _render_report(patient, clinic, audit.EXPORT_REPORT_PDF, for_pdf=True)
    body = renderer.render_pdf(
        html,
        base_url=request.url_root,
        static_base=url_for("static", filename="", _external=True),
        static_folder=current_app.static_folder,
    )
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="spasm-diary-{patient.id}-report.pdf"'})


def _render_report(patient: User, clinic: Clinic, action: str, *, for_pdf: bool = False) -> str:
    """The report page's HTML, audited under `action`; for the PDF, with its SVG chart."""
    today = local_today(patient.timezone)
    # Audited before the read: its commit would otherwise expire what the page then shows.
    audit.record_view(action, patient_id=patient.id, clinic_id=clinic.id)
    built = build_report(current_user, patient, clinic, today)
    chart_svg = None
    if for_pdf:
        # Inline, as WeasyPrint draws it without a fetch; drawn from numbers, and every text
        # and attribute in it escaped (diary/clinic/report_chart.py).
        months = tuple(short_month(date(2000, month, 1)) for month in range(1, 13))
        svg = report_chart.monthly_chart_svg(
            report_chart.series_of(built.payload), month_names=months,
            title=gettext("Spasms per logged day by month (bars) and severity (points); the "
                          "table gives the same numbers."),
            surgery_label=gettext("Surgery"))
        chart_svg = Markup(svg)  # noqa: S704
    return render_template(
        "clinic/report.html",
        report=built,
        identity=identity.identity_of(patient, clinic),
        s=built.payload["summary"],
        chart_svg=chart_svg,
        today=today,
        max_injections=MAX_INJECTIONS,
        max_note=MAX_NOTE_CHARACTERS,
        surgery_types=wording.SURGERY_TYPES,
        sides=wording.SURGERY_SIDES,
        house_brackmann=wording.HOUSE_BRACKMANN,
        class_labels=CLASS_LABELS,
        hearing=forms.HEARING,
    )


@bp.get("/cohort")
@clinician_required
def cohort():
    """Time from MVD to spasm-free over the clinic's patients: Kaplan-Meier and counts."""
    clinics = policy.member_clinics(current_user, in_joining_order=True)
    if not clinics:
        return render_template("clinic/cohort.html", clinics=[], clinic=None, cohort=None)
    wanted = request.args.get("clinic", type=int)
    if wanted is None:
        clinic = clinics[0]
    else:
        clinic = next((c for c in clinics if c.id == wanted), None)
        if clinic is None:
            abort(404)
    built = cohort_view.build_cohort(cohort_view.summary_rows(current_user, clinic.id))
    return render_template(
        "clinic/cohort.html",
        clinics=clinics,
        clinic=clinic,
        cohort=built,
        payload=cohort_view.chart_payload(built),
    )
