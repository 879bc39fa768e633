"""The clinic's FHIR download of a shared patient: the same Bundle the patient gets, audited,
and gone with the consent or the account."""

from __future__ import annotations

import json
from datetime import timedelta

from tests.clinic_support import assess, audit_actions, share
from tests.conftest import PASSWORD
from tests.fhir_checks import assert_valid_bundle, resources
from tests.journal_helpers import TODAY, check_in, login_as
from tests.treatments_support import TreatmentRecorder


def setup(app, make_user):
    patient = make_user("ada@example.org", display_name="Ada", affected_side="left")
    team = make_user("doc@example.org", role="clinician", clinic="Sharing clinic")
    stranger = make_user("far@example.org", role="clinician", clinic="Another clinic")
    share(app, patient)
    TreatmentRecorder(app, patient).surgery(performed_on=TODAY - timedelta(days=60))
    check_in(app, patient, TODAY - timedelta(days=1), 2)
    assess(app, team, patient, TODAY - timedelta(days=3), smc_grade=1, outcome="reduced_90")
    return patient, team, stranger


def test_the_care_team_downloads_a_valid_bundle_and_the_download_is_audited(app, client, make_user):
    patient, team, _ = setup(app, make_user)
    login_as(client, team)

    response = client.get(f"/clinic/patients/{patient}/fhir.json")

    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert "attachment" in response.headers["Content-Disposition"]
    bundle = json.loads(response.get_data(as_text=True))
    assert_valid_bundle(bundle)
    assert len(resources(bundle, "Procedure")) == 1
    assert audit_actions(app, patient)[-1] == "export_fhir"


def test_the_review_page_offers_the_download(app, client, make_user):
    patient, team, _ = setup(app, make_user)
    login_as(client, team)

    page = client.get(f"/clinic/patients/{patient}").get_data(as_text=True)

    assert f"/clinic/patients/{patient}/fhir.json" in page


def test_a_clinician_of_another_clinic_gets_404_and_nothing_is_audited(app, client, make_user):
    patient, _, stranger = setup(app, make_user)
    before = audit_actions(app, patient)
    login_as(client, stranger)

    assert client.get(f"/clinic/patients/{patient}/fhir.json").status_code == 404
    assert audit_actions(app, patient) == before


def test_after_the_account_is_deleted_the_care_team_gets_404_everywhere(app, client, make_user):
    patient, team, _ = setup(app, make_user)
    login_as(client, patient)
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 302

    login_as(client, team)
    for path in ("", "/fhir.json", "/report", "/assessments/new", "/baseline"):
        assert client.get(f"/clinic/patients/{patient}{path}").status_code == 404, path
    listing = client.get("/clinic/patients").get_data(as_text=True)
    assert "Ada" not in listing
