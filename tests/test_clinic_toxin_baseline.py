"""A toxin-suppressed baseline on the clinic's pages and in the exports: shown and marked,
never measured against alone.

Two shared patients, each operated 120 days before today with an injection 35 days before
surgery, so the 28 days before surgery are toxin-suppressed (6 spasms a day against 32
untreated). Since surgery both log 26 a day: fewer than untreated, more than under toxin.
The first kept a diary for the six months before surgery, so an untreated baseline exists;
the second began the diary under toxin, so it does not (docs/trajectory.md, Which baseline is used).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from tests.clinic_support import share
from tests.journal_helpers import TODAY, check_in, login_as, page_text
from tests.treatments_support import TreatmentRecorder

SURGERY = TODAY - timedelta(days=120)


def operated_under_toxin(app, make_user, email: str, name: str, untreated_days: int) -> int:
    patient = make_user(email, display_name=name, affected_side="left")
    share(app, patient)
    treatments = TreatmentRecorder(app, patient)
    treatments.injection(injected_on=SURGERY - timedelta(days=35))
    treatments.surgery(performed_on=SURGERY)
    for offset in range(36, 36 + untreated_days):
        check_in(app, patient, SURGERY - timedelta(days=offset), 32)
    for offset in range(1, 36):
        check_in(app, patient, SURGERY - timedelta(days=offset), 6)
    for offset in range(28):
        check_in(app, patient, TODAY - timedelta(days=offset), 26)
    return patient


@pytest.fixture
def patients(app, make_user, viewer) -> tuple[int, int]:
    with_untreated = operated_under_toxin(app, make_user, "ute@example.org", "Ute", untreated_days=60)
    without = operated_under_toxin(app, make_user, "otto@example.org", "Otto", untreated_days=0)
    return with_untreated, without


@pytest.fixture
def viewer(client, make_user) -> None:
    """A clinician of the clinic both patients share with, logged in."""
    login_as(client, make_user("doc@example.org", role="clinician", clinic="Sharing clinic"))


def list_row(client, name: str) -> str:
    page = client.get("/clinic/patients").get_data(as_text=True)
    [row] = [r for r in page.split("<tr")[1:] if f">{name}</a>" in r]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))


def test_the_list_measures_against_the_untreated_baseline(patients, viewer, client):
    row = list_row(client, "Ute")
    assert "More spasms than before surgery" not in row
    assert "32.0 untreated" in row
    assert "-19%" in row  # (26 - 32) / 32
    assert "Less than 50% fewer or worse" in row


def test_the_list_gives_no_change_against_suppressed_days_alone(patients, viewer, client):
    row = list_row(client, "Otto")
    assert "More spasms than before surgery" not in row
    assert "6.0 toxin" in row
    assert "%" not in row.split("toxin", 1)[1].split("Uncertain", 1)[0]  # no change column figure
    assert "Uncertain: baseline under toxin" in row


def test_the_review_shows_both_baselines_and_marks_the_suppressed_one(patients, viewer, client):
    with_untreated, without = patients
    text = page_text(client.get(f"/clinic/patients/{with_untreated}"))
    assert "32.0 spasms a day without toxin" in text
    assert "Not used: the 28 days before surgery, 6.0 a day, while botulinum toxin was still working" in text
    assert "-19% fewer spasms against the toxin-free days before surgery (baseline without toxin)" in text

    text = page_text(client.get(f"/clinic/patients/{without}"))
    assert "Uncertain 6.0 a day in the 28 days before surgery" in text
    assert "more spasms" not in text
    assert "not compared with days when the toxin was still working (toxin-suppressed)" in text


def test_the_report_uses_the_same_rule(patients, viewer, client):
    with_untreated, without = patients
    text = page_text(client.get(f"/clinic/patients/{with_untreated}/report"))
    assert "32.0 a day without toxin" in text
    assert "-19% against the baseline without toxin" in text
    text = page_text(client.get(f"/clinic/patients/{without}/report"))
    assert "Uncertain: 6.0 a day in the 28 days before surgery" in text
    assert "Change –" in text


def exported(client, patient: int) -> tuple[dict[str, str], dict]:
    """The patient's summary.csv row and the FHIR Bundle's remission summary."""
    login_as(client, patient)
    text = client.get("/export/summary.csv").get_data().decode("utf-8-sig")
    [row] = csv.DictReader(io.StringIO(text))
    bundle = client.get("/export/fhir.json").get_json()
    [observation] = [
        e["resource"] for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"] == "remission-summary"
    ]
    return row, {c["code"]["coding"][0]["code"]: c for c in observation["component"]} | {
        "method": observation.get("method")}


def test_the_csv_and_fhir_summaries_use_the_same_rule(patients, app):
    with_untreated, without = patients
    row, fhir = exported(app.test_client(), with_untreated)
    assert (row["baseline_source"], float(row["baseline_spasms_per_day"])) == ("untreated", 32.0)
    assert (float(row["window_spasms_per_day"]), row["window_toxin_suppressed"]) == (6.0, "true")
    assert round(float(row["percent_change"])) == -19
    assert row["outcome"] == "unchanged_or_worse"
    assert fhir["method"]["coding"][0]["code"] == "untreated"
    assert fhir["baseline-spasms-per-day"]["valueQuantity"]["value"] == 32.0
    assert round(fhir["percent-change"]["valueQuantity"]["value"]) == -19

    row, fhir = exported(app.test_client(), without)
    assert (row["baseline_spasms_per_day"], row["percent_change"]) == ("", "")
    assert row["outcome"] == "baseline_suppressed"
    assert row["outcome_readable"] == "Uncertain: baseline under toxin"
    assert "percent-change" not in fhir and "baseline-spasms-per-day" not in fhir
    assert fhir["pre-op-window-toxin-suppressed"]["valueBoolean"] is True
    assert fhir["computed-outcome-class"]["valueCodeableConcept"]["coding"][0]["code"] == (
        "baseline_suppressed")
