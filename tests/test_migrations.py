"""Migrations: every step goes down and up again with rows in every table and loses none.

Each test migrates a database of its own: a new SQLite file, or a new PostgreSQL database on
the server of TEST_DATABASE_URL, dropped afterwards.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import Script, ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade

from diary import PROJECT_ROOT
from diary.app import create_app
from diary.extensions import db
from tests.conftest import base_config, postgres_url
from tests.schema_rows import RETIRED_COLUMNS, SAMPLE_OVERRIDES, sample_row

Snapshot = dict[str, dict[str, Any]]


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    """A database with no tables: a new SQLite file, or a new PostgreSQL database."""
    server_url = postgres_url()
    if not server_url:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    server = sa.make_url(server_url)
    name = f"diary_migrations_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def migration_app(tmp_path: Path, database_url: str) -> Iterator[None]:
    """An app context on the database, its engine disposed afterwards."""
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    app = create_app(base_config(instance, database_url))
    with app.app_context():
        try:
            yield
        finally:
            db.session.remove()
            db.engine.dispose()


def script_directory(directory: str | None = None) -> ScriptDirectory:
    """The Alembic scripts the app migrates with."""
    config = current_app.extensions["migrate"].migrate.get_config(directory)
    return ScriptDirectory.from_config(config)


def revisions_base_to_head() -> list[Script]:
    """Every revision, oldest first."""
    return list(reversed(list(script_directory().walk_revisions("base", "heads"))))


def snapshot() -> Snapshot:
    """Columns and rows of every model table that exists in the database now."""
    with db.engine.connect() as conn:
        inspector = sa.inspect(conn)
        existing = set(inspector.get_table_names())
        result: Snapshot = {}
        for table in db.metadata.sorted_tables:
            if table.name not in existing:
                continue
            present = {c["name"] for c in inspector.get_columns(table.name)}
            columns = [c for c in table.columns if c.name in present]
            # A column the models have dropped since is compared too while the revision has it.
            columns += [sa.column(name) for name in RETIRED_COLUMNS.get(table.name, {})
                        if name in present]
            order = [c for c in table.primary_key.columns if c.name in present]
            rows = conn.execute(
                sa.select(*columns).select_from(table).order_by(*order)).mappings().all()
            result[table.name] = {"columns": {c.name for c in columns},
                                  "rows": [dict(r) for r in rows]}
        return result


def fill_empty_tables() -> None:
    """Give every model table that exists and is empty its sample row (parents first)."""
    state = snapshot()
    with db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in state and not state[table.name]["rows"]:
                present = state[table.name]["columns"]
                row = {k: v for k, v in sample_row(table).items() if k in present}
                # Only the columns this revision has: the model's defaults would name newer ones;
                # and the ones it has that the models have dropped since.
                retired = {k: v for k, v in RETIRED_COLUMNS.get(table.name, {}).items()
                           if k in present}
                older = sa.table(
                    table.name,
                    *(sa.column(c.name, c.type) for c in table.columns if c.name in row),
                    *(sa.column(name) for name in retired),
                )
                conn.execute(older.insert().values(row | retired))


def assert_rows_kept(earlier: Snapshot, later: Snapshot, *, only_columns: Snapshot | None = None):
    """Every table in both snapshots has the same rows, compared on the shared columns."""
    for name in earlier.keys() & later.keys():
        shared = earlier[name]["columns"] & later[name]["columns"]
        if only_columns is not None:
            if name not in only_columns:
                continue  # created by the step itself: its rows cannot come back
            shared &= only_columns[name]["columns"]
        before = [{k: row[k] for k in shared} for row in earlier[name]["rows"]]
        after = [{k: row[k] for k in shared} for row in later[name]["rows"]]
        assert len(after) == len(before), f"{name}: {len(before)} rows became {len(after)}"
        assert after == before, f"{name}: values changed"


def pending_schema_differences() -> list:
    """What autogenerate would write into a new migration; empty when models match."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, db.metadata)


def test_every_table_has_a_sample_row():
    tables = set(db.metadata.tables)
    assert tables, "the models were not imported"
    missing = tables - SAMPLE_OVERRIDES.keys()
    stale = SAMPLE_OVERRIDES.keys() - tables
    assert not missing, f"add these tables to SAMPLE_OVERRIDES in tests/schema_rows.py: {missing}"
    assert not stale, f"SAMPLE_OVERRIDES names tables that no longer exist: {stale}"
    for table in db.metadata.sorted_tables:
        row = sample_row(table)
        assert set(row) == set(table.columns.keys())
        assert all(value is not None for value in row.values()), table.name


def test_history_is_one_line_from_base_to_head(tmp_path):
    with migration_app(tmp_path, f"sqlite:///{tmp_path / 'unused.sqlite3'}"):
        scripts = script_directory()
        revisions = revisions_base_to_head()
    assert len(scripts.get_heads()) == 1, "merge the heads: the step walk needs one line"
    assert len(scripts.get_bases()) == 1
    for older, newer in zip([None, *revisions], revisions, strict=False):
        assert newer.down_revision == (older.revision if older else None)


def test_each_step_down_and_up_again_keeps_every_row(tmp_path, empty_database_url):
    """Walk base to head; at each revision, with rows in every table, go down one and back."""
    with migration_app(tmp_path, empty_database_url):
        for script in revisions_base_to_head():
            upgrade(revision=script.revision)
            fill_empty_tables()
            at_revision = snapshot()
            assert all(t["rows"] for t in at_revision.values()), "a table has no row"

            downgrade(revision=script.down_revision or "base")
            below = snapshot()
            assert_rows_kept(at_revision, below)

            upgrade(revision=script.revision)
            again = snapshot()
            assert_rows_kept(below, again)
            assert_rows_kept(at_revision, again, only_columns=below)

        assert pending_schema_differences() == []


def test_down_to_base_and_up_again_rebuilds_the_same_schema(tmp_path, empty_database_url):
    with migration_app(tmp_path, empty_database_url):
        upgrade()
        fill_empty_tables()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}

        upgrade()
        assert pending_schema_differences() == []
        fill_empty_tables()
        assert all(len(t["rows"]) == 1 for t in snapshot().values())


def test_models_and_migrations_agree(app):
    """No pending autogenerate difference against the migrated test database."""
    with app.app_context():
        assert pending_schema_differences() == []


# SQLite's foreign-key guard in migrations/env.py. A batch migration recreates a table (copy,
# drop, rename); dropping "users" with foreign keys on would cascade into every child table.

RECREATE_USERS = '''"""Recreate users in batch mode, as any SQLite column change does."""
from alembic import op

revision = "recreate_users_probe"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", recreate="always"):
        pass


def downgrade():
    with op.batch_alter_table("users", recreate="always"):
        pass
'''

# Tables whose rows go when their user goes: the ones a dropped "users" table would empty.
CASCADING_CHILDREN_OF_USERS = {
    key.parent.table.name
    for table in db.metadata.sorted_tables
    for key in table.foreign_keys
    if key.column.table.name == "users" and key.ondelete == "CASCADE"
}

sqlite_only = pytest.mark.skipif(
    postgres_url() is not None,
    reason="the foreign-key pragma guard is SQLite's; PostgreSQL alters tables in place",
)


def migrations_with_users_recreation(tmp_path: Path, head: str) -> str:
    """A copy of migrations/ with one more revision that recreates the users table."""
    directory = tmp_path / "migrations"
    shutil.copytree(
        PROJECT_ROOT / "migrations", directory, ignore=shutil.ignore_patterns("__pycache__")
    )
    (directory / "versions" / "9999_recreate_users_probe.py").write_text(
        RECREATE_USERS.format(head=head)
    )
    return str(directory)


@sqlite_only
def test_batch_recreating_users_keeps_their_children(tmp_path, empty_database_url):
    with migration_app(tmp_path, empty_database_url):
        head = script_directory().get_current_head()
        directory = migrations_with_users_recreation(tmp_path, head)
        upgrade(directory=directory, revision=head)
        fill_empty_tables()
        before = snapshot()

        upgrade(directory=directory, revision="recreate_users_probe")
        assert_rows_kept(before, snapshot())
        downgrade(directory=directory, revision=head)
        assert_rows_kept(before, snapshot())

        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1, (
                "a pooled connection came back from the migration without foreign keys"
            )


@sqlite_only
def test_without_the_guard_recreating_users_empties_their_children(tmp_path, empty_database_url):
    """The hazard the guard exists for, so the test above is known to be able to fail."""
    with migration_app(tmp_path, empty_database_url):
        upgrade()
        fill_empty_tables()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            conn.commit()
            operations = Operations(MigrationContext.configure(conn))
            with conn.begin(), operations.batch_alter_table("users", recreate="always"):
                pass
        after = snapshot()
    assert after["users"]["rows"]
    assert CASCADING_CHILDREN_OF_USERS
    emptied = {name for name in CASCADING_CHILDREN_OF_USERS if not after[name]["rows"]}
    assert emptied == CASCADING_CHILDREN_OF_USERS
