"""patient identity: surname, date of birth, the clinic's hospital number, a search key

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 14:00:00

What it does (docs/data.md, docs/clinic.md):
- users.family_name (the surname, 1..80 characters) and users.birth_date (1900-01-01 to
  2100-01-01; "not in the future" is the form's rule, a CHECK cannot read today), both
  empty for existing accounts: an existing name is never split into parts;
- users.name_search: the case-folded, accent-free key of the name that the clinic's search
  compares (SQLite's lower() folds ASCII only), filled here for every existing account with
  the same Python function the app writes it with (diary/names.py, search_key);
- clinic_patient_records: a clinic's own hospital number (MRN) for a patient, one row per
  clinic and patient, apart from the share link (a link is revoked and made again when the
  patient shares again; the number must outlive it), unique within the clinic.
"""
from alembic import op
import sqlalchemy as sa

from diary.names import search_key
from diary.orm import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

BATCH = 500
# SQLite recreates users to add its CHECKs: it must stay AUTOINCREMENT and keep the largest id
# it ever handed out, so a deleted account's id names nobody new (docs/pitfalls.md, Identities).
AUTOINCREMENT = {'sqlite_autoincrement': True}


def _users_sequence(bind) -> int | None:
    """SQLite: the largest id users ever handed out (None elsewhere, or when none)."""
    if bind.dialect.name != 'sqlite':
        return None
    return bind.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'users'").scalar()


def _restore_users_sequence(bind, earlier: int | None) -> None:
    """SQLite: recreating the table set the sequence to the largest id still there; put back
    the largest ever handed out."""
    if bind.dialect.name != 'sqlite':
        return
    seq = bind.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'users'").scalar()
    bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = 'users'")
    bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES ('users', ?)",
                         (max(earlier or 0, seq or 0),))


def _backfill_search_keys() -> None:
    """users.name_search for every account, in batches (the app's own function)."""
    bind = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('display_name', sa.String),
                     sa.column('family_name', sa.String), sa.column('name_search', sa.Text))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(users.c.id, users.c.display_name, users.c.family_name)
            .where(users.c.id > last).order_by(users.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        for user_id, display_name, family_name in rows:
            bind.execute(users.update().where(users.c.id == user_id)
                         .values(name_search=search_key(display_name, family_name)))
        last = rows[-1][0]


def upgrade():
    earlier = _users_sequence(op.get_bind())
    with op.batch_alter_table('users', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.add_column(sa.Column('family_name', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('name_search', sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_users_family_name_length'),
            'family_name IS NULL OR (length(family_name) BETWEEN 1 AND 80)')
        batch_op.create_check_constraint(
            batch_op.f('ck_users_birth_date_range'),
            "birth_date IS NULL OR (birth_date BETWEEN '1900-01-01' AND '2100-01-01')")
    _restore_users_sequence(op.get_bind(), earlier)
    _backfill_search_keys()

    op.create_table('clinic_patient_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('mrn', sa.String(length=32), nullable=True),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.CheckConstraint('mrn IS NULL OR (length(mrn) BETWEEN 1 AND 32)',
                       name=op.f('ck_clinic_patient_records_mrn_length')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinics.id'],
                            name=op.f('fk_clinic_patient_records_clinic_id_clinics'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['patient_id'], ['users.id'],
                            name=op.f('fk_clinic_patient_records_patient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic_patient_records')),
    sa.UniqueConstraint('clinic_id', 'patient_id',
                        name=op.f('uq_clinic_patient_records_clinic_id_patient_id')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('clinic_patient_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clinic_patient_records_patient_id'), ['patient_id'],
                              unique=False)
        batch_op.create_index('uq_clinic_patient_records_mrn', ['clinic_id', 'mrn'], unique=True,
                              sqlite_where=sa.text('mrn IS NOT NULL'),
                              postgresql_where=sa.text('mrn IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('clinic_patient_records', schema=None) as batch_op:
        batch_op.drop_index('uq_clinic_patient_records_mrn',
                            sqlite_where=sa.text('mrn IS NOT NULL'),
                            postgresql_where=sa.text('mrn IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_clinic_patient_records_patient_id'))
    op.drop_table('clinic_patient_records')

    earlier = _users_sequence(op.get_bind())
    with op.batch_alter_table('users', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_birth_date_range'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_users_family_name_length'), type_='check')
        batch_op.drop_column('name_search')
        batch_op.drop_column('birth_date')
        batch_op.drop_column('family_name')
    _restore_users_sequence(op.get_bind(), earlier)
