"""The patient's downloads (FHIR JSON, the full ZIP) and the account deletion page."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required

from diary import policy
from diary.auth import sessions
from diary.auth.routes import too_many_logins
from diary.clock import utcnow
from diary.records import archive, deletion
from diary.records.fhir import patient_bundle
from diary.records.forms import DeleteAccountForm
from diary.throttle import Throttled

bp = Blueprint("records", __name__)

FHIR_MIMETYPE = "application/fhir+json"


@bp.get("/export/fhir.json")
@login_required
def fhir_download():
    """The patient's record as a FHIR R4B Bundle, as a file."""
    patient = policy.patient_or_404(current_user, current_user.id)
    body = json.dumps(patient_bundle(patient.id), ensure_ascii=False, indent=1)
    return Response(body, mimetype=FHIR_MIMETYPE, headers={
        "Content-Disposition": 'attachment; filename="spasm-diary-fhir.json"'})


@bp.get("/export/all.zip")
@login_required
def full_download():
    """Everything at once: CSV tables, codebook, FHIR and the audit trail, streamed as a ZIP."""
    patient = policy.patient_or_404(current_user, current_user.id)
    moment = utcnow()
    filename = f"spasm-diary-{moment.date().isoformat()}.zip"
    return Response(
        stream_with_context(archive.full_download(patient.id, moment)),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Delete the account and every row of the diary, after the password is given again."""
    patient = policy.patient_or_404(current_user, current_user.id)
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            deletion.delete_account(patient, form.password.data, request.remote_addr)
        except Throttled as error:
            return too_many_logins(error)
        except deletion.WrongPassword:
            form.password.errors.append("This password is not right. Nothing was deleted.")
        else:
            sessions.end()
            flash("Your account and your whole diary are deleted.", "success")
            return redirect(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("records/delete.html", form=form), status
