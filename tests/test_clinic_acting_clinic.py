"""The clinic a clinician acts for (policy.acting_clinic), and the cores' domain errors.

A clinician who is a member of two clinics that both hold a live link from the patient acts
for the lowest clinic id: the review, the assessment, the report, the FHIR export and every
audit row name that one clinic, whatever order the clinician joined the clinics in.

The cores (policy, services, queries) raise diary.errors instead of answering a request, so
they work in an app context with no request at all (the CLI, the scheduler).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from diary import errors, policy
from diary.admin import queries as admin_queries
from diary.clinic import queries as clinic_queries
from diary.clinic import schedule
from diary.clinic import services as clinic_services
from diary.extensions import db
from diary.models import Assessment, AuditEvent, Clinic, ClinicMembership, FollowUpVisit, User
from diary.models.reminder import VisitSource
from diary.reminders import services as reminder_services
from diary.throttle import Throttled
from diary.web import errors as web_errors
from tests.clinic_support import confirm_membership, share
from tests.journal_helpers import TODAY, login_as, page_text
from tests.treatments_support import TreatmentRecorder

LOWER = "Lower clinic"
HIGHER = "Higher clinic"


def clinic_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Clinic.id).where(Clinic.name == name))


@pytest.fixture
def two_clinics(app, make_user):
    """(patient, clinician, lower id, higher id): the clinician joined the higher-id clinic
    first and the lower-id one later, and the patient shares with both."""
    make_user("lower@example.org", role="clinician", clinic=LOWER, display_name="Dr. Low")
    clinician = make_user("dr@example.org", role="clinician", clinic=HIGHER, display_name="Dr. Two")
    lower, higher = clinic_id(app, LOWER), clinic_id(app, HIGHER)
    assert lower < higher
    patient = make_user("pat@example.org", display_name="Pat Two")
    share(app, patient, LOWER)
    share(app, patient, HIGHER)
    with app.app_context():
        db.session.add(ClinicMembership(clinic_id=lower, user_id=clinician))
        db.session.commit()
    confirm_membership(app, clinician, LOWER)
    with app.app_context():
        joined = list(db.session.scalars(
            sa.select(ClinicMembership.clinic_id)
            .where(ClinicMembership.user_id == clinician).order_by(ClinicMembership.id)))
        assert joined == [higher, lower]  # joining order differs from id order
    return patient, clinician, lower, higher


def test_review_assessment_report_and_export_all_act_for_the_lowest_clinic(app, client, two_clinics):
    patient, clinician, lower, _ = two_clinics
    with app.app_context():
        assert policy.acting_clinic(db.session.get(User, clinician), patient).id == lower
    login_as(client, clinician)

    review = client.get(f"/clinic/patients/{patient}")
    assert review.status_code == 200
    assert f"Shared with {LOWER}." in page_text(review)
    saved = client.post(f"/clinic/patients/{patient}/assessments/new",
                        data={"visit_on": TODAY.isoformat(), "outcome": "spasm_free"})
    assert saved.status_code == 302
    report = client.get(f"/clinic/patients/{patient}/report")
    assert report.status_code == 200
    assert f"shared with {LOWER}." in page_text(report)
    assert client.get(f"/clinic/patients/{patient}/fhir.json").status_code == 200

    with app.app_context():
        [assessment] = db.session.scalars(sa.select(Assessment)).all()
        assert assessment.clinic_id == lower
        rows = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.clinic_id)
            .where(AuditEvent.patient_id == patient, AuditEvent.actor_id == clinician)
            .order_by(AuditEvent.id)).all()
    assert [action for action, _ in rows] == [
        "view_review", "record_assessment", "view_report", "export_fhir"]
    assert {clinic for _, clinic in rows} == {lower}


def test_the_patient_list_follows_the_schedule_of_the_clinic_acted_for(app, two_clinics):
    patient, clinician, lower, higher = two_clinics
    surgery_on = TODAY - timedelta(days=3)
    TreatmentRecorder(app, patient).surgery(performed_on=surgery_on)
    with app.test_request_context():  # saved as the settings page saves them
        viewer = db.session.get(User, clinician)
        clinic_services.save_schedule(viewer, lower, "2w")
        clinic_services.save_schedule(viewer, higher, "1y")
        [row] = clinic_queries.patient_rows(db.session.get(User, clinician))
    expected = schedule.next_due(surgery_on, schedule.parse_schedule("2w"), TODAY)
    assert (row.next_due, row.next_due_label) == (expected.due_on, f"{expected.label} after surgery")


# The cores without a request ---------------------------------------------------------------


def test_the_policy_raises_not_found_for_a_stranger_without_a_request(app, make_user):
    patient = make_user("pat@example.org")
    stranger = make_user("stranger@example.org", role="clinician", clinic="Elsewhere")
    with app.app_context():
        viewer = db.session.get(User, stranger)
        with pytest.raises(errors.NotFound) as raised:
            policy.patient_or_404(viewer, patient)
        assert isinstance(raised.value, errors.NotAllowed)  # it exists, but is not theirs
        with pytest.raises(errors.NotFound) as missing:
            policy.patient_or_404(viewer, 987654)
        assert not isinstance(missing.value, errors.NotAllowed)
        assert policy.acting_clinic(viewer, patient) is None
        assert not policy.can_assess(viewer, patient)


def test_clinic_writes_refuse_a_clinician_the_patient_does_not_share_with(app, make_user):
    patient = make_user("pat@example.org")
    stranger = make_user("stranger@example.org", role="clinician", clinic="Elsewhere")
    with app.app_context():
        viewer = db.session.get(User, stranger)
        with pytest.raises(errors.NotAllowed):
            clinic_services.record_assessment(viewer, patient, {"visit_on": TODAY})
        with pytest.raises(errors.NotAllowed):
            clinic_services.save_schedule(viewer, 987654, "1w")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 0


def test_a_missing_surgery_and_missing_admin_rows_raise_not_found(app, two_clinics):
    patient, clinician, _, _ = two_clinics
    with app.app_context():
        with pytest.raises(errors.NotFound):
            clinic_services.verify_surgery(db.session.get(User, clinician), patient, 987654)
        with pytest.raises(errors.NotFound):
            admin_queries.clinic_or_404(987654)
        with pytest.raises(errors.NotFound):
            admin_queries.staff_or_404(patient)


def test_the_clinics_own_appointment_is_not_the_patients_to_delete(app, make_user):
    patient = make_user("pat@example.org")
    with app.app_context():
        visit = FollowUpVisit(patient_id=patient, visit_on=TODAY, visit_minute=600,
                              place="Clinic", source=VisitSource.CLINIC.value)
        db.session.add(visit)
        db.session.commit()
        owner = db.session.get(User, patient)
        assert not policy.can_edit(owner, visit)
        with pytest.raises(errors.NotAllowed):
            reminder_services.delete_visit(owner, visit.id)
        assert db.session.get(FollowUpVisit, visit.id) is not None


def test_domain_errors_share_one_base_and_import_no_web_library():
    assert issubclass(Throttled, errors.DomainError) and Throttled is errors.Throttled
    refused = errors.Refused("Not saved.", {"day": ["Choose a day."]})
    assert (str(refused), refused.fields) == ("Not saved.", {"day": ["Choose a day."]})
    from diary.auth.services import AccountError
    from diary.treatments.entries import TreatmentRefused
    assert issubclass(AccountError, errors.Refused)
    treatment = TreatmentRefused({"units": "Give a number."})
    assert treatment.errors == {"units": "Give a number."}
    assert treatment.fields == {"units": ["Give a number."]}
    source = Path(errors.__file__).read_text(encoding="utf-8")
    assert not any(name in source for name in ("import flask", "from flask", "werkzeug", "sqlalchemy"))


def test_the_edge_answers_domain_errors_as_before(app, client, make_user):
    """One handler each in diary/web/errors.py: NotFound (and NotAllowed) as the 404 page,
    Refused as 422 with its fields in JSON, Throttled as 429 with Retry-After."""
    handlers = app.error_handler_spec[None][None]
    assert handlers[errors.NotFound] is web_errors.handle_not_found
    assert handlers[errors.Refused] is web_errors.handle_refused
    assert handlers[Throttled] is web_errors.handle_throttled

    patient = make_user("pat@example.org")
    login_as(client, make_user("stranger@example.org", role="clinician", clinic="Elsewhere"))
    missing = client.get(f"/clinic/patients/{patient}")
    assert missing.status_code == 404 and "Page not found" in page_text(missing)
    with app.test_request_context("/api/anything"):
        body, status = web_errors.handle_refused(errors.Refused("Not saved.", {"day": ["Choose a day."]}))
        assert status == 422
        assert body.get_json()["error"] == {
            "code": "unprocessable", "message": "Not saved.", "fields": {"day": ["Choose a day."]}}
        body, status = web_errors.handle_not_found(errors.NotAllowed("patient 1"))
        assert status == 404 and body.get_json()["error"]["code"] == "not_found"
    with app.test_request_context("/somewhere"):
        body, status, headers = web_errors.handle_throttled(Throttled(90))
        assert status == 429 and headers == {"Retry-After": "90"}
        assert "Please wait a few minutes before trying again." in body
