"""The per-patient summary row always equals a recomputation from scratch."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diary.extensions import db
from diary.journal import services as journal
from diary.models import CheckIn, PatientSummary, SpasmEpisode, User
from diary.progress.summary import (
    SUMMARY_COLUMNS,
    compute_summary,
    summary_from_windows,
    summary_values,
)
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
        "baseline_suppressed", "window_mean", "untreated_mean", "untreated_logged_days",
        "trailing_mean",
        "trailing_logged_days", "percent_change", "outcome", "remission_start",
        "recurrence_on", "last_spasm", "last_entry",
    ]


def test_the_row_upsert_writes_every_summary_value():
    assert set(SUMMARY_COLUMNS) == set(summary_values_names())


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


# Diaries long enough to reach remission and recurrence, to check the refresh's reads: it
# reads the windows and the days after surgery, and finds the last spasm and entry in SQL.
DIARY_DAYS = 240
BLOCKS = st.lists(
    st.one_of(
        st.tuples(st.just("zero"), st.integers(1, 40)),
        st.tuples(st.just("spasm"), st.integers(1, 4)),
        st.tuples(st.just("missing"), st.integers(1, 12)),
    ),
    max_size=14,
)


def write_diary(app, patient_id: int, blocks: list, episode_days: set[int], deleted: set[int]) -> None:
    """Check-ins from DIARY_DAYS ago in blocks, episodes and soft-deleted check-ins, in bulk.

    Day numbers count back from TODAY; the services would take one transaction per day.
    """
    moment = datetime.combine(TODAY, time(12), tzinfo=UTC)
    check_ins, back = [], DIARY_DAYS
    for kind, length in blocks:
        for _ in range(length):
            if kind != "missing" and back >= 0:
                check_ins.append({
                    "patient_id": patient_id, "day": TODAY - timedelta(days=back),
                    "spasm_count": 3 if kind == "spasm" else 0,
                    "deleted_at": moment if back in deleted else None,
                })
            back -= 1
    episodes = [
        {"patient_id": patient_id, "day": TODAY - timedelta(days=back), "occurred_at": moment,
         "timezone": "Europe/Berlin", "deleted_at": moment if back in deleted else None}
        for back in episode_days
    ]
    with app.app_context():
        if check_ins:
            db.session.execute(sa.insert(CheckIn), check_ins)
        if episodes:
            db.session.execute(sa.insert(SpasmEpisode), episodes)
        db.session.commit()


@settings(
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    blocks=BLOCKS,
    episode_days=st.sets(st.integers(0, DIARY_DAYS), max_size=8),
    deleted=st.sets(st.integers(0, DIARY_DAYS), max_size=8),
    surgery_back=st.one_of(st.none(), st.integers(1, DIARY_DAYS)),
    injections_before=st.lists(st.integers(1, 200), max_size=3),
    days_back=st.lists(st.integers(-20, DIARY_DAYS), min_size=1, max_size=4),
)
def test_the_refresh_reads_give_the_summary_of_the_whole_diary(
    app, make_user, blocks, episode_days, deleted, surgery_back, injections_before, days_back
):
    with app.app_context():
        clear_database()
    patient = make_user()
    write_diary(app, patient, blocks, episode_days, deleted)
    recorder = TreatmentRecorder(app, patient)
    # Injections count back from the surgery (from today without one), so that the baseline
    # window is often toxin-suppressed and the six months before surgery are read.
    for before in injections_before:
        recorder.injection(injected_on=TODAY - timedelta(days=(surgery_back or 0) + before))
    if surgery_back is not None:
        recorder.surgery(performed_on=TODAY - timedelta(days=surgery_back))
    with app.app_context():
        for back in days_back:
            day = TODAY - timedelta(days=back)
            assert summary_values(summary_from_windows(patient, day)) == summary_values(
                compute_summary(patient, day)
            ), day
    if injections_before or surgery_back is not None:  # a service refreshed the row
        assert stored(app, patient) == recomputed(app, patient)


def test_the_refresh_finds_remission_and_recurrence_long_after_surgery(app, make_user):
    patient = make_user()
    # Spasms until 150 days ago, 60 spasm-free days with a 7-day gap, then spasms again.
    blocks = [("spasm", 4)] * 23 + [("zero", 30), ("missing", 7), ("zero", 30)] + [("spasm", 4)] * 2
    write_diary(app, patient, blocks, episode_days=set(), deleted=set())
    TreatmentRecorder(app, patient).surgery(performed_on=TODAY - timedelta(days=200))
    row = stored(app, patient)
    assert row["remission_start"] == TODAY - timedelta(days=DIARY_DAYS - 92)
    assert row["recurrence_on"] is not None
    assert row == recomputed(app, patient)


def test_the_refresh_reads_the_untreated_baseline_six_months_before_surgery(app, make_user):
    patient = make_user()
    # 180 days of 10 spasms, then 60 of none; an injection 40 days before surgery suppresses
    # the 28-day window, so the untreated baseline comes from the days before the injection.
    write_diary(app, patient, [("spasm", 4)] * 45 + [("zero", 60)], set(), set())
    surgery = TODAY - timedelta(days=60)
    recorder = TreatmentRecorder(app, patient)
    recorder.injection(injected_on=surgery - timedelta(days=40))
    recorder.surgery(performed_on=surgery)
    row = stored(app, patient)
    assert row["baseline_suppressed"] is True
    assert row["untreated_logged_days"] == 140  # the diary begins 180 days before surgery
    assert row == recomputed(app, patient)
