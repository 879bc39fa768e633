"""throttle buckets: one table for every throttle, claimed and counted in one step

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 20:50:00

What it does (docs/security.md, Throttling):
- throttle_buckets: one row per kind of attempt and key (an account, an address, or both), with
  its count, its last attempt and the time before which the next attempt is refused. The key
  is an HMAC, never an address or email in clear;
- login_failures goes: it held one row per failure and was counted with a read that parallel
  requests all passed before any of them wrote.

Counts are not carried over: a throttle that starts from zero at an upgrade costs nothing.
"""
from alembic import op
import sqlalchemy as sa
from diary.orm import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

EARLIER_SCOPES = "scope IN ('account', 'address', 'share_account', 'share_address')"


def upgrade():
    op.create_table('throttle_buckets',
    sa.Column('scope', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_at', UTCDateTime(), nullable=False),
    sa.Column('not_before', UTCDateTime(), nullable=True),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_throttle_buckets_attempts_not_negative')),
    sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_throttle_buckets'))
    )
    with op.batch_alter_table('throttle_buckets', schema=None) as batch_op:
        batch_op.create_index('ix_throttle_buckets_scope_last_at', ['scope', 'last_at'], unique=False)

    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_scope_key_at')
    op.drop_table('login_failures')


def downgrade():
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=254), nullable=False),
    sa.Column('attempted_at', UTCDateTime(), nullable=False),
    sa.CheckConstraint(EARLIER_SCOPES, name=op.f('ck_login_failures_scope_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures')),
    sqlite_autoincrement=True,
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_scope_key_at', ['scope', 'key', 'attempted_at'], unique=False)

    with op.batch_alter_table('throttle_buckets', schema=None) as batch_op:
        batch_op.drop_index('ix_throttle_buckets_scope_last_at')
    op.drop_table('throttle_buckets')
