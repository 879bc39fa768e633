"""The clinician's side of sharing: add a patient by share code, invite a patient by email.

Attached to the clinic blueprint (URLs under /clinic). The consent logic itself, codes,
redemption and invitations that the patient accepts, is sharing's (sharing/services.py).
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from diary.clinic.routes import bp
from diary.i18n import gettext, lazy_gettext
from diary.sharing import services
from diary.sharing.forms import InviteForm, RedeemForm
from diary.throttle import Throttled
from diary.web.errors import CODES, INVITATIONS, too_many_attempts
from diary.web.guards import member_required
from diary.web.pages import render_form

# Module-level, so lazy: each is read in the reader's language (docs/wording.md, Strings).
NOT_VALID = lazy_gettext("This code is not valid. Ask the patient for a new one.")
# The same answer whoever the address belongs to: the form must not tell who is registered.
INVITED = lazy_gettext("If this address belongs to a patient of Spasm Diary, they will find "
                       "your invitation when they log in.")


@bp.route("/add-patient", methods=["GET", "POST"])
@member_required
def add_patient(clinics):
    """Enter a patient's share code: the patient then shares the diary with the clinic."""
    form = RedeemForm()
    form.offer(clinics)
    if not form.validate_on_submit():
        return render_form("clinic/add_patient.html", form)
    try:
        result = services.redeem_code(
            current_user, form.chosen_clinic(), form.code.data, request.remote_addr
        )
    except Throttled as error:
        return too_many_attempts(error, CODES)
    clinic_name = next(c.name for c in clinics if c.id == form.chosen_clinic())
    if result.outcome is services.Redeemed.INVALID:
        form.code.errors.append(str(NOT_VALID))
        return render_form("clinic/add_patient.html", form)
    if result.outcome is services.Redeemed.LINKED:
        flash(gettext("%(name)s now shares the diary with %(clinic)s.", name=result.patient_name,
                      clinic=clinic_name), "success")
    else:
        flash(gettext("%(name)s already shares the diary with %(clinic)s.", name=result.patient_name,
                      clinic=clinic_name), "info")
    # The list, where the new patient now is; it shows the message at its top.
    return redirect(url_for("clinic.patient_list"))


@bp.route("/invite", methods=["GET", "POST"])
@member_required
def invite(clinics):
    """Invite a patient by email; the answer is the same whether the address is known or not."""
    form = InviteForm()
    form.offer(clinics)
    if not form.validate_on_submit():
        return render_form("clinic/invite.html", form)
    try:
        services.invite(current_user, form.chosen_clinic(), form.email.data, request.remote_addr)
    except Throttled as error:
        return too_many_attempts(error, INVITATIONS)
    flash(str(INVITED), "info")
    return redirect(url_for(".invite"))
