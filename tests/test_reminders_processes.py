"""Schedulers as real processes (`flask --app wsgi scheduler --once`) against one database.

- Two schedulers dispatch the due reminders of 1,000 patients: each is sent exactly once.
  On PostgreSQL they share the rows (FOR UPDATE SKIP LOCKED); on SQLite one holds the
  dispatch lease while the other waits.
- A scheduler killed with SIGKILL while the SMTP server holds back its reply to a message it
  has already received, then restarted, sends nothing twice and leaves exactly that one
  delivery "unknown".

The SQLite variant always runs; the PostgreSQL one runs when TEST_DATABASE_URL is set (on a
database of its own, dropped afterwards). Each test prints its figures (`pytest -s`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from diary import PROJECT_ROOT
from diary.models import Delivery, InboxMessage, Reminder, User
from tests.conftest import migrate_database, postgres_url
from tests.reminders_support import smtp_sink

NOW = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)
ZONES = ["Europe/Berlin", "America/Chicago", "Asia/Tokyo", "UTC", "Australia/Sydney",
         "America/Sao_Paulo", "Asia/Kolkata", "Pacific/Auckland"]
PATIENTS = 1000
PROCESS_TIMEOUT = 300

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> Iterator[str]:
    """A migrated database of the test's own: a SQLite file, or a new PostgreSQL database."""
    instance = tmp_path / "instance"
    instance.mkdir()
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'schedulers.sqlite3'}"
        migrate_database(instance, url)
        yield url
        return
    server_url = postgres_url()
    if not server_url:
        pytest.skip("TEST_DATABASE_URL is not set")
    server = sa.make_url(server_url)
    name = f"diary_schedulers_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        migrate_database(instance, url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def seed_due_reminders(url: str, count: int, now: datetime) -> None:
    """Patients whose daily reminder fell due within the last 50 minutes, inserted in bulk.

    Each reminder's local time is the wall time of its due moment in the patient's zone, so
    the dispatcher's own check (is this still an occurrence?) agrees with the planned row.
    """
    users, reminders, deliveries = [], [], []
    for n in range(1, count + 1):
        zone = ZoneInfo(ZONES[n % len(ZONES)])
        due = now - timedelta(minutes=n % 50)
        local = due.astimezone(zone)
        users.append({
            "id": n, "email": f"patient{n}@example.org", "password_hash": "not-a-hash",
            "display_name": f"Patient {n}", "role": "patient", "timezone": zone.key,
            "email_verified_at": now - timedelta(days=30), "active": True,
            "created_at": now - timedelta(days=30), "updated_at": now - timedelta(days=30),
        })
        reminders.append({
            "id": n, "patient_id": n, "kind": "check_in", "enabled": True, "by_email": True,
            "in_app": True, "send_minute": local.hour * 60 + local.minute, "weekdays": 127,
            "cadence": "daily", "weeks_after": 12, "notice_days": 7,
            "created_at": now - timedelta(days=30), "updated_at": now - timedelta(days=30),
        })
        deliveries.append({
            "reminder_id": n, "due_at": due, "local_day": local.date(),
            "local_minute": local.hour * 60 + local.minute, "state": "pending", "attempts": 0,
            "attempt_at": due, "created_at": now - timedelta(days=1),
            "updated_at": now - timedelta(days=1),
        })
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(User.__table__.insert(), users)
            conn.execute(Reminder.__table__.insert(), reminders)
            conn.execute(Delivery.__table__.insert(), deliveries)
            if engine.dialect.name == "postgresql":
                for table in ("users", "reminders"):
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {count})"
                    )
    finally:
        engine.dispose()


def scheduler(url: str, now: datetime, *, outbox: Path, smtp_port: int | None = None) -> subprocess.Popen:
    """Start `flask --app wsgi scheduler --once` as its own process at a pinned moment."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "process-test-secret",
        "MAIL_OUTBOX": str(outbox),
        "MAIL_SERVER": "127.0.0.1" if smtp_port else "",
        "MAIL_PORT": str(smtp_port or 25),
        "PUBLIC_BASE_URL": "https://diary.example.org",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "--once",
         "--now", now.isoformat()],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def finish(process: subprocess.Popen) -> str:
    """Wait for a scheduler process; its output, or a failure with its errors."""
    out, err = process.communicate(timeout=PROCESS_TIMEOUT)
    assert process.returncode == 0, f"scheduler exited {process.returncode}:\n{out}\n{err}"
    return out.strip()


def database_counts(url: str) -> tuple[Counter, Counter, int]:
    """Deliveries by state, sent deliveries by scheduler, and inbox messages."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            by_state = Counter(dict(conn.execute(
                sa.select(Delivery.state, sa.func.count()).group_by(Delivery.state)
            ).all()))
            by_holder = Counter(dict(conn.execute(
                sa.select(Delivery.holder, sa.func.count())
                .where(Delivery.state == "sent").group_by(Delivery.holder)
            ).all()))
            messages = conn.execute(sa.select(sa.func.count()).select_from(InboxMessage)).scalar()
    finally:
        engine.dispose()
    return by_state, by_holder, messages


def outbox_ids(outbox: Path) -> list[str]:
    """The Message-IDs of the .eml files in an outbox folder."""
    from email import policy
    from email.parser import BytesParser

    parser = BytesParser(policy=policy.default)
    return [parser.parsebytes(path.read_bytes(), headersonly=True)["Message-ID"]
            for path in sorted(outbox.glob("*.eml"))]


def report(title: str, **figures) -> None:
    """Print the figures of a run (shown with `pytest -s`)."""
    print(f"\n[{title}] " + ", ".join(f"{k}={v}" for k, v in figures.items()))


# Two schedulers, a thousand patients ------------------------------------------------------


def test_two_schedulers_send_each_of_a_thousand_reminders_exactly_once(database_url, tmp_path):
    seed_due_reminders(database_url, PATIENTS, NOW)
    backend = sa.make_url(database_url).get_backend_name()

    with smtp_sink() as sink:
        started = time.monotonic()
        first = scheduler(database_url, NOW, outbox=tmp_path / "outbox", smtp_port=sink.port)
        second = scheduler(database_url, NOW, outbox=tmp_path / "outbox", smtp_port=sink.port)
        outputs = [finish(first), finish(second)]
        seconds = time.monotonic() - started
        received = sink.message_ids()

    by_state, by_holder, messages = database_counts(database_url)
    assert by_state == {"sent": PATIENTS, "pending": PATIENTS}  # sent, and tomorrow's planned
    assert sum(by_holder.values()) == PATIENTS
    assert len(received) == PATIENTS == len(set(received))
    assert messages == PATIENTS
    if backend == "postgresql":
        # SKIP LOCKED lets both work at once: each sent a share, none waited for the other.
        assert len(by_holder) == 2 and min(by_holder.values()) > 0, by_holder
    report(
        f"two schedulers, {backend}",
        patients=PATIENTS, seconds=f"{seconds:.1f}", sent_per_scheduler=sorted(by_holder.values()),
        messages_received=len(received), duplicate_message_ids=len(received) - len(set(received)),
    )
    for line in outputs:
        print("  ", line)


def test_two_schedulers_writing_to_the_outbox_send_each_once(database_url, tmp_path):
    seed_due_reminders(database_url, 200, NOW)
    outbox = tmp_path / "outbox"

    first = scheduler(database_url, NOW, outbox=outbox)
    second = scheduler(database_url, NOW, outbox=outbox)
    finish(first), finish(second)

    ids = outbox_ids(outbox)
    assert len(ids) == 200 == len(set(ids))
    assert database_counts(database_url)[0]["sent"] == 200


# A scheduler killed inside a send ---------------------------------------------------------


def test_a_scheduler_killed_inside_a_send_and_restarted_sends_nothing_twice(database_url, tmp_path):
    patients, stalled = 20, 5
    seed_due_reminders(database_url, patients, NOW)

    with smtp_sink() as sink:
        # The server takes the 5th message, then holds back its "250 OK" until released.
        sink.stall_data = stalled
        victim = scheduler(database_url, NOW, outbox=tmp_path / "outbox", smtp_port=sink.port)
        assert sink.got_stalled.wait(timeout=120), "the scheduler never sent the 5th message"
        os.kill(victim.pid, signal.SIGKILL)
        victim.communicate(timeout=30)
        sink.release()
        after_kill = database_counts(database_url)[0]
        (inside,) = sink.message_ids()[stalled - 1:stalled]

        # Restarted a quarter of an hour later: the dead one's lease (10 minutes) has run out.
        sink.stall_data = None
        restarted = scheduler(database_url, NOW + timedelta(minutes=15),
                              outbox=tmp_path / "outbox", smtp_port=sink.port)
        output = finish(restarted)
        received = sink.message_ids()

    by_state, _, _ = database_counts(database_url)
    assert after_kill["sending"] == 1 and after_kill["sent"] == stalled - 1
    assert len(received) == patients == len(set(received))  # every reminder once, none twice
    assert by_state["sent"] == patients - 1 and by_state["unknown"] == 1
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            unknown = conn.execute(
                sa.select(Delivery.id, Reminder.patient_id)
                .join(Reminder, Reminder.id == Delivery.reminder_id)
                .where(Delivery.state == "unknown")
            ).one()
            told = conn.execute(
                sa.select(InboxMessage.title).where(
                    InboxMessage.patient_id == unknown.patient_id,
                    InboxMessage.topic == "email_unknown",
                )
            ).scalar_one()
    finally:
        engine.dispose()
    # The one left unknown is exactly the message the server got while the scheduler died.
    assert inside == f"<delivery-{unknown.id}@localhost>"
    assert told == "A reminder email may not have reached you"
    report(
        f"killed and restarted, {sa.make_url(database_url).get_backend_name()}",
        patients=patients, received=len(received), unknown=by_state["unknown"],
        sent=by_state["sent"], restart=output,
    )
