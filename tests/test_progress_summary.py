"""The per-patient summary row always equals a recomputation from scratch."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diary.extensions import db
from diary.journal import services as journal
from diary.models import CheckIn, PatientSummary, SpasmEpisode, User
from diary.progress.summary import compute_summary, summary_values
from diary.trajectory import rules
from tests.conftest import clear_database
from tests.journal_helpers import check_in
from tests.treatments_support import TODAY, TreatmentRecorder

SURGERY_DAY = TODAY - timedelta(days=40)


def stored(app, patient_id) -> dict | None:
    """The stored summary row as its column values."""
    with app.app_context():
        row = db.session.get(PatientSummary, patient_id)
        if row is None:
            return None
        return {name: getattr(row, name) for name in summary_values_names()}


def recomputed(app, patient_id) -> dict:
    """The summary computed from scratch for the same day."""
    with app.app_context():
        return summary_values(compute_summary(patient_id, TODAY))


def summary_values_names() -> list[str]:
    """The columns the summary computation writes."""
    return [
        "computed_on", "surgery_on", "baseline_mean", "baseline_logged_days", "baseline_source",
        "baseline_suppressed", "untreated_mean", "untreated_logged_days", "trailing_mean",
        "trailing_logged_days", "percent_change", "outcome", "remission_start",
        "recurrence_on", "last_spasm", "last_entry",
    ]


def test_a_check_in_creates_the_summary_row(app, make_user):
    patient = make_user()
    assert stored(app, patient) is None
    check_in(app, patient, TODAY, 4)
    row = stored(app, patient)
    assert row["last_entry"] == TODAY
    assert row["last_spasm"] == TODAY
    assert row == recomputed(app, patient)


def test_surgery_and_diary_give_baseline_and_class(app, make_user):
    patient = make_user()
    for offset in range(1, 29):
        check_in(app, patient, SURGERY_DAY - timedelta(days=offset), 20)
    for offset in range(1, 40):
        check_in(app, patient, SURGERY_DAY + timedelta(days=offset), 1)
    TreatmentRecorder(app, patient).surgery(performed_on=SURGERY_DAY)
    row = stored(app, patient)
    assert row["surgery_on"] == SURGERY_DAY
    assert row["baseline_mean"] == 20
    assert row["outcome"] == rules.REDUCED_90
    assert row == recomputed(app, patient)


def test_deleting_the_surgery_clears_the_baseline(app, make_user):
    patient = make_user()
    check_in(app, patient, SURGERY_DAY - timedelta(days=1), 20)
    recorder = TreatmentRecorder(app, patient)
    surgery = recorder.surgery(performed_on=SURGERY_DAY)
    recorder.delete("surgeries", surgery)
    row = stored(app, patient)
    assert row["surgery_on"] is None
    assert row == recomputed(app, patient)


# Every write that can change the summary, as a random sequence of operations.
operations = st.lists(
    st.one_of(
        st.tuples(st.just("check_in"), st.integers(0, 80), st.integers(0, 30)),
        st.tuples(st.just("spasm_now"), st.integers(0, 3)),
        st.tuples(st.just("no_spasms_today")),
        st.tuples(st.just("no_spasms_since"), st.integers(0, 14)),
        st.tuples(st.just("delete_check_in"), st.integers(0, 5)),
        st.tuples(st.just("delete_episode"), st.integers(0, 5)),
        st.tuples(st.just("edit_episode"), st.integers(0, 5), st.integers(1, 60)),
        st.tuples(st.just("injection"), st.integers(1, 80)),
        st.tuples(st.just("surgery"), st.integers(1, 60)),
        st.tuples(st.just("delete_injection"), st.integers(0, 3)),
        st.tuples(st.just("delete_surgery"), st.integers(0, 3)),
    ),
    min_size=1,
    max_size=12,
)


def apply(app, patient_id: int, op: tuple, recorder: TreatmentRecorder) -> None:
    """Run one operation through the app's services, as the patient."""
    kind = op[0]
    with app.app_context():
        patient = db.session.get(User, patient_id)

        def nth(model, index):
            ids = db.session.scalars(
                sa.select(model.id).where(model.deleted_at.is_(None)).order_by(model.id)
            ).all()
            return ids[index % len(ids)] if ids else None

        if kind == "check_in":
            values = journal.CheckInValues(day=TODAY - timedelta(days=op[1]), spasm_count=op[2])
            journal.save_check_in(patient, patient, values)
        elif kind == "spasm_now":
            journal.record_spasm_now(patient, patient, f"tap-{op[1]}")
        elif kind == "no_spasms_today":
            journal.record_no_spasms_today(patient, patient)
        elif kind == "no_spasms_since":
            journal.record_no_spasms_since(patient, patient, TODAY - timedelta(days=op[1]))
        elif kind == "delete_check_in" and (target := nth(CheckIn, op[1])):
            journal.delete_check_in(patient, target)
        elif kind == "delete_episode" and (target := nth(SpasmEpisode, op[1])):
            journal.delete_episode(patient, target)
        elif kind == "edit_episode" and (target := nth(SpasmEpisode, op[1])):
            journal.edit_episode(patient, target, duration_seconds=op[2])
    if kind == "injection":
        recorder.injection(injected_on=TODAY - timedelta(days=op[1]))
    elif kind == "surgery":
        recorder.surgery(performed_on=TODAY - timedelta(days=op[1]))
    elif kind in ("delete_injection", "delete_surgery"):
        from diary.models import Injection, Surgery

        model = Injection if kind == "delete_injection" else Surgery
        with app.app_context():
            ids = db.session.scalars(
                sa.select(model.id).where(model.deleted_at.is_(None)).order_by(model.id)
            ).all()
        if ids:
            recorder.delete("injections" if model is Injection else "surgeries", ids[op[1] % len(ids)])


# The database is emptied at the start of every example, so the shared app fixture is safe.
@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_every_write_keeps_the_summary_equal_to_a_recomputation(app, make_user, ops):
    with app.app_context():
        clear_database()
    patient = make_user()
    recorder = TreatmentRecorder(app, patient)
    for op in ops:
        apply(app, patient, op, recorder)
        row = stored(app, patient)
        if row is None:  # only before anything was ever written
            assert written_rows(app) == 0, op
        else:
            assert row == recomputed(app, patient), op


def written_rows(app) -> int:
    """How many diary and treatment rows exist, deleted ones included."""
    from diary.models import Injection, Surgery

    with app.app_context():
        return sum(
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (CheckIn, SpasmEpisode, Injection, Surgery)
        )
