"""A fresh database for one benchmark run: a SQLite file in a temporary folder, or a new
PostgreSQL database on the server DATABASE_URL points at, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa


def normalised(url: str) -> str:
    """A PostgreSQL URL with the psycopg 3 driver, as the app's config builds it."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


@contextmanager
def fresh_database(server_url: str | None, folder: Path) -> Iterator[str]:
    """Yield the URL of an empty database that is removed when the run ends.

    Without a PostgreSQL URL, a SQLite file under `folder`. With one, a database named
    diary_bench_<random> created on that server (so two runs never collide) and dropped
    WITH (FORCE) at the end, whatever happened in between.
    """
    if not server_url or not normalised(server_url).startswith("postgresql"):
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    server = sa.make_url(normalised(server_url))
    name = f"diary_bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def describe(url: str) -> str:
    """The database for the report, without a password."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database}"
    return f"PostgreSQL {parsed.render_as_string(hide_password=True)}"
