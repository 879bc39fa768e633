"""Migration 0013 (patient identity): existing accounts keep their name whole and are found.

The surname and the date of birth stay empty (a name is never split into parts), and every
account's search key is filled, so the clinic's search finds patients who registered before
the upgrade (docs/clinic.md, Searching the list).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from diary.extensions import db
from tests.test_migrations import empty_database_url, migration_app  # noqa: F401 (a fixture)

MOMENT = datetime(2026, 3, 1, 8, 30)


def insert_account(conn, user_id: int, name: str) -> None:
    """An account as revision 0009 stored it."""
    conn.execute(sa.text(
        "INSERT INTO users (id, email, password_hash, display_name, role, timezone, active, "
        "token_key, public_id, pseudonym, created_at, updated_at) "
        "VALUES (:id, :email, 'x', :name, 'patient', 'Europe/Berlin', :yes, :key, :public, :ref, :at, :at)"
    ), {"id": user_id, "email": f"u{user_id}@example.org", "name": name, "yes": True,
        "key": f"key-{user_id}", "public": f"public-{user_id}", "ref": f"u-{user_id:016d}", "at": MOMENT})


def test_existing_names_stay_whole_and_get_a_search_key(tmp_path, empty_database_url):  # noqa: F811
    with migration_app(tmp_path, empty_database_url):
        upgrade(revision="0012")
        with db.engine.begin() as conn:
            insert_account(conn, 1, "Jürgen Weber")
            insert_account(conn, 2, "ÅSA")

        upgrade(revision="0013")
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT id, display_name, family_name, birth_date, name_search FROM users ORDER BY id"
            )).all()
        assert [tuple(r) for r in rows] == [
            (1, "Jürgen Weber", None, None, "jurgen weber"),
            (2, "ÅSA", None, None, "asa"),
        ]

        downgrade(revision="0012")
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("users")}
            assert not {"family_name", "birth_date", "name_search"} & columns
            assert "clinic_patient_records" not in sa.inspect(conn).get_table_names()
            assert conn.execute(sa.text("SELECT display_name FROM users ORDER BY id")).scalars().all() == [
                "Jürgen Weber", "ÅSA"]


def test_on_sqlite_a_deleted_account_id_stays_unused_through_the_upgrade(tmp_path):
    """The upgrade recreates users on SQLite; it stays AUTOINCREMENT with its sequence kept."""
    with migration_app(tmp_path, f"sqlite:///{tmp_path / 'ids.sqlite3'}"):
        upgrade(revision="0012")
        with db.engine.begin() as conn:
            insert_account(conn, 3, "Three")
            insert_account(conn, 8, "Eight")
            conn.execute(sa.text("DELETE FROM users WHERE id = 8"))

        upgrade(revision="0013")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO users (email, password_hash, display_name, role, timezone, active, "
                "token_key, public_id, pseudonym, created_at, updated_at) VALUES ('new@example.org', "
                "'x', 'New', 'patient', 'UTC', 1, 'k', 'p', 'u-new', :at, :at)"), {"at": MOMENT})
            new_id = conn.execute(sa.text("SELECT id FROM users WHERE display_name = 'New'")).scalar_one()
        assert new_id == 9
