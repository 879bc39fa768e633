"""Clinic pages: the patient list, the review, and the forms a clinician fills in at a visit.

Routes parse input, call one query or service, and render. Only clinicians reach them;
everyone else, and a clinician asking for a patient not shared with one of their active
clinics, gets 404 from the policy. Every GET of the review is audited.
"""

from __future__ import annotations

import json
from dataclasses import replace

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diary import audit, policy
from diary.clinic import forms, identity, queries, review, services
from diary.clinic import wording as clinic_wording
from diary.clinic.patient_list import DEFAULT_SORT, SORT_KEYS
from diary.clock import local_today
from diary.errors import Refused
from diary.i18n import gettext
from diary.models import Clinic
from diary.progress.trajectory import (
    RANGE_LABELS,
    build_trajectory,
    resolve_range,
    trajectory_payload,
)
from diary.records import fhir
from diary.treatments import wording
from diary.treatments.entries import TreatmentRefused
from diary.treatments.forms import SurgeryForm
from diary.treatments.queries import injections_between, regimen_periods_between
from diary.web.guards import clinician_required, member_required
from diary.web.pages import INVALID, form_status, page_arg, render_form, show_refusals
from diary.web.ranges import chart_request

bp = Blueprint("clinic", __name__, url_prefix="/clinic")
# The schedule's visits in the reader's language (diary/clinic/wording.py): the review page,
# the patient list and the patient's reminders page.
bp.add_app_template_filter(clinic_wording.visit_words, "visit_words")
bp.add_app_template_filter(clinic_wording.next_visit_words, "next_visit_words")


def _shared_patient(patient_id: int):
    """The patient through the policy, and the clinic the viewer acts for (resolved once
    per request; the policy raises NotFound/NotAllowed, answered 404)."""
    return policy.acting_clinic_or_404(current_user, patient_id)


# The list -----------------------------------------------------------------------------------


@bp.get("/patients")
@clinician_required
def patient_list():
    """The patients shared with the viewer's clinics, a page at a time: those who need
    attention or have a visit due first, sortable by any column, with a needs-attention
    filter (docs/clinic.md, The patient list)."""
    sort = request.args.get("sort", DEFAULT_SORT)
    if sort not in SORT_KEYS:
        sort = DEFAULT_SORT
    descending = request.args.get("dir") == "desc"
    attention = request.args.get("filter") == "attention"
    search = request.args.get("q", "")[: queries.MAX_SEARCH_LENGTH].strip()
    listing = queries.Listing(sort, descending, attention, page_arg(), queries.PAGE_SIZE, search)
    result = queries.patient_page(current_user, listing)
    return render_template(
        "clinic/patients.html",
        result=result,
        rows=result.rows,
        listing=replace(listing, page=result.page),
        sort=sort,
        descending=descending,
        attention=attention,
        q=search,
    )


# The review ---------------------------------------------------------------------------------


@bp.get("/patients/<id:patient_id>")
@clinician_required
def review_page(patient_id: int):
    """The follow-up review: trajectory, changes since the last visit, treatments, assessments."""
    patient, clinic = _shared_patient(patient_id)
    clinics = queries.clinics_sharing(current_user, patient.id)
    # Before this view is audited: the clinic's previous opening, never this one.
    opened_at = review.last_opened(patient.id, [c.id for c in clinics])
    audit.record_view(audit.VIEW_REVIEW, patient_id=patient.id, clinic_id=clinic.id)
    today = local_today(patient.timezone)
    range_key, bucket = chart_request(request.args)
    start, end = resolve_range(patient.id, today, range_key=range_key)
    trajectory = build_trajectory(patient.id, today, start, end, bucket)
    assessments = review.assessments_of(patient.id, [c.id for c in clinics])
    look = review.last_look(opened_at, assessments)
    payload = trajectory_payload(trajectory) | {
        "assessments": review.assessment_markers(assessments)
    }
    surgeries = review.surgeries_of(patient.id)
    return render_template(
        "clinic/review.html",
        patient=patient,
        clinic=clinic,
        identity=identity.identity_of(patient, clinic),
        payload=payload,
        range_key=range_key,
        range_labels=RANGE_LABELS,
        bucket=bucket,
        assessments=assessments,
        changes=review.changes_since(patient.id, look.at if look else None),
        look=look,
        looked_at=review.local_moment(look.at, patient.timezone) if look else None,
        latest_visit=assessments[0].visit_on if assessments else None,
        injections=injections_between(patient.id, review.EARLIEST, today),
        regimens=regimen_periods_between(patient.id, review.EARLIEST, today),
        surgeries=surgeries,
        verifiers=review.verifier_names(surgeries),
        baseline=review.clinician_baseline(patient.id),
        visits=review.suggested_visits(clinic, trajectory.summary.surgery, today, assessments),
        today=today,
        button=forms.ButtonForm(),
        smc=review.SMC_GRADES,
        hb=review.HB_GRADES,
        hearing=forms.HEARING,
        outcomes=forms.OUTCOMES,
        w=wording,
    )


@bp.post("/patients/<id:patient_id>/mrn")
@clinician_required
def save_mrn(patient_id: int):
    """Keep the clinic's hospital number of the patient (audited without the number)."""
    patient, _ = _shared_patient(patient_id)
    form = forms.MrnForm()
    if form.validate_on_submit():
        try:
            changed = identity.set_mrn(current_user, patient.id, form.mrn.data)
        except Refused as refused:
            form.mrn.errors = [*form.mrn.errors, *refused.fields.get("mrn", [refused.message])]
        else:
            flash(gettext("Hospital number saved.") if changed
                  else gettext("The hospital number is unchanged."), "success")
            return redirect(url_for(".review_page", patient_id=patient.id))
    return render_form("clinic/mrn_form.html", form, patient=patient, status=INVALID)


@bp.get("/patients/<id:patient_id>/fhir.json")
@clinician_required
def fhir_download(patient_id: int):
    """The patient's record as a FHIR R4B Bundle for the clinic's own system; audited."""
    patient, clinic = _shared_patient(patient_id)
    # The clinic's own hospital number goes into its copy only (docs/fhir.md, Patient).
    extra = identity.mrn_identifier(clinic.id, patient.id)
    bundle = fhir.patient_bundle(patient.id, patient_identifiers=[extra] if extra else ())
    body = json.dumps(bundle, ensure_ascii=False, indent=1)
    audit.record_view(audit.EXPORT_FHIR, patient_id=patient.id, clinic_id=clinic.id)
    return Response(body, mimetype=fhir.MIMETYPE, headers={
        "Content-Disposition": f'attachment; filename="spasm-diary-{patient.id}-fhir.json"'})


@bp.route("/patients/<id:patient_id>/assessments/new", methods=["GET", "POST"])
@clinician_required
def new_assessment(patient_id: int):
    """The follow-up assessment form; saved, it shows on the review page and its chart."""
    patient, _ = _shared_patient(patient_id)
    today = local_today(patient.timezone)
    form = forms.AssessmentForm(today=today)
    if not form.is_submitted():
        form.visit_on.data = today
    if form.validate_on_submit():
        services.record_assessment(current_user, patient.id, form.values())
        flash(gettext("Assessment recorded."), "success")
        return redirect(url_for(".review_page", patient_id=patient.id))
    return render_form("clinic/assessment_form.html", form, patient=patient)


@bp.route("/patients/<id:patient_id>/baseline", methods=["GET", "POST"])
@clinician_required
def baseline(patient_id: int):
    """The pre-operative baseline for a patient who enrolled after surgery."""
    patient, _ = _shared_patient(patient_id)
    existing = review.clinician_baseline(patient.id)
    form = forms.BaselineForm()
    if not form.is_submitted() and existing is not None:
        form = forms.BaselineForm(data={
            "spasms_per_day": existing.spasms_per_day,
            "jrs_severity": str(existing.jrs_severity if existing.jrs_severity is not None else ""),
            "jrs_frequency": str(existing.jrs_frequency if existing.jrs_frequency is not None else ""),
            "smc_grade": str(existing.smc_grade or ""),
        })
    if form.validate_on_submit():
        services.enter_baseline(current_user, patient.id, form.values())
        flash(gettext("Baseline saved."), "success")
        return redirect(url_for(".review_page", patient_id=patient.id))
    return render_form("clinic/baseline_form.html", form, patient=patient)


# Surgery ------------------------------------------------------------------------------------


@bp.post("/patients/<id:patient_id>/surgeries/<id:surgery_id>/verify")
@clinician_required
def verify_surgery(patient_id: int, surgery_id: int):
    """Confirm the operation's details as the patient entered them."""
    if not forms.ButtonForm().validate_on_submit():
        abort(400)
    services.verify_surgery(current_user, patient_id, surgery_id)
    flash(gettext("Surgery details verified."), "success")
    return redirect(url_for(".review_page", patient_id=patient_id))


@bp.post("/patients/<id:patient_id>/surgeries/<id:surgery_id>/reference")
@clinician_required
def mark_reference(patient_id: int, surgery_id: int):
    """Align the trajectory on this operation."""
    if not forms.ButtonForm().validate_on_submit():
        abort(400)
    services.mark_reference(current_user, patient_id, surgery_id)
    flash(gettext("Reference surgery changed."), "success")
    return redirect(url_for(".review_page", patient_id=patient_id))


@bp.route("/patients/<id:patient_id>/surgeries/<id:surgery_id>/edit", methods=["GET", "POST"])
@clinician_required
def edit_surgery(patient_id: int, surgery_id: int):
    """Correct an operation's details; the correction counts as verified."""
    patient, _ = _shared_patient(patient_id)
    surgery = next((s for s in review.surgeries_of(patient.id) if s.id == surgery_id), None)
    if surgery is None:
        abort(404)
    form = SurgeryForm(data=None if request.method == "POST" else SurgeryForm.data_of(surgery))
    if form.validate_on_submit():
        try:
            services.edit_surgery(current_user, patient.id, surgery_id, form.values())
        except TreatmentRefused as refused:
            show_refusals(form, refused.errors)
        else:
            flash(gettext("Surgery details corrected."), "success")
            return redirect(url_for(".review_page", patient_id=patient.id))
    return render_form(
        "clinic/surgery_form.html", form, patient=patient, invalid=form_status(form) == INVALID
    )


# Settings -----------------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@member_required
def settings(clinics: list[Clinic]):
    """The follow-up schedule of each of the viewer's clinics."""
    chosen = request.values.get("clinic", type=int) or clinics[0].id
    clinic = next((c for c in clinics if c.id == chosen), None)
    if clinic is None:
        abort(404)
    form = forms.ScheduleForm(data={"follow_up_schedule": clinic.follow_up_schedule})
    if request.method == "POST":
        form = forms.ScheduleForm()
    if form.validate_on_submit():
        services.save_schedule(current_user, clinic.id, form.schedule_text())
        flash(gettext("Follow-up schedule of %(clinic)s saved.", clinic=clinic.name), "success")
        return redirect(url_for(".settings", clinic=clinic.id))
    return render_form("clinic/settings.html", form, clinic=clinic, clinics=clinics)
