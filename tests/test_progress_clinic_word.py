"""The patient reads the clinic's word: assessments on the trajectory page and the patient's
own one-page summary (docs/report.md, The patient's summary).

The patient (Berlin) has a diary from October 2025, an MVD on 1 December 2025, an injection
and a medicine; the clinic recorded assessments, one note for the patient's eyes and one
not. The clock stands at 10 March 2026.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from diary import policy
from diary.extensions import db
from diary.models import Assessment, CareLink, Clinic, User
from diary.progress.queries import clinic_assessments
from tests.journal_helpers import TODAY, check_in, counted_queries, login_as, page_text
from tests.treatments_support import TreatmentRecorder

SURGERY = date(2025, 12, 1)
CLINIC = "Neurochirurgie Mitte"
SHARED_NOTE = "Please keep the diary going; see you in June."
CLINIC_NOTE = "colleague-only-note-5c1e: discuss redo MVD if no change"


@pytest.fixture
def patient(app, make_user):
    patient = make_user("word.patient@example.org", display_name="Hanna Berg",
                        affected_side="left", symptoms_since_year=2019)
    treatments = TreatmentRecorder(app, patient)
    treatments.injection(date(2025, 5, 12), total_units="25")
    treatments.surgery(SURGERY, vessels=["aica"])
    treatments.regimen("carbamazepine", "200", 2, started_on=date(2025, 9, 1))
    day = date(2025, 10, 20)
    while day <= TODAY:
        check_in(app, patient, day, 12 if day < SURGERY else 1)
        day += timedelta(days=3)
    return patient


@pytest.fixture
def clinician(app, make_user, patient):
    clinician = make_user("surgeon@example.org", role="clinician", clinic=CLINIC)
    with app.app_context():
        clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == CLINIC))
        db.session.add(CareLink(patient_id=patient, clinic_id=clinic.id, source="code"))
        db.session.commit()
    return clinician


def assess(client, patient: int, visit_on: date, **fields) -> None:
    """An assessment through the clinic's own form."""
    response = client.post(f"/clinic/patients/{patient}/assessments/new",
                           data={"visit_on": visit_on.isoformat(), **fields})
    assert response.status_code == 302, page_text(response)


def stored(app) -> list[tuple[str | None, bool]]:
    with app.app_context():
        return db.session.execute(sa.select(Assessment.note, Assessment.note_visible_to_patient)
                                  .order_by(Assessment.id)).all()


# The clinician's checkbox ----------------------------------------------------------------


def test_the_form_offers_the_box_and_stores_it_unticked_by_default(app, client, patient, clinician):
    login_as(client, clinician)
    form = page_text(client.get(f"/clinic/patients/{patient}/assessments/new"))
    assert "The patient may read this note" in form
    assess(client, patient, date(2026, 1, 5), note=CLINIC_NOTE)
    assess(client, patient, date(2026, 2, 2), note=SHARED_NOTE, note_visible_to_patient="y")
    assess(client, patient, date(2026, 3, 2), note_visible_to_patient="y")  # no note to show
    assert stored(app) == [(CLINIC_NOTE, False), (SHARED_NOTE, True), (None, False)]


def test_an_assessment_written_elsewhere_keeps_its_note_from_the_patient(app, patient, clinician):
    with app.app_context():
        clinic_id = db.session.scalar(sa.select(Clinic.id).where(Clinic.name == CLINIC))
        db.session.add(Assessment(patient_id=patient, clinic_id=clinic_id, visit_on=TODAY, note="x"))
        db.session.commit()
        # The column's default, as the migration gives every earlier row.
        assert db.session.scalar(sa.select(Assessment.note_visible_to_patient)) is False


# The trajectory page ---------------------------------------------------------------------


@pytest.fixture
def assessed(app, patient, clinician):
    """Two assessments: the older with a note for the patient, the newer with the clinic's."""
    team = app.test_client()
    login_as(team, clinician)
    assess(team, patient, date(2026, 1, 12), outcome="reduced_90", note=SHARED_NOTE,
           note_visible_to_patient="y")
    assess(team, patient, date(2026, 3, 2), outcome="spasm_free", smc_grade="1", note=CLINIC_NOTE)
    return patient


def test_the_trajectory_page_shows_the_clinics_assessments(app, client, assessed):
    login_as(client, assessed)
    response = client.get("/trajectory")
    html, text = response.get_data(as_text=True), page_text(response)
    assert "What your clinic recorded" in text
    assert f"2 March 2026 , {CLINIC}: Spasm-free" in text
    assert f"12 January 2026 , {CLINIC}: At least 90% fewer {SHARED_NOTE}" in text
    assert text.index("2 March 2026") < text.index("12 January 2026")  # newest first
    # The note the clinician kept is nowhere in the page, nor in its data.
    assert "colleague-only-note-5c1e" not in html


def test_a_patient_without_assessments_is_told_so(client, patient):
    login_as(client, patient)
    assert "No clinic has recorded an assessment yet." in page_text(client.get("/trajectory"))


def test_another_patient_never_reads_them(client, assessed, make_user):
    other = make_user("other.patient@example.org")
    login_as(client, other)
    for path in ("/trajectory", "/trajectory/summary"):
        html = client.get(path).get_data(as_text=True)
        assert CLINIC not in html and SHARED_NOTE not in html


def test_the_policy_scope_is_the_patients_own(app, assessed, clinician, make_user):
    admin = make_user("admin@example.org", role="admin")
    with app.app_context():
        for viewer_id in (clinician, admin):
            viewer = db.session.get(User, viewer_id)
            assert db.session.scalars(policy.own_assessments(viewer)).all() == []
            assert clinic_assessments(viewer) == []
        patient = db.session.get(User, assessed)
        assert [a.note for a in clinic_assessments(patient)] == [None, SHARED_NOTE]


def test_an_ended_share_keeps_what_the_clinic_recorded(app, client, assessed):
    with app.app_context():
        db.session.execute(sa.update(CareLink).values(revoked_at=sa.func.now()))
        db.session.commit()
    login_as(client, assessed)
    assert f"2 March 2026 , {CLINIC}: Spasm-free" in page_text(client.get("/trajectory"))


# The patient's one-page summary ----------------------------------------------------------


def test_the_summary_has_what_a_doctor_needs(app, client, assessed):
    login_as(client, assessed)
    response = client.get("/trajectory/summary")
    assert response.status_code == 200
    html, text = response.get_data(as_text=True), page_text(response)
    assert "Hanna Berg" in text and "left side, symptoms since 2019" in text
    assert "Microvascular decompression (MVD)" in text and "1 December 2025" in text
    # The summary cards, as the trajectory page shows them.
    assert "Before surgery 12.0 spasms a day" in text and "Outcome At least 90% fewer" in text
    assert "Carbamazepine 200 mg, 2 times a day 1 September 2025" in text
    assert "12 May 2025 Botox 25" in text
    assert f"12 January 2026 , {CLINIC}: At least 90% fewer {SHARED_NOTE}" in text
    assert "colleague-only-note-5c1e" not in html
    assert 'id="trajectory-chart"' in html and '"bucket": "month"' in html
    assert "data-print" in html and "css/report.css" in html
    # The trajectory page links to it.
    assert 'href="/trajectory/summary"' in client.get("/trajectory").get_data(as_text=True)


def test_the_summary_lists_the_last_three_visits_and_cuts_long_notes(app, client, patient, clinician):
    team = app.test_client()
    login_as(team, clinician)
    for n in range(5):
        assess(team, patient, date(2026, 1, 5) + timedelta(days=7 * n), outcome="reduced_50",
               note=("Steady progress. " * 100)[:1500], note_visible_to_patient="y")
    login_as(client, patient)
    text = page_text(client.get("/trajectory/summary"))
    assert "The last 3 visits; your trajectory page lists every one." in text
    assert "2 February 2026" in text and "19 January 2026" in text and "12 January 2026" not in text
    assert "Steady progress. " * 20 not in text and "…" in text
    # The trajectory page keeps every visit and the whole note.
    assert "Steady progress. " * 80 in page_text(client.get("/trajectory"))


def test_the_summary_reads_a_fixed_number_of_queries(app, client, patient, clinician):
    team = app.test_client()
    login_as(team, clinician)
    assess(team, patient, date(2026, 1, 5))
    login_as(client, patient)
    client.get("/trajectory/summary")
    with counted_queries(app) as few:
        assert client.get("/trajectory/summary").status_code == 200
    for n in range(6):
        assess(team, patient, date(2026, 1, 6) + timedelta(days=n), note="n", note_visible_to_patient="y")
    with counted_queries(app) as many:
        assert client.get("/trajectory/summary").status_code == 200
    assert len(many) == len(few)


def test_clinicians_have_no_patient_summary(client, clinician):
    login_as(client, clinician)
    assert client.get("/trajectory/summary").status_code == 404
