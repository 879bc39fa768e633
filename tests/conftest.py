"""Fixtures in the manner of Flask's tutorial: an app on a migrated database, client, runner, auth.

How the suite is built (docs/testing.md):
- the schema is migrated once per worker into a template database;
- one app is built per worker (building one costs 0.3-0.5 s, mostly its URL rules) and every
  test gets it back on a fresh copy of the template, with its own clock, instance folder and
  settings; what a test changed in the settings is put back after it;
- a test whose settings change how the app is built (TRUSTED_PROXIES wraps the WSGI app, the
  database URL fixes the engine) gets an app of its own;
- the route matrix's accounts and records are made once per worker and copied in per test.
A guard fails the run when the shared app or the matrix's records are built twice in a worker.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from hypothesis import HealthCheck, settings

from diary.app import create_app
from diary.extensions import db
from tests.reminders_support import SmtpSink, smtp_sink

# One profile for `make test` and CI alike, so a developer's run is never the slowest one;
# `make fuzz` (HYPOTHESIS_PROFILE=fuzz) explores five times deeper. A test's own
# @settings(max_examples=...) overrides the profile's count in every profile.
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "fuzz", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# A fixed moment for every test: Tuesday, 10 March 2026, 12:00 UTC.
DEFAULT_NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
# Settings that change what create_app builds, not only what a request reads: a test that
# overrides one of these gets an app of its own (Flask-Babel reads its catalogue folders once,
# when the app is built).
BUILD_TIME_SETTINGS = frozenset(
    {"TRUSTED_PROXIES", "SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "SQLALCHEMY_BINDS",
     "BABEL_TRANSLATION_DIRECTORIES"}
)


class FrozenClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, moment: datetime = DEFAULT_NOW) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        """Jump to a moment."""
        assert moment.tzinfo is not None, "the clock only holds aware datetimes"
        self.moment = moment

    def advance(self, **delta: float) -> None:
        """Move forward by a timedelta's keyword arguments."""
        self.moment = self.moment + timedelta(**delta)


class OncePerWorker:
    """Counts the costly builds of the shared fixtures and refuses a second one in a worker.

    This is the suite's time budget, kept without timing anything: a fixture made to rebuild
    the app (or the route matrix's records) per test fails at the second test, by name.
    """

    def __init__(self) -> None:
        self.builds: Counter[str] = Counter()

    def record(self, what: str) -> None:
        """Note one build of `what`; a second build in this worker fails the test that asked."""
        self.builds[what] += 1
        if self.builds[what] > 1:
            pytest.fail(
                f"{what} was built {self.builds[what]} times in one worker: the shared fixture "
                "must build it once per worker (docs/testing.md, The time budget)",
                pytrace=False,
            )


BUILDS = OncePerWorker()


def base_config(instance: Path, database_url: str) -> dict:
    """Settings shared by every test app."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_SERVER": None,
        "MAIL_OUTBOX": str(instance / "outbox"),
        "WTF_CSRF_ENABLED": False,
        # Cheap hashing in tests; production keeps argon2's memory-hard defaults.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        "ARGON2_PARALLELISM": 1,
    }


def postgres_url() -> str | None:
    """TEST_DATABASE_URL normalised to the psycopg 3 driver, or None."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return None
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def migrate_database(instance: Path, database_url: str) -> None:
    """Run every migration against a database."""
    app = create_app(base_config(instance, database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@dataclass
class TemplateDatabase:
    """Where the migrated schema lives for this worker."""

    kind: str  # "sqlite" or "postgresql"
    url: str
    path: Path | None = None


@pytest.fixture(scope="session")
def worker_name(worker_id: str) -> str:
    """This xdist worker's name ("gw0", ...), or "main" without xdist."""
    return worker_id if worker_id != "master" else "main"


@pytest.fixture(scope="session")
def template_database(tmp_path_factory, worker_name) -> Iterator[TemplateDatabase]:
    """Migrate once per worker; SQLite copies a file, PostgreSQL uses a fresh database.

    On PostgreSQL each worker creates its own database, named after the worker and a random
    part, so two workers or two runs on one server never meet; it is dropped at the end.
    """
    instance = tmp_path_factory.mktemp("template")
    pg = postgres_url()
    if pg:
        server = sa.make_url(pg)
        name = f"diary_test_{worker_name}_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = server.set(database=name).render_as_string(hide_password=False)
        try:
            migrate_database(instance, url)
            yield TemplateDatabase("postgresql", url)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    else:
        path = instance / "template.sqlite3"
        migrate_database(instance, f"sqlite:///{path}")
        yield TemplateDatabase("sqlite", f"sqlite:///{path}", path)


def fresh_database_url(template: TemplateDatabase, instance: Path) -> str:
    """A database for one test: a copy of the SQLite template, or the PostgreSQL one."""
    if template.kind == "sqlite":
        target = instance / "diary.sqlite3"
        shutil.copyfile(template.path, target)
        return f"sqlite:///{target}"
    return template.url


def copy_sqlite_file(source: Path, target: Path) -> None:
    """Lay a database file over another, with no write-ahead log of the old one left beside it."""
    for leftover in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(source, target)


def clear_database() -> None:
    """Empty every table (used between PostgreSQL tests and between fuzz examples)."""
    tables = [t.name for t in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
    db.session.commit()


@dataclass
class WorkerApp:
    """The worker's one app and the database file (SQLite) its engine was built on."""

    app: Flask
    database: Path | None
    template: TemplateDatabase

    def reset_database(self, source: Path | None = None) -> None:
        """Give the app a database as the template left it (or as `source` holds it).

        Flask-SQLAlchemy fixes the engine when the app is built, so the engine keeps its URL:
        its connections are closed and a copy is laid over the same file.
        """
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        if self.database is not None:
            copy_sqlite_file(source or self.template.path, self.database)


@pytest.fixture(scope="session")
def worker_app(template_database, tmp_path_factory) -> Iterator[WorkerApp]:
    """The app every test of this worker uses, built once."""
    BUILDS.record("the shared app")
    home = tmp_path_factory.mktemp("shared-app")
    database = home / "diary.sqlite3" if template_database.kind == "sqlite" else None
    url = f"sqlite:///{database}" if database else template_database.url
    shared = WorkerApp(create_app(base_config(home / "instance", url)), database, template_database)
    yield shared
    with shared.app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    """The app's clock, frozen at DEFAULT_NOW."""
    return FrozenClock()


@pytest.fixture
def app_config() -> dict:
    """Extra settings a test module may override."""
    return {}


@pytest.fixture
def app(worker_app, template_database, tmp_path, clock, app_config) -> Iterator[Flask]:
    """An app on its own migrated database, with a frozen clock.

    The worker's shared app, on a fresh database, with this test's instance folder, clock and
    settings; they are put back afterwards. Settings that change how the app is built get
    an app of their own.
    """
    instance = tmp_path / "instance"
    instance.mkdir()
    test_settings = {
        "INSTANCE_PATH": str(instance),
        "MAIL_OUTBOX": str(instance / "outbox"),
        "CLOCK": clock,
        **app_config,
    }
    if app_config.keys() & BUILD_TIME_SETTINGS:
        config = base_config(instance, fresh_database_url(template_database, instance))
        app = create_app(config | test_settings)
        yield app
        _empty_after_test(app, template_database)
        return

    app = worker_app.app
    worker_app.reset_database()
    saved_config, saved_instance = dict(app.config), app.instance_path
    app.instance_path = str(instance)
    app.config.update(test_settings)
    try:
        yield app
    finally:
        _empty_after_test(app, template_database)
        app.config.clear()
        app.config.update(saved_config)
        app.instance_path = saved_instance


def _empty_after_test(app: Flask, template: TemplateDatabase) -> None:
    """Close the test's connections; PostgreSQL's one database is emptied for the next test."""
    with app.app_context():
        if template.kind == "postgresql":
            clear_database()
        db.session.remove()
        db.engine.dispose()


@dataclass
class RouteMatrixSnapshot:
    """The route matrix's accounts and records, made once per worker, and a way to copy them in."""

    records: object  # tests.route_matrix.Records
    sqlite_file: Path | None
    rows: dict[str, list[dict]] | None

    def load_into(self, app: Flask) -> None:
        """Give the app's empty database exactly the rows the records were made with."""
        with app.app_context():
            if self.sqlite_file is not None:
                target = Path(db.engine.url.database)
                db.session.remove()
                db.engine.dispose()
                copy_sqlite_file(self.sqlite_file, target)
                return
            for table in db.metadata.sorted_tables:
                if self.rows[table.name]:
                    db.session.execute(table.insert(), self.rows[table.name])
            for table in db.metadata.sorted_tables:
                _restart_sequence_after_rows(table)
            db.session.commit()


def _restart_sequence_after_rows(table: sa.Table) -> None:
    """On PostgreSQL, let the next generated id follow the largest one copied in."""
    for column in table.primary_key.columns:
        if column.autoincrement is True or (
            column.autoincrement == "auto" and isinstance(column.type, sa.Integer)
        ):
            db.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                    f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
                )
            )


@pytest.fixture(scope="session")
def route_matrix_snapshot(worker_app, tmp_path_factory) -> RouteMatrixSnapshot:
    """The route matrix's records, built once per worker on the shared app and kept."""
    from tests.route_matrix import build_records

    BUILDS.record("the route matrix's records")
    home = tmp_path_factory.mktemp("route-matrix")
    app = worker_app.app
    saved_config, saved_instance = dict(app.config), app.instance_path
    worker_app.reset_database()
    app.instance_path = str(home)
    app.config.update(INSTANCE_PATH=str(home), MAIL_OUTBOX=str(home / "outbox"), CLOCK=FrozenClock())
    try:
        records = build_records(app, user_maker(app))
        if worker_app.database is not None:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            kept = home / "route-matrix.sqlite3"
            copy_sqlite_file(worker_app.database, kept)
            return RouteMatrixSnapshot(records, kept, None)
        with app.app_context():
            rows = {
                table.name: [dict(r._mapping) for r in db.session.execute(sa.select(table))]
                for table in db.metadata.sorted_tables
            }
            db.session.rollback()
        return RouteMatrixSnapshot(records, None, rows)
    finally:
        _empty_after_test(app, worker_app.template)
        app.config.clear()
        app.config.update(saved_config)
        app.instance_path = saved_instance


@pytest.fixture
def route_records(app, route_matrix_snapshot):
    """The route matrix's accounts of every role and the owner's records, in this test's
    database (tests/route_matrix.py, build_records)."""
    route_matrix_snapshot.load_into(app)
    return route_matrix_snapshot.records


@pytest.fixture
def client(app):
    """A test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def outbox(app) -> Path:
    """The folder where mail lands when no SMTP server is configured."""
    return Path(app.config["MAIL_OUTBOX"])


def user_maker(app: Flask) -> Callable[..., int]:
    """A function that creates an account through the app's own service; returns its id."""
    from diary.auth.services import create_user, mark_email_verified

    def make(
        email: str = "pat@example.org",
        *,
        role: str = "patient",
        password: str = PASSWORD,
        display_name: str = "Pat",
        timezone: str = "Europe/Berlin",
        clinic: str | None = None,
        verified: bool = True,
        **extra,
    ) -> int:
        with app.app_context():
            user = create_user(
                email=email,
                password=password,
                role=role,
                display_name=display_name,
                timezone=timezone,
                clinic_name=clinic,
                **extra,
            )
            if verified:
                mark_email_verified(user)
            return user.id

    return make


@pytest.fixture
def make_user(app) -> Callable[..., int]:
    """Create an account through the app's own service; returns its id."""
    return user_maker(app)


class AuthActions:
    """Log in and out through the real pages."""

    def __init__(self, client) -> None:
        self._client = client

    def login(self, email: str = "pat@example.org", password: str = PASSWORD):
        """Post the login form."""
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        """Post the logout form."""
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    """Login helper bound to the test client."""
    return AuthActions(client)


@pytest.fixture
def patient(make_user, auth) -> int:
    """A verified patient in Europe/Berlin, logged in; returns the id."""
    user_id = make_user()
    response = auth.login()
    assert response.status_code == 302, response.data
    return user_id


class Mailbox:
    """The messages the app wrote to its outbox, parsed, oldest first."""

    def __init__(self, outbox: Path) -> None:
        self.outbox = outbox

    def messages(self, to: str | None = None) -> list:
        """Every message so far, or those addressed to one recipient."""
        from email import policy
        from email.parser import BytesParser

        if not self.outbox.exists():
            return []
        parsed = [
            BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            for path in sorted(self.outbox.glob("*.eml"))
        ]
        return [m for m in parsed if to is None or m["To"] == to]

    def last(self, to: str | None = None):
        """The newest message (to one recipient)."""
        messages = self.messages(to)
        assert messages, f"no mail to {to or 'anyone'}"
        return messages[-1]

    @staticmethod
    def text(message) -> str:
        """The plain-text part."""
        return message.get_body(preferencelist=("plain",)).get_content()

    def link(self, message, path_prefix: str) -> str:
        """The first link in the text part whose path starts with the prefix, as a path."""
        import re
        from urllib.parse import urlsplit

        for url in re.findall(r"https?://\S+", self.text(message)):
            path = urlsplit(url).path
            if path.startswith(path_prefix):
                return path
        raise AssertionError(f"no {path_prefix} link in the message")


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port; a test file that mails
    through it points MAIL_SERVER and MAIL_PORT at it in its app_config."""
    with smtp_sink() as server:
        yield server


@pytest.fixture
def mailbox(outbox) -> Mailbox:
    """Read what the app mailed (the outbox of a test app without SMTP)."""
    return Mailbox(outbox)
