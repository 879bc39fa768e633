"""Simulated patients into the database, in bulk: core INSERTs with executemany lists.

Rows (diary.simulator.rows) are built per patient and sent in chunks of CHUNK_ROWS inside
one write transaction, so memory stays flat for the 500-patient reference clinic and
nothing is half written. The password is hashed once by the caller and shared by every
account. Each patient's summary row is computed with the same maths as refresh_summary from
exactly the rows written (tests/test_simulator.py checks it equals compute_summary), which
spares 500 x 4 queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from psycopg.copy import QueuedLibpqWriter

from diary.database import write_transaction
from diary.extensions import db
from diary.models import (
    CareLink,
    CheckIn,
    Injection,
    InjectionSite,
    MedicationRegimen,
    PatientAttention,
    PatientSummary,
    SpasmEpisode,
    Surgery,
    User,
)
from diary.simulator.rows import ClinicContext, LocalClock, PatientRows, SimulatedAccount, user_row

CHUNK_ROWS = 10_000


class ChunkedInsert:
    """Collects rows per table and sends them in chunks of `chunk_rows` rows.

    A chunk is one SQLAlchemy core INSERT executed with the list of rows (executemany).
    On PostgreSQL the chunk goes through COPY FROM STDIN instead: psycopg 3 runs an
    executemany as one INSERT per row in pipeline mode (measured ~70 us a row, about 60 s
    for the reference clinic), while COPY with a queued writer lets the server store one
    chunk while Python builds the next (about 22 s). Either way every value passes through
    its column type's own bind processor, so the stored values are the same.
    """

    def __init__(self, connection: sa.Connection, chunk_rows: int) -> None:
        self.connection = connection
        self.chunk_rows = chunk_rows
        self.copy = connection.dialect.name == "postgresql"
        self.pending: dict[sa.Table, list[dict[str, Any]]] = {}

    def add(self, table: sa.Table, rows: Iterable[dict[str, Any]]) -> None:
        """Queue rows; a full chunk is sent at once."""
        queue = self.pending.setdefault(table, [])
        queue.extend(rows)
        if len(queue) >= self.chunk_rows:
            self._send(table)

    def flush(self) -> None:
        """Send whatever is queued, parents before children."""
        for table in [t for t in db.metadata.sorted_tables if t in self.pending]:
            self._send(table)

    def _send(self, table: sa.Table) -> None:
        rows = self.pending.get(table)
        if not rows:
            return
        if self.copy:
            self._copy(table, rows)
        else:
            self.connection.execute(table.insert(), rows)
        self.pending[table] = []

    def _copy(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        """COPY the rows in, inside the connection's transaction."""
        dialect = self.connection.dialect
        names = list(rows[0])
        processors = [table.c[name].type.bind_processor(dialect) for name in names]
        quote = dialect.identifier_preparer.quote
        statement = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
        cursor = self.connection.connection.dbapi_connection.cursor()
        try:
            with cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy:
                for row in rows:
                    copy.write_row(
                        [
                            row[name] if process is None else process(row[name])
                            for name, process in zip(names, processors, strict=True)
                        ]
                    )
        finally:
            cursor.close()


def insert_returning_ids(
    connection: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]], chunk_rows: int
) -> list[int]:
    """Insert rows in chunks and return their new ids in the order of the rows."""
    statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
    ids: list[int] = []
    for start in range(0, len(rows), chunk_rows):
        ids.extend(connection.execute(statement, list(rows[start : start + chunk_rows])).scalars())
    return ids


def write_patients(
    accounts: Sequence[SimulatedAccount],
    *,
    password_hash: str,
    clinic: ClinicContext,
    now: datetime,
    chunk_rows: int = CHUNK_ROWS,
) -> list[int]:
    """Write the accounts, their diaries, treatments, consent, summaries and the clinic list's
    needs-attention rows; return their ids.

    One write transaction, committed at the end. `now` is the moment of writing: nothing
    is dated after it, and each patient's today is their local date at `now`.
    """
    with write_transaction():
        connection = db.session.connection()
        clocks = [LocalClock(a.person.timezone, now) for a in accounts]
        users = [user_row(a, c, password_hash) for a, c in zip(accounts, clocks, strict=True)]
        patient_ids = insert_returning_ids(connection, User.__table__, users, chunk_rows)

        batch = ChunkedInsert(connection, chunk_rows)
        injections: list[dict[str, Any]] = []
        site_lists: list[list[dict[str, Any]]] = []
        summaries: list[dict[str, Any]] = []
        attention: list[dict[str, Any]] = []
        for patient_id, account, clock, user in zip(patient_ids, accounts, clocks, users, strict=True):
            patient = PatientRows(patient_id, account, clock, clinic)
            batch.add(CareLink.__table__, [patient.care_link(user["created_at"])])
            check_ins = patient.check_ins()
            episodes = patient.episodes()
            batch.add(CheckIn.__table__, check_ins)
            batch.add(SpasmEpisode.__table__, episodes)
            own_injections = patient.injections()
            for row, sites in own_injections:
                injections.append(row)
                site_lists.append(sites)
            batch.add(MedicationRegimen.__table__, patient.regimens())
            surgeries = patient.surgeries()
            batch.add(Surgery.__table__, surgeries)
            summaries.append(
                patient.summary(check_ins, episodes, [row for row, _ in own_injections])
            )
            attention.append(patient.attention(summaries[-1], surgeries))
        batch.flush()

        injection_ids = insert_returning_ids(connection, Injection.__table__, injections, chunk_rows)
        for injection_id, sites in zip(injection_ids, site_lists, strict=True):
            batch.add(InjectionSite.__table__, [{"injection_id": injection_id, **s} for s in sites])
        batch.add(PatientSummary.__table__, summaries)
        batch.add(PatientAttention.__table__, attention)
        batch.flush()
        return patient_ids
