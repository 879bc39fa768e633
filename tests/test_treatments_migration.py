"""Migration 0002: treatments go down and up again, and their revisions go with them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from diary.app import create_app
from diary.extensions import db
from tests.conftest import base_config

MOMENT = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)


def test_downgrade_removes_treatments_and_their_revisions_and_keeps_the_diarys(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    app = create_app(base_config(instance, f"sqlite:///{tmp_path / 'migrate.sqlite3'}"))
    metadata = db.metadata
    users, injections, revisions = (
        metadata.tables["users"],
        metadata.tables["injections"],
        metadata.tables["entry_revisions"],
    )
    with app.app_context():
        try:
            upgrade()
            with db.engine.begin() as conn:
                conn.execute(
                    users.insert().values(
                        id=1,
                        email="pat@example.org",
                        password_hash="x",
                        display_name="Pat",
                        role="patient",
                        timezone="Europe/Berlin",
                        active=True,
                        created_at=MOMENT,
                        updated_at=MOMENT,
                    )
                )
                conn.execute(
                    injections.insert().values(
                        id=1,
                        patient_id=1,
                        injected_on=date(2026, 3, 1),
                        product="onabotulinumtoxinA",
                        side_effects=[],
                        created_at=MOMENT,
                        updated_at=MOMENT,
                        retrospective=False,
                    )
                )
                for entry_type in ("check_in", "injection"):
                    conn.execute(
                        revisions.insert().values(
                            patient_id=1,
                            entry_type=entry_type,
                            entry_id=1,
                            action="delete",
                            before={},
                            changed_at=MOMENT,
                        )
                    )

            downgrade(revision="0001")
            with db.engine.connect() as conn:
                assert "injections" not in sa.inspect(conn).get_table_names()
                kept = conn.execute(sa.text("SELECT entry_type FROM entry_revisions")).scalars()
                assert list(kept) == ["check_in"]
            # The old CHECK is back: a treatment revision is refused again.
            refused = False
            try:
                with db.engine.begin() as conn:
                    conn.execute(
                        revisions.insert().values(
                            patient_id=1,
                            entry_type="surgery",
                            entry_id=1,
                            action="delete",
                            before={},
                            changed_at=MOMENT,
                        )
                    )
            except sa.exc.IntegrityError:
                refused = True
            assert refused

            upgrade()
            with db.engine.connect() as conn:
                assert conn.execute(sa.select(sa.func.count()).select_from(revisions)).scalar() == 1
        finally:
            db.session.remove()
            db.engine.dispose()
