"""The patient's sharing pages: who reads the diary, share codes, invitations, the access log."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from diary.i18n import gettext
from diary.models import User
from diary.sharing import codes, queries, services
from diary.sharing.forms import ShareCodeForm
from diary.sharing.queries import local_time
from diary.web.guards import patient_required
from diary.web.pages import INVALID

bp = Blueprint("sharing", __name__)


def _back_to_sharing(clinic_name: str | None, done: Callable[[str], str]):
    """Back to the sharing page, saying what was done with the clinic (`done` words it, in
    the reader's language, from the clinic's name); 404 when the service did nothing: the
    link or invitation is not the patient's, or no longer open."""
    if clinic_name is None:
        abort(404)
    flash(done(clinic_name), "success")
    return redirect(url_for(".index"))


def _code_form(patient: User, **kwargs) -> ShareCodeForm:
    """The share code request, its date of birth filled with the one given before."""
    return ShareCodeForm(data={"birth_date": patient.birth_date}, time_zone=patient.timezone, **kwargs)


@bp.route("/sharing")
@patient_required
def index(patient: User):
    """The clinics that read the diary, the open codes and the pending invitations."""
    return render_template("sharing/index.html", view=queries.sharing_view(patient),
                           code_form=_code_form(patient, formdata=None))


@bp.route("/sharing/codes", methods=["POST"])
@patient_required
def create_code(patient: User):
    """Make a share code and show it, this once: only its hash is kept. A date of birth given
    with it is kept on the account (422 with the reason when it is not a possible one)."""
    form = _code_form(patient)
    if not form.validate_on_submit():
        return render_template("sharing/index.html", view=queries.sharing_view(patient),
                               code_form=form), INVALID
    row, code = services.create_code(patient, birth_date=form.birth_date.data)
    expires = local_time(row.expires_at, patient)
    return render_template("sharing/code.html", code=codes.grouped(code), expires=expires,
                           birth_date=patient.birth_date)


@bp.route("/sharing/codes/<id:code_id>/cancel", methods=["POST"])
@patient_required
def cancel_code(patient: User, code_id: int):
    """Cancel an unused code, so that nobody can use it any more."""
    if not services.cancel_code(patient, code_id):
        abort(404)
    flash(gettext("The share code is cancelled: nobody can use it now."), "success")
    return redirect(url_for(".index"))


@bp.route("/sharing/clinics/<id:link_id>/stop", methods=["GET", "POST"])
@patient_required
def stop_sharing(patient: User, link_id: int):
    """Ask for confirmation (GET), then stop sharing with the clinic at once (POST)."""
    if request.method == "GET":
        link = services.live_link_of(patient, link_id)
        if link is None:
            abort(404)
        return render_template("sharing/stop.html", link=link)
    return _back_to_sharing(
        services.revoke_link(patient, link_id),
        lambda clinic: gettext("You no longer share your diary with %(clinic)s. Its members "
                               "cannot open it any more.", clinic=clinic),
    )


@bp.route("/sharing/invitations/<id:invitation_id>/accept", methods=["POST"])
@patient_required
def accept_invitation(patient: User, invitation_id: int):
    """Accept a clinic's invitation: the clinic may read the diary from now on."""
    return _back_to_sharing(services.accept_invitation(patient, invitation_id),
                            lambda clinic: gettext("You now share your diary with %(clinic)s.",
                                                   clinic=clinic))


@bp.route("/sharing/invitations/<id:invitation_id>/decline", methods=["POST"])
@patient_required
def decline_invitation(patient: User, invitation_id: int):
    """Decline a clinic's invitation; the clinic is not told more than that it was not accepted."""
    return _back_to_sharing(services.decline_invitation(patient, invitation_id),
                            lambda clinic: gettext("You declined the invitation from %(clinic)s.",
                                                   clinic=clinic))


@bp.route("/sharing/access-log")
@patient_required
def access_log(patient: User):
    """Every audited access to the diary and every sharing step, newest first."""
    return render_template(
        "sharing/access_log.html", entries=queries.access_log(patient), limit=queries.ACCESS_LOG_LIMIT
    )
