"""reference baseline: change is never measured against a toxin-suppressed window alone

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 13:00:00

What it does (docs/trajectory.md, Which baseline is used):
- patient_summaries.window_mean: the 28 days before surgery as logged, kept beside the
  baseline change is measured against, so a suppressed window is shown, marked, not used;
- patient_summaries.baseline_source may be 'untreated', and outcome may be one of the classes
  that say what is missing ('baseline_suppressed', 'no_baseline', 'no_surgery');
- every summary row is marked as computed long ago, so the scheduler's next tick (or
  `flask scheduler --once`) recomputes it under the new rule. Until then a row shows what it
  showed before the upgrade.
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

RANKED = "'spasm_free', 'reduced_90', 'reduced_50', 'unchanged_or_worse'"
OUTCOMES_BEFORE = f"outcome IN ({RANKED}, 'not_enough_data')"
OUTCOMES_AFTER = (f"outcome IN ({RANKED}, 'baseline_suppressed', 'no_baseline', 'no_surgery', "
                  "'not_enough_data')")
SOURCES_BEFORE = "baseline_source IS NULL OR baseline_source IN ('diary', 'clinician')"
SOURCES_AFTER = ("baseline_source IS NULL OR baseline_source IN "
                 "('diary', 'untreated', 'clinician')")
# Before any computed_on the app writes: refresh_past_summaries takes the row first.
LONG_AGO = "2000-01-01"


def _replace_checks(outcomes: str, sources: str) -> None:
    with op.batch_alter_table('patient_summaries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_patient_summaries_outcome_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_patient_summaries_outcome_known'), outcomes)
        batch_op.drop_constraint(batch_op.f('ck_patient_summaries_baseline_source_known'),
                                 type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_patient_summaries_baseline_source_known'),
                                         sources)


def upgrade():
    with op.batch_alter_table('patient_summaries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('window_mean', sa.Float(), nullable=True))
    _replace_checks(OUTCOMES_AFTER, SOURCES_AFTER)
    op.execute(f"UPDATE patient_summaries SET computed_on = '{LONG_AGO}'")


def downgrade():
    # The earlier rule's nearest values; the scheduler recomputes every row under it.
    op.execute("UPDATE patient_summaries SET outcome = 'not_enough_data' "
               "WHERE outcome IN ('baseline_suppressed', 'no_baseline', 'no_surgery')")
    op.execute("UPDATE patient_summaries SET baseline_source = 'diary' "
               "WHERE baseline_source = 'untreated'")
    op.execute(f"UPDATE patient_summaries SET computed_on = '{LONG_AGO}'")
    _replace_checks(OUTCOMES_BEFORE, SOURCES_BEFORE)
    with op.batch_alter_table('patient_summaries', schema=None) as batch_op:
        batch_op.drop_column('window_mean')
