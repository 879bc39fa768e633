"""The clinic's report and cohort pages, attached to the clinic blueprint (URLs under /clinic).

Both are for clinicians only: anyone else gets 404, patients included (a patient's own
printable copy may come later). The report names a patient, so policy.patient_or_404 decides
and every GET is audited; the cohort shows no patient, only counts over the clinic's
patients that the policy lets the clinician see.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from diary import audit, policy
from diary.clinic import cohort as cohort_view
from diary.clinic import identity
from diary.clinic.report import MAX_INJECTIONS, MAX_NOTE_CHARACTERS, build_report
from diary.clinic.routes import bp
from diary.clock import local_today
from diary.trajectory import rules
from diary.treatments import wording
from diary.web.guards import clinician_required


@bp.get("/patients/<id:patient_id>/report")
@clinician_required
def report(patient_id: int):
    """The one-page report of a patient for the chart, audited on every view."""
    # The patient, and the clinic the viewer acts for: the one the review is audited under.
    patient, clinic = policy.acting_clinic_or_404(current_user, patient_id)
    today = local_today(patient.timezone)
    # Audited before the read: its commit would otherwise expire what the page then shows.
    audit.record_view(audit.VIEW_REPORT, patient_id=patient.id, clinic_id=clinic.id)
    built = build_report(current_user, patient, clinic, today)
    return render_template(
        "clinic/report.html",
        report=built,
        identity=identity.identity_of(patient, clinic),
        s=built.payload["summary"],
        today=today,
        max_injections=MAX_INJECTIONS,
        max_note=MAX_NOTE_CHARACTERS,
        surgery_types=wording.SURGERY_TYPES,
        sides=wording.SURGERY_SIDES,
        house_brackmann=wording.HOUSE_BRACKMANN,
        class_labels=rules.CLASS_LABELS,
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
