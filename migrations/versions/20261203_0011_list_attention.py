"""list attention: each share link's next suggested visit and needs-attention reasons, stored

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 14:00:00

What it does (docs/clinic.md, Needs attention):
- patient_attention: one row per clinic and patient with the next visit the clinic's
  schedule suggests (next_due_on, next_due_label) and the needs-attention reasons as a
  bitmask (bit i is diary.clinic.patient_list.REASONS[i]), so that the clinic's list sorts,
  filters and pages in SQL. The next visit needs calendar-month arithmetic on each clinic's
  schedule, which SQL cannot do portably, so it is computed by the app and kept here.
- the backfill: a row for every live share link, marked as computed long ago and holding
  no reason. The migration uses no app code (the rule lives in the app and may change
  after this file is written): the scheduler's next ticks (oldest rows first), or
  `flask scheduler --once` right after the upgrade, compute every row. Until then those
  patients show no reason and sort with the rest.
"""
from datetime import date

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# Before any computed_on the app writes: refresh_past_attention takes the row first.
LONG_AGO = date(2000, 1, 1)


def upgrade():
    op.create_table(
        'patient_attention',
        sa.Column('clinic_id', sa.Integer(), nullable=False),
        sa.Column('patient_id', sa.Integer(), nullable=False),
        sa.Column('computed_on', sa.Date(), nullable=False),
        sa.Column('next_due_on', sa.Date(), nullable=True),
        sa.Column('next_due_label', sa.String(length=60), nullable=True),
        sa.Column('reasons', sa.Integer(), nullable=False),
        sa.CheckConstraint('reasons BETWEEN 0 AND 63',
                           name=op.f('ck_patient_attention_reasons_known')),
        sa.CheckConstraint('(next_due_on IS NULL) = (next_due_label IS NULL)',
                           name=op.f('ck_patient_attention_next_due_labelled')),
        sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'],
                                name=op.f('fk_patient_attention_clinic_id_clinics'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['patient_id'], ['users.id'],
                                name=op.f('fk_patient_attention_patient_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('clinic_id', 'patient_id', name=op.f('pk_patient_attention')),
    )
    with op.batch_alter_table('patient_attention', schema=None) as batch_op:
        batch_op.create_index('ix_patient_attention_patient', ['patient_id'], unique=False)
    # A typed date, not a string: PostgreSQL will not put text into a date column.
    links = sa.table('care_links', sa.column('clinic_id'), sa.column('patient_id'),
                     sa.column('revoked_at'))
    attention = sa.table('patient_attention', sa.column('clinic_id'), sa.column('patient_id'),
                         sa.column('computed_on', sa.Date()), sa.column('reasons'))
    live = (
        sa.select(links.c.clinic_id, links.c.patient_id,
                  sa.literal(LONG_AGO, sa.Date()), sa.literal(0, sa.Integer()))
        .where(links.c.revoked_at.is_(None)).distinct()
    )
    op.get_bind().execute(attention.insert().from_select(
        ['clinic_id', 'patient_id', 'computed_on', 'reasons'], live))


def downgrade():
    with op.batch_alter_table('patient_attention', schema=None) as batch_op:
        batch_op.drop_index('ix_patient_attention_patient')
    op.drop_table('patient_attention')
