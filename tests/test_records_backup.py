"""`flask backup PATH`: a consistent, private copy of a running SQLite database, and its restore
(docs/data.md, Backups)."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from diary.app import create_app
from diary.extensions import db
from diary.journal.services import CheckInValues, save_check_in
from diary.models import CheckIn, PatientSummary, User
from tests.conftest import base_config
from tests.journal_helpers import TODAY, check_in


@pytest.fixture
def sqlite_only(template_database):
    """The command copies SQLite files; PostgreSQL is sent to pg_dump (tested below)."""
    if template_database.kind != "sqlite":
        pytest.skip("SQLite backup")


class Writer(threading.Thread):
    """Commits one check-in after another through the app's service until told to stop."""

    def __init__(self, app, patient_id: int) -> None:
        super().__init__(daemon=True)
        self.app, self.patient_id = app, patient_id
        self.committed: list = []
        self.lock = threading.Lock()
        self.started_writing = threading.Event()
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.app.app_context():
                patient = db.session.get(User, self.patient_id)
                for back in range(1, 3000):
                    if self.stop.is_set():
                        return
                    day = TODAY - timedelta(days=back)
                    save_check_in(patient, patient, CheckInValues(day=day, spasm_count=back % 30))
                    with self.lock:
                        self.committed.append(day)
                    if len(self.committed) >= 50:
                        self.started_writing.set()
        except BaseException as error:  # reported by the test
            self.error = error
            self.started_writing.set()
        finally:
            self.started_writing.set()

    def committed_so_far(self) -> set:
        with self.lock:
            return set(self.committed)


@pytest.mark.usefixtures("sqlite_only")
def test_a_backup_taken_during_writes_is_whole_and_consistent(app, runner, make_user, tmp_path):
    patient = make_user("pat@example.org")
    writer = Writer(app, patient)
    writer.start()
    writer.started_writing.wait(timeout=60)
    committed_before = writer.committed_so_far()
    target = tmp_path / "backup.sqlite3"

    result = runner.invoke(args=["backup", str(target)])

    writer.stop.set()
    writer.join(timeout=60)
    assert writer.error is None, writer.error
    assert result.exit_code == 0, result.output
    assert "integrity check: ok" in result.output
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    days = {r[0] for r in copy.execute("SELECT day FROM check_ins WHERE patient_id = ?", (patient,))}
    assert {d.isoformat() for d in committed_before} <= days
    # Each save writes the check-in and the summary together: the copy holds both or neither.
    (last_entry,) = copy.execute(
        "SELECT last_entry FROM patient_summaries WHERE patient_id = ?", (patient,)).fetchone()
    assert last_entry == max(days)
    copy.close()


@pytest.mark.usefixtures("sqlite_only")
def test_the_backup_is_private_from_the_start(app, runner, make_user, tmp_path):
    make_user()
    target = tmp_path / "backup.sqlite3"
    old_umask = os.umask(0o000)  # even a careless umask gives no one else access
    try:
        result = runner.invoke(args=["backup", str(target)])
    finally:
        os.umask(old_umask)

    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not list(tmp_path.glob(".*partial"))


@pytest.mark.usefixtures("sqlite_only")
def test_an_existing_file_is_kept_unless_forced(app, runner, make_user, tmp_path):
    make_user()
    target = tmp_path / "backup.sqlite3"
    target.write_bytes(b"precious")

    refused = runner.invoke(args=["backup", str(target)])

    assert refused.exit_code != 0
    assert "--force" in refused.output
    assert target.read_bytes() == b"precious"
    forced = runner.invoke(args=["backup", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert sqlite3.connect(target).execute("SELECT count(*) FROM users").fetchone() == (1,)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.mark.usefixtures("sqlite_only")
def test_a_missing_folder_is_a_clear_error(app, runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "nowhere" / "backup.sqlite3")])

    assert result.exit_code != 0
    assert "does not exist" in result.output


@pytest.mark.usefixtures("sqlite_only")
def test_restore_is_copy_into_place_then_upgrade(app, runner, make_user, tmp_path):
    patient = make_user("pat@example.org")
    check_in(app, patient, TODAY, 5)
    target = tmp_path / "backup.sqlite3"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0

    # docs/data.md: stop the app, copy the file into place, run `flask db upgrade`.
    instance = tmp_path / "restored"
    instance.mkdir()
    restored = instance / "diary.sqlite3"
    restored.write_bytes(target.read_bytes())
    app2 = create_app(base_config(instance, f"sqlite:///{restored}"))
    with app2.app_context():
        upgrade()
        assert db.session.scalar(sa.select(User.email)) == "pat@example.org"
        assert db.session.scalar(sa.select(CheckIn.spasm_count)) == 5
        assert db.session.get(PatientSummary, patient) is not None
        db.engine.dispose()


def test_postgresql_is_explained_and_refused(app, runner, tmp_path, monkeypatch, template_database):
    from diary.records import backup

    class PostgresEngine:
        url = sa.make_url("postgresql+psycopg://diary@db/diary")

    if template_database.kind == "sqlite":  # on a PostgreSQL run, the real engine answers
        monkeypatch.setattr(backup, "db", type("DB", (), {"engine": PostgresEngine()}))
    result = runner.invoke(args=["backup", str(tmp_path / "x")])

    assert result.exit_code == 2
    assert "pg_dump" in result.output and "pg_restore" in result.output
    assert not Path(tmp_path / "x").exists()
