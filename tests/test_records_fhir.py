"""The FHIR export: a valid R4B collection Bundle of the patient's live records, whose
references resolve and whose codes are documented (docs/fhir.md)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from diary.extensions import db
from diary.journal.services import delete_check_in
from diary.models import Assessment, Clinic
from diary.records import codes
from diary.records.fhir import NotAPatient, patient_bundle
from tests.fhir_checks import assert_valid_bundle, codings, component, references, resources
from tests.journal_helpers import TODAY, account, check_in, check_ins, login_as
from tests.route_matrix import share_with_clinic
from tests.treatments_support import TreatmentRecorder


def add_assessment(app, patient_id: int, clinic_name: str, **values) -> int:
    """A clinic's follow-up assessment, written as the clinic part writes it (the model)."""
    with app.app_context():
        clinic = db.session.scalar(db.select(Clinic).where(Clinic.name == clinic_name))
        row = Assessment(patient_id=patient_id, clinic_id=clinic.id, **values)
        db.session.add(row)
        db.session.commit()
        return row.id


@pytest.fixture
def diary(app, make_user):
    """A patient with one of everything, and a deleted entry of each kind."""
    patient = make_user("pat@example.org")
    make_user("dr@example.org", role="clinician", clinic="North clinic")
    share_with_clinic(app, patient, "North clinic")
    check_in(app, patient, TODAY - timedelta(days=2), 12, typical_duration_seconds=5,
             jrs_severity=2, jrs_frequency=3, note="tired")
    check_in(app, patient, TODAY - timedelta(days=1), 0)
    check_in(app, patient, TODAY - timedelta(days=3), 7)
    treatments = TreatmentRecorder(app, patient)
    treatments.injection(date(2025, 9, 1), sites=(("oo_pretarsal_upper", "affected", "2.5"),
                                                 ("zygomaticus", "other", None)))
    treatments.injection(date(2025, 12, 1), product="other", product_other="Letybo", total_units=None)
    gone = treatments.injection(date(2026, 2, 1))
    treatments.delete("injections", gone)
    first = treatments.regimen("carbamazepine", "200", started_on=date(2025, 1, 1))
    treatments.change(first, date(2025, 6, 1), "400", doses_per_day=2)
    treatments.regimen("other", "10", unit="mcg", started_on=date(2025, 2, 1), drug_other="Tizanidine")
    treatments.surgery(date(2025, 10, 6), vessels=("aica",), complications=("hearing_change",))
    deleted_surgery = treatments.surgery(date(2025, 3, 3), surgery_type="other")
    treatments.delete("surgeries", deleted_surgery)
    add_assessment(app, patient, "North clinic", visit_on=date(2026, 1, 6), smc_grade=1,
                   house_brackmann_grade=2, hearing="reduced", outcome="spasm_free", note="well")
    seven = next(c.id for c in check_ins(app, patient_id=patient) if c.spasm_count == 7)
    with account(app, patient) as user:
        delete_check_in(user, seven)
    return patient


def bundle_of(app, patient_id: int) -> dict:
    """The patient's Bundle, built as the routes build it."""
    with app.app_context():
        return patient_bundle(patient_id)


def test_the_bundle_of_a_full_diary_is_valid_r4b_with_every_reference_inside(app, diary):
    bundle = bundle_of(app, diary)

    assert_valid_bundle(bundle)
    assert bundle["type"] == "collection"
    assert references(bundle), "the records refer to the Patient"


def test_the_bundle_holds_one_resource_per_live_record(app, diary):
    bundle = bundle_of(app, diary)

    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[0] == "Patient"
    # 2 live check-ins + their 2 days + 1 assessment + the remission summary; 2 sessions
    # + 2 sites; 3 regimens; 1 live surgery.
    assert kinds.count("Observation") == 6
    assert kinds.count("MedicationAdministration") == 4
    assert kinds.count("MedicationStatement") == 3
    assert kinds.count("Procedure") == 1


def test_a_check_in_is_a_survey_observation_with_its_numbers(app, diary):
    bundle = bundle_of(app, diary)
    surveys = [o for o in resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == "check-in"]

    by_day = {o["effectiveDateTime"]: o for o in surveys}
    assert sorted(by_day) == [(TODAY - timedelta(days=2)).isoformat(),
                              (TODAY - timedelta(days=1)).isoformat()]
    busy = by_day[(TODAY - timedelta(days=2)).isoformat()]
    assert component(busy, "check-in-spasm-count")["valueInteger"] == 12
    assert component(busy, "spasm-count") is None  # the day's number is the day's Observation
    assert component(busy, "typical-duration")["valueQuantity"] == {
        "value": 5, "unit": "s", "system": codes.UCUM, "code": "s"}
    assert component(busy, "jrs-severity-self-rated")["valueInteger"] == 2
    assert component(busy, "jrs-frequency-self-rated")["valueInteger"] == 3
    assert busy["note"] == [{"text": "tired"}]
    quiet = by_day[(TODAY - timedelta(days=1)).isoformat()]
    assert component(quiet, "check-in-spasm-count")["valueInteger"] == 0
    assert component(quiet, "jrs-severity-self-rated") is None


def test_an_injection_is_its_session_with_the_total_then_one_administration_per_site(app, diary):
    administrations = resources(bundle_of(app, diary), "MedicationAdministration")

    sites = [a["dosage"].get("site", {}).get("coding", [{}])[0].get("code") for a in administrations]
    assert sites == [None, "oo_pretarsal_upper", "zygomaticus", None]
    session, upper, cheek, other = administrations
    assert session["dosage"] == {"text": "Whole session", "dose": {"value": 20, "unit": "U"}}
    # A site without units may hold the rest of the total: nothing disagrees.
    assert "extension" not in session and "note" not in session
    session_url = f"urn:uuid:{session['id']}"
    assert upper["partOf"] == cheek["partOf"] == [{"reference": session_url}]
    assert "partOf" not in other
    assert upper["dosage"]["dose"] == {"value": 2.5, "unit": "U"}
    assert "dose" not in cheek["dosage"]  # units at that site not known
    assert "other side" in cheek["dosage"]["site"]["text"]
    assert upper["medicationCodeableConcept"]["coding"][0]["code"] == "onabotulinumtoxinA"
    assert other["medicationCodeableConcept"]["text"] == "Letybo"
    assert other["effectiveDateTime"] == "2025-12-01"


def test_each_regimen_is_a_medication_statement_with_its_period_and_dose(app, diary):
    statements = resources(bundle_of(app, diary), "MedicationStatement")

    first, other, changed = statements
    assert first["effectivePeriod"] == {"start": "2025-01-01", "end": "2025-05-31"}
    assert first["status"] == "completed"
    assert changed["status"] == "active" and "end" not in changed["effectivePeriod"]
    assert changed["dosage"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 400
    assert changed["dosage"][0]["timing"]["repeat"]["frequency"] == 2
    assert [c["code"] for c in first["medicationCodeableConcept"]["coding"]] == ["carbamazepine", "N03AF01"]
    assert other["medicationCodeableConcept"]["text"] == "Tizanidine"
    assert other["dosage"][0]["doseAndRate"][0]["doseQuantity"]["code"] == "ug"


def test_surgery_is_a_procedure_and_the_clinics_assessment_an_exam(app, diary):
    bundle = bundle_of(app, diary)

    (procedure,) = resources(bundle, "Procedure")
    assert procedure["code"]["coding"][0]["code"] == "mvd"
    assert procedure["performedDateTime"] == "2025-10-06"
    assert procedure["complication"] == [{"text": "Change in hearing"}]
    (exam,) = [o for o in resources(bundle, "Observation")
               if o["category"][0]["coding"][0]["code"] == "exam"]
    assert exam["effectiveDateTime"] == "2026-01-06"
    assert component(exam, "smc-grade")["valueInteger"] == 1
    assert component(exam, "outcome-class")["valueCodeableConcept"]["coding"][0]["code"] == "spasm_free"
    assert component(exam, "recurrence")["valueBoolean"] is False
    assert exam["performer"] == [{"display": "North clinic"}]


def test_the_same_record_keeps_its_full_url_from_one_export_to_the_next(app, diary):
    first = [e["fullUrl"] for e in bundle_of(app, diary)["entry"]]

    check_in(app, diary, TODAY, 1)
    second = [e["fullUrl"] for e in bundle_of(app, diary)["entry"]]

    # The new check-in and its day's Observation.
    assert set(first) < set(second) and len(second) == len(first) + 2


def test_only_a_patient_has_a_bundle(app, make_user):
    clinician = make_user("dr@example.org", role="clinician")

    with app.app_context(), pytest.raises(NotAPatient):
        patient_bundle(clinician)


def test_every_code_and_system_is_documented_in_docs_fhir():
    docs = Path("docs/fhir.md").read_text(encoding="utf-8")

    for system, known in codes.SYSTEMS.items():
        assert system in docs, system
        for code in known:
            assert f"`{code}`" in docs, (system, code)
    assert "R4B" in docs


def test_the_demo_patients_bundles_are_valid(app):
    from diary.clock import utcnow
    from diary.simulator.demo import build_demo

    with app.app_context():
        built = build_demo(utcnow(), "demo-password-123")
        for patient_id, _ in built.patients:
            bundle = patient_bundle(patient_id)
            assert_valid_bundle(bundle)
            assert len(resources(bundle, "Observation")) > 100
            assert all(s in codes.SYSTEMS for _, s, _ in codings(bundle))


def test_the_api_answers_the_bundle_as_fhir_json(app, client, diary):
    login_as(client, diary)

    response = client.get("/api/v1/me/fhir")

    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert_valid_bundle(response.get_json())


def test_the_api_asks_an_anonymous_caller_to_log_in_in_json(client):
    response = client.get("/api/v1/me/fhir")

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_clinician_has_no_bundle_of_their_own(app, client, make_user):
    login_as(client, make_user("dr@example.org", role="clinician", clinic="North clinic"))

    response = client.get("/api/v1/me/fhir")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_patient_downloads_the_bundle_as_a_file(app, client, diary):
    login_as(client, diary)

    response = client.get("/export/fhir.json")

    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert_valid_bundle(json.loads(response.get_data(as_text=True)))
