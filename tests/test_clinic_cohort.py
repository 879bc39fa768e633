"""The clinic's cohort view: Kaplan-Meier from the summary rows, counts, scope and queries.

Patients are written straight into users, care_links and patient_summaries: the view reads
nothing else, and the summary maths has its own tests.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import sqlalchemy as sa

from diary.extensions import db
from diary.models import CareLink, Clinic, ClinicMembership, User
from diary.models.summary import PatientSummary
from tests.clinic_support import confirm_membership
from tests.journal_helpers import counted_queries, login_as, page_text

SURGERY = date(2025, 1, 6)
CLINIC = "Cohort clinic"


def clinic_id(app, name: str = CLINIC) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Clinic.id).where(Clinic.name == name))


def add_patient(app, clinic: int, number: int, *, remission: int | None = None,
                last_entry: int | None = None, recurrence: int | None = None,
                outcome: str = "not_enough_data", surgery: date | None = SURGERY,
                revoked: bool = False) -> int:
    """A patient sharing with the clinic, with a summary row; days are counted from surgery."""
    base = surgery or SURGERY
    with app.app_context():
        user = User(email=f"cohort{number}@example.org", password_hash="x", display_name=f"Cohort {number}",
                    role="patient", timezone="Europe/Berlin")
        db.session.add(user)
        db.session.flush()
        db.session.add(CareLink(patient_id=user.id, clinic_id=clinic, source="code",
                                revoked_at=sa.func.now() if revoked else None))
        db.session.add(PatientSummary(
            patient_id=user.id, computed_on=date(2026, 3, 10), surgery_on=surgery,
            remission_start=base + timedelta(days=remission) if remission is not None else None,
            recurrence_on=base + timedelta(days=recurrence) if recurrence is not None else None,
            last_entry=base + timedelta(days=last_entry) if last_entry is not None else None,
            outcome=outcome,
        ))
        db.session.commit()
        return user.id


def chart_data(response) -> dict:
    found = re.search(r'<script type="application/json" id="cohort-data">(.*?)</script>',
                      response.get_data(as_text=True), re.S)
    return json.loads(found.group(1))


def test_the_cohort_shows_the_estimate_groups_and_counts(app, client, make_user):
    surgeon = make_user("surgeon@example.org", role="clinician", clinic=CLINIC)
    clinic = clinic_id(app)
    # The hand-computed example of tests/test_trajectory_cohort.py: events at 3, 3, 20, 45,
    # 200 days; censored at 10, 20, 100 days.
    add_patient(app, clinic, 1, remission=3, last_entry=400, outcome="spasm_free")
    add_patient(app, clinic, 2, remission=3, last_entry=400, outcome="spasm_free")
    add_patient(app, clinic, 3, last_entry=10)
    add_patient(app, clinic, 4, remission=20, last_entry=400, recurrence=300, outcome="reduced_50")
    add_patient(app, clinic, 5, last_entry=20, outcome="unchanged_or_worse")
    add_patient(app, clinic, 6, remission=45, last_entry=400, outcome="spasm_free")
    add_patient(app, clinic, 7, last_entry=100, outcome="reduced_90")
    add_patient(app, clinic, 8, remission=200, last_entry=400, outcome="spasm_free")
    # Not in the estimate: no logged day after surgery; no surgery; sharing ended.
    add_patient(app, clinic, 9, last_entry=-5)
    add_patient(app, clinic, 10, surgery=None, last_entry=30)
    add_patient(app, clinic, 11, remission=1, last_entry=90, revoked=True)
    login_as(client, surgeon)
    response = client.get("/clinic/cohort")
    assert response.status_code == 200
    text = page_text(response)
    assert ("9 patients sharing with this clinic have a reference surgery; 8 logged at least one "
            "day after it and are counted below (1 without a logged day since surgery are not). "
            "5 became spasm-free; 1 of them had a recurrence.") in text
    # By 3 months 60% (2 at risk), by 6 months 60% (1 at risk), by 12 months 100% (0 at risk).
    assert "By 3 months 60% 2 still followed" in text
    assert "By 6 months 60% 1 still followed" in text
    assert "By 12 months 100% 0 still followed" in text
    assert "At risk 8 3 2 1 0 0" in text
    assert "Spasm-free 0% 40% 60% 60% 100% 100%" in text
    assert ("Under 7 days 2 7 days to 1 month 1 1 to 3 months 1 3 to 6 months 0 "
            "6 to 12 months 1 Over 12 months 0 Not yet spasm-free 3") in text
    assert ("Spasm-free 4 At least 90% fewer 1 At least 50% fewer 1 Less than 50% fewer or worse 1 "
            "Not enough diary 2 Recurrence after remission 1") in text
    data = chart_data(response)
    assert data["points"] == [
        {"day": 0, "percent": 0.0}, {"day": 3, "percent": 25.0}, {"day": 10, "percent": 25.0},
        {"day": 20, "percent": 40.0}, {"day": 45, "percent": 60.0}, {"day": 100, "percent": 60.0},
        {"day": 200, "percent": 100.0},
    ]
    assert sorted(data["censored"]) == [10, 20, 100]
    assert "Cohort 1" not in text  # counts only, never a name


def test_another_clinic_sees_only_its_own_patients(app, client, make_user):
    make_user("surgeon@example.org", role="clinician", clinic=CLINIC)
    add_patient(app, clinic_id(app), 1, remission=3, last_entry=30)
    other = make_user("other@example.org", role="clinician", clinic="Other clinic")
    login_as(client, other)
    text = page_text(client.get("/clinic/cohort"))
    assert "Cohort: Other clinic" in text
    assert "0 patients sharing with this clinic have a reference surgery" in text


def test_patients_and_administrators_get_no_cohort(client, make_user):
    for user in (make_user("pat@example.org"), make_user("admin@example.org", role="admin")):
        login_as(client, user)
        assert client.get("/clinic/cohort").status_code == 404


def test_a_member_of_two_clinics_chooses_one(app, client, make_user):
    surgeon = make_user("surgeon@example.org", role="clinician", clinic=CLINIC)
    make_user("second@example.org", role="clinician", clinic="Second clinic")
    second = clinic_id(app, "Second clinic")
    with app.app_context():
        db.session.add(ClinicMembership(clinic_id=second, user_id=surgeon))
        db.session.commit()
    confirm_membership(app, surgeon, "Second clinic")
    add_patient(app, second, 1, remission=3, last_entry=30)
    login_as(client, surgeon)
    first_page = page_text(client.get("/clinic/cohort"))
    assert "Cohort: Cohort clinic" in first_page and "0 patients" in first_page
    assert 'name="clinic"' in client.get("/clinic/cohort").get_data(as_text=True)
    chosen = page_text(client.get(f"/clinic/cohort?clinic={second}"))
    assert "Cohort: Second clinic" in chosen and "1 patient sharing" in chosen
    # A clinic that is not a number shows the default; one the clinician is not a member of
    # does not exist for them.
    assert "Cohort: Cohort clinic" in page_text(client.get("/clinic/cohort?clinic=abc"))
    assert client.get("/clinic/cohort?clinic=987654").status_code == 404
    outsider = make_user("x@example.org", role="clinician", clinic="Outsiders")
    assert client.get(f"/clinic/cohort?clinic={clinic_id(app, 'Outsiders')}").status_code == 404
    assert outsider


def test_the_cohort_reads_a_fixed_number_of_queries(app, client, make_user):
    surgeon = make_user("surgeon@example.org", role="clinician", clinic=CLINIC)
    clinic = clinic_id(app)
    add_patient(app, clinic, 0, remission=10, last_entry=50)
    login_as(client, surgeon)
    client.get("/clinic/cohort")
    with counted_queries(app) as one:
        assert client.get("/clinic/cohort").status_code == 200
    for number in range(1, 30):
        add_patient(app, clinic, number, remission=number * 7 if number % 2 else None,
                    last_entry=number * 20, outcome="spasm_free" if number % 2 else "reduced_50")
    with counted_queries(app) as thirty:
        response = client.get("/clinic/cohort")
    assert "30 patients sharing" in page_text(response)
    assert len(thirty) == len(one)
