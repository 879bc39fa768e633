"""patient-visible notes: a clinician may let the patient read an assessment's note

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 14:00:00

What it does (docs/report.md, The patient's summary):
- assessments.note_visible_to_patient: whether the patient sees the assessment's note on
  their trajectory page and their printable summary. The visit date, the clinic and the
  class the clinician judged are always the patient's to see; the note was written for
  colleagues, so it stays the clinic's unless the clinician ticks the box. Every assessment
  recorded before this migration keeps its note from the patient (false), since nobody
  wrote it to be read by them.

On SQLite the table is recreated; it stays AUTOINCREMENT and its sqlite_sequence keeps the
largest id ever handed out, so no id is handed out again (migration 0006).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _largest_id(bind) -> int:
    """SQLite: the largest assessment id ever handed out (0 when none)."""
    seq = bind.exec_driver_sql(
        "SELECT seq FROM sqlite_sequence WHERE name = 'assessments'").scalar()
    return seq or 0


def _restore_largest_id(bind, earlier: int) -> None:
    """SQLite: recreating the table sets its sequence to the largest id still there; put
    back the largest ever handed out, so a deleted assessment's id stays unused."""
    kept = max(earlier, _largest_id(bind))
    bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = 'assessments'")
    bind.exec_driver_sql(
        "INSERT INTO sqlite_sequence (name, seq) VALUES ('assessments', ?)", (kept,))


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    earlier = _largest_id(bind) if sqlite else 0
    with op.batch_alter_table('assessments', schema=None,
                              table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.add_column(sa.Column(
            'note_visible_to_patient',
            sa.Boolean(create_constraint=True, name='note_visible_to_patient_bool'),
            server_default=sa.false(),
            nullable=False,
        ))
    if sqlite:
        _restore_largest_id(bind, earlier)


def downgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    earlier = _largest_id(bind) if sqlite else 0
    with op.batch_alter_table('assessments', schema=None,
                              table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        # The Boolean's CHECK exists on SQLite only: PostgreSQL has a boolean type.
        if sqlite:
            batch_op.drop_constraint(batch_op.f('ck_assessments_note_visible_to_patient_bool'),
                                     type_='check')
        batch_op.drop_column('note_visible_to_patient')
    if sqlite:
        _restore_largest_id(bind, earlier)
