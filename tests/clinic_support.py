"""Building clinic data in tests: sharing, assessments and surgeries through the app's services."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Flask

from diary import memberships
from diary.clinic import services
from diary.clinic.attention import refresh_attention
from diary.database import write_transaction
from diary.extensions import db
from diary.models import AuditEvent, CareLink, Clinic, ClinicMembership, User
from diary.reminders.planning import hooks as reminder_hooks

CLINIC = "Sharing clinic"


def share(app: Flask, patient_id: int, clinic_name: str = CLINIC) -> None:
    """The patient's consent for the named clinic to see the diary: the link written as the
    sharing services write it, which replans the follow-up reminder (reminders/hooks.py)."""
    with app.app_context(), write_transaction():
        clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == clinic_name))
        link = CareLink(patient_id=patient_id, clinic_id=clinic.id, source="code")
        db.session.add(link)
        db.session.flush()
        reminder_hooks.entry_changed(link)
        refresh_attention(patient_id)


def confirm_membership(app: Flask, user_id: int, clinic_name: str = CLINIC) -> None:
    """A confirmed colleague confirms the account's pending membership of the clinic, through
    the service the clinic's Members page calls (diary/memberships.py): a member added to a
    clinic that has a patient, an open invitation or a confirmed clinician sees nothing until
    then."""
    with app.test_request_context():
        membership = db.session.scalar(
            sa.select(ClinicMembership).join(Clinic, Clinic.id == ClinicMembership.clinic_id)
            .where(Clinic.name == clinic_name, ClinicMembership.user_id == user_id))
        colleague_id = db.session.scalar(memberships.confirmers(membership.clinic_id).limit(1))
        assert colleague_id is not None, f"{clinic_name} has no confirmed member to confirm"
        decision = memberships.confirm(db.session.get(User, colleague_id), membership.id)
        assert decision is not None and decision.outcome is memberships.Outcome.DONE


def assess(app: Flask, clinician_id: int, patient_id: int, visit_on: date, **values) -> int:
    """Record an assessment as the clinician, through the service."""
    with app.test_request_context():
        viewer = db.session.get(User, clinician_id)
        fields = {"visit_on": visit_on, "smc_grade": None, "house_brackmann_grade": None,
                  "hearing": None, "outcome": None, "recurrence": False, "note": None} | values
        return services.record_assessment(viewer, patient_id, fields)


def audit_actions(app: Flask, patient_id: int | None = None) -> list[str]:
    """The audit trail's actions, oldest first (of one patient, when given)."""
    with app.app_context():
        query = sa.select(AuditEvent.action).order_by(AuditEvent.id)
        if patient_id is not None:
            query = query.where(AuditEvent.patient_id == patient_id)
        return list(db.session.scalars(query))
