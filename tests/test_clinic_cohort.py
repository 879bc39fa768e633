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
            "day after it and are counted below (1 without a logged day since surgery is not). "
            "5 became spasm-free; 1 of them had a recurrence.") in text
    # The curve reads 60% at 3 and 6 months and 100% at 12, but with 2, 1 and 0 patients at
    # risk then: too few to tell (fewer than 5).
    assert "By 3 months too few to tell 2 at risk, of 8 patients" in text
    assert "By 6 months too few to tell 1 at risk, of 8 patients" in text
    assert "By 12 months too few to tell 0 at risk, of 8 patients" in text
    assert "100%" not in text.partition("Published figures")[0]
    # Every month on the axis (the longest follow-up is 200 days, 6.6 months) has its number
    # at risk: at the start of days 0, 30, 60, 91, 121, 152, 182 and 213.
    assert "Months since surgery 0 1 2 3 4 5 6 7 At risk 8 3 2 2 1 1 1 0" in text
    assert "Spasm-free 0% too few too few too few too few too few too few too few" in text
    assert ("Under 7 days 2 7 days to 1 month 1 1 to 3 months 1 3 to 6 months 0 "
            "6 to 12 months 1 Over 12 months 0 Not yet spasm-free 3") in text
    assert ("Spasm-free 4 At least 90% fewer 1 At least 50% fewer 1 Less than 50% fewer or worse 1 "
            "Not enough diary 2 Recurrence after remission 1") in text
    data = chart_data(response)
    assert [(p["day"], p["percent"]) for p in data["points"]] == [
        (0, 0.0), (3, 25.0), (10, 25.0), (20, 40.0), (45, 60.0), (100, 60.0), (200, 100.0),
    ]
    # No band where S = 1 (day 0) or S = 0 (day 200, everyone left spasm-free).
    assert (data["points"][0]["low"], data["points"][-1]["high"]) == (None, None)
    assert [t["at_risk"] for t in data["ticks"]] == [8, 3, 2, 2, 1, 1, 1, 0]
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


def ten_patients(app, clinic: int) -> None:
    """The ten patients of tests/test_trajectory_cohort.py (TEN): events at 7, 7, 45, 120 and
    200 days; censored at 20, 45, 150, 250 and 400 days."""
    for number, (remission, last_entry) in enumerate([
        (7, 500), (7, 500), (None, 20), (45, 500), (None, 45), (120, 500), (None, 150),
        (200, 500), (None, 250), (None, 400),
    ]):
        add_patient(app, clinic, number, remission=remission, last_entry=last_entry,
                    outcome="spasm_free" if remission is not None else "reduced_50")


def test_the_headlines_state_band_number_at_risk_and_n_or_too_few(app, client, make_user):
    surgeon = make_user("surgeon@example.org", role="clinician", clinic=CLINIC)
    ten_patients(app, clinic_id(app))
    login_as(client, surgeon)
    response = client.get("/clinic/cohort")
    text = page_text(response)
    # By hand (tests/test_trajectory_cohort.py): at 3 months (day 91) S = 0.685714 with 5 at
    # risk, so 31% spasm-free, band 11.3% to 69.5%; at 6 and 12 months 3 and 1 at risk.
    assert "By 3 months 31% (95% CI 11–70%) 5 at risk, of 10 patients" in text
    assert "By 6 months too few to tell 3 at risk, of 10 patients" in text
    assert "By 12 months too few to tell 1 at risk, of 10 patients" in text
    assert "at least 5 patients are still at risk" in text
    # The axis runs to 15 months (the longest follow-up is 400 days) every 3 months; at risk
    # at the start of days 0, 91, 182, 273, 365 and 456: all 10; F, G, H, I, J; H, I, J; J; J;
    # nobody.
    assert "Months since surgery 0 3 6 9 12 15 At risk 10 5 3 1 1 0" in text
    assert "Spasm-free 0% 31% too few too few too few too few" in text
    assert "95% CI – 11–70% – – – –" in text
    data = chart_data(response)
    assert data["points"][1] == {"day": 7, "percent": 20.0, "low": 5.4, "high": 59.1}
    assert data["points"][3] == {"day": 45, "percent": 31.4, "low": 11.3, "high": 69.5}
    assert data["points"][6] == {"day": 200, "percent": 63.4, "low": 30.8, "high": 93.6}
    assert data["ticks"] == [
        {"months": 0, "day": 0, "at_risk": 10}, {"months": 3, "day": 91, "at_risk": 5},
        {"months": 6, "day": 182, "at_risk": 3}, {"months": 9, "day": 273, "at_risk": 1},
        {"months": 12, "day": 365, "at_risk": 1}, {"months": 15, "day": 456, "at_risk": 0},
    ]
    assert sorted(data["censored"]) == [20, 45, 150, 250, 400]
    assert (data["patients"], data["min_at_risk"], data["last_day"]) == (10, 5, 400)


def test_the_published_figures_stand_apart_with_sources_and_denominators(app, client, make_user):
    surgeon = make_user("surgeon@example.org", role="clinician", clinic=CLINIC)
    ten_patients(app, clinic_id(app))
    login_as(client, surgeon)
    text = page_text(client.get("/clinic/cohort"))
    published = text.partition("Published figures, for comparison")[2]
    assert "not the same measure as the clinic's curve" in published.replace("&#39;", "'")
    assert ("175 patients who became spasm-free [PubMed 36097503] 7 days 35% 175 eventually cured "
            "1 month 51% 175 eventually cured 3 months 73% 175 eventually cured "
            "6 months 87% 175 eventually cured 12 months 97% 175 eventually cured") in published
    assert ("Greifswald, 320 patients (339 operations) [PMC6415620, table 2] Immediately 55.6% "
            "320 operated on After more than 12 months 77.6% 201 followed for more than 12 months") in published
    assert "A share of the patients who were eventually cured, not of everyone operated on" in published
    assert "A share of all operated patients, cured or not" in published
