"""The clinic's members page: who can read the clinic's patients, and the memberships an
administrator added that wait for a colleague's confirmation (diary/memberships.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from diary import memberships
from diary.clinic import forms
from diary.clinic.routes import bp
from diary.i18n import gettext
from diary.web.guards import clinician_required


@bp.get("/members")
@clinician_required
def members():
    """The members of the viewer's clinics, and those waiting for confirmation."""
    clinics, waiting = memberships.members_page(current_user)
    return render_template("clinic/members.html", clinics=clinics, waiting=waiting,
                           button=forms.ButtonForm())


def _decided(decision: memberships.Decision | None, confirmed: bool):
    """Back to the members page with what happened; 404 when the viewer may not decide."""
    if decision is None:
        abort(404)
    if decision.outcome is memberships.Outcome.GONE:
        flash(gettext("A colleague decided on this membership a moment ago."), "info")
    elif confirmed:
        flash(gettext("%(name)s is confirmed and can now see the patients of %(clinic)s.",
                      name=decision.display_name, clinic=decision.clinic_name), "success")
    else:
        flash(gettext("%(name)s is refused: they are not a member of %(clinic)s.",
                      name=decision.display_name, clinic=decision.clinic_name), "success")
    return redirect(url_for(".members"))


@bp.post("/members/<id:membership_id>/confirm")
@clinician_required
def confirm_member(membership_id: int):
    """A colleague confirms a pending member, who sees the clinic's patients from now on."""
    if not forms.ButtonForm().validate_on_submit():
        abort(400)
    return _decided(memberships.confirm(current_user, membership_id), confirmed=True)


@bp.post("/members/<id:membership_id>/refuse")
@clinician_required
def refuse_member(membership_id: int):
    """A colleague refuses a pending member: the membership is removed, the refusal audited."""
    if not forms.ButtonForm().validate_on_submit():
        abort(400)
    return _decided(memberships.refuse(current_user, membership_id), confirmed=False)
