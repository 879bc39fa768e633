"""The full download: one ZIP, streamed, with every CSV table, the codebook, the FHIR Bundle
and the patient's own audit trail (never another patient's)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta

from diary import audit
from diary.extensions import db
from diary.models import Clinic, User
from diary.records import csv_tables
from tests.fhir_checks import assert_valid_bundle
from tests.journal_helpers import TODAY, check_in, login_as
from tests.route_matrix import share_with_clinic

FOLDER = "spasm-diary"


def audit_event(app, patient_id: int, action: str, clinic: str, actor_id: int, address: str) -> None:
    """A clinician's audited action on the patient's record, as the clinic pages write it."""
    with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
        clinic_id = db.session.scalar(db.select(Clinic.id).where(Clinic.name == clinic))

        audit.record(action, patient_id=patient_id, clinic_id=clinic_id,
                     actor=db.session.get(User, actor_id))
        db.session.commit()


def read_csv(archive: zipfile.ZipFile, name: str) -> list[dict]:
    """One CSV member as rows of dicts."""
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))


def test_the_zip_holds_every_file_with_the_patients_rows_only(app, client, make_user):
    patient = make_user("pat@example.org")
    other = make_user("other@example.org")
    doctor = make_user("dr@example.org", role="clinician", clinic="North clinic")
    share_with_clinic(app, patient, "North clinic")
    share_with_clinic(app, other, "North clinic")
    check_in(app, patient, TODAY - timedelta(days=1), 4)
    check_in(app, patient, TODAY, 2)
    check_in(app, other, TODAY, 9, note="other-patient-note")
    audit_event(app, patient, audit.VIEW_REVIEW, "North clinic", doctor, "10.0.0.7")
    audit_event(app, other, audit.VIEW_REPORT, "North clinic", doctor, "10.9.9.9")
    login_as(client, patient)

    response = client.get("/export/all.zip")

    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.is_streamed
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert archive.testzip() is None
    expected = {f"{FOLDER}/README.txt", f"{FOLDER}/csv-codebook.md", f"{FOLDER}/fhir.json",
                f"{FOLDER}/audit.csv", *(f"{FOLDER}/csv/{name}.csv" for name in csv_tables.TABLES)}
    assert set(archive.namelist()) == expected
    check_ins = read_csv(archive, f"{FOLDER}/csv/check_ins.csv")
    assert [(r["day"], r["check_in_spasm_count"]) for r in check_ins] == [
        ((TODAY - timedelta(days=1)).isoformat(), "4"), (TODAY.isoformat(), "2")]
    assert archive.read(f"{FOLDER}/csv-codebook.md").startswith(b"# CSV codebook")
    bundle = json.loads(archive.read(f"{FOLDER}/fhir.json"))
    assert_valid_bundle(bundle)
    (trail,) = read_csv(archive, f"{FOLDER}/audit.csv")
    assert trail["action"] == "view_review"
    assert trail["action_label"] == "Opened the follow-up review"
    assert trail["actor_role"] == "clinician"
    assert trail["address"] == "10.0.0.7"
    assert trail["at"].endswith("Z")
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"other-patient-note" not in everything and b"10.9.9.9" not in everything


def test_the_zip_is_sent_in_pieces_as_it_is_written(app, client, make_user):
    patient = make_user("pat@example.org")
    for back in range(60):
        check_in(app, patient, TODAY - timedelta(days=back), back % 7, note="x" * 200)
    login_as(client, patient)

    response = client.get("/export/all.zip", buffered=False)

    # A generator body: werkzeug reports it as streamed and sends no Content-Length.
    assert response.is_streamed
    assert "Content-Length" not in response.headers
    pieces = list(response.response)
    assert len(pieces) > len(csv_tables.TABLES)
    assert zipfile.ZipFile(io.BytesIO(b"".join(pieces))).testzip() is None
    response.close()


def test_the_audit_trail_of_a_patient_without_events_is_a_header(app, client, make_user):
    login_as(client, make_user("pat@example.org"))

    archive = zipfile.ZipFile(io.BytesIO(client.get("/export/all.zip").get_data()))

    assert archive.read(f"{FOLDER}/audit.csv").decode() == (
        "\ufeffat,action,action_label,clinic_id,actor_role,address\r\n")


def test_the_export_page_links_to_the_zip_and_the_fhir_file(client, make_user):
    login_as(client, make_user("pat@example.org"))

    page = client.get("/export").get_data(as_text=True)

    assert 'href="/export/all.zip"' in page
    assert 'href="/export/fhir.json"' in page


