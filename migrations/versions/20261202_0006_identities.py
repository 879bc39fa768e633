"""identities: server-side sessions, random keys for links and exports, ids never reused

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 16:40:00

What it does (docs/security.md, The identity model):
- user_sessions: one row per login; the session cookie holds a random key, the row its hash;
- users.session_version goes: sessions are rows now, and emailed links carry users.token_key,
  a random key that a password change replaces;
- users.public_id names the account in FHIR exports and users.pseudonym in the audit trail.
  Existing accounts keep what earlier exports and audit rows said of them: public_id is the
  row id as text (an earlier export's Patient.identifier and the source of its Patient id)
  and the pseudonym is the HMAC of the row id that the audit trail used so far. New accounts
  get random values;
- reminders.unsubscribe_key: what an unsubscribe link names, instead of the row ids;
- on SQLite every table with an integer id becomes AUTOINCREMENT, so no id is handed out
  again after a delete; sqlite_sequence starts past each table's largest id.

Sessions and links issued before this migration end: everyone logs in again, and earlier
reset, verification, invitation and unsubscribe links are refused.
"""
import hashlib
import hmac
import secrets

from alembic import op
import sqlalchemy as sa
from flask import current_app
from diary.orm import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Every table whose single integer id a cookie, token, link, export or audit row can name.
# (patient_summaries and clinician_baselines are keyed by the patient; scheduler_leases by name.)
ID_TABLES = (
    'users', 'login_failures', 'recovery_codes', 'check_ins', 'spasm_episodes',
    'entry_revisions', 'injections', 'injection_sites', 'medication_regimens', 'dose_logs',
    'surgeries', 'reminders', 'reminder_deliveries', 'inbox_messages', 'follow_up_visits',
    'clinics', 'clinic_memberships', 'care_links', 'share_codes', 'clinic_invitations',
    'assessments', 'audit_events',
)


def earlier_pseudonym(secret_key: str, user_id: int) -> str:
    """The audit pseudonym of an account before this migration: an HMAC of its row id."""
    digest = hmac.new(secret_key.encode(), f"user:{user_id}".encode(), hashlib.sha256)
    return f"u-{digest.hexdigest()[:16]}"


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'

    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('second_factor_at', UTCDateTime(), nullable=True),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_user_sessions_expires_after_created')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_user_sessions_key_hash')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_user_sessions_expires_at', ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_key', sa.String(length=43), nullable=True))
        batch_op.add_column(sa.Column('public_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('pseudonym', sa.String(length=24), nullable=True))
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unsubscribe_key', sa.String(length=43), nullable=True))

    users = sa.table('users', sa.column('id', sa.Integer), sa.column('token_key', sa.String),
                     sa.column('public_id', sa.String), sa.column('pseudonym', sa.String))
    secret_key = current_app.config['SECRET_KEY']
    for (user_id,) in bind.execute(sa.select(users.c.id)).all():
        bind.execute(users.update().where(users.c.id == user_id).values(
            token_key=secrets.token_urlsafe(32),
            public_id=str(user_id),
            pseudonym=earlier_pseudonym(secret_key, user_id),
        ))
    reminders = sa.table('reminders', sa.column('id', sa.Integer),
                         sa.column('unsubscribe_key', sa.String))
    for (reminder_id,) in bind.execute(sa.select(reminders.c.id)).all():
        bind.execute(reminders.update().where(reminders.c.id == reminder_id)
                     .values(unsubscribe_key=secrets.token_urlsafe(32)))

    autoincrement = {'sqlite_autoincrement': True}
    # SQLite learns AUTOINCREMENT only by recreating the table; PostgreSQL alters in place.
    recreate = 'always' if sqlite else 'auto'
    with op.batch_alter_table('users', schema=None, recreate=recreate,
                              table_kwargs=autoincrement) as batch_op:
        batch_op.alter_column('token_key', existing_type=sa.String(length=43), nullable=False)
        batch_op.alter_column('public_id', existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column('pseudonym', existing_type=sa.String(length=24), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_users_token_key'), ['token_key'])
        batch_op.create_unique_constraint(batch_op.f('uq_users_public_id'), ['public_id'])
        batch_op.create_unique_constraint(batch_op.f('uq_users_pseudonym'), ['pseudonym'])
        batch_op.drop_constraint(batch_op.f('ck_users_session_version_positive'), type_='check')
        batch_op.drop_column('session_version')
    with op.batch_alter_table('reminders', schema=None, recreate=recreate,
                              table_kwargs=autoincrement) as batch_op:
        batch_op.alter_column('unsubscribe_key', existing_type=sa.String(length=43), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_reminders_unsubscribe_key'), ['unsubscribe_key'])

    if sqlite:
        for table in ID_TABLES:
            if table not in ('users', 'reminders'):
                with op.batch_alter_table(table, recreate='always', table_kwargs=autoincrement):
                    pass
            # Copying the rows moved the sequence to the largest id; make sure of it, also
            # for a table that is empty today (its next id is then 1, as nothing names it).
            bind.exec_driver_sql(
                "DELETE FROM sqlite_sequence WHERE name = ?", (table,))
            bind.exec_driver_sql(
                f"INSERT INTO sqlite_sequence (name, seq) "
                f"SELECT ?, COALESCE(MAX(id), 0) FROM {table}", (table,))


def downgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    plain = {'sqlite_autoincrement': False}
    recreate = 'always' if sqlite else 'auto'

    with op.batch_alter_table('reminders', schema=None, recreate=recreate,
                              table_kwargs=plain) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_reminders_unsubscribe_key'), type_='unique')
        batch_op.drop_column('unsubscribe_key')
    with op.batch_alter_table('users', schema=None, recreate=recreate,
                              table_kwargs=plain) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False,
                                      server_default='1'))
        batch_op.create_check_constraint(batch_op.f('ck_users_session_version_positive'),
                                         'session_version >= 1')
        batch_op.drop_constraint(batch_op.f('uq_users_pseudonym'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_users_public_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_users_token_key'), type_='unique')
        batch_op.drop_column('pseudonym')
        batch_op.drop_column('public_id')
        batch_op.drop_column('token_key')
    if sqlite:
        for table in ID_TABLES:
            if table not in ('users', 'reminders'):
                with op.batch_alter_table(table, recreate='always', table_kwargs=plain):
                    pass

    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
        batch_op.drop_index('ix_user_sessions_expires_at')
    op.drop_table('user_sessions')
