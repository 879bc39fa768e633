"""The one-page report of a patient: who may open it, what it says, what it leaves out.

The patient (Berlin) has HFS on the left since 2019, a diary from 1 May 2025, an MVD on
1 December 2025 and injections; the clinic recorded assessments. The clock stands at
10 March 2026.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from diary.clinic.report import MAX_INJECTIONS, MAX_NOTE_CHARACTERS, chart_start, shorten
from diary.extensions import db
from diary.models import Assessment, AuditEvent, CareLink, Clinic
from tests.journal_helpers import TODAY, check_in, counted_queries, login_as, page_text
from tests.treatments_support import TreatmentRecorder

SURGERY = date(2025, 12, 1)
CLINIC = "Sharing clinic"


def share(app, patient_id: int, clinic_name: str = CLINIC) -> int:
    """The patient's consent for the clinic; returns the clinic's id."""
    with app.app_context():
        clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == clinic_name))
        db.session.add(CareLink(patient_id=patient_id, clinic_id=clinic.id, source="code"))
        db.session.commit()
        return clinic.id


def assess(app, patient_id: int, clinic_id: int, visit_on: date, note: str | None = None, **values) -> None:
    """A clinic's assessment, written directly (the review part owns the form)."""
    with app.app_context():
        db.session.add(Assessment(patient_id=patient_id, clinic_id=clinic_id, visit_on=visit_on,
                                  note=note, **values))
        db.session.commit()


@pytest.fixture
def patient(app, make_user):
    """A patient with a diary before and after MVD, sharing with the clinic."""
    patient = make_user("report.patient@example.org", display_name="Hanna Berg",
                        affected_side="left", symptoms_since_year=2019)
    treatments = TreatmentRecorder(app, patient)
    treatments.injection(date(2025, 5, 12), total_units="25")
    treatments.surgery(SURGERY, vessels=["aica"])
    day = date(2025, 10, 20)
    while day <= TODAY:
        check_in(app, patient, day, 12 if day < SURGERY else 0)
        day += timedelta(days=3)
    return patient


@pytest.fixture
def clinician(make_user):
    return make_user("surgeon@example.org", role="clinician", clinic=CLINIC, display_name="Dr. Roth")


def test_the_report_shows_the_patient_surgery_outcome_and_assessment(app, client, patient, clinician):
    clinic_id = share(app, patient)
    assess(app, patient, clinic_id, date(2026, 2, 2), note="Doing well; no facial weakness.",
           smc_grade=1, house_brackmann_grade=1, hearing="unchanged", outcome="spasm_free")
    login_as(client, clinician)
    response = client.get(f"/clinic/patients/{patient}/report")
    assert response.status_code == 200
    text = page_text(response)
    assert "Hanna Berg" in text
    assert "left side, symptoms since 2019" in text
    assert "Microvascular decompression (MVD)" in text and "2025-12-01" in text
    assert "AICA" in text and "Patient-reported" in text
    assert "12.0 a day" in text  # the baseline
    assert "-100%" in text and "Spasm-free" in text
    assert "2025-05-12" in text and "Botox 25" in text
    assert "2026-02-02" in text and "Doing well; no facial weakness." in text
    assert "House-Brackmann" in text and "I: normal" in text
    # The chart's data: monthly buckets from the diary's first month.
    assert '"bucket": "month"' in response.get_data(as_text=True)
    assert 'id="trajectory-chart"' in response.get_data(as_text=True)


def test_every_view_of_the_report_is_audited(app, client, patient, clinician):
    clinic_id = share(app, patient)
    login_as(client, clinician)
    for _ in range(2):
        assert client.get(f"/clinic/patients/{patient}/report").status_code == 200
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "view_report")).all()
        assert [(e.patient_id, e.clinic_id, e.actor_id) for e in events] == [(patient, clinic_id, clinician)] * 2


def test_nobody_else_gets_the_report(app, client, patient, clinician, make_user):
    share(app, patient)
    stranger = make_user("other.dr@example.org", role="clinician", clinic="Another clinic")
    for user in (stranger, patient, make_user("admin@example.org", role="admin")):
        login_as(client, user)
        assert client.get(f"/clinic/patients/{patient}/report").status_code == 404
    login_as(client, clinician)
    assert client.get(f"/clinic/patients/{clinician}/report").status_code == 404  # not a patient
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "view_report")) == 0


def test_a_revoked_link_ends_access_to_the_report(app, client, patient, clinician):
    share(app, patient)
    with app.app_context():
        db.session.execute(sa.update(CareLink).values(revoked_at=sa.func.now()))
        db.session.commit()
    login_as(client, clinician)
    assert client.get(f"/clinic/patients/{patient}/report").status_code == 404


def test_a_long_history_is_cut_and_says_so(app, client, patient, clinician):
    clinic_id = share(app, patient)
    treatments = TreatmentRecorder(app, patient)
    for n in range(12):
        treatments.injection(date(2023, 1, 2) + timedelta(days=91 * n), total_units=str(20 + n))
    assess(app, patient, clinic_id, date(2026, 1, 5), note=("Stable. " * 250)[:2000])  # the longest note
    login_as(client, clinician)
    text = page_text(client.get(f"/clinic/patients/{patient}/report"))
    # 13 injections: the last 8 are listed, the 5 earlier ones counted.
    assert f"The last {MAX_INJECTIONS} of 13 injections; 5 earlier ones are not listed." in text
    assert "2025-05-12" in text and "2023-01-02" not in text
    assert f"The note is cut at {MAX_NOTE_CHARACTERS} characters" in text
    assert "Stable. " * 70 not in text


def test_the_report_reads_a_fixed_number_of_queries(app, client, patient, clinician):
    clinic_id = share(app, patient)
    # One injection on the chart: its sites are read only when there is one.
    TreatmentRecorder(app, patient).injection(date(2026, 1, 12))
    login_as(client, clinician)
    client.get(f"/clinic/patients/{patient}/report")
    with counted_queries(app) as few:
        assert client.get(f"/clinic/patients/{patient}/report").status_code == 200
    treatments = TreatmentRecorder(app, patient)
    for n in range(10):
        treatments.injection(date(2023, 1, 1) + timedelta(days=91 * n))
    for n in range(3):
        assess(app, patient, clinic_id, date(2026, 1, 1) + timedelta(days=n), note="x")
    with counted_queries(app) as many:
        assert client.get(f"/clinic/patients/{patient}/report").status_code == 200
    assert len(many) == len(few)


def test_a_note_is_cut_at_a_word_before_the_limit():
    assert shorten("short") == ("short", False)
    text, cut = shorten("word " * 200, 50)
    assert cut and len(text) <= 50 and text.endswith("word…")


def test_the_chart_starts_twelve_months_before_surgery_at_most(app, make_user):
    patient = make_user("early@example.org")
    check_in(app, patient, date(2021, 6, 5), 3)
    with app.app_context():
        assert chart_start(patient, SURGERY, TODAY) == date(2024, 12, 1)
        assert chart_start(patient, None, TODAY) == date(2021, 6, 1)
        # A diary begun after surgery still shows the surgery's month.
        assert chart_start(patient, date(2020, 3, 15), TODAY) == date(2020, 3, 1)


def test_a_patient_without_surgery_or_diary_still_has_a_report(app, client, make_user, clinician):
    newcomer = make_user("new.patient@example.org", display_name="Ola Nowak")
    share(app, newcomer)
    login_as(client, clinician)
    text = page_text(client.get(f"/clinic/patients/{newcomer}/report"))
    assert "No MVD recorded" in text
    assert "No injections recorded." in text and "No assessment recorded yet." in text


def test_clinicians_have_a_cohort_link_and_patients_do_not(client, patient, clinician):
    login_as(client, clinician)
    assert ">Cohort</a>" in client.get("/clinic/cohort").get_data(as_text=True)
    login_as(client, patient)
    assert ">Cohort</a>" not in client.get("/trajectory").get_data(as_text=True)
