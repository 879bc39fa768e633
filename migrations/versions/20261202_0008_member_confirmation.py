"""member confirmation: a membership an administrator adds waits for a colleague's confirmation

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 21:00:00

What it does (docs/security.md, Who can give diary access):
- clinic_memberships.confirmed_at and confirmed_by_id: a membership grants access to the
  clinic's patients only once confirmed. Every existing membership keeps its access: it is
  confirmed at its creation time, by nobody (the rule did not exist yet);
- inbox_messages.topic may be 'clinic_member': the notice that tells a patient that a
  member joined a clinic they share with.

On SQLite both tables are recreated; they stay AUTOINCREMENT and their sqlite_sequence keeps
the largest id ever handed out, so no id is handed out again (migration 0006).
"""
from alembic import op
import sqlalchemy as sa
from diary.orm import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

TOPICS_BEFORE = "topic IN ('reminder', 'email_failed', 'email_unknown')"
TOPICS_AFTER = "topic IN ('reminder', 'email_failed', 'email_unknown', 'clinic_member')"
RECREATED = ('clinic_memberships', 'inbox_messages')


def _sequences(bind) -> dict[str, int]:
    """SQLite: the largest id each recreated table ever handed out (0 when none)."""
    rows = bind.exec_driver_sql(
        "SELECT name, seq FROM sqlite_sequence WHERE name IN (?, ?)", RECREATED).all()
    return {name: seq for name, seq in rows}


def _restore_sequences(bind, earlier: dict[str, int]) -> None:
    """SQLite: recreating a table copies its rows, which sets the sequence to the largest id
    still there; put back the largest ever handed out, so a deleted row's id stays unused."""
    for table in RECREATED:
        seq = bind.exec_driver_sql(
            "SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).scalar()
        kept = max(earlier.get(table, 0), seq or 0)
        bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
        bind.exec_driver_sql(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, kept))


def upgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    autoincrement = {'sqlite_autoincrement': True}
    earlier = _sequences(bind) if sqlite else {}

    with op.batch_alter_table('clinic_memberships', schema=None,
                              table_kwargs=autoincrement) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_clinic_memberships_confirmed_by_id_users'),
                                    'users', ['confirmed_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(
            batch_op.f('ck_clinic_memberships_confirmed_by_when_confirmed'),
            'confirmed_by_id IS NULL OR confirmed_at IS NOT NULL')

    # Existing members keep what they had: confirmed when they were added, by nobody.
    memberships = sa.table('clinic_memberships', sa.column('created_at', UTCDateTime()),
                           sa.column('confirmed_at', UTCDateTime()))
    bind.execute(memberships.update().values(confirmed_at=memberships.c.created_at))

    with op.batch_alter_table('inbox_messages', schema=None,
                              table_kwargs=autoincrement) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_inbox_messages_topic_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_inbox_messages_topic_known'), TOPICS_AFTER)

    if sqlite:
        _restore_sequences(bind, earlier)


def downgrade():
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    autoincrement = {'sqlite_autoincrement': True}
    earlier = _sequences(bind) if sqlite else {}

    # The notices about members have no topic before this revision.
    op.execute("DELETE FROM inbox_messages WHERE topic = 'clinic_member'")
    with op.batch_alter_table('inbox_messages', schema=None,
                              table_kwargs=autoincrement) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_inbox_messages_topic_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_inbox_messages_topic_known'), TOPICS_BEFORE)

    # Before this revision every membership granted access: a pending one must not start to.
    op.execute("DELETE FROM clinic_memberships WHERE confirmed_at IS NULL")
    with op.batch_alter_table('clinic_memberships', schema=None,
                              table_kwargs=autoincrement) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_clinic_memberships_confirmed_by_when_confirmed'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('fk_clinic_memberships_confirmed_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('confirmed_by_id')
        batch_op.drop_column('confirmed_at')

    if sqlite:
        _restore_sequences(bind, earlier)
