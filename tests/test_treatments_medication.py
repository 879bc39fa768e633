"""Medication regimens, dose changes that keep the history, and dose taking."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from diary.database import write_transaction
from diary.errors import NotFound
from diary.extensions import db
from diary.models import DoseLog, EntryRevision, MedicationRegimen, User
from diary.treatments import medication
from diary.treatments.entries import TreatmentRefused
from diary.treatments.forms import parse_times
from diary.treatments.rules import regimen_warnings
from diary.treatments.values import DoseValues
from tests.treatments_support import TODAY, TreatmentRecorder, rows, text_of


class Discarded(Exception):
    """Raised to end a write transaction without keeping it."""


@pytest.fixture
def record(app, patient) -> TreatmentRecorder:
    """Treatments of the logged-in patient, through the services."""
    return TreatmentRecorder(app, patient)


def regimen_form(**fields) -> dict:
    """A valid regimen form: gabapentin 300 mg three times a day since 5 January."""
    form = {
        "drug": "gabapentin",
        "strength": "300",
        "unit": "mg",
        "doses_per_day": "3",
        "times_of_day": "8:00, 14.00 20h00",
        "started_on": "2026-01-05",
    }
    form.update(fields)
    return {k: v for k, v in form.items() if v is not None}


def change_form(**fields) -> dict:
    """A dose change to 400 mg three times a day from 1 March."""
    form = {"changed_on": "2026-03-01", "strength": "400", "unit": "mg", "doses_per_day": "3"}
    form.update(fields)
    return form


def test_a_regimen_is_saved_with_its_dose_and_times(client, app, patient):
    response = client.post(
        "/treatments/medication/new", data=regimen_form(change_reason="Spasms at night")
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/treatments/medication"
    (regimen,) = rows(app, MedicationRegimen)
    assert (regimen.drug, regimen.strength, regimen.unit, regimen.doses_per_day) == (
        "gabapentin",
        Decimal("300"),
        "mg",
        3,
    )
    assert regimen.times_of_day == ["08:00", "14:00", "20:00"]
    assert (regimen.started_on, regimen.stopped_on) == (date(2026, 1, 5), None)
    assert regimen.change_reason == "Spasms at night"
    page = text_of(client.get("/treatments/medication"))
    assert "Gabapentin : 300 mg, 3 times a day" in page


def test_a_drug_not_in_the_list_is_named_in_text(client, app, patient):
    response = client.post(
        "/treatments/medication/new", data=regimen_form(drug="other", times_of_day="")
    )
    assert response.status_code == 422
    assert "Give the name of the other drug." in text_of(response)
    named = regimen_form(
        drug="other", drug_other="Pregabalin", strength="75", doses_per_day="2", times_of_day=""
    )
    assert client.post("/treatments/medication/new", data=named).status_code == 302
    assert rows(app, MedicationRegimen)[0].drug_other == "Pregabalin"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"strength": "0"}, "The strength must be more than 0 and at most 100000."),
        ({"strength": "-300"}, "The strength must be more than 0 and at most 100000."),
        ({"doses_per_day": "0", "times_of_day": ""}, "Doses per day must be between 1 and 24."),
        ({"doses_per_day": "25", "times_of_day": ""}, "Doses per day must be between 1 and 24."),
        ({"doses_per_day": "2"}, "Give one time for each dose: 2 a day, 3 times given."),
        ({"times_of_day": "8 o'clock"}, "is not a time of day"),
        ({"started_on": "2026-03-11"}, "This date is in the future"),
        (
            {"stopped_on": "2026-01-04"},
            "The stop date cannot be before the start (5 January 2026).",
        ),
        ({"drug": ""}, "Choose the drug."),
        ({"strength": ""}, "Give the strength of one dose."),
    ],
)
def test_impossible_regimen_values_are_refused_and_nothing_is_saved(
    client, app, patient, fields, message
):
    response = client.post("/treatments/medication/new", data=regimen_form(**fields))
    assert response.status_code == 422
    assert message in text_of(response)
    assert rows(app, MedicationRegimen) == []


def test_times_of_day_are_read_in_the_usual_ways():
    assert parse_times("8:00, 14.00 20h00") == ("08:00", "14:00", "20:00")
    assert parse_times("") == ()
    with pytest.raises(ValueError):
        parse_times("25:00")


def test_a_daily_dose_outside_the_reported_range_is_a_warning_never_a_refusal(client, app, patient):
    low = regimen_form(strength="100", times_of_day="")
    first = client.post("/treatments/medication/new", data=low)
    assert first.status_code == 200
    assert (
        "300 mg a day is less than the 900–1600 mg a day reported for hemifacial spasm."
        in text_of(first)
    )
    assert rows(app, MedicationRegimen) == []

    confirmed = client.post("/treatments/medication/new", data={**low, "save_anyway": "y"})
    assert confirmed.status_code == 302
    assert rows(app, MedicationRegimen)[0].strength == Decimal("100")


def test_the_reported_ranges_come_from_the_domain_reference():
    def warns(drug: str, strength: str, unit: str, doses: int) -> bool:
        return bool(regimen_warnings(drug, Decimal(strength), unit, doses))

    assert not warns("gabapentin", "400", "mg", 3)  # 1200 mg/day
    assert warns("gabapentin", "600", "mg", 3)  # 1800 mg/day
    assert not warns("carbamazepine", "200", "mg", 4)
    assert warns("carbamazepine", "300", "mg", 3)
    assert not warns("clonazepam", "0.5", "mg", 2)
    assert not warns("clonazepam", "500", "mcg", 2)
    assert warns("clonazepam", "2", "mg", 1)
    assert not warns("lacosamide", "200", "mg", 2)
    assert warns("lacosamide", "0.3", "g", 2)
    # No range in the reference for these, and none for a volume.
    assert not warns("baclofen", "100", "mg", 3)
    assert not warns("gabapentin", "5", "ml", 3)


def test_dose_change_closes_the_current_regimen(client, app, patient, record):
    first = record.regimen(started_on=date(2026, 1, 5))
    page = client.get(f"/treatments/medication/{first}/change")
    assert page.status_code == 200
    assert 'value="2026-03-10"' in page.get_data(as_text=True)  # today, in Berlin

    response = client.post(
        f"/treatments/medication/{first}/change", data=change_form(change_reason="Still spasms")
    )
    assert response.status_code == 302

    before, after = rows(app, MedicationRegimen)
    assert before.id == first
    assert (before.started_on, before.stopped_on, before.strength) == (
        date(2026, 1, 5),
        date(2026, 2, 28),
        Decimal("300"),
    )
    assert after.previous_regimen_id == first
    assert (after.drug, after.strength, after.started_on, after.stopped_on) == (
        "gabapentin",
        Decimal("400"),
        date(2026, 3, 1),
        None,
    )
    assert after.change_reason == "Still spasms"
    timeline = text_of(client.get("/treatments"))
    assert "Dose change: Gabapentin 400 mg, 3 times a day" in timeline
    assert "Before: 300 mg, 3 times a day" in timeline
    assert "Started Gabapentin: 300 mg, 3 times a day" in timeline


def test_a_dose_change_must_come_after_the_regimen_began(client, app, patient, record):
    first = record.regimen(started_on=date(2026, 1, 5))
    response = client.post(
        f"/treatments/medication/{first}/change", data=change_form(changed_on="2026-01-05")
    )
    assert response.status_code == 422
    assert "A dose change must come after this dose began (5 January 2026)." in text_of(response)
    assert len(rows(app, MedicationRegimen)) == 1
    assert rows(app, MedicationRegimen)[0].stopped_on is None


def test_a_dose_change_to_the_same_dose_is_refused(client, app, patient, record):
    first = record.regimen()
    response = client.post(
        f"/treatments/medication/{first}/change", data=change_form(strength="300")
    )
    assert response.status_code == 422
    assert "This is the current dose" in text_of(response)


def test_a_dose_change_keeps_a_recorded_stop_date(app, record):
    first = record.regimen(
        started_on=date(2026, 1, 5), stopped_on=date(2026, 3, 8), stop_reason="Dizzy"
    )
    second = record.change(first, date(2026, 2, 1), "400")
    before, after = rows(app, MedicationRegimen)
    assert (before.stopped_on, before.stop_reason) == (date(2026, 1, 31), None)
    assert (after.id, after.stopped_on, after.stop_reason) == (second, date(2026, 3, 8), "Dizzy")


def test_only_the_latest_dose_can_be_changed(client, app, patient, record):
    first = record.regimen()
    record.change(first, date(2026, 2, 1), "400")
    response = client.post(f"/treatments/medication/{first}/change", data=change_form())
    assert response.status_code == 422
    assert "This dose was already changed on 1 February 2026" in text_of(response)
    assert len(rows(app, MedicationRegimen)) == 2


def test_deleting_a_dose_change_gives_its_period_back_to_the_dose_before(
    client, app, patient, record
):
    first = record.regimen()
    second = record.change(first, date(2026, 2, 1), "400")
    assert client.post(f"/treatments/medication/{second}/delete").status_code == 302
    before, deleted = rows(app, MedicationRegimen)
    assert deleted.deleted_at is not None
    assert before.stopped_on is None
    (revision,) = rows(app, EntryRevision)
    assert (revision.entry_type, revision.entry_id, revision.action) == (
        "medication_regimen",
        second,
        "delete",
    )


def test_a_regimen_changed_later_cannot_be_deleted_before_its_change(client, app, patient, record):
    first = record.regimen()
    record.change(first, date(2026, 2, 1), "400")
    response = client.post(f"/treatments/medication/{first}/delete")
    assert response.status_code == 422
    assert "This dose was changed on 1 February 2026. Delete that change first." in text_of(
        response
    )
    assert all(r.deleted_at is None for r in rows(app, MedicationRegimen))


def test_moving_a_dose_change_moves_the_previous_stop(client, app, patient, record):
    first = record.regimen()
    second = record.change(first, date(2026, 2, 1), "400")
    response = client.post(
        f"/treatments/medication/{second}/edit",
        data=regimen_form(strength="400", started_on="2026-02-10", times_of_day=""),
    )
    assert response.status_code == 302
    before, after = rows(app, MedicationRegimen)
    assert (before.stopped_on, after.started_on) == (date(2026, 2, 9), date(2026, 2, 10))
    (revision,) = rows(app, EntryRevision)
    assert revision.entry_id == second and revision.before["started_on"] == "2026-02-01"


def test_a_dose_change_keeps_its_drug_and_its_dates_stay_linked(client, app, patient, record):
    first = record.regimen()
    second = record.change(first, date(2026, 2, 1), "400")
    other_drug = client.post(
        f"/treatments/medication/{second}/edit",
        data=regimen_form(
            drug="carbamazepine", strength="400", started_on="2026-02-01", times_of_day=""
        ),
    )
    assert other_drug.status_code == 422
    assert "This dose continues Gabapentin through a dose change." in text_of(other_drug)

    stop_moved = client.post(
        f"/treatments/medication/{first}/edit",
        data=regimen_form(stopped_on="2026-01-20", times_of_day=""),
    )
    assert stop_moved.status_code == 422
    assert "the day before the dose change" in text_of(stop_moved)
    assert [r.stopped_on for r in rows(app, MedicationRegimen)] == [date(2026, 1, 31), None]


def test_stopping_a_regimen_shows_on_the_timeline(client, app, patient, record):
    first = record.regimen()
    response = client.post(
        f"/treatments/medication/{first}/edit",
        data=regimen_form(stopped_on="2026-03-02", stop_reason="Too tired", times_of_day=""),
    )
    assert response.status_code == 302
    timeline = text_of(client.get("/treatments"))
    assert "Stopped Gabapentin (was 300 mg, 3 times a day)" in timeline
    assert "Reason: Too tired" in timeline


def test_taken_as_planned_records_every_current_regimen_once(client, app, patient, record):
    gabapentin = record.regimen()
    clonazepam = record.regimen(drug="clonazepam", strength="0.5", doses_per_day=2)
    record.regimen(
        drug="baclofen", strength="10", started_on=date(2025, 1, 1), stopped_on=date(2025, 6, 1)
    )

    page = client.get("/treatments/medication")
    assert "Taken as planned" in text_of(page)
    for _ in range(2):  # a double tap
        response = client.post("/treatments/medication/taken")
        assert response.status_code == 302
    logs = rows(app, DoseLog)
    assert {(log.regimen_id, log.day, log.status, log.count) for log in logs} == {
        (gabapentin, TODAY, "taken_as_planned", 3),
        (clonazepam, TODAY, "taken_as_planned", 2),
    }
    assert "Today's doses are recorded as taken as planned." in text_of(
        client.get("/treatments/medication")
    )


def test_record_doses_taken_as_planned_covers_the_regimens_of_that_day(app, record):
    first = record.regimen(started_on=date(2026, 1, 5))
    second = record.change(first, date(2026, 3, 1), "400")
    assert record.taken_as_planned(date(2026, 2, 28)) == [first]
    assert record.taken_as_planned(date(2026, 3, 1)) == [second]
    assert record.taken_as_planned(date(2026, 1, 4)) == []
    with pytest.raises(TreatmentRefused):
        record.taken_as_planned(date(2026, 3, 11))


def test_record_doses_taken_as_planned_can_join_the_callers_transaction(app, record):
    regimen = record.regimen()
    with app.app_context():
        user = db.session.get(User, record.patient_id)
        with pytest.raises(Discarded), write_transaction():
            assert medication.record_doses_taken_as_planned(user, TODAY, commit=False) == [regimen]
            raise Discarded  # the caller decides: here nothing is kept
    assert rows(app, DoseLog) == []


def test_a_missed_dose_replaces_taken_as_planned_for_that_day(client, app, patient, record):
    regimen = record.regimen()
    record.taken_as_planned()
    response = client.post(
        "/treatments/medication/doses",
        data={"regimen_id": str(regimen), "status": "missed", "count": "1", "day": "2026-03-10"},
    )
    assert response.status_code == 302
    taken, missed = rows(app, DoseLog)
    assert taken.status == "taken_as_planned" and taken.deleted_at is not None
    assert (missed.status, missed.count, missed.deleted_at) == ("missed", 1, None)
    (revision,) = rows(app, EntryRevision)
    assert (revision.entry_type, revision.action) == ("dose_log", "delete")

    # Tapping "Taken as planned" again is the latest word: the missed record goes.
    client.post("/treatments/medication/taken")
    taken, missed = rows(app, DoseLog)
    assert taken.deleted_at is None and missed.deleted_at is not None


def test_an_extra_dose_is_kept_beside_taken_as_planned(app, record):
    regimen = record.regimen()
    record.taken_as_planned()
    record.dose(regimen, TODAY, "extra", 1)
    record.dose(regimen, TODAY, "extra", 2)  # corrected, not added
    logs = rows(app, DoseLog)
    assert [(log.status, log.count, log.deleted_at) for log in logs] == [
        ("taken_as_planned", 3, None),
        ("extra", 2, None),
    ]
    (revision,) = rows(app, EntryRevision)
    assert revision.before["count"] == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"day": "2026-01-04"}, "Gabapentin was not being taken on 4 January 2026."),
        ({"day": "2026-03-11"}, "This date is in the future"),
        ({"count": "0"}, "The number of doses must be between 1 and 24."),
        ({"status": "taken_as_planned"}, "Not a valid choice"),
    ],
)
def test_impossible_dose_records_are_refused(client, app, patient, record, fields, message):
    regimen = record.regimen()
    data = {
        "regimen_id": str(regimen),
        "status": "missed",
        "count": "1",
        "day": "2026-03-10",
        **fields,
    }
    response = client.post("/treatments/medication/doses", data=data)
    assert response.status_code == 422
    assert message in text_of(response)
    assert rows(app, DoseLog) == []


def test_a_dose_for_another_patients_regimen_answers_404(client, app, make_user, record):
    record.regimen()
    other = TreatmentRecorder(app, make_user("other@example.org"))
    theirs = other.regimen()
    with app.app_context():
        me = db.session.get(User, record.patient_id)
        with pytest.raises(Exception) as raised:
            medication.record_dose(me, theirs, DoseValues(TODAY, "missed"))
    # The core raises the domain error; the web edge answers every NotFound as 404.
    assert isinstance(raised.value, NotFound)
    response = client.post(
        "/treatments/medication/doses",
        data={"regimen_id": str(theirs), "status": "missed", "count": "1", "day": "2026-03-10"},
    )
    assert response.status_code == 422  # not one of the choices offered
    for url in (f"/treatments/medication/{theirs}/edit", f"/treatments/medication/{theirs}/change"):
        assert client.get(url).status_code == 404
        assert client.post(url, data=change_form()).status_code == 404
    assert rows(app, DoseLog) == []
    assert len(rows(app, MedicationRegimen)) == 2


def test_deleting_a_dose_record_hides_it(client, app, patient, record):
    regimen = record.regimen()
    dose = record.dose(regimen, TODAY, "missed")
    assert "10 March 2026 : Gabapentin, missed, 1 dose" in text_of(
        client.get("/treatments/medication")
    )
    confirm = client.get(f"/treatments/doses/{dose}/delete")
    assert "Gabapentin: missed, 1 dose" in text_of(confirm)
    assert client.post(f"/treatments/doses/{dose}/delete").status_code == 302
    assert rows(app, DoseLog)[0].deleted_at is not None
    assert "Recent dose records" not in text_of(client.get("/treatments/medication"))
