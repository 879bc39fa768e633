"""Migration 0006 (identities): existing accounts keep what exports and audit rows said of them.

Earlier FHIR exports named a patient by the row id (Patient.identifier) and by uuid5 of
"patient/<row id>" (the Patient's id); the audit trail by an HMAC of the row id. After the
upgrade the same account exports and is audited under the same names, every session and link
issued before has ended, and on SQLite no id is handed out again (docs/security.md).
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from flask_migrate import upgrade

from diary.extensions import db
from diary.models import User
from diary.records.fhir import patient_bundle
from tests.test_migrations import empty_database_url, migration_app  # noqa: F401 (a fixture)

MOMENT = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def earlier_patient_id(patient_id: int) -> str:
    """The Patient resource id an export made before the upgrade."""
    installation = uuid.uuid5(uuid.NAMESPACE_URL, current_app.config["PUBLIC_BASE_URL"] + "/fhir")
    return str(uuid.uuid5(installation, f"patient/{patient_id}"))


def earlier_pseudonym(patient_id: int) -> str:
    """The audit pseudonym before the upgrade: an HMAC of the row id under the secret key."""
    key = current_app.config["SECRET_KEY"].encode()
    return "u-" + hmac.new(key, f"user:{patient_id}".encode(), hashlib.sha256).hexdigest()[:16]


def insert_account_before_the_upgrade(conn, user_id: int, email: str) -> None:
    conn.execute(sa.text(
        "INSERT INTO users (id, email, password_hash, display_name, role, timezone, "
        "session_version, active, created_at, updated_at) "
        "VALUES (:id, :email, 'x', 'Pat', 'patient', 'Europe/Berlin', 4, :yes, :at, :at)"
    ), {"id": user_id, "email": email, "yes": True, "at": MOMENT.replace(tzinfo=None)})
    conn.execute(sa.text(
        "INSERT INTO reminders (patient_id, kind, enabled, by_email, in_app, send_minute, "
        "weekdays, cadence, weeks_after, notice_days, created_at, updated_at) "
        "VALUES (:id, 'check_in', :yes, :yes, :yes, 1200, 127, 'daily', 12, 7, :at, :at)"
    ), {"id": user_id, "yes": True, "at": MOMENT.replace(tzinfo=None)})


def test_existing_accounts_keep_their_export_ids_and_audit_pseudonym(
        tmp_path, empty_database_url):  # noqa: F811 (the fixture imported above)
    with migration_app(tmp_path, empty_database_url):
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            insert_account_before_the_upgrade(conn, 3, "three@example.org")
            insert_account_before_the_upgrade(conn, 8, "eight@example.org")
            conn.execute(sa.text(
                "INSERT INTO audit_events (at, action, patient_id, patient_ref) "
                "VALUES (:at, 'view_review', 3, :ref)"
            ), {"at": MOMENT.replace(tzinfo=None), "ref": earlier_pseudonym(3)})

        upgrade()

        three = db.session.get(User, 3)
        assert three.public_id == "3" and three.pseudonym == earlier_pseudonym(3)
        bundle = patient_bundle(3)
        patient = bundle["entry"][0]["resource"]
        assert patient["id"] == earlier_patient_id(3)
        assert patient["identifier"][0]["value"] == "3"
        # The audit trail's earlier rows and its next ones name the account alike.
        refs = db.session.scalars(sa.text("SELECT DISTINCT patient_ref FROM audit_events")).all()
        assert refs == [three.pseudonym]
        # Every account and reminder has a random key of its own.
        keys = db.session.execute(sa.text("SELECT token_key FROM users")).scalars().all()
        unsubscribe = db.session.execute(
            sa.text("SELECT unsubscribe_key FROM reminders")).scalars().all()
        assert len(set(keys + unsubscribe)) == 4 and all(len(k) == 43 for k in keys + unsubscribe)
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("users")}
        assert "session_version" not in columns


def test_on_sqlite_a_deleted_id_is_not_handed_out_after_the_upgrade(tmp_path):
    with migration_app(tmp_path, f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"):
        upgrade(revision="0005")
        with db.engine.begin() as conn:
            insert_account_before_the_upgrade(conn, 3, "three@example.org")
            insert_account_before_the_upgrade(conn, 8, "eight@example.org")

        upgrade()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM users WHERE id = 8"))
            conn.execute(sa.text(
                "INSERT INTO users (email, password_hash, display_name, role, timezone, active, "
                "token_key, public_id, pseudonym, created_at, updated_at) VALUES "
                "('new@example.org', 'x', 'New', 'patient', 'UTC', 1, 'k', 'p', 'u-new', :at, :at)"
            ), {"at": MOMENT.replace(tzinfo=None)})
            new_id = conn.execute(
                sa.text("SELECT id FROM users WHERE email = 'new@example.org'")).scalar_one()

        assert new_id == 9
