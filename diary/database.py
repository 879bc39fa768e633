"""Database engine set-up: SQLite pragmas, explicit write transactions, plain-row reads."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from diary.extensions import db
from diary.models import User

SQLITE_BUSY_TIMEOUT_MS = 10_000
OWN_ENGINE = "diary.own_transaction_engine"  # app.extensions key of own_transaction()'s engine


def configure_engine(engine: Engine) -> None:
    """Give SQLite foreign keys, WAL, a busy timeout and BEGIN IMMEDIATE for writes.

    pysqlite opens transactions lazily, so a read that later writes fails with "database is
    locked" at once, ignoring the busy timeout. We take over BEGIN ourselves (SQLAlchemy's
    pysqlite recipe) and let a write transaction ask for IMMEDIATE up front.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class PendingChanges(RuntimeError):
    """write_transaction() was asked to start over changes it did not make.

    Committing them with the new write would save what some earlier code left behind
    (a half-done change, a read that set an attribute) under the new write's name.
    """


class InnerWriteFailed(RuntimeError):
    """A joined write_transaction() failed and its error was swallowed: nothing was saved."""


_WRITING = "diary.database.writing"  # session.info: a write_transaction() is open
_FLUSHED = "diary.database.flushed"  # session.info: the open transaction has flushed changes
_DOOMED = "diary.database.doomed"  # session.info: a joined block failed, the write is gone


def _has_unflushed_changes(session) -> bool:
    """New, deleted or really modified objects (an attribute set to its own value is not)."""
    return bool(session.new or session.deleted) or any(
        session.is_modified(obj) for obj in session.dirty
    )


def _begin_immediate(session) -> None:
    """End an open read transaction and begin the write, taking SQLite's write lock at once.

    The read transaction (the user loader's) holds nothing to keep, and ending it means the
    write never has to upgrade a stale read snapshot. On PostgreSQL this is a plain
    transaction.
    """
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={"sqlite_immediate": True})


@contextmanager
def write_transaction() -> Iterator[Session]:
    """The one way to write: `with write_transaction():` is one transaction, committed at the end.

    - It begins by ending any open read transaction and taking SQLite's write lock at once
      (BEGIN IMMEDIATE); on PostgreSQL it is a plain transaction (take lock_patient() first
      thing in the block where a patient's writes must be serialised).
    - It commits when the block ends, and rolls back on any exception, which it re-raises.
    - It refuses to start (PendingChanges) when the session holds changes it did not make:
      objects added, changed or deleted and not flushed, or flushed in the open transaction
      and not committed. Those belong to whoever made them, who must commit or roll back.
    - Nested, it joins: a `with write_transaction()` inside an open one (a service calling
      another service) is part of the outer transaction and does not commit. An error
      raised inside the inner block rolls the whole transaction back at once; if the outer
      block swallows it, the outer block ends in InnerWriteFailed rather than commit what is
      left.

    Yields the session. own_transaction() is a different thing: a connection of its own for
    bookkeeping that commits beside this transaction.
    """
    session = db.session()  # the scoped_session proxy does not offer in_transaction()
    if session.info.get(_WRITING):
        try:
            yield session
        except BaseException:
            session.info[_DOOMED] = True
            session.rollback()
            raise
        return
    if _has_unflushed_changes(session) or session.info.get(_FLUSHED):
        raise PendingChanges(
            "the session has changes that are not committed; commit or roll them back "
            "before write_transaction()"
        )
    _begin_immediate(session)
    session.info[_WRITING] = True
    try:
        try:
            yield session
        finally:
            del session.info[_WRITING]
        if session.info.pop(_DOOMED, False):
            raise InnerWriteFailed("a joined write transaction failed and was rolled back")
        session.commit()
    except BaseException:
        session.info.pop(_DOOMED, None)
        session.rollback()
        raise


def _note_flush(session, _context) -> None:
    session.info[_FLUSHED] = True


def _forget_flush(session, *_args) -> None:
    # A savepoint's end leaves the outer transaction, and what it flushed, in place.
    if not session.in_nested_transaction():
        session.info.pop(_FLUSHED, None)


def _forget_flush_after_soft_rollback(session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_FLUSHED, None)


def install_session_events() -> None:
    """Track flushed changes for write_transaction()'s refusal (once per process)."""
    if event.contains(db.session, "after_flush", _note_flush):
        return
    event.listen(db.session, "after_flush", _note_flush)
    event.listen(db.session, "after_commit", _forget_flush)
    event.listen(db.session, "after_rollback", _forget_flush)
    event.listen(db.session, "after_soft_rollback", _forget_flush_after_soft_rollback)


def own_transaction():
    """A write transaction beside the request's session, on a connection of its own.

    For bookkeeping that must commit at once without ending the caller's transaction or
    expiring its loaded objects (the throttle's counts). The connection comes from an engine
    without a pool: one taken from the session's pool while the session holds another could
    wait for ever once every pooled connection is held by a request waiting the same way.
    SQLite's write lock is taken at once, as in write_transaction(). It is not a second way
    to write the app's records: it shares nothing with the session, so it neither joins nor
    is refused by an open write_transaction().
    """
    app = current_app._get_current_object()
    engine = app.extensions.get(OWN_ENGINE)
    if engine is None:
        # The app's engine options (connect_args for TLS, say), but not its pool's.
        options = {name: value for name, value
                   in app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).items()
                   if not name.startswith("pool") and name != "max_overflow"}
        engine = sa.create_engine(db.engine.url, poolclass=NullPool, **options)
        configure_engine(engine)
        app.extensions[OWN_ENGINE] = engine
    return engine.execution_options(sqlite_immediate=True).begin()


def dialect_insert(table, dialect: str | None = None):
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL both have it);
    the app's own dialect unless one is named."""
    name = dialect or db.engine.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"no upsert for the {name} dialect")


def read_rows(statement: sa.Select, **parameters) -> Sequence[sa.Row]:
    """Run a read on the session's connection as Core and fetch every row at once.

    Plain rows need no ORM processing: on a long diary that costs a third of the time, and
    on a save, whose reads return a row or two, the ORM's execution path costs more than the
    query. Core skips the session's autoflush, so flush first: a write service reads back the
    entry it has just changed.
    """
    db.session.flush()
    return db.session.connection().execute(statement, parameters).all()


def lock_patient(patient_id: int) -> None:
    """Serialise one patient's diary writes on PostgreSQL (SQLite's BEGIN IMMEDIATE already does).

    Every write of a patient's check-ins, and every refresh of their summary, takes it first thing inside
    write_transaction(). Without it two first submissions of a day could both see no row, and a
    refresh could write a summary read before another transaction's entry. The lock is a
    statement of its own: a read joined to it would see the snapshot from before the wait,
    not the row the other writer has just committed.
    """
    if db.engine.dialect.name != "sqlite":
        db.session.execute(sa.select(User.id).where(User.id == patient_id).with_for_update())
