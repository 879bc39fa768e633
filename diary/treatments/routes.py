"""Treatment pages: the timeline, the forms, the medication page, deleting.

Routes read the form, call one service or page query, and render. Every record is reached
through the authorisation policy; another patient's record answers 404.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diary import policy
from diary.clock import local_today
from diary.i18n import gettext
from diary.models import Injection, MedicationRegimen, Surgery, User
from diary.treatments import forms, medication, services, timeline
from diary.treatments.entries import Saved, TreatmentRefused
from diary.treatments.wording import describe_treatment
from diary.web.forms import TextForm
from diary.web.guards import patient_required
from diary.web.pages import INVALID, form_status, render_form, show_refusals

bp = Blueprint("treatments", __name__, url_prefix="/treatments")
bp.add_app_template_filter(describe_treatment, "treatment_lines")

# After a save or a deletion, where the entry is seen again.
HOME_OF = {
    "injections": "treatments.index",
    "surgeries": "treatments.index",
    "medication": "treatments.medication_page",
    "doses": "treatments.medication_page",
}


def _save_or_render(
    form: TextForm, save: Callable[[], Saved], done: str, message: str, template: str, **context
):
    """Save a valid form, or show it again: with warnings to confirm (200), or its errors and
    refusals (422)."""
    saved: Saved | None = None
    if form.validate_on_submit():
        try:
            saved = save()
        except TreatmentRefused as refused:
            show_refusals(form, refused.errors)
        else:
            if not saved.pending:
                flash(message, "success")
                return redirect(url_for(done))
            form.warnings_seen.data = saved.token
            form.save_anyway.data = False
    warnings = saved.warnings if saved is not None else ()
    status = 200 if saved is not None else form_status(form)
    return render_form(
        template, form, status=status, warnings=warnings, invalid=status == INVALID, **context
    )


@bp.route("")
@patient_required
def index(patient: User):
    """The timeline of every treatment, newest first."""
    return render_template("treatments/index.html", events=timeline.timeline(patient.id))


# Injections ------------------------------------------------------------------------------

INJECTION_FORM = "treatments/injection_form.html"


def _another_site(form: forms.InjectionForm, title: str):
    """ "Add a site" without JavaScript: the same form again with one more site line and every
    value typed so far; nothing is checked or saved (docs/clinical.md, Injection sites)."""
    form.add_site_row()
    return render_form(INJECTION_FORM, form, status=200, warnings=(), invalid=False, title=title,
                       added_site=True)


@bp.route("/injections/new", methods=["GET", "POST"])
@patient_required
def new_injection(patient: User):
    """Record an injection."""
    form = forms.InjectionForm()
    title = gettext("Add an injection")
    if form.wants_another_site:
        return _another_site(form, title)
    return _save_or_render(
        form,
        lambda: services.save_injection(
            current_user, form.values(), patient_id=patient.id, confirmation=form.confirmation()
        ),
        "treatments.index",
        gettext("Injection saved."),
        INJECTION_FORM,
        title=title,
    )


@bp.route("/injections/<id:entry_id>/edit", methods=["GET", "POST"])
@patient_required
def edit_injection(patient: User, entry_id: int):
    """Correct an injection."""
    injection = policy.editable_or_404(current_user, Injection, entry_id)
    form = forms.InjectionForm(
        data=None if request.method == "POST" else forms.InjectionForm.data_of(injection)
    )
    title = gettext("Edit the injection")
    if form.wants_another_site:
        return _another_site(form, title)
    return _save_or_render(
        form,
        lambda: services.save_injection(
            current_user, form.values(), injection_id=entry_id, confirmation=form.confirmation()
        ),
        "treatments.index",
        gettext("Injection updated."),
        INJECTION_FORM,
        title=title,
    )


# Medication ------------------------------------------------------------------------------


@bp.route("/medication")
@patient_required
def medication_page(patient: User):
    """Current and past medication, and today's doses."""
    return _medication_page(patient, forms.DoseForm(formdata=None))


def _medication_page(patient: User, dose_form: forms.DoseForm, status: int = 200):
    """Render the medication page with a dose form (fresh, or with its errors)."""
    today = local_today(patient.timezone)
    page = timeline.medication_page(patient.id, today)
    dose_form.regimen_id.choices = forms.DoseForm.regimen_choices(page.current_choices)
    if dose_form.day.data is None and not dose_form.is_submitted():
        dose_form.day.data = today
    return render_template(
        "treatments/medication.html",
        page=page,
        taken_form=forms.TakenForm(formdata=None),
        dose_form=dose_form,
    ), status


@bp.route("/medication/new", methods=["GET", "POST"])
@patient_required
def new_regimen(patient: User):
    """Record a medication."""
    form = forms.RegimenForm()
    return _save_or_render(
        form,
        lambda: medication.save_regimen(
            current_user, form.values(), patient_id=patient.id, confirmation=form.confirmation()
        ),
        "treatments.medication_page",
        gettext("Medication saved."),
        "treatments/regimen_form.html",
        title=gettext("Add a medication"),
    )


@bp.route("/medication/<id:entry_id>/edit", methods=["GET", "POST"])
@patient_required
def edit_regimen(patient: User, entry_id: int):
    """Correct a medication regimen, or record that it stopped."""
    regimen = policy.editable_or_404(current_user, MedicationRegimen, entry_id)
    form = forms.RegimenForm(
        data=None if request.method == "POST" else forms.RegimenForm.data_of(regimen)
    )
    return _save_or_render(
        form,
        lambda: medication.save_regimen(
            current_user, form.values(), regimen_id=entry_id, confirmation=form.confirmation()
        ),
        "treatments.medication_page",
        gettext("Medication updated."),
        "treatments/regimen_form.html",
        title=gettext("Edit the medication"),
    )


@bp.route("/medication/<id:entry_id>/change", methods=["GET", "POST"])
@patient_required
def change_dose(patient: User, entry_id: int):
    """Change the dose: the current regimen ends the day before, the new one begins."""
    regimen = policy.editable_or_404(current_user, MedicationRegimen, entry_id)
    form = forms.DoseChangeForm()
    if not form.is_submitted():
        form.process(data={**forms.RegimenForm.data_of(regimen), "change_reason": None})
        form.changed_on.data = local_today(patient.timezone)
    return _save_or_render(
        form,
        lambda: medication.change_dose(
            current_user, entry_id, form.values(), confirmation=form.confirmation()
        ),
        "treatments.medication_page",
        gettext("Dose changed."),
        "treatments/change_form.html",
        title=gettext("Change the dose"),
        current=timeline.describe(regimen),
    )


@bp.route("/medication/taken", methods=["POST"])
@patient_required
def taken_as_planned(patient: User):
    """One tap: today's doses of every current medication were taken as planned."""
    if not forms.TakenForm().validate_on_submit():
        abort(400)
    recorded = medication.record_doses_taken_as_planned(patient, local_today(patient.timezone))
    if recorded:
        flash(gettext("Today's medication is recorded as taken as planned."), "success")
    else:
        flash(gettext("No medication is recorded for today."), "info")
    return redirect(url_for("treatments.medication_page"))


@bp.route("/medication/doses", methods=["POST"])
@patient_required
def record_dose(patient: User):
    """Record a missed or an extra dose."""
    form = forms.DoseForm()
    page = timeline.medication_page(patient.id, local_today(patient.timezone))
    form.regimen_id.choices = forms.DoseForm.regimen_choices(page.current_choices)
    if form.validate_on_submit():
        try:
            medication.record_dose(current_user, form.regimen_id.data, form.values())
        except TreatmentRefused as refused:
            show_refusals(form, refused.errors)
        else:
            flash(gettext("Dose recorded."), "success")
            return redirect(url_for("treatments.medication_page"))
    return _medication_page(patient, form, INVALID)


# Surgery ---------------------------------------------------------------------------------


@bp.route("/surgeries/new", methods=["GET", "POST"])
@patient_required
def new_surgery(patient: User):
    """Record an operation."""
    form = forms.SurgeryForm()
    if not form.is_submitted() and patient.affected_side in ("left", "right"):
        form.side.data = patient.affected_side
    return _save_or_render(
        form,
        lambda: services.save_surgery(current_user, form.values(), patient_id=patient.id),
        "treatments.index",
        gettext("Surgery saved."),
        "treatments/surgery_form.html",
        title=gettext("Add a surgery"),
    )


@bp.route("/surgeries/<id:entry_id>/edit", methods=["GET", "POST"])
@patient_required
def edit_surgery(patient: User, entry_id: int):
    """Correct an operation's details."""
    surgery = policy.editable_or_404(current_user, Surgery, entry_id)
    form = forms.SurgeryForm(
        data=None if request.method == "POST" else forms.SurgeryForm.data_of(surgery)
    )
    return _save_or_render(
        form,
        lambda: services.save_surgery(current_user, form.values(), surgery_id=entry_id),
        "treatments.index",
        gettext("Surgery updated."),
        "treatments/surgery_form.html",
        title=gettext("Edit the surgery"),
        verified=surgery.verified_at is not None,
    )


# Deleting --------------------------------------------------------------------------------


@bp.route("/<kind>/<id:entry_id>/delete", methods=["GET", "POST"])
@patient_required
def delete_entry(patient: User, kind: str, entry_id: int):
    """Ask before deleting; delete on POST."""
    if kind not in services.ENTRY_KINDS:
        abort(404)
    model, _ = services.ENTRY_KINDS[kind]
    entry = policy.editable_or_404(current_user, model, entry_id)
    form = forms.DeleteForm()
    if form.validate_on_submit():
        try:
            services.delete_entry(current_user, kind, entry_id)
        except TreatmentRefused as refused:
            form.form_errors.extend(refused.errors.values())
            entry = policy.editable_or_404(current_user, model, entry_id)
        else:
            flash(gettext("Entry deleted."), "success")
            return redirect(url_for(HOME_OF[kind]))
    title, lines = timeline.describe(entry)
    # Only a refusal shows a sent form again: a DeleteForm has no field but its CSRF token.
    return render_form(
        "treatments/delete.html", form, title=title, lines=lines, back=url_for(HOME_OF[kind])
    )
