"""The reminder scheduler: its own process, `flask --app wsgi scheduler`.

APScheduler 3.11 is only the ticker (docs/pitfalls.md, APScheduler 3.11): every REMINDER_TICK_SECONDS one job runs
dispatch_due() inside an app context. The delivery rows are the state, so any number of these
processes can run against one database, and a restarted one carries on where the last left.
The web app never starts a scheduler, neither at import nor in create_app: the dev server's
reloader would start two, and every gunicorn worker one more.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import time
from datetime import UTC, datetime

import click
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import with_appcontext

from diary import throttle
from diary.auth.session_store import prune as prune_sessions
from diary.clinic.attention import refresh_past_attention
from diary.clock import system_now, utcnow
from diary.progress.summary import refresh_past_summaries
from diary.reminders.delivery.dispatch import DispatchReport, dispatch_due, process_holder

log = logging.getLogger(__name__)

JOB_ID = "dispatch-reminders"
# A tick that starts late (a slow dispatch, a suspended laptop) still runs, once.
MISFIRE_GRACE_SECONDS = 600
# `--once` on SQLite waits this long at most for another scheduler's turn to end.
ONCE_WAIT_SECONDS = 300
ONCE_POLL_SECONDS = 0.2


def tick(app: Flask) -> DispatchReport:
    """One dispatch at the app clock's now, inside an app context (the job's body).

    Then the summaries of patients whose day has turned since their last entry are brought
    to today (refresh_past_summaries), a batch per tick, so the clinic list never shows a
    window that has moved on, then the needs-attention rows the summaries did not take with
    them (clinic.attention.refresh_past_attention), and expired login sessions and throttle
    buckets are deleted.
    """
    with app.app_context():
        now = utcnow()
        report = dispatch_due(now)
        if report.claimed or report.adopted:
            log.info("reminders: %s; adopted %s", summary(report), report.adopted)
        refreshed = refresh_past_summaries(now)
        if refreshed:
            log.info("summaries brought to today: %s", refreshed)
        attended = refresh_past_attention(now)
        if attended:
            log.info("needs-attention rows brought to today: %s", attended)
        pruned = prune_sessions(now)
        if pruned:
            log.info("expired sessions deleted: %s", pruned)
        forgotten = throttle.prune(now)
        if forgotten:
            log.info("forgotten throttle buckets deleted: %s", forgotten)
        return report


# Claim-time steps; each ends in one of the outcomes that are reported.
_STEPS = {"sending", "retrying"}


def summary(report: DispatchReport) -> str:
    """What a dispatch did, e.g. "sent 3, skipped 1" (steps on the way and zeros left out)."""
    done = sorted((k, v) for k, v in report.outcomes.items() if v and k not in _STEPS)
    return ", ".join(f"{k} {v}" for k, v in done) or "nothing due"


def build_scheduler(app: Flask) -> BlockingScheduler:
    """A blocking scheduler in UTC with the one ticking job; not started."""
    scheduler = BlockingScheduler(timezone=UTC)
    scheduler.add_job(
        tick,
        "interval",
        seconds=app.config["REMINDER_TICK_SECONDS"],
        args=[app],
        id=JOB_ID,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=MISFIRE_GRACE_SECONDS,
        next_run_time=system_now(),  # the first tick at once, not after a whole interval
        replace_existing=True,
    )
    return scheduler


def run_until_idle(now: datetime | None = None) -> DispatchReport:
    """Dispatch again and again until nothing is due (SQLite: after waiting for our turn).

    The `--once` mode for cron-like use and for the tests that run several schedulers as
    processes. `now` pins the moment (tests); by default each round reads the app clock.
    """
    total = DispatchReport()
    deadline = time.monotonic() + ONCE_WAIT_SECONDS
    while True:
        report = dispatch_due(now or utcnow())
        total.outcomes.update(report.outcomes)
        total.adopted += report.adopted
        if report.waited:
            if time.monotonic() > deadline:
                raise click.ClickException("Another scheduler kept the dispatch lease; gave up.")
            time.sleep(ONCE_POLL_SECONDS)
            continue
        if report.claimed == 0 and report.adopted == 0:
            return total


def _parse_now(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """An ISO 8601 moment with its offset."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use ISO 8601 with an offset, e.g. 2026-03-10T19:00:00+00:00") from None
    if moment.tzinfo is None:
        raise click.BadParameter("give the offset too, e.g. +00:00")
    return moment.astimezone(UTC)


@click.command("scheduler")
@click.option("--once", is_flag=True,
              help="Dispatch until nothing is due, then exit (instead of ticking for ever).")
@click.option("--now", "now", callback=_parse_now, hidden=True,
              help="For tests: dispatch as if it were this moment (ISO 8601 with offset).")
@with_appcontext
def scheduler_command(once: bool, now: datetime | None) -> None:
    """Send due reminders: every REMINDER_TICK_SECONDS, until stopped (Ctrl-C or SIGTERM)."""
    app = current_app._get_current_object()
    if once:
        report = run_until_idle(now)
        refreshed = refresh_past_summaries(now or utcnow(), limit=None)
        attended = refresh_past_attention(now or utcnow(), limit=None)
        pruned = prune_sessions(now or utcnow())
        click.echo(f"Dispatched as {process_holder()}: {summary(report)}; "
                   f"adopted {report.adopted}; summaries brought to today: {refreshed}; "
                   f"needs-attention rows brought to today: {attended}; "
                   f"expired sessions deleted: {pruned}.")
        return
    if not log.isEnabledFor(logging.INFO):
        # Say what each tick sent (`make run`, a service's journal); WARNINGs alone are silent.
        logging.getLogger("diary.reminders").setLevel(logging.INFO)
    app.logger.debug("scheduler starting")  # installs Flask's stderr handler on "diary"
    scheduler = build_scheduler(app)

    def stop(signum, _frame):
        # `make run` sends SIGTERM to the whole group, and may do so twice: stop once.
        if scheduler.state != STATE_STOPPED:
            log.info("reminder scheduler stopping (signal %s)", signum)
            with contextlib.suppress(SchedulerNotRunningError):
                scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"Reminder scheduler running as {process_holder()}, every "
               f"{app.config['REMINDER_TICK_SECONDS']} s. Ctrl-C stops it.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
