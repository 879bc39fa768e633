"""The simulator: deterministic diaries with the published course mix, written in bulk as the app would."""

from __future__ import annotations

import random
import statistics
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from diary import policy
from diary.extensions import db
from diary.models import (
    CareLink,
    CheckIn,
    Injection,
    InjectionSite,
    MedicationRegimen,
    PatientSummary,
    SpasmEpisode,
    Surgery,
    User,
)
from diary.progress.summary import compute_summary, summary_values
from diary.simulator import clinic as clinic_module
from diary.simulator.clinic import Clinician, build_clinic, reference_accounts
from diary.simulator.courses import FAILED, IMMEDIATE, RECURRENCE, simulate
from diary.trajectory import ToxinCycle, rules, summarise
from tests.conftest import DEFAULT_NOW, PASSWORD

TODAY = date(2026, 3, 10)
CLINICIAN = Clinician("surgeon@example.org", "Dr. Ada Surgeon", "Europe/Berlin")


def summary_of_simulation(patient, today: date = TODAY):
    """The remission summary of a simulated diary, by the app's own maths."""
    diary = {d.day: d.spasms for d in patient.days}
    cycles = [ToxinCycle(i.day, i.wore_off) for i in patient.injections]
    return summarise(diary, today=today, surgery=patient.surgery, cycles=cycles)


# Generation -------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_diary():
    first = simulate(random.Random(42), TODAY)
    again = simulate(random.Random(42), TODAY)
    other = simulate(random.Random(43), TODAY)
    assert first == again
    assert first != other


def test_a_diary_spans_a_year_before_surgery_and_two_after():
    patient = simulate(random.Random(1), TODAY, course=IMMEDIATE, remission_after_days=3)
    assert patient.surgery == TODAY - timedelta(days=730)
    assert patient.days[0].day >= TODAY - timedelta(days=730 + 365)
    assert patient.days[-1].day <= TODAY
    # Toxin about every 13 weeks until shortly before surgery, none after it.
    injections = [i.day for i in patient.injections]
    assert injections and all(day < patient.surgery for day in injections)
    gaps = [(b - a).days for a, b in zip(injections, injections[1:], strict=False)]
    assert all(84 <= gap <= 105 for gap in gaps)


@pytest.fixture(scope="module")
def cohort():
    """300 simulated patients from one seed and their summaries."""
    rng = random.Random(2026)
    patients = [simulate(rng, TODAY, pre_op_days=120, post_op_days=730) for _ in range(300)]
    return [(p, summary_of_simulation(p)) for p in patients]


def test_about_half_are_spasm_free_within_a_month_as_in_the_published_table(cohort):
    # 175 patients: 62 under 7 days and 28 from 7 days to 1 month; ~88% of all resolve.
    expected = 0.88 * (62 + 28) / 175
    within_a_month = [
        s for _, s in cohort
        if s.time_to_remission and s.time_to_remission.key in ("under_7_days", "7_days_to_1_month")
    ]
    assert abs(len(within_a_month) / len(cohort) - expected) < 0.1


def test_the_median_time_to_spasm_free_is_about_a_month(cohort):
    days = [(s.remission_start - s.surgery).days for _, s in cohort if s.remission_start]
    assert 15 <= statistics.median(days) <= 60  # published median: 30 days


def test_about_one_in_ten_never_becomes_spasm_free(cohort):
    # 85-91% resolve in the long term (docs/clinical.md, Outcome); the failures are among those who do not.
    never = [p for p, s in cohort if s.remission_start is None]
    assert 0.05 <= len(never) / len(cohort) <= 0.16
    failed = [s for p, s in cohort if p.course == FAILED]
    assert failed and all(s.outcome != rules.SPASM_FREE for s in failed)


def test_recurrence_is_rare_and_found_by_the_recurrence_rule(cohort):
    recurred = [s for _, s in cohort if s.recurrence]
    assert 0.02 <= len(recurred) / len(cohort) <= 0.10  # 2-10% in published series
    assert all(p.course == RECURRENCE for p, s in cohort if s.recurrence)


def test_a_recurrence_can_be_placed_at_eighteen_months():
    patient = simulate(
        random.Random(5), TODAY, course=RECURRENCE, remission_after_days=10,
        recurrence_after_days=548, completeness=0.95,
    )
    summary = summary_of_simulation(patient)
    assert summary.recurrence
    assert 540 <= (summary.recurrence_on - patient.surgery).days <= 570


# Writing ----------------------------------------------------------------------------------


@pytest.fixture
def written(app, clock):
    """A small clinic of simulated patients written through the bulk writer."""
    accounts = reference_accounts(
        random.Random(7), clock(), 6, pre_op_days=60, post_op_days=120, completeness=None
    )
    with app.app_context():
        clinic, ids = build_clinic("Simulated Clinic", CLINICIAN, accounts, PASSWORD, clock())
    return clinic, dict(zip(ids, accounts, strict=True))


def count(model, **where) -> int:
    """Rows of a model matching column values."""
    query = sa.select(sa.func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def test_every_simulated_row_is_written(app, written):
    _, patients = written
    with app.app_context():
        for patient_id, account in patients.items():
            diary = account.diary
            assert count(CheckIn, patient_id=patient_id) == len(diary.days)
            assert count(SpasmEpisode, patient_id=patient_id) == len(diary.episodes)
            assert count(Injection, patient_id=patient_id) == len(diary.injections)
            assert count(MedicationRegimen, patient_id=patient_id) == len(diary.regimens)
            assert count(Surgery, patient_id=patient_id) == 1
        sites = db.session.scalar(sa.select(sa.func.count()).select_from(InjectionSite))
        assert sites >= 2 * count(Injection)


def test_rows_carry_the_provenance_the_app_writes(app, written):
    _, patients = written
    with app.app_context():
        for patient_id, account in patients.items():
            zone = ZoneInfo(account.person.timezone)
            late = {d.day: d.entered_days_late for d in account.diary.days}
            rows = db.session.scalars(sa.select(CheckIn).where(CheckIn.patient_id == patient_id))
            for row in rows:
                assert row.created_by_id == row.updated_by_id == patient_id
                assert row.created_at <= DEFAULT_NOW
                entered = row.created_at.astimezone(zone)
                assert (entered.date() - row.day).days == late[row.day] or row.created_at == DEFAULT_NOW
                assert row.retrospective == ((entered.date() - row.day).days > 1)
                if row.created_at != DEFAULT_NOW:
                    assert 19 <= entered.hour <= 22  # filled in that evening
                if row.spasm_count > 0:
                    assert row.entry_method == "form"
                    assert row.jrs_severity is not None and row.jrs_frequency is not None
                    assert row.regions[0] == "eye"  # spasms start at the lower lid
                elif row.entry_method != "form":
                    assert row.jrs_severity is None
        assert count(CheckIn, retrospective=True) > 0
        assert count(CheckIn, entry_method="no_spasms_today") > 0
        episode = db.session.scalars(sa.select(SpasmEpisode)).first()
        assert episode.created_at == episode.occurred_at <= DEFAULT_NOW
        assert episode.day == episode.occurred_at.astimezone(ZoneInfo(episode.timezone)).date()


def test_the_summary_rows_equal_a_recomputation_from_the_database(app, written):
    _, patients = written
    with app.app_context():
        for patient_id, account in patients.items():
            row = db.session.get(PatientSummary, patient_id)
            today = DEFAULT_NOW.astimezone(ZoneInfo(account.person.timezone)).date()
            expected = summary_values(compute_summary(patient_id, today))
            assert {name: getattr(row, name) for name in expected} == expected


def test_the_clinic_sees_every_simulated_patient(app, written):
    clinic, patients = written
    with app.app_context():
        clinician = db.session.get(User, clinic.clinician_id)
        visible = set(db.session.scalars(policy.visible_patient_ids(clinician)))
        assert visible == set(patients)
        assert count(CareLink, clinic_id=clinic.clinic_id) == len(patients)


def test_every_simulated_patient_logs_in_with_the_shared_password(app, client, written):
    _, patients = written
    with app.app_context():
        hashes = set(db.session.scalars(sa.select(User.password_hash).where(User.id.in_(patients))))
    assert len(hashes) == 1
    email = next(iter(patients.values())).person.email
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def test_the_password_is_hashed_once_for_all_simulated_patients(app, clock, monkeypatch):
    calls = []

    def counting_hash(password):
        calls.append(password)
        return original(password)

    original = clinic_module.hash_password
    monkeypatch.setattr(clinic_module, "hash_password", counting_hash)
    accounts = reference_accounts(random.Random(3), clock(), 5, pre_op_days=30, post_op_days=30)
    with app.app_context():
        build_clinic("Hashing Clinic", CLINICIAN, accounts, PASSWORD, clock())
    assert calls == [PASSWORD]
