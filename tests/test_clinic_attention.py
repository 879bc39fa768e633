"""The needs-attention rules and their stored rows (docs/clinic.md, Needs attention).

The rows of patient_attention always equal a recomputation from scratch: after every diary,
treatment and clinic write, and once the scheduler has brought them to a later day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diary.clinic import services as clinic_services
from diary.clinic.attention import (
    ATTENTION_COLUMNS,
    attention_values,
    refresh_past_attention,
)
from diary.clinic.patient_list import (
    FOLLOW_UP_DUE,
    NO_RECENT_ENTRY,
    REASONS,
    RECURRENCE,
    SPARSE_DIARY,
    SPARSE_DIARY_DAYS,
    UNVERIFIED_SURGERY,
    WORSE_THAN_BASELINE,
    attention_reasons,
    reasons_mask,
    reasons_of,
)
from diary.clinic.schedule import OVERDUE_DAYS, add_months, next_due, parse_schedule
from diary.clock import local_today
from diary.extensions import db
from diary.i18n import medium_date
from diary.models import Assessment, Clinic, PatientAttention, Surgery, User
from diary.models.summary import ATTENTION_REASON_COUNT
from diary.progress.queries import diary_counts
from diary.progress.summary import compute_summary, summary_values
from tests.clinic_support import CLINIC, assess, share
from tests.conftest import clear_database
from tests.journal_helpers import TODAY, check_in, login_as
from tests.test_progress_summary import apply, operations
from tests.treatments_support import TreatmentRecorder

REMISSION = date(2026, 1, 1)


@pytest.fixture
def clinician(make_user) -> int:
    """A clinician of the sharing clinic."""
    return make_user("doc@example.org", role="clinician", clinic=CLINIC)


def clinic_of(viewer: User) -> int:
    """The id of the sharing clinic."""
    return db.session.scalar(sa.select(Clinic.id).where(Clinic.name == CLINIC))


# The rules ----------------------------------------------------------------------------------


def reasons(**values) -> tuple[str, ...]:
    """The reasons of a patient logging daily, not in remission, unless the values say otherwise."""
    arguments = {"days_since_last_entry": 0, "remission_start": None, "recurrence_on": None,
                 "percent_change": None, "today": TODAY, "logged_days": 28} | values
    return attention_reasons(**arguments)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"next_due": TODAY}, (FOLLOW_UP_DUE,)),
        ({"next_due": TODAY - timedelta(days=20)}, (FOLLOW_UP_DUE,)),  # overdue
        ({"next_due": TODAY + timedelta(days=1)}, ()),
        ({"next_due": None}, ()),
        ({"logged_days": SPARSE_DIARY_DAYS - 1}, (SPARSE_DIARY,)),
        ({"logged_days": SPARSE_DIARY_DAYS}, ()),
        # In remission a weekly diary is what the reminders offer (docs/clinic.md).
        ({"logged_days": 4, "remission_start": REMISSION}, ()),
        ({"logged_days": 4, "remission_start": REMISSION, "recurrence_on": date(2026, 2, 1)},
         (RECURRENCE, SPARSE_DIARY)),
        # A week without an entry says it already: the sparse diary is not named twice.
        ({"logged_days": 2, "days_since_last_entry": 8}, (NO_RECENT_ENTRY,)),
        ({"unverified_surgery": True}, (UNVERIFIED_SURGERY,)),
        ({"logged_days": 3, "next_due": TODAY, "percent_change": 5.0, "unverified_surgery": True},
         (WORSE_THAN_BASELINE, FOLLOW_UP_DUE, SPARSE_DIARY, UNVERIFIED_SURGERY)),
    ],
)
def test_the_new_needs_attention_rules(values, expected):
    assert set(reasons(**values)) == set(expected)
    assert reasons(**values) == tuple(r for r in REASONS if r in expected)


def test_the_stored_mask_holds_every_reason_and_its_check_allows_no_other():
    assert len(REASONS) == ATTENTION_REASON_COUNT
    for reason in REASONS:
        assert reasons_of(reasons_mask((reason,))) == (reason,)
    assert reasons_of(reasons_mask(REASONS)) == REASONS
    assert reasons_mask(REASONS) == 2 ** ATTENTION_REASON_COUNT - 1


def test_the_next_visit_comes_from_the_clinics_schedule():
    surgery = TODAY - timedelta(days=75)  # 25 December; 2 months on is 25 February
    values = attention_values({"surgery_on": surgery, "last_entry": TODAY,
                               "trailing_logged_days": 28}, "1m,4m", False, TODAY)
    assert (values["next_due_on"], values["next_due_label"]) == (
        date(2026, 4, 25), "4 months after surgery"
    )
    due_today = attention_values({"surgery_on": date(2026, 2, 10), "last_entry": TODAY,
                                  "trailing_logged_days": 28}, None, False, TODAY)
    assert due_today["next_due_on"] == TODAY  # 1 month after surgery, by the default schedule
    assert reasons_of(due_today["reasons"]) == (FOLLOW_UP_DUE,)


@pytest.mark.parametrize(("days_ago", "expected"), [
    (1, (date(2026, 3, 9), "2 months after surgery", True)),
    (OVERDUE_DAYS, (TODAY - timedelta(days=OVERDUE_DAYS), "2 months after surgery", True)),
    (OVERDUE_DAYS + 1, (None, "4 months after surgery", False)),
])
def test_a_visit_nobody_recorded_stays_next_and_overdue_while_it_could_be_fulfilled(days_ago, expected):
    two_months_visit = TODAY - timedelta(days=days_ago)
    surgery = add_months(two_months_visit, -2)
    values = attention_values({"surgery_on": surgery, "last_entry": TODAY,
                               "trailing_logged_days": 28}, "2m,4m", False, TODAY)
    due_on, label, flagged = expected
    assert values["next_due_label"] == label
    assert values["next_due_on"] == (due_on or add_months(surgery, 4))
    assert (FOLLOW_UP_DUE in reasons_of(values["reasons"])) is flagged


def test_a_recorded_visit_clears_the_overdue_one():
    surgery = date(2026, 1, 9)  # 2 months on is 9 March, yesterday
    values = attention_values({"surgery_on": surgery, "last_entry": TODAY,
                               "trailing_logged_days": 28}, "2m,4m", False, TODAY,
                              recorded_visits=[date(2026, 3, 2)])
    assert (values["next_due_on"], values["next_due_label"]) == (
        date(2026, 5, 9), "4 months after surgery"
    )
    assert reasons_of(values["reasons"]) == ()


def test_the_patients_reminder_looks_only_forwards():
    surgery = date(2026, 1, 9)
    offsets = parse_schedule("2m,4m")
    assert next_due(surgery, offsets, TODAY).due_on == date(2026, 5, 9)
    assert next_due(surgery, offsets, TODAY, overdue_days=OVERDUE_DAYS).due_on == date(2026, 3, 9)


# The page -----------------------------------------------------------------------------------


def test_a_sparse_diary_with_a_visit_due_today_is_flagged_in_words(app, client, make_user, clinician):
    patient = make_user("ada@example.org", display_name="Ada")
    share(app, patient)
    recorder = TreatmentRecorder(app, patient)
    recorder.surgery(performed_on=TODAY - timedelta(days=28))  # 10 February: 1 month is today
    for offset in (0, 2, 5):
        check_in(app, patient, TODAY - timedelta(days=offset), 2)
    login_as(client, clinician)

    page = client.get("/clinic/patients?filter=attention").get_data(as_text=True)

    assert "<li>Follow-up visit due or overdue</li>" in page
    assert "<li>Diary on fewer than 14 of the last 28 days</li>" in page
    assert "<li>Surgery reported by the patient, not yet verified</li>" in page
    assert f"{medium_date(TODAY)}</span><span class=\"detail\">1 month after surgery" in page


def stored(app, patient_id: int) -> dict[int, dict]:
    """The patient's stored rows by clinic, as their columns."""
    with app.app_context():
        rows = db.session.scalars(
            sa.select(PatientAttention).where(PatientAttention.patient_id == patient_id)
        ).all()
        return {row.clinic_id: {c: getattr(row, c) for c in ATTENTION_COLUMNS} for row in rows}


def recomputed(app, patient_id: int, today: date = TODAY) -> dict[int, dict]:
    """The rows from scratch: the summary of the whole diary, the schedules, the surgeries,
    each clinic's recorded visits."""
    with app.app_context():
        figures = summary_values(compute_summary(patient_id, today))
        figures["trailing_logged_days"] = sum(
            1 for day in diary_counts(patient_id, end=today) if 0 <= (today - day).days < 28
        )
        surgeries = db.session.scalars(
            sa.select(Surgery).where(Surgery.patient_id == patient_id, Surgery.deleted_at.is_(None))
        ).all()
        unverified = any(s.patient_reported for s in surgeries)
        clinics = db.session.execute(
            sa.select(Clinic.id, Clinic.follow_up_schedule)
            .join(PatientAttention, PatientAttention.clinic_id == Clinic.id)
            .where(PatientAttention.patient_id == patient_id)
        ).all()
        visits = db.session.execute(
            sa.select(Assessment.clinic_id, Assessment.visit_on)
            .where(Assessment.patient_id == patient_id)
        ).all()
        return {
            clinic_id: attention_values(
                figures, schedule, unverified, today,
                [visit_on for of, visit_on in visits if of == clinic_id],
            )
            for clinic_id, schedule in clinics
        }


def test_verifying_the_surgery_clears_its_reason(app, make_user, clinician):
    patient = make_user("ada@example.org", display_name="Ada")
    share(app, patient)
    surgery = TreatmentRecorder(app, patient).surgery(performed_on=TODAY - timedelta(days=60))
    [row] = stored(app, patient).values()
    assert UNVERIFIED_SURGERY in reasons_of(row["reasons"])

    with app.test_request_context():
        clinic_services.verify_surgery(db.session.get(User, clinician), patient, surgery)

    [row] = stored(app, patient).values()
    assert UNVERIFIED_SURGERY not in reasons_of(row["reasons"])
    assert stored(app, patient) == recomputed(app, patient)


def test_saving_a_schedule_moves_every_patients_next_visit(app, make_user, clinician):
    patient = make_user("ada@example.org", display_name="Ada")
    share(app, patient)
    # 25 December: the 1-month visit is past its overdue window, the 3-month one to come.
    TreatmentRecorder(app, patient).surgery(performed_on=TODAY - timedelta(days=75))
    [row] = stored(app, patient).values()
    assert row["next_due_label"] == "3 months after surgery"

    with app.test_request_context():
        viewer = db.session.get(User, clinician)
        clinic_services.save_schedule(viewer, clinic_of(viewer), "1w,5m")

    [row] = stored(app, patient).values()
    assert (row["next_due_on"], row["next_due_label"]) == (date(2026, 5, 25), "5 months after surgery")


def test_a_new_share_link_gets_its_row_at_once(app, make_user, clinician):
    from diary.sharing import services as sharing

    patient = make_user("ada@example.org", display_name="Ada")
    with app.test_request_context():
        _, code = sharing.create_code(db.session.get(User, patient))
        viewer = db.session.get(User, clinician)
        redeemed = sharing.redeem_code(viewer, clinic_of(viewer), code, None)
    assert redeemed.outcome.name == "LINKED"

    [row] = stored(app, patient).values()
    assert reasons_of(row["reasons"]) == (NO_RECENT_ENTRY,)
    assert row["computed_on"] == TODAY


def test_an_assessment_rewrites_the_row(app, make_user, clinician):
    patient = make_user("ada@example.org", display_name="Ada")
    share(app, patient)
    with app.app_context():
        db.session.execute(sa.update(PatientAttention).values(computed_on=date(2000, 1, 1)))
        db.session.commit()

    assess(app, clinician, patient, TODAY)

    assert [r["computed_on"] for r in stored(app, patient).values()] == [TODAY]


# The scheduler ------------------------------------------------------------------------------


def test_the_scheduler_brings_rows_to_today_and_makes_missing_ones(app, make_user, clinician):
    quiet = make_user("q@example.org", display_name="Quiet")
    share(app, quiet)
    check_in(app, quiet, TODAY, 3)
    newcomer = make_user("n@example.org", display_name="Newcomer")
    share(app, newcomer)
    with app.app_context():  # a row written behind the services: a bulk load, a migration
        db.session.execute(sa.delete(PatientAttention).where(PatientAttention.patient_id == newcomer))
        db.session.commit()
    [row] = stored(app, quiet).values()
    assert reasons_of(row["reasons"]) == (SPARSE_DIARY,)

    later = datetime(2026, 3, 17, 12, tzinfo=UTC)  # a week on: the entry is 7 days old
    with app.app_context():
        assert refresh_past_attention(later) == 2
        assert refresh_past_attention(later) == 0

    [row] = stored(app, quiet).values()
    assert row["computed_on"] == local_today("Europe/Berlin", later)
    assert reasons_of(row["reasons"]) == (NO_RECENT_ENTRY,)
    assert stored(app, quiet) == recomputed(app, quiet, row["computed_on"])
    assert stored(app, newcomer) == recomputed(app, newcomer, row["computed_on"])


# Stored rows against a recomputation ----------------------------------------------------------

clinic_operations = st.one_of(
    operations.map(lambda ops: ("diary", ops)),
    st.tuples(st.just("verify"), st.integers(0, 3)),
    st.tuples(st.just("schedule"), st.sampled_from(["1w,1m,3m", "2m,4m,1y", "10d,6w"])),
    st.tuples(st.just("assess"), st.integers(0, 90)),
)


def apply_clinic(app, clinician: int, patient: int, op) -> None:
    """One clinic write through its service."""
    with app.test_request_context():
        viewer = db.session.get(User, clinician)
        if op[0] == "verify":
            ids = db.session.scalars(
                sa.select(Surgery.id).where(Surgery.patient_id == patient,
                                            Surgery.deleted_at.is_(None)).order_by(Surgery.id)
            ).all()
            if ids:
                clinic_services.verify_surgery(viewer, patient, ids[op[1] % len(ids)])
        elif op[0] == "schedule":
            clinic_services.save_schedule(viewer, clinic_of(viewer), op[1])
        elif op[0] == "assess":
            clinic_services.record_assessment(viewer, patient, {
                "visit_on": TODAY - timedelta(days=op[1]), "smc_grade": None,
                "house_brackmann_grade": None, "hearing": None, "outcome": None,
                "recurrence": False, "note": None,
            })


@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(diary_ops=operations, clinic_ops=st.lists(clinic_operations, max_size=4))
def test_every_write_keeps_the_rows_equal_to_a_recomputation(app, make_user, diary_ops, clinic_ops):
    with app.app_context():
        clear_database()
    clinician = make_user("doc@example.org", role="clinician", clinic=CLINIC)
    patient = make_user()
    share(app, patient)
    recorder = TreatmentRecorder(app, patient)
    steps = [("one", op) for op in diary_ops] + list(clinic_ops)
    for step in steps:
        if step[0] == "one":
            apply(app, patient, step[1], recorder)
        elif step[0] == "diary":
            for op in step[1]:
                apply(app, patient, op, recorder)
        else:
            apply_clinic(app, clinician, patient, step)
        assert stored(app, patient) == recomputed(app, patient), step
        assert len(stored(app, patient)) == 1
