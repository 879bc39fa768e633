"""Alembic environment: batch mode, our UTC type, and SQLite's foreign-key guard."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config

# disable_existing_loggers=False: otherwise every logger created before a migration (the
# app's, pytest's caplog) is silenced for the rest of the process.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def get_engine():
    """The app's engine (Flask-SQLAlchemy 3)."""
    return target_db.engine


config.set_main_option(
    "sqlalchemy.url", get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
)


def render_item(type_, obj, autogen_context):
    """Render our own column types by an import the migration file carries."""
    from diary.orm import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("from diary.orm import UTCDateTime")
        return "UTCDateTime()"
    return False


def set_sqlite_foreign_keys(connection, on):
    """Switch SQLite's foreign keys, outside any transaction (inside one the pragma is ignored).

    Through SQLAlchemy the pragma would run inside a transaction: the connection autobegins,
    and diary.database emits BEGIN for it. So it goes to the driver's connection directly,
    which the engine runs in autocommit mode, and is read back to be sure it took effect.
    """
    if connection.in_transaction():
        connection.commit()
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
        (state,) = cursor.execute("PRAGMA foreign_keys").fetchone()
    finally:
        cursor.close()
    if state != int(on):
        raise RuntimeError(f"could not turn SQLite foreign keys {'on' if on else 'off'}")


def run_migrations_offline():
    """Emit SQL for a URL without connecting."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run migrations on a live connection."""

    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args["render_as_batch"] = True
    conf_args["render_item"] = render_item
    conf_args.setdefault("compare_type", True)

    with get_engine().connect() as connection:
        is_sqlite = connection.dialect.name == "sqlite"
        if is_sqlite:
            # A batch migration recreates tables (copy, drop, rename). With foreign keys on,
            # dropping a parent cascades into its children and silently empties them.
            set_sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection, target_metadata=target_db.metadata, **conf_args
            )
            with context.begin_transaction():
                context.run_migrations()
            if connection.in_transaction():
                connection.commit()
            if is_sqlite:
                problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                connection.commit()
                if problems:
                    raise RuntimeError(f"foreign key check failed after migration: {problems}")
        finally:
            if is_sqlite:
                # The connection goes back to the pool: it must not keep foreign keys off.
                if connection.in_transaction():
                    connection.rollback()
                set_sqlite_foreign_keys(connection, on=True)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
