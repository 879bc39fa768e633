"""Every export says what the app says: each logged day's number of spasms in the FHIR
Bundle, days.csv and the ZIP is the trajectory API's number for that day (the day rule,
docs/fhir.md, Diary days), the episodes are exported too, and an injection's total travels
with its sites even when they disagree (docs/fhir.md, Injections)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from diary.journal import services as journal
from tests.conftest import DEFAULT_NOW
from tests.fhir_checks import assert_valid_bundle, component, resources
from tests.journal_helpers import TODAY, account, check_in, login_as, spasm_now
from tests.route_matrix import share_with_clinic
from tests.treatments_support import TreatmentRecorder

# A "No spasms today" then a "Spasm now"; a day of episodes only; a check-in larger than its
# episodes.
ZERO_THEN_EPISODE = TODAY - timedelta(days=3)
EPISODES_ONLY = TODAY - timedelta(days=2)
CHECK_IN_LARGER = TODAY - timedelta(days=1)
EXPECTED = {ZERO_THEN_EPISODE.isoformat(): 1, EPISODES_ONLY.isoformat(): 2,
            CHECK_IN_LARGER.isoformat(): 5}


def at_noon(clock, day) -> None:
    """Stand the clock at noon UTC of a day (the same date in Europe/Berlin)."""
    clock.set(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))


@pytest.fixture
def diary(app, clock, make_user) -> int:
    """Three logged days whose numbers the day rule decides, entered as a patient would."""
    patient = make_user("pat@example.org")
    at_noon(clock, ZERO_THEN_EPISODE)
    with account(app, patient) as user:
        assert journal.record_no_spasms_today(user, user).recorded
    clock.advance(hours=2)
    spasm_now(app, patient, "after-the-zero")
    at_noon(clock, EPISODES_ONLY)
    spasm_now(app, patient, "first")
    clock.advance(minutes=5)
    spasm_now(app, patient, "second")
    at_noon(clock, CHECK_IN_LARGER)
    spasm_now(app, patient, "one-of-five")
    check_in(app, patient, CHECK_IN_LARGER, 5)
    clock.set(DEFAULT_NOW)
    return patient


def api_days(client) -> dict[str, int]:
    """The trajectory API's daily series, as the progress page's chart reads it."""
    payload = client.get(f"/api/v1/me/trajectory?bucket=day&from={ZERO_THEN_EPISODE}&to={TODAY}").get_json()
    return dict(zip(payload["series"]["start"], payload["series"]["spasms"], strict=True))


def fhir_days(bundle: dict) -> dict[str, int]:
    """Each diary-day Observation's spasm-count, by day."""
    return {o["effectiveDateTime"]: component(o, "spasm-count")["valueInteger"]
            for o in resources(bundle, "Observation") if o["code"]["coding"][0]["code"] == "diary-day"}


def csv_days(text: str) -> dict[str, int]:
    """days.csv's spasms column, by day."""
    return {row["day"]: int(row["spasms"]) for row in csv.DictReader(io.StringIO(text))}


def test_every_export_gives_each_day_the_number_the_trajectory_shows(client, diary):
    login_as(client, diary)

    api = api_days(client)
    bundle = client.get("/api/v1/me/fhir").get_json()
    download = json.loads(client.get("/export/fhir.json").get_data())
    days_csv = client.get("/export/days.csv").get_data().decode("utf-8-sig")
    archive = zipfile.ZipFile(io.BytesIO(client.get("/export/all.zip").get_data()))

    assert api == EXPECTED
    assert fhir_days(bundle) == api
    assert fhir_days(download) == api
    assert csv_days(days_csv) == api
    assert csv_days(archive.read("spasm-diary/csv/days.csv").decode("utf-8-sig")) == api
    assert fhir_days(json.loads(archive.read("spasm-diary/fhir.json"))) == api


def test_a_day_observation_shows_its_inputs_and_where_they_came_from(app, client, diary):
    login_as(client, diary)

    bundle = client.get("/api/v1/me/fhir").get_json()

    assert_valid_bundle(bundle)
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    days = {o["effectiveDateTime"]: o for o in resources(bundle, "Observation")
            if o["code"]["coding"][0]["code"] == "diary-day"}
    zero_day = days[ZERO_THEN_EPISODE.isoformat()]
    assert component(zero_day, "check-in-spasm-count")["valueInteger"] == 0
    assert component(zero_day, "episode-count")["valueInteger"] == 1
    sources = [by_url[r["reference"]]["code"]["coding"][0]["code"] for r in zero_day["derivedFrom"]]
    assert sorted(sources) == ["check-in", "spasm-episode"]
    episodes_only = days[EPISODES_ONLY.isoformat()]
    assert component(episodes_only, "check-in-spasm-count") is None
    assert component(episodes_only, "episode-count")["valueInteger"] == 2


def test_each_episode_is_an_observation_at_its_local_moment(client, diary):
    login_as(client, diary)

    bundle = client.get("/api/v1/me/fhir").get_json()

    episodes = [o for o in resources(bundle, "Observation")
                if o["code"]["coding"][0]["code"] == "spasm-episode"]
    assert len(episodes) == 4
    # 14:00 UTC in Berlin's winter time, with its offset: the instant and the diary day.
    assert episodes[0]["effectiveDateTime"] == f"{ZERO_THEN_EPISODE.isoformat()}T15:00:00+01:00"
    assert [o["effectiveDateTime"][:10] for o in episodes] == [
        ZERO_THEN_EPISODE.isoformat(), EPISODES_ONLY.isoformat(), EPISODES_ONLY.isoformat(),
        CHECK_IN_LARGER.isoformat()]


def test_a_check_in_observation_carries_the_check_ins_own_count(client, diary):
    login_as(client, diary)

    bundle = client.get("/api/v1/me/fhir").get_json()

    check_ins = {o["effectiveDateTime"]: o for o in resources(bundle, "Observation")
                 if o["code"]["coding"][0]["code"] == "check-in"}
    zero = check_ins[ZERO_THEN_EPISODE.isoformat()]
    assert component(zero, "check-in-spasm-count")["valueInteger"] == 0
    # No component says "the day's number" with the check-in's 0 on a day the app shows as 1.
    assert component(zero, "spasm-count") is None


@pytest.fixture
def disagreeing_injection(app, make_user) -> int:
    """25 U in total, entered with two sites of 5 U: both kept as entered."""
    patient = make_user("pat@example.org")
    TreatmentRecorder(app, patient).injection(
        TODAY - timedelta(days=7), total_units="25",
        sites=(("oo_pretarsal_upper", "affected", "5"), ("zygomaticus", "affected", "5")))
    return patient


def test_the_fhir_session_carries_the_total_and_says_the_sites_disagree(client, disagreeing_injection):
    login_as(client, disagreeing_injection)

    bundle = client.get("/api/v1/me/fhir").get_json()

    assert_valid_bundle(bundle)
    session, *sites = resources(bundle, "MedicationAdministration")
    assert session["dosage"]["dose"] == {"value": 25, "unit": "U"}
    assert session["extension"] == [{
        "url": "https://spasm-diary.example/fhir/StructureDefinition/site-units-sum",
        "valueQuantity": {"value": 10, "unit": "U"}}]
    assert {"text": "25 U total, sites add up to 10 U: both as entered, neither corrected"} in session["note"]
    assert [s["dosage"]["dose"]["value"] for s in sites] == [5, 5]
    assert all(s["partOf"] == [{"reference": f"urn:uuid:{session['id']}"}] for s in sites)


def test_injections_csv_keeps_the_total_and_flags_the_disagreement(client, disagreeing_injection):
    login_as(client, disagreeing_injection)

    text = client.get("/export/injections.csv").get_data().decode("utf-8-sig")

    (row,) = csv.DictReader(io.StringIO(text))
    assert row["total_units"] == "25"
    assert row["sites_units_sum"] == "10"
    assert row["total_differs_from_sites"] == "true"


def test_the_patients_timeline_and_the_clinics_review_show_both_numbers(
        app, client, make_user, disagreeing_injection):
    login_as(client, disagreeing_injection)
    assert "25 U total, sites add up to 10 U" in client.get("/treatments").get_data(as_text=True)

    doctor = make_user("dr@example.org", role="clinician", clinic="North clinic")
    share_with_clinic(app, disagreeing_injection, "North clinic")
    login_as(client, doctor)
    review = client.get(f"/clinic/patients/{disagreeing_injection}")
    assert review.status_code == 200
    assert "25 U total, sites add up to 10 U" in review.get_data(as_text=True)
