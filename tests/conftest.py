"""Fixtures in the manner of Flask's tutorial: an app on a migrated database, client, runner, auth.

The schema is migrated once per session into a template; every test gets its own copy
(SQLite) or a truncated database (PostgreSQL, when TEST_DATABASE_URL is set).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from hypothesis import HealthCheck, settings

from diary import create_app
from diary.extensions import db

settings.register_profile(
    "dev", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# CI runs on 2 cores inside a time limit; 200 examples per form still explores well.
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# A fixed moment for every test: Tuesday 10 March 2026, 12:00 UTC.
DEFAULT_NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


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
    """Where the migrated schema lives for this test session."""

    kind: str  # "sqlite" or "postgresql"
    url: str
    path: Path | None = None


@pytest.fixture(scope="session")
def template_database(tmp_path_factory) -> Iterator[TemplateDatabase]:
    """Migrate once per session; SQLite copies a file, PostgreSQL uses a fresh database."""
    instance = tmp_path_factory.mktemp("template")
    pg = postgres_url()
    if pg:
        server = sa.make_url(pg)
        name = f"diary_test_{uuid.uuid4().hex[:12]}"
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


def clear_database() -> None:
    """Empty every table (used between PostgreSQL tests and between fuzz examples)."""
    tables = [t.name for t in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def clock() -> FrozenClock:
    """The app's clock, frozen at DEFAULT_NOW."""
    return FrozenClock()


@pytest.fixture
def app_config() -> dict:
    """Extra settings a test module may override."""
    return {}


@pytest.fixture
def app(template_database, tmp_path, clock, app_config) -> Iterator[Flask]:
    """An app on its own migrated database, with a frozen clock."""
    instance = tmp_path / "instance"
    instance.mkdir()
    config = base_config(instance, fresh_database_url(template_database, instance))
    config["CLOCK"] = clock
    config.update(app_config)
    app = create_app(config)
    yield app
    with app.app_context():
        if template_database.kind == "postgresql":
            clear_database()
        db.session.remove()
        db.engine.dispose()


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


@pytest.fixture
def make_user(app):
    """Create an account through the app's own service; returns its id."""
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
def mailbox(outbox) -> Mailbox:
    """Read what the app mailed (the outbox of a test app without SMTP)."""
    return Mailbox(outbox)
