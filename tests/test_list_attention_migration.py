"""Migration 0011 (list attention): every live share link gets a stale row for the scheduler.

The migration uses no app code: it adds a row per live link marked as computed long ago,
holding no reason, and the scheduler's refresh (`refresh_past_attention`, or `flask
scheduler --once`) computes it (docs/clinic.md, Needs attention).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from diary.clinic.attention import refresh_past_attention
from diary.clinic.patient_list import NO_RECENT_ENTRY, reasons_of
from diary.extensions import db
from diary.models import CareLink, Clinic, PatientAttention, User
from tests.schema_rows import sample_row
from tests.test_migrations import empty_database_url, migration_app  # noqa: F401 (a fixture)

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


def test_the_upgrade_marks_a_row_per_live_link_stale_and_the_scheduler_computes_it(
        tmp_path, empty_database_url):  # noqa: F811 (the fixture imported above)
    with migration_app(tmp_path, empty_database_url):
        upgrade(revision="0010")  # the revision before
        with db.engine.begin() as conn:
            # Only the columns the users table has at this revision (later ones add more).
            present = {c["name"] for c in sa.inspect(conn).get_columns("users")}
            user = {k: v for k, v in sample_row(User.__table__).items() if k in present}
            conn.execute(sa.table("users", *map(sa.column, user)).insert().values(user))
            conn.execute(Clinic.__table__.insert().values(sample_row(Clinic.__table__)))
            link = sample_row(CareLink.__table__)
            conn.execute(CareLink.__table__.insert().values(link))  # revoked: every column filled
            conn.execute(CareLink.__table__.insert().values({**link, "id": 2, "revoked_at": None}))

        upgrade(revision="0011")

        table = PatientAttention.__table__
        rows = db.session.execute(sa.select(table)).mappings().all()
        assert [dict(r) for r in rows] == [{
            "clinic_id": 1, "patient_id": 1, "computed_on": date(2000, 1, 1),
            "next_due_on": None, "next_due_label": None, "reasons": 0,
        }]
        db.session.rollback()
        assert refresh_past_attention(NOW) == 1
        row = db.session.execute(sa.select(table)).mappings().one()
        assert row["computed_on"] == date(2026, 3, 10)
        assert reasons_of(row["reasons"]) == (NO_RECENT_ENTRY,)
        db.session.rollback()

        downgrade(revision="0010")
        assert "patient_attention" not in sa.inspect(db.engine).get_table_names()
