"""`flask demo-data`: a demo clinic whose patients show each course of docs/clinical.md
(Outcome), and a cohort of simulated patients large enough for the cohort view's estimates."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from diary import policy
from diary.extensions import db
from diary.models import CareLink, Clinic, PatientSummary, User
from diary.simulator.courses import (
    DELAYED,
    FAILED,
    GRADUAL,
    IMMEDIATE,
    RECURRENCE,
    TOXIN_ONLY,
)
from diary.simulator.demo import (
    DEMO_CLINIC,
    DEMO_CLINICIAN,
    DEMO_COHORT_DOMAIN,
    DEMO_COHORT_SIZE,
    DEMO_PATIENTS,
    cohort_accounts,
)
from diary.trajectory import rules
from tests.conftest import DEFAULT_NOW
from tests.journal_helpers import login_as, page_text

EMAIL_OF = {p.course: p.person.email for p in DEMO_PATIENTS}


def demo_password(output: str) -> str:
    """The shared password the command printed."""
    match = re.search(r"Password of every demo account \(shown only now\): (\S+)", output)
    assert match, output
    return match.group(1)


def summaries(app) -> dict[str, PatientSummary]:
    """The demo patients' summary rows by course."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(User.email, PatientSummary).join(PatientSummary, PatientSummary.patient_id == User.id)
        ).all()
        db.session.expunge_all()
    by_email = dict(rows)
    return {course: by_email[email] for course, email in EMAIL_OF.items()}


@pytest.fixture
def demo(app, runner):
    """The output of a successful demo-data run on the empty test database."""
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_data_creates_a_clinic_whose_clinician_sees_six_patients(app, demo):
    with app.app_context():
        clinician = db.session.scalar(sa.select(User).where(User.email == DEMO_CLINICIAN.email))
        assert clinician.role == "clinician"
        visible = set(db.session.scalars(policy.visible_patient_ids(clinician)))
        patients = db.session.scalars(sa.select(User).where(User.role == "patient")).all()
        assert len(patients) >= 6
        assert visible == {p.id for p in patients}
        clinic_id = db.session.scalar(sa.select(Clinic.id).where(Clinic.name == DEMO_CLINIC))
        assert db.session.scalar(
            sa.select(sa.func.count()).select_from(CareLink).where(CareLink.clinic_id == clinic_id)
        ) == len(patients)
        assert {p.timezone for p in patients} >= {"Europe/London", "Asia/Seoul", "America/New_York"}


def test_demo_data_prints_every_login_and_one_password_that_works(client, demo):
    password = demo_password(demo)
    assert demo.count(password) == 1
    assert DEMO_CLINICIAN.email in demo
    for patient in DEMO_PATIENTS:
        assert patient.person.email in demo
    assert "TOTP" in demo
    response = client.post("/login", data={"email": EMAIL_OF[IMMEDIATE], "password": password})
    assert response.status_code == 302
    assert client.get("/api/v1/me/trajectory").status_code == 200


def test_the_immediate_cure_is_spasm_free_from_the_first_days(app, demo):
    summary = summaries(app)[IMMEDIATE]
    assert summary.outcome == rules.SPASM_FREE
    assert (summary.remission_start - summary.surgery_on).days < 7
    assert not summary.baseline_suppressed


def test_the_delayed_resolution_comes_at_about_four_months(app, demo):
    summary = summaries(app)[DELAYED]
    assert summary.outcome == rules.SPASM_FREE
    assert 100 <= (summary.remission_start - summary.surgery_on).days <= 150


def test_the_gradual_resolution_takes_most_of_a_year(app, demo):
    summary = summaries(app)[GRADUAL]
    assert summary.outcome == rules.SPASM_FREE
    assert 270 <= (summary.remission_start - summary.surgery_on).days <= 365


def test_the_failure_is_measured_against_its_untreated_baseline(app, demo):
    summary = summaries(app)[FAILED]
    assert summary.outcome == rules.UNCHANGED_OR_WORSE
    assert summary.remission_start is None
    # The last injection was 5 weeks before surgery: the 28-day window is toxin-suppressed,
    # shown but not used; change is measured against the untreated baseline, and is fewer.
    assert summary.baseline_suppressed
    assert summary.baseline_source == "untreated"
    assert summary.baseline_mean == summary.untreated_mean
    assert summary.window_mean < summary.untreated_mean / 2
    assert -50 < summary.percent_change < 0


def test_the_failure_is_not_flagged_worse_than_before_surgery(app, client, demo):
    from diary.models import User
    from tests.journal_helpers import login_as

    with app.app_context():
        clinician = db.session.scalar(sa.select(User.id).where(User.email == DEMO_CLINICIAN.email))
    login_as(client, clinician)
    page = client.get("/clinic/patients").get_data(as_text=True)
    failed = next(p.person.full_name for p in DEMO_PATIENTS if p.course == FAILED)
    row = next(r for r in page.split("<tr") if failed in r)
    assert "More spasms than before surgery" not in row
    assert "untreated" in row
    assert re.search(r">-\d+%<", row)


def test_the_recurrence_returns_at_about_eighteen_months(app, demo):
    summary = summaries(app)[RECURRENCE]
    assert summary.remission_start is not None
    assert summary.recurrence_on - summary.surgery_on >= timedelta(days=520)
    assert summary.recurrence_on - summary.surgery_on <= timedelta(days=580)
    assert summary.outcome != rules.SPASM_FREE


def test_the_toxin_only_patient_has_no_surgery(app, demo):
    summary = summaries(app)[TOXIN_ONLY]
    assert summary.surgery_on is None
    # The diary is kept; what is missing is a surgery to measure against.
    assert summary.trailing_logged_days >= 7
    assert summary.outcome == rules.NO_SURGERY
    assert summary.last_entry is not None


def test_demo_data_refuses_a_database_with_other_accounts(app, runner, make_user):
    make_user("someone@example.org")
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code != 0
    assert "--force" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_demo_data_with_force_keeps_other_accounts_and_replaces_the_earlier_demo(app, runner, make_user):
    make_user("someone@example.org")
    assert runner.invoke(args=["demo-data", "--force"]).exit_code == 0
    again = runner.invoke(args=["demo-data", "--force"])
    assert again.exit_code == 0, again.output
    assert f"Replaced {7 + DEMO_COHORT_SIZE} earlier demo account(s)" in again.output
    with app.app_context():
        emails = set(db.session.scalars(sa.select(User.email)))
        clinics = db.session.scalars(sa.select(Clinic.name)).all()
    cohort = {e for e in emails if e.endswith(f"@{DEMO_COHORT_DOMAIN}")}
    assert emails - cohort == {"someone@example.org", DEMO_CLINICIAN.email, *EMAIL_OF.values()}
    assert len(cohort) == DEMO_COHORT_SIZE
    assert clinics.count(DEMO_CLINIC) == 1


def test_the_demo_clinician_logs_in_with_the_printed_totp_secret(app, client, demo):
    from urllib.parse import parse_qs, urlsplit

    from tests.staff_support import code

    secret = re.search(r"TOTP secret: ([A-Z2-7]+)", demo).group(1)
    uri = re.search(r"(otpauth://totp/\S+)", demo).group(1)
    assert parse_qs(urlsplit(uri).query)["secret"] == [secret]
    with app.app_context():
        clinician = db.session.scalar(sa.select(User).where(User.email == DEMO_CLINICIAN.email))
        assert clinician.totp_secret == secret and clinician.totp_enrolled_at is not None

    client.post("/login", data={"email": DEMO_CLINICIAN.email, "password": demo_password(demo)})
    assert client.get("/login/code").status_code == 200  # enrolled: straight to the code
    assert client.post("/login/code", data={"code": code(app, secret)}).location == "/"


def test_the_demo_cohort_view_states_real_estimates_beside_the_published_figures(app, client, demo):
    assert f"and {DEMO_COHORT_SIZE} more with simulated courses" in demo
    with app.app_context():
        clinician = db.session.scalar(sa.select(User.id).where(User.email == DEMO_CLINICIAN.email))
    login_as(client, clinician)
    text = page_text(client.get("/clinic/cohort"))
    # The five operated patients of the tour and the cohort: enough for estimates.
    operated = 5 + DEMO_COHORT_SIZE
    assert f"{operated} patients sharing with this clinic have a reference surgery" in text
    stated = re.findall(r"By (\d+) months (\d+)% \(95% CI (\d+)–(\d+)%\) (\d+) at risk, of (\d+) patients", text)
    assert stated, text
    for months, share, low, high, at_risk, patients in stated:
        assert months in ("3", "6", "12") and int(low) <= int(share) <= int(high)
        assert int(at_risk) >= 5 and int(patients) <= operated
    assert "Published figures, for comparison" in text
    assert "[PubMed 36097503]" in text and "[PMC6415620, table 2]" in text


def test_the_demo_cohort_is_the_same_from_the_same_clock():
    first, second = cohort_accounts(DEFAULT_NOW), cohort_accounts(DEFAULT_NOW)
    assert first == second and len(first) == DEMO_COHORT_SIZE
    courses = {account.diary.course for account in first}
    assert len(courses) >= 3  # drawn from the published mix, not one course


def test_the_tour_patients_are_identified_as_a_clinic_records_them(app, client, demo):
    """Surname, date of birth and the clinic's hospital number, so the demo shows the list's
    identity columns filled in; a cohort patient has a surname and a date of birth too."""
    with app.app_context():
        clinician = db.session.scalar(sa.select(User.id).where(User.email == DEMO_CLINICIAN.email))
        cohort = db.session.scalars(
            sa.select(User).where(User.email.like(f"%@{DEMO_COHORT_DOMAIN}"))
        ).all()
        assert cohort and all(u.family_name and u.birth_date for u in cohort)
    login_as(client, clinician)
    page = client.get("/clinic/patients?q=weber").get_data(as_text=True)
    weber = next(p for p in DEMO_PATIENTS if p.course == DELAYED).person
    row = next(r for r in page.split("<tr") if "Jürgen Weber" in r)
    assert str(weber.birth_date.year) in row
    assert re.search(r"DNC\d{6}", row)
    assert "surname not given" not in page
