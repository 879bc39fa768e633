"""A summary moves with the calendar: the scheduler brings rows of past days to today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from diary.extensions import db
from diary.models import PatientSummary
from diary.progress import summary as summary_module
from diary.progress.summary import compute_summary, refresh_past_summaries, summary_values
from diary.reminders.delivery.scheduler import tick
from diary.trajectory import rules
from tests.journal_helpers import TODAY, check_in
from tests.test_progress_summary import stored

LAST_ENTRY_AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # the frozen clock: TODAY in Berlin


def spasm_free_month(app, patient: int) -> None:
    """Four weeks of zero days up to TODAY: enough for a class."""
    for offset in range(28):
        check_in(app, patient, TODAY - timedelta(days=offset), 0)


def recomputed_on(app, patient: int, day) -> dict:
    with app.app_context():
        return summary_values(compute_summary(patient, day))


def diary_changed_at(app, patient: int):
    with app.app_context():
        return db.session.get(PatientSummary, patient).diary_changed_at


def test_a_silent_month_later_the_summary_is_that_of_the_new_day(app, make_user, clock):
    patient = make_user()
    spasm_free_month(app, patient)
    assert stored(app, patient)["outcome"] == rules.SPASM_FREE
    changed = diary_changed_at(app, patient)
    later = LAST_ENTRY_AT + timedelta(days=40)
    clock.set(later)

    with app.app_context():
        assert refresh_past_summaries(later) == 1

    row = stored(app, patient)
    assert row["computed_on"] == TODAY + timedelta(days=40)
    assert row["trailing_logged_days"] == 0
    assert row["outcome"] == rules.NOT_ENOUGH_DATA
    assert row == recomputed_on(app, patient, TODAY + timedelta(days=40))
    assert diary_changed_at(app, patient) == changed  # the diary itself did not change


def test_a_row_of_today_is_left_as_it_is(app, make_user):
    patient = make_user()
    check_in(app, patient, TODAY, 3)
    before = stored(app, patient)

    with app.app_context():
        assert refresh_past_summaries(LAST_ENTRY_AT + timedelta(hours=10)) == 0

    assert stored(app, patient) == before


def test_the_day_turns_at_each_patients_own_midnight(app, make_user):
    east = make_user("east@example.org", timezone="Pacific/Kiritimati")  # UTC+14
    west = make_user("west@example.org", timezone="America/Los_Angeles")  # UTC-8
    check_in(app, east, TODAY, 2)
    check_in(app, west, TODAY - timedelta(days=1), 2)  # the frozen noon UTC is 04:00 there
    # 10:30 UTC on March 11th: Kiritimati's 12th began at 10:00 UTC; Los Angeles is still
    # on the 11th, a day after its row's 10th.
    moment = datetime(2026, 3, 11, 10, 30, tzinfo=UTC)

    with app.app_context():
        assert refresh_past_summaries(moment) == 2
    assert stored(app, east)["computed_on"] == TODAY + timedelta(days=2)
    assert stored(app, west)["computed_on"] == TODAY + timedelta(days=1)

    with app.app_context():
        assert refresh_past_summaries(moment + timedelta(hours=1)) == 0


def test_a_batch_takes_the_oldest_rows_first(app, make_user, clock):
    patients = [make_user(f"p{n}@example.org") for n in range(3)]
    for days_ago, patient in zip((5, 1, 3), patients, strict=True):
        clock.set(LAST_ENTRY_AT - timedelta(days=days_ago))
        check_in(app, patient, TODAY - timedelta(days=days_ago), 1)
    clock.set(LAST_ENTRY_AT)

    with app.app_context():
        assert refresh_past_summaries(LAST_ENTRY_AT, limit=2) == 2

    computed = [stored(app, p)["computed_on"] for p in patients]
    assert computed == [TODAY, TODAY - timedelta(days=1), TODAY]


def test_the_scheduler_tick_brings_summaries_to_today(app, make_user, clock):
    patient = make_user()
    spasm_free_month(app, patient)
    clock.set(LAST_ENTRY_AT + timedelta(days=3))

    tick(app)  # outside any app context, as APScheduler's thread calls it

    assert stored(app, patient)["computed_on"] == TODAY + timedelta(days=3)


def test_the_once_command_brings_every_summary_to_today(app, make_user, clock, runner):
    patient = make_user()
    spasm_free_month(app, patient)
    clock.set(LAST_ENTRY_AT + timedelta(days=3))

    result = runner.invoke(args=["scheduler", "--once"])

    assert result.exit_code == 0, result.output
    assert "summaries brought to today: 1" in result.output
    assert stored(app, patient)["computed_on"] == TODAY + timedelta(days=3)


def test_a_patient_whose_refresh_fails_holds_up_no_other(app, make_user, clock, monkeypatch,
                                                          caplog):
    broken, fine = make_user("a@example.org"), make_user("b@example.org")
    check_in(app, broken, TODAY, 1)
    check_in(app, fine, TODAY, 1)
    real = summary_module.summary_from_windows

    def fails_for_one(patient_id, today):
        if patient_id == broken:
            raise RuntimeError("a bug in one patient's figures")
        return real(patient_id, today)

    monkeypatch.setattr(summary_module, "summary_from_windows", fails_for_one)
    later = LAST_ENTRY_AT + timedelta(days=3)

    with app.app_context():
        assert refresh_past_summaries(later) == 1

    assert stored(app, fine)["computed_on"] == TODAY + timedelta(days=3)
    assert stored(app, broken)["computed_on"] == TODAY
    assert f"patient {broken} could not be brought to today" in caplog.text
