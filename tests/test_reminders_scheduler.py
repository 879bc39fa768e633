"""The scheduler process: APScheduler as a ticker, the CLI command, and nothing in the web app.

docs/pitfalls.md (APScheduler 3.11): time zone UTC, each job in an app context, misfire grace raised,
max_instances=1 and coalescing; never started at import or by create_app.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.blocking import BlockingScheduler

from diary.app import create_app
from diary.reminders.delivery import scheduler as scheduler_module
from diary.reminders.delivery.scheduler import JOB_ID, build_scheduler, tick
from tests.conftest import base_config
from tests.reminders_support import planned, states

DUE = datetime(2026, 3, 10, 19, 0, tzinfo=UTC)


def test_the_scheduler_ticks_every_30_seconds_in_utc_one_run_at_a_time(app):
    scheduler = build_scheduler(app)

    job = scheduler.get_job(JOB_ID)
    assert isinstance(scheduler, BlockingScheduler)
    assert str(scheduler.timezone) == "UTC"
    assert job.trigger.interval == timedelta(seconds=30)
    assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 600)
    assert job.func is tick and job.args == (app,)
    assert not scheduler.running


def test_a_tick_runs_a_dispatch_in_an_app_context_of_its_own(app, make_user, mailbox, clock):
    patient = make_user()
    clock.set(DUE)

    report = tick(app)  # called outside any context, as APScheduler's thread calls it

    assert report["sent"] == 1 and len(mailbox.messages()) == 1
    assert states(app, patient) == ["sent"]


def test_creating_the_app_starts_no_scheduler(tmp_path):
    before = {t.name for t in threading.enumerate()}

    create_app(base_config(tmp_path, f"sqlite:///{tmp_path / 'x.sqlite3'}"))

    started = {t.name for t in threading.enumerate()} - before
    assert not [name for name in started if "APScheduler" in name or "scheduler" in name.lower()]


def test_the_once_command_dispatches_what_is_due_and_exits(app, make_user, mailbox, runner):
    patient = make_user()

    result = runner.invoke(args=["scheduler", "--once", "--now", "2026-03-10T20:00:00+01:00"])

    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert len(mailbox.messages()) == 1
    assert planned(app, patient).due_at == DUE + timedelta(days=1)


@pytest.mark.parametrize("now", ["2026-03-10T19:00:00", "yesterday", "2026-13-01T00:00:00+00:00"])
def test_the_once_command_wants_a_moment_with_its_offset(runner, now):
    result = runner.invoke(args=["scheduler", "--once", "--now", now])

    assert result.exit_code == 2
    assert "--now" in result.output


def test_the_command_without_once_starts_the_ticker_until_interrupted(app, runner, monkeypatch):
    started = []

    def start(self):
        started.append(self.get_job(JOB_ID))
        raise KeyboardInterrupt

    monkeypatch.setattr(BlockingScheduler, "start", start)
    monkeypatch.setattr(scheduler_module.signal, "signal", lambda *args: None)

    result = runner.invoke(args=["scheduler"])

    assert result.exit_code == 0, result.output
    assert "Reminder scheduler running" in result.output
    assert len(started) == 1


def test_the_ticker_stops_once_on_sigterm_even_when_it_comes_twice(app, runner, monkeypatch):
    handlers = {}
    monkeypatch.setattr(scheduler_module.signal, "signal",
                        lambda signum, handler: handlers.setdefault(signum, handler))
    ticks = []

    def first_tick_then_two_sigterms(app):
        ticks.append(tick(app))
        handlers[scheduler_module.signal.SIGTERM](15, None)
        handlers[scheduler_module.signal.SIGTERM](15, None)  # `kill 0` may repeat it

    monkeypatch.setattr(scheduler_module, "tick", first_tick_then_two_sigterms)

    result = runner.invoke(args=["scheduler"])  # the real BlockingScheduler, started and stopped

    assert result.exit_code == 0 and result.exception is None, result.output
    assert len(ticks) == 1

