"""Helpers for the diary tests: entries made through the app's own services, query counting."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event

from diary.extensions import db
from diary.journal import queries, services
from diary.models import CheckIn, EntryRevision, SpasmEpisode, User

TODAY = date(2026, 3, 10)  # the frozen clock's date in Europe/Berlin


@contextmanager
def account(app: Flask, user_id: int) -> Iterator[User]:
    """An app context with the account loaded, as a request would have it."""
    with app.app_context():
        yield db.session.get(User, user_id)


def check_in(app: Flask, patient_id: int, day: date, count: int, **values) -> None:
    """Save a check-in through the service, as the patient."""
    with account(app, patient_id) as patient:
        services.save_check_in(
            patient, patient, services.CheckInValues(day=day, spasm_count=count, **values)
        )


def spasm_now(app: Flask, patient_id: int, token: str) -> int:
    """Log a spasm at the clock's moment through the service; returns its id."""
    with account(app, patient_id) as patient:
        return services.record_spasm_now(patient, patient, token)


def day_numbers(app: Flask, patient_id: int, start: date, end: date) -> dict[date, int]:
    """The logged days between two dates with their number of spasms."""
    with app.app_context():
        return {n.day: n.spasms for n in queries.day_numbers(patient_id, start, end)}


def rows(app: Flask, model: type, **where) -> list:
    """Every row of a model (deleted ones too) matching column values, detached for reading."""
    with app.app_context():
        found = db.session.scalars(sa.select(model).filter_by(**where).order_by(model.id)).all()
        db.session.expunge_all()
        return found


def check_ins(app: Flask, **where) -> list[CheckIn]:
    """Check-in rows."""
    return rows(app, CheckIn, **where)


def episodes(app: Flask, **where) -> list[SpasmEpisode]:
    """Spasm episode rows."""
    return rows(app, SpasmEpisode, **where)


def revisions(app: Flask, **where) -> list[EntryRevision]:
    """Revision rows."""
    return rows(app, EntryRevision, **where)


def login_as(client, user_id: int, *, second_factor: bool = True) -> str:
    """Open a session for an account of any role without the login page; returns its key.

    The session row is made by the app's own sessions module, used just now (app clock); for
    a clinician or administrator the second factor counts as given unless `second_factor` is
    False. These tests are about what a session reaches, not about logging in; the login
    itself is tested in tests/test_auth_login.py and tests/test_auth_second_factor.py."""
    from diary.auth import sessions

    app = client.application
    with app.app_context():
        key = sessions.open_session(db.session.get(User, user_id), second_factor=second_factor)
        db.session.commit()
    with client.session_transaction() as session:
        session[sessions.IDENTITY_KEY] = key
        session["_fresh"] = True
    return key


@contextmanager
def counted_queries(app: Flask) -> Iterator[list[str]]:
    """Collect the SQL statements (not transaction control) the app sends while the block runs."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().split(None, 1)[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"}:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def page_text(response) -> str:
    """A page's text without tags or repeated spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
