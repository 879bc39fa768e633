"""Surgery: patient-reported details, the clinician's verification, the reference surgery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from diary.extensions import db
from diary.models import EntryRevision, Surgery
from diary.treatments import queries
from diary.treatments.rules import reference_surgery
from tests.treatments_support import TreatmentRecorder, rows, text_of


@pytest.fixture
def record(app, patient) -> TreatmentRecorder:
    """Treatments of the logged-in patient, through the services."""
    return TreatmentRecorder(app, patient)


def surgery_form(**fields) -> dict:
    """A valid surgery form: MVD on the left on 2 June 2025."""
    form = {"surgery_type": "mvd", "performed_on": "2025-06-02", "side": "left"}
    form.update(fields)
    return {k: v for k, v in form.items() if v is not None}


def test_a_surgery_is_saved_with_its_findings_and_shows_as_patient_reported(client, app, patient):
    response = client.post(
        "/treatments/surgeries/new",
        data=surgery_form(
            centre="Uniklinik Köln",
            surgeon="Prof. Roth",
            vessels=["aica", "vein"],
            technique="interposition",
            implant="teflon_felt",
            complications=["facial_weakness", "hearing_change"],
            house_brackmann_grade="2",
            note="Home after 5 days",
        ),
    )
    assert response.status_code == 302
    (surgery,) = rows(app, Surgery)
    assert (surgery.surgery_type, surgery.performed_on, surgery.side) == (
        "mvd",
        date(2025, 6, 2),
        "left",
    )
    assert surgery.vessels == ["aica", "vein"]
    assert (surgery.technique, surgery.implant, surgery.house_brackmann_grade) == (
        "interposition",
        "teflon_felt",
        2,
    )
    assert surgery.complications == ["facial_weakness", "hearing_change"]
    assert surgery.patient_reported
    assert (surgery.verified_by_id, surgery.verified_at, surgery.is_reference) == (
        None,
        None,
        False,
    )

    timeline = text_of(client.get("/treatments"))
    assert "Microvascular decompression (MVD), left side" in timeline
    assert "patient-reported" in timeline
    assert "Complications: Facial weakness, Change in hearing (House-Brackmann II)" in timeline


def test_the_surgery_form_offers_the_patients_affected_side(client, make_user, auth):
    make_user(affected_side="right")
    auth.login()
    html = client.get("/treatments/surgeries/new").get_data(as_text=True)
    assert 'checked id="side-1" name="side" required type="radio" value="right"' in html


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"surgery_type": None}, "Choose the kind of operation."),
        ({"performed_on": ""}, "Give the date of the operation."),
        ({"performed_on": "2026-03-11"}, "This date is in the future"),
        ({"performed_on": "1899-12-31"}, "Please check the year."),
        ({"side": "both"}, "Not a valid choice"),
        ({"house_brackmann_grade": "3"}, "Tick facial weakness to give its House-Brackmann grade."),
        ({"vessels": ["unknown", "aica"]}, "“Not known” cannot go together with a named vessel."),
        ({"technique": "clipping"}, "Not a valid choice"),
    ],
)
def test_impossible_surgery_values_are_refused_and_nothing_is_saved(
    client, app, patient, fields, message
):
    response = client.post("/treatments/surgeries/new", data=surgery_form(**fields))
    assert response.status_code == 422
    assert message in text_of(response)
    assert rows(app, Surgery) == []


def test_several_surgeries_are_kept_for_one_patient(app, record):
    record.surgery(performed_on=date(2024, 5, 1), surgery_type="mvd")
    record.surgery(performed_on=date(2025, 9, 1), surgery_type="redo_mvd", side="left")
    assert [s.surgery_type for s in rows(app, Surgery)] == ["mvd", "redo_mvd"]


def test_a_patients_correction_makes_a_verified_surgery_patient_reported_again(
    client, app, patient, make_user, record
):
    surgeon = make_user("surgeon@example.org", role="clinician", clinic="Köln")
    surgery_id = record.surgery(surgeon="Prof. Roth")
    with app.app_context():
        surgery = db.session.get(Surgery, surgery_id)
        surgery.verified_by_id = surgeon
        surgery.verified_at = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
        surgery.is_reference = True
        db.session.commit()
    assert "verified by the clinic" in text_of(client.get("/treatments"))

    # Saving the same details keeps the verification.
    client.post(f"/treatments/surgeries/{surgery_id}/edit", data=surgery_form(surgeon="Prof. Roth"))
    assert rows(app, Surgery)[0].verified_at is not None

    edit = client.get(f"/treatments/surgeries/{surgery_id}/edit")
    assert "Changing it now makes it patient-reported again." in text_of(edit)
    response = client.post(
        f"/treatments/surgeries/{surgery_id}/edit",
        data=surgery_form(surgeon="Prof. Roth", implant="sling"),
    )
    assert response.status_code == 302
    (surgery,) = rows(app, Surgery)
    assert surgery.implant == "sling"
    assert (surgery.verified_by_id, surgery.verified_at) == (None, None)
    assert surgery.patient_reported
    assert surgery.is_reference  # which operation counts is the clinician's choice, and stays
    (revision,) = rows(app, EntryRevision)
    assert revision.entry_type == "surgery"
    assert revision.before["verified_by_id"] == surgeon
    assert revision.before["implant"] is None


@dataclass
class Op:
    """An operation as plain data."""

    id: int
    surgery_type: str
    performed_on: date
    is_reference: bool = False


def test_reference_surgery_is_the_clinician_marked_one():
    mvd = Op(1, "mvd", date(2024, 1, 10))
    redo = Op(2, "redo_mvd", date(2025, 3, 1))
    marked = Op(3, "mvd", date(2023, 5, 5), is_reference=True)
    assert reference_surgery([mvd, redo, marked]) is marked


def test_reference_surgery_is_otherwise_the_most_recent_mvd_or_redo_mvd():
    mvd = Op(1, "mvd", date(2024, 1, 10))
    redo = Op(2, "redo_mvd", date(2025, 3, 1))
    later_other = Op(3, "other", date(2025, 8, 1))
    assert reference_surgery([mvd, redo, later_other]) is redo
    assert reference_surgery([mvd, later_other]) is mvd


def test_reference_surgery_is_none_without_an_mvd():
    assert reference_surgery([]) is None
    assert reference_surgery([Op(1, "other", date(2024, 1, 1))]) is None


def test_reference_surgery_on_the_same_day_goes_to_the_later_entry():
    first, second = Op(1, "mvd", date(2024, 1, 10)), Op(2, "mvd", date(2024, 1, 10))
    assert reference_surgery([second, first]) is second


def test_reference_surgery_of_a_patient_leaves_deleted_surgeries_out(app, patient, record):
    older = record.surgery(performed_on=date(2024, 1, 10))
    newer = record.surgery(performed_on=date(2025, 3, 1), surgery_type="redo_mvd")
    with app.app_context():
        assert queries.reference_surgery_of(patient).id == newer
    record.delete("surgeries", newer)
    with app.app_context():
        assert queries.reference_surgery_of(patient).id == older


def test_the_database_keeps_one_reference_surgery_per_patient(app, patient, record):
    first = record.surgery(performed_on=date(2024, 1, 10))
    second = record.surgery(performed_on=date(2025, 3, 1))
    surgeries = Surgery.__table__
    with app.app_context():
        db.session.execute(
            surgeries.update().where(surgeries.c.id == first).values(is_reference=True)
        )
        db.session.commit()
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(
                surgeries.update().where(surgeries.c.id == second).values(is_reference=True)
            )
        db.session.rollback()
        # A deleted reference no longer counts.
        db.session.execute(
            surgeries.update()
            .where(surgeries.c.id == first)
            .values(deleted_at=datetime(2026, 3, 1, tzinfo=UTC))
        )
        db.session.execute(
            surgeries.update().where(surgeries.c.id == second).values(is_reference=True)
        )
        db.session.commit()


def test_another_patients_surgery_answers_404(client, app, make_user, record):
    theirs = TreatmentRecorder(app, make_user("other@example.org")).surgery()
    assert client.get(f"/treatments/surgeries/{theirs}/edit").status_code == 404
    assert (
        client.post(
            f"/treatments/surgeries/{theirs}/edit", data=surgery_form(side="right")
        ).status_code
        == 404
    )
    assert client.post(f"/treatments/surgeries/{theirs}/delete").status_code == 404
    (surgery,) = rows(app, Surgery)
    assert (surgery.side, surgery.deleted_at) == ("left", None)
