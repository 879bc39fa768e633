"""audit review index: the clinic's last opening of a review found by one index seek

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 14:00:00

What it does (docs/clinic.md, Changed since the last visit): adds
ix_audit_events_patient_action_clinic_at on audit_events (patient_id, action, clinic_id, at).
"Changed since the last visit" counts from the clinic's last opening of the review, the
latest view_review row of the patient for one of the viewer's clinics, on the review page
and for every row of the patient list. With only (patient_id, at) each look-up walks the
patient's audit rows back in time, reading each row to test its action and clinic, and all
of them for a clinic that never opened the review (measured with 500 patients and 1,000
audit rows each on SQLite: the list's subquery 279 ms; with this index 5 ms). The
(patient_id, at) index stays: the patient's access log reads by it.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_patient_action_clinic_at',
                              ['patient_id', 'action', 'clinic_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_patient_action_clinic_at')
