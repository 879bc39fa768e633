"""write_transaction(), the one way to write (diary/database.py; docs/architecture.md, Writing).

What was written is always read back on a connection of its own, outside the session under
test: only a commit can put a row there.
"""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from diary.database import InnerWriteFailed, PendingChanges, write_transaction
from diary.extensions import db
from diary.models import Clinic


class Boom(Exception):
    """An error raised inside a write."""


def committed_clinics() -> list[str]:
    """The clinic names another connection sees: what was committed."""
    with db.engine.connect() as connection:
        return list(connection.scalars(sa.select(Clinic.name).order_by(Clinic.name)))


def add_clinic(name: str) -> Clinic:
    clinic = Clinic(name=name)
    db.session.add(clinic)
    return clinic


def test_it_commits_the_block_when_it_ends(app):
    with app.app_context():
        with write_transaction() as session:
            assert session is db.session()
            add_clinic("Kept")
        assert "Kept" in committed_clinics()
        assert not db.session().in_transaction()


def test_an_error_inside_the_block_rolls_everything_back_and_is_raised(app):
    with app.app_context():
        with pytest.raises(Boom), write_transaction():
            add_clinic("Lost")
            db.session.flush()
            db.session.execute(sa.update(Clinic).values(follow_up_schedule="1m"))
            raise Boom
        assert "Lost" not in committed_clinics()
        with db.engine.connect() as connection:
            assert "1m" not in connection.scalars(sa.select(Clinic.follow_up_schedule)).all()
        assert not db.session().in_transaction()


def test_it_refuses_a_session_with_unflushed_changes_and_writes_nothing(app):
    with app.app_context():
        add_clinic("Left behind")
        with pytest.raises(PendingChanges), write_transaction():
            add_clinic("Never")
            pytest.fail("the block must not run")
        assert db.session.new  # not flushed, not committed, not discarded: the caller's
        db.session.rollback()
        assert {"Left behind", "Never"}.isdisjoint(committed_clinics())


def test_it_refuses_an_unflushed_change_to_a_loaded_row(app):
    with app.app_context():
        with write_transaction():
            add_clinic("Before")
        clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == "Before"))
        clinic.name = "After"
        with pytest.raises(PendingChanges), write_transaction():
            pytest.fail("the block must not run")
        db.session.rollback()
        assert "Before" in committed_clinics() and "After" not in committed_clinics()


def test_an_attribute_set_to_its_own_value_is_no_change(app):
    with app.app_context():
        with write_transaction():
            add_clinic("Same")
        clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == "Same"))
        clinic.name = "Same"
        with write_transaction():
            add_clinic("Next")
        assert {"Same", "Next"} <= set(committed_clinics())


def test_it_refuses_changes_flushed_but_not_committed_and_writes_nothing(app):
    with app.app_context():
        add_clinic("Flushed")
        db.session.flush()
        assert not db.session.new and not db.session.dirty
        with pytest.raises(PendingChanges), write_transaction():
            pytest.fail("the block must not run")
        db.session.rollback()
        assert "Flushed" not in committed_clinics()
        with write_transaction():  # the rollback ended them: writing may start again
            add_clinic("Fresh")
        assert "Fresh" in committed_clinics() and "Flushed" not in committed_clinics()


def test_a_flush_inside_a_savepoint_that_is_rolled_back_still_refuses(app):
    with app.app_context():
        add_clinic("Outer")
        db.session.flush()
        with pytest.raises(Boom), db.session.begin_nested():
            add_clinic("Inner")
            db.session.flush()
            raise Boom
        with pytest.raises(PendingChanges), write_transaction():
            pytest.fail("the block must not run")
        db.session.rollback()
        assert {"Outer", "Inner"}.isdisjoint(committed_clinics())


def test_changes_committed_the_plain_way_are_no_longer_pending(app):
    with app.app_context():
        add_clinic("Committed")
        db.session.commit()
        with write_transaction():
            add_clinic("Then")
        assert {"Committed", "Then"} <= set(committed_clinics())


def test_it_ends_an_open_read_transaction_before_writing(app):
    with app.app_context():
        db.session.scalars(sa.select(Clinic.name)).all()  # a read transaction, as the user loader's
        reading = db.session().get_transaction()
        assert reading is not None
        with db.engine.begin() as other:  # another writer commits meanwhile
            other.execute(sa.insert(Clinic).values(name="Committed meanwhile"))
        with write_transaction() as session:
            assert session.get_transaction() is not reading
            # A fresh snapshot: the read transaction's would not show the other's row.
            assert session.scalar(
                sa.select(Clinic.id).where(Clinic.name == "Committed meanwhile")
            ) is not None


def test_a_nested_block_joins_the_outer_transaction_and_does_not_commit(app):
    with app.app_context():
        with write_transaction() as outer:
            add_clinic("Outer")
            transaction = outer.get_transaction()
            with write_transaction() as inner:
                assert inner is outer and inner.get_transaction() is transaction
                add_clinic("Inner")
            db.session.flush()
            assert {"Outer", "Inner"}.isdisjoint(committed_clinics())  # nothing committed yet
            assert outer.get_transaction() is transaction
        assert {"Outer", "Inner"} <= set(committed_clinics())


def test_an_error_in_a_nested_block_rolls_back_the_outer_transaction(app):
    with app.app_context():
        with pytest.raises(Boom), write_transaction():
            add_clinic("Outer")
            db.session.flush()
            with write_transaction():
                add_clinic("Inner")
                raise Boom
        assert {"Outer", "Inner"}.isdisjoint(committed_clinics())


def test_an_outer_block_that_swallows_the_inner_error_saves_nothing(app):
    with app.app_context():
        with pytest.raises(InnerWriteFailed), write_transaction():
            add_clinic("Outer")
            db.session.flush()
            try:
                with write_transaction():
                    add_clinic("Inner")
                    raise Boom
            except Boom:
                pass
            add_clinic("After")
        assert {"Outer", "Inner", "After"}.isdisjoint(committed_clinics())
        with write_transaction():  # the failure does not outlive its transaction
            add_clinic("Later")
        assert "Later" in committed_clinics()


def test_on_sqlite_the_write_lock_is_taken_at_begin(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's BEGIN IMMEDIATE; PostgreSQL locks rows instead")
        begun = []

        def note(_conn, _cursor, statement, *_args):
            if statement.startswith("BEGIN"):
                begun.append(statement)

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            with write_transaction():
                assert begun == ["BEGIN IMMEDIATE"]
                # Before any write of ours, another connection cannot take the write lock.
                other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
                try:
                    with pytest.raises(sqlite3.OperationalError, match="locked"):
                        other.execute("BEGIN IMMEDIATE")
                finally:
                    other.close()
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
