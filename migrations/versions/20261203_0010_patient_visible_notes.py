"""patient-visible notes: a clinician may let the patient read an assessment's note

Revision ID: 0010
Revises: 0012
Create Date: 2026-12-03 14:00:00

What it does (docs/report.md, The patient's summary):
- assessments.note_visible_to_patient: whether the patient sees the assessment's note on
  their trajectory page and their printable summary. The visit date, the clinic and the
  class the clinician judged are always the patient's to see; the note was written for
  colleagues, so it stays the clinic's unless the clinician ticks the box. Every assessment
  recorded before this migration keeps its note from the patient (false), since nobody
  wrote it to be read by them.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'note_visible_to_patient',
            sa.Boolean(create_constraint=True, name='note_visible_to_patient_bool'),
            server_default=sa.false(),
            nullable=False,
        ))


def downgrade():
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        # The Boolean's CHECK exists on SQLite only: PostgreSQL has a boolean type.
        if op.get_bind().dialect.name == 'sqlite':
            batch_op.drop_constraint(batch_op.f('ck_assessments_note_visible_to_patient_bool'),
                                     type_='check')
        batch_op.drop_column('note_visible_to_patient')
