"""Deleting a patient's account: every row of the patient, in one transaction (docs/decisions.md, Account deletion).

Which rows are the patient's is read from the models' metadata, not listed by hand, so a
table added later is covered the day it is added: a row is the patient's when a foreign key
with ON DELETE CASCADE leads from it to the patient's account, directly or through another
row of the patient (an injection's sites, a reminder's deliveries). Foreign keys with SET NULL
(the audit trail, "entered by" columns) are emptied; a foreign key to the account that says
neither is refused, so that its author has to decide. The audit trail keeps its rows under
the patient's pseudonym, without the addresses the patient used (docs/data.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa

from diary import audit, throttle
from diary.auth.passwords import verify_password
from diary.database import write_transaction
from diary.errors import Refused
from diary.extensions import db
from diary.models import AuditEvent, ClinicInvitation, Role, User


class WrongPassword(Refused, ValueError):
    """The password given to confirm the deletion does not open the account."""


def _cascade_keys(table: sa.Table) -> Iterator[sa.ForeignKey]:
    return (fk for fk in table.foreign_keys if fk.ondelete and fk.ondelete.upper() == "CASCADE")


def owned_rows(table: sa.Table, patient_id: int, _seen: frozenset = frozenset()) -> sa.ColumnElement | None:
    """A WHERE clause for the rows of `table` that belong to the patient, or None.

    A row belongs to the patient when a cascading foreign key points at the patient's account
    or at another row that belongs to the patient.
    """
    users = User.__table__
    clauses = []
    for fk in _cascade_keys(table):
        parent = fk.column.table
        if parent is users:
            clauses.append(fk.parent == patient_id)
        elif parent is not table and parent.name not in _seen:
            inner = owned_rows(parent, patient_id, _seen | {table.name})
            if inner is not None:
                clauses.append(fk.parent.in_(sa.select(fk.column).where(inner)))
    return sa.or_(*clauses) if clauses else None


def patient_tables(patient_id: int) -> list[tuple[sa.Table, sa.ColumnElement]]:
    """Every table that can hold rows of a patient, children before parents, with the clause."""
    found = []
    for table in reversed(db.metadata.sorted_tables):
        if table is User.__table__:
            continue
        clause = owned_rows(table, patient_id)
        if clause is not None:
            found.append((table, clause))
    return found


def _nullable_references(patient_id: int) -> Iterator[tuple[sa.Table, sa.Column]]:
    """Columns that point at the account with SET NULL; refuses a key that decides nothing."""
    users = User.__table__
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is not users:
                continue
            rule = (fk.ondelete or "").upper()
            if rule == "SET NULL":
                yield table, fk.parent
            elif rule != "CASCADE":
                raise RuntimeError(f"{table.name}.{fk.parent.name} refers to users without ON DELETE")


def check_password(user: User, password: str, address: str | None) -> None:
    """Raise WrongPassword (counted as a login failure) or Throttled; nothing is deleted."""
    attempt = throttle.claim_login(user.email, address)
    if not verify_password(user.password_hash, password or ""):
        raise WrongPassword
    attempt.give_back()


def delete_account(user: User, password: str, address: str | None) -> str:
    """Erase the patient and every row of theirs; returns the pseudonym the audit trail keeps."""
    if user.role != Role.PATIENT:
        raise ValueError("only a patient's own account is deleted this way")
    check_password(user, password, address)
    patient_id, email = user.id, user.email
    pseudonym = user.pseudonym
    with write_transaction():
        # Several deletions at once (a double tap, two tabs): the first deletes, the others find
        # nothing left and write nothing, not even an audit row.
        if db.session.scalar(sa.select(User.id).where(User.id == patient_id).with_for_update()) is None:
            db.session.rollback()
            return pseudonym
        # The patient's own addresses leave the trail; the actions stay under the pseudonym.
        db.session.execute(
            sa.update(AuditEvent)
            .where(sa.or_(AuditEvent.patient_id == patient_id, AuditEvent.actor_id == patient_id))
            .values(address=sa.case((AuditEvent.actor_id == patient_id, None), else_=AuditEvent.address),
                    subject=None)
        )
        for table, column in _nullable_references(patient_id):
            db.session.execute(sa.update(table).where(column == patient_id).values({column.name: None}))
        for table, clause in patient_tables(patient_id):
            db.session.execute(sa.delete(table).where(clause))
        # Rows that name the patient by address rather than by id.
        throttle.forget_login_failures(email)
        db.session.execute(sa.delete(ClinicInvitation).where(ClinicInvitation.email == email))
        db.session.execute(sa.delete(User.__table__).where(User.id == patient_id))
        db.session.add(AuditEvent(action=audit.ACCOUNT_DELETED, patient_ref=pseudonym))
    db.session.expunge_all()
    return pseudonym
