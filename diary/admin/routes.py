"""The administrator's pages: clinics and their members, staff accounts, the audit trail."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from diary.admin import queries, services
from diary.admin.forms import ClinicForm, MemberForm, MemberRoleForm
from diary.auth.services import AccountError
from diary.i18n import gettext
from diary.models import Role
from diary.web.guards import admin_required
from diary.web.pages import INVALID, page_arg, render_form

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@admin_required
def index():
    """Every clinic, with links to the staff accounts and the audit trail."""
    return render_template("admin/index.html", clinics=queries.clinic_rows())


@bp.route("/clinics/new", methods=["GET", "POST"])
@admin_required
def new_clinic():
    """Create a clinic."""
    form = ClinicForm()
    if form.validate_on_submit():
        try:
            clinic = services.create_clinic(form.name.data)
        except services.ClinicError as error:
            form.name.errors.append(str(error))
        else:
            flash(gettext("Clinic %(name)s created. Add its members below.", name=clinic.name), "success")
            return redirect(url_for("admin.clinic", clinic_id=clinic.id))
    return render_form("admin/new_clinic.html", form)


def _render_clinic(clinic, *, rename_form=None, member_form=None, status=200):
    """The clinic page with fresh forms except the one being corrected."""
    rename_form = rename_form or ClinicForm(formdata=None, obj=clinic)
    member_form = member_form or MemberForm(formdata=None)
    rows = queries.members(clinic.id)
    role_forms = {
        row.membership_id: MemberRoleForm(formdata=None, prefix=f"m{row.membership_id}",
                                          member_role=row.member_role)
        for row in rows
    }
    return render_template(
        "admin/clinic.html", clinic=clinic, members=rows, role_forms=role_forms,
        rename_form=rename_form, member_form=member_form,
    ), status


@bp.route("/clinics/<id:clinic_id>")
@admin_required
def clinic(clinic_id: int):
    """A clinic: its name, its members and their roles, adding a member."""
    return _render_clinic(queries.clinic_or_404(clinic_id))


@bp.route("/clinics/<id:clinic_id>/rename", methods=["POST"])
@admin_required
def rename_clinic(clinic_id: int):
    """Rename the clinic."""
    clinic = queries.clinic_or_404(clinic_id)
    form = ClinicForm()
    if form.validate_on_submit():
        try:
            services.rename_clinic(clinic, form.name.data)
        except services.ClinicError as error:
            form.name.errors.append(str(error))
        else:
            flash(gettext("The clinic's name is changed."), "success")
            return redirect(url_for("admin.clinic", clinic_id=clinic.id))
    return _render_clinic(clinic, rename_form=form, status=INVALID)


@bp.route("/clinics/<id:clinic_id>/members", methods=["POST"])
@admin_required
def add_member(clinic_id: int):
    """Add a clinician by email; a new address gets an account and a set-password link."""
    clinic = queries.clinic_or_404(clinic_id)
    form = MemberForm()
    if form.validate_on_submit():
        try:
            added = services.add_member(clinic, email=form.email.data,
                                        display_name=form.display_name.data,
                                        member_role=form.member_role.data)
        except AccountError as error:
            form.email.errors.append(str(error))
        else:
            if not added.confirmed:
                flash(gettext("%(email)s is added to %(clinic)s and waits for a confirmed "
                              "member of the clinic to confirm them; until then they see none of its "
                              "patients.", email=added.user.email, clinic=clinic.name), "info")
            if added.invited and added.mail_sent:
                flash(gettext("We created an account for %(email)s and mailed a link to "
                              "choose a password.", email=added.user.email), "success")
            elif added.invited:
                flash(gettext("We created an account for %(email)s, but could not send the "
                              "email just now. They can use 'Forgot your password?' once it works.",
                              email=added.user.email), "warning")
            elif added.confirmed:
                flash(gettext("%(email)s is now a member of %(clinic)s.", email=added.user.email,
                              clinic=clinic.name), "success")
            return redirect(url_for("admin.clinic", clinic_id=clinic.id))
    return _render_clinic(clinic, member_form=form, status=INVALID)


@bp.route("/memberships/<id:membership_id>/role", methods=["POST"])
@admin_required
def set_member_role(membership_id: int):
    """Clinician or nurse, in one clinic."""
    membership = queries.membership_or_404(membership_id)
    form = MemberRoleForm(prefix=f"m{membership.id}")
    if form.validate_on_submit():
        services.set_member_role(membership, form.member_role.data)
        flash(gettext("The member's role is changed."), "success")
        return redirect(url_for("admin.clinic", clinic_id=membership.clinic_id))
    flash(gettext("Choose clinician or nurse."), "error")
    return _render_clinic(membership.clinic, status=INVALID)


@bp.route("/staff")
@admin_required
def staff():
    """Every clinician and administrator account: active or not, second factor set up or not."""
    return render_template("admin/staff.html", accounts=queries.staff())


def _back_to(default: str) -> str:
    """Back to the clinic page the button was on, else the staff page."""
    clinic_id = request.form.get("clinic_id", type=int)
    return url_for("admin.clinic", clinic_id=clinic_id) if clinic_id else default


@bp.route("/staff/<id:user_id>/deactivate", methods=["POST"])
@admin_required
def deactivate(user_id: int):
    """Close a clinician's account; their sessions end at once, their clinics keep patients."""
    user = queries.staff_or_404(user_id, roles=(Role.CLINICIAN.value,))
    if user.active:
        services.deactivate(user)
        flash(gettext("%(email)s is deactivated and logged out everywhere.", email=user.email), "success")
    return redirect(_back_to(url_for("admin.staff")))


@bp.route("/staff/<id:user_id>/reactivate", methods=["POST"])
@admin_required
def reactivate(user_id: int):
    """Open a deactivated clinician's account again."""
    user = queries.staff_or_404(user_id, roles=(Role.CLINICIAN.value,))
    if not user.active:
        services.reactivate(user)
        flash(gettext("%(email)s can log in again.", email=user.email), "success")
    return redirect(_back_to(url_for("admin.staff")))


@bp.route("/staff/<id:user_id>/reset-second-factor", methods=["POST"])
@admin_required
def reset_second_factor(user_id: int):
    """Forget another staff member's second factor (a lost phone); they enrol again."""
    user = queries.staff_or_404(user_id, not_id=current_user.id)
    services.reset_second_factor(user)
    flash(gettext("The second factor of %(email)s is reset: they set it up again at their next "
                  "login, and are logged out everywhere now.", email=user.email), "success")
    return redirect(_back_to(url_for("admin.staff")))


@bp.route("/audit")
@admin_required
def audit_trail():
    """The audit trail of every clinic, newest first, a page at a time."""
    page = page_arg()
    events, older = queries.audit_page(page)
    return render_template("admin/audit.html", events=events, page=page, older=older)
