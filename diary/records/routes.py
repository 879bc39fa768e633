"""The patient's downloads (FHIR JSON, the full ZIP) and the account deletion page."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    request,
    stream_with_context,
    url_for,
)

from diary.auth import sessions
from diary.clock import utcnow
from diary.models import User
from diary.records import archive, deletion, fhir
from diary.records.forms import DeleteAccountForm
from diary.throttle import Throttled
from diary.web.errors import too_many_logins
from diary.web.guards import patient_required
from diary.web.pages import render_form

bp = Blueprint("records", __name__)


@bp.get("/export/fhir.json")
@patient_required
def fhir_download(patient: User):
    """The patient's record as a FHIR R4B Bundle, as a file."""
    body = json.dumps(fhir.patient_bundle(patient.id), ensure_ascii=False, indent=1)
    return Response(body, mimetype=fhir.MIMETYPE, headers={
        "Content-Disposition": 'attachment; filename="spasm-diary-fhir.json"'})


@bp.get("/export/all.zip")
@patient_required
def full_download(patient: User):
    """Everything at once: CSV tables, codebook, FHIR and the audit trail, streamed as a ZIP."""
    moment = utcnow()
    filename = f"spasm-diary-{moment.date().isoformat()}.zip"
    return Response(
        stream_with_context(archive.full_download(patient.id, moment)),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@patient_required
def delete_account(patient: User):
    """Delete the account and every row of the diary, after the password is given again."""
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
    return render_form("records/delete.html", form)
