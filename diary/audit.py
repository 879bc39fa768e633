"""Writing the audit trail: every clinician access to a patient's record, and link changes.

`record()` adds an AuditEvent to the current transaction, so that a change and its audit row
commit together; `record_view()` is for reads (a GET changes nothing else) and writes in a write transaction of its own.
Patients and actors are also named by a pseudonym, random and stored with the account at its
creation, which survives the account's deletion without naming anyone and never follows the
row id (docs/security.md, The identity model).
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from diary.database import write_transaction
from diary.extensions import db
from diary.i18n import lazy_gettext
from diary.models import AuditEvent, User

# Actions. The trail says what was done, never what the record held.
VIEW_REVIEW = "view_review"
VIEW_REPORT = "view_report"
EXPORT_REPORT_PDF = "export_report_pdf"
EXPORT_CSV = "export_csv"
EXPORT_FHIR = "export_fhir"
VERIFY_SURGERY = "verify_surgery"
EDIT_SURGERY = "edit_surgery"
RECORD_ASSESSMENT = "record_assessment"
ENTER_BASELINE = "enter_baseline"
# The clinic's hospital number of the patient changed; the row never holds the number.
MRN_CHANGED = "mrn_changed"
LINK_CREATED = "link_created"
LINK_REVOKED = "link_revoked"
INVITATION_SENT = "invitation_sent"
# The patient's own sharing steps, listed on the access log beside the clinic's.
SHARE_CODE_CREATED = "share_code_created"
SHARE_CODE_CANCELLED = "share_code_cancelled"
INVITATION_DECLINED = "invitation_declined"
MEMBER_ADDED = "member_added"
# Giving a person diary access takes two people (docs/security.md, Who can give diary access).
MEMBER_CONFIRMED = "member_confirmed"
MEMBER_REFUSED = "member_refused"
MEMBER_BREAK_GLASS = "member_confirmed_break_glass"
MEMBER_DEACTIVATED = "member_deactivated"
ACCOUNT_DELETED = "account_deleted"
# The administrator's actions on clinics and staff accounts (no patient involved).
CLINIC_CREATED = "clinic_created"
CLINIC_RENAMED = "clinic_renamed"
MEMBER_ROLE_CHANGED = "member_role_changed"
MEMBER_REACTIVATED = "member_reactivated"
SECOND_FACTOR_RESET = "second_factor_reset"

ACTION_LABELS = {
    VIEW_REVIEW: lazy_gettext("Opened the follow-up review"),
    VIEW_REPORT: lazy_gettext("Opened the one-page report"),
    EXPORT_REPORT_PDF: lazy_gettext("Downloaded the one-page report as PDF"),
    EXPORT_CSV: lazy_gettext("Downloaded the diary as CSV"),
    EXPORT_FHIR: lazy_gettext("Downloaded the medical record file for hospital systems (FHIR)"),
    VERIFY_SURGERY: lazy_gettext("Verified surgery details"),
    EDIT_SURGERY: lazy_gettext("Corrected surgery details"),
    RECORD_ASSESSMENT: lazy_gettext("Recorded a follow-up assessment"),
    ENTER_BASELINE: lazy_gettext("Entered the spasm count before surgery (pre-operative baseline)"),
    MRN_CHANGED: lazy_gettext("Hospital number changed"),
    LINK_CREATED: lazy_gettext("Sharing with a clinic began"),
    LINK_REVOKED: lazy_gettext("Sharing with a clinic ended"),
    INVITATION_SENT: lazy_gettext("Invited to share"),
    SHARE_CODE_CREATED: lazy_gettext("Share code created"),
    SHARE_CODE_CANCELLED: lazy_gettext("Share code cancelled"),
    INVITATION_DECLINED: lazy_gettext("Invitation declined"),
    MEMBER_ADDED: lazy_gettext("Clinic member added"),
    MEMBER_CONFIRMED: lazy_gettext("Clinic member confirmed by a colleague"),
    MEMBER_REFUSED: lazy_gettext("Clinic member refused by a colleague"),
    MEMBER_BREAK_GLASS: lazy_gettext("Clinic member confirmed by the app's administrator in an emergency (break glass)"),
    MEMBER_DEACTIVATED: lazy_gettext("Clinic member deactivated"),
    ACCOUNT_DELETED: lazy_gettext("Account deleted"),
    CLINIC_CREATED: lazy_gettext("Clinic created"),
    CLINIC_RENAMED: lazy_gettext("Clinic renamed"),
    MEMBER_ROLE_CHANGED: lazy_gettext("Clinic member's role changed"),
    MEMBER_REACTIVATED: lazy_gettext("Clinic member reactivated"),
    SECOND_FACTOR_RESET: lazy_gettext("Second sign-in step reset (second factor)"),
}


def pseudonym(user_id: int | None) -> str | None:
    """The audit trail's name for an account (the session's copy when it is loaded)."""
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    return user.pseudonym if user is not None else None


def record(
    action: str,
    *,
    patient_id: int | None = None,
    clinic_id: int | None = None,
    subject: str | None = None,
    actor: Any = None,
) -> AuditEvent:
    """Add an audit row to the current transaction; the caller commits."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_role=getattr(actor, "role", None),
        actor_ref=getattr(actor, "pseudonym", None),
        action=action,
        patient_id=patient_id,
        patient_ref=pseudonym(patient_id),
        clinic_id=clinic_id,
        subject=subject,
        address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def record_view(action: str, *, patient_id: int, clinic_id: int | None = None,
                subject: str | None = None) -> None:
    """Audit a read in a write transaction of its own: a GET has nothing else to commit."""
    with write_transaction():
        record(action, patient_id=patient_id, clinic_id=clinic_id, subject=subject)
