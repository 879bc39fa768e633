"""account locale: the language an account reads the app and its mail in

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 18:40:00

What it does (docs/wording.md, Languages):
- users.locale: a locale tag ("en_GB", "de_DE"), 2..16 characters, empty for every existing
  account: each gets its browser's language at its next login, and until then the app
  follows the browser's Accept-Language. Which locales are offered is a setting, not a
  CHECK, so that a new language is a catalogue and nothing else.

On SQLite the table is recreated to add the CHECK; it stays AUTOINCREMENT and keeps the
largest id it ever handed out, so a deleted account's id names nobody new (migration 0013).
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

AUTOINCREMENT = {'sqlite_autoincrement': True}


def _users_sequence(bind) -> int | None:
    """SQLite: the largest id users ever handed out (None elsewhere, or when none)."""
    if bind.dialect.name != 'sqlite':
        return None
    return bind.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'users'").scalar()


def _restore_users_sequence(bind, earlier: int | None) -> None:
    """SQLite: put back the largest id ever handed out after the table was recreated."""
    if bind.dialect.name != 'sqlite':
        return
    seq = bind.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = 'users'").scalar()
    bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = 'users'")
    bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES ('users', ?)",
                         (max(earlier or 0, seq or 0),))


def upgrade():
    earlier = _users_sequence(op.get_bind())
    with op.batch_alter_table('users', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_users_locale_length'),
            'locale IS NULL OR (length(locale) BETWEEN 2 AND 16)')
    _restore_users_sequence(op.get_bind(), earlier)


def downgrade():
    earlier = _users_sequence(op.get_bind())
    with op.batch_alter_table('users', schema=None, table_kwargs=AUTOINCREMENT) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_users_locale_length'), type_='check')
        batch_op.drop_column('locale')
    _restore_users_sequence(op.get_bind(), earlier)
