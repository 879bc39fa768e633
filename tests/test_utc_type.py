"""UTCDateTime: aware timestamps in, naive UTC in the database, aware UTC out; naive refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from diary.extensions import db
from diary.models import ThrottleBucket
from diary.orm import UTCDateTime
from tests.schema_rows import rolled_back_connection, sample_row

buckets = ThrottleBucket.__table__

# One instant, written in several zones; 02:30 UTC is the previous calendar day west of UTC.
INSTANT = datetime(2026, 7, 1, 2, 30, 15, 250000, tzinfo=UTC)
SAME_INSTANT_ELSEWHERE = [
    INSTANT.astimezone(ZoneInfo("Europe/Berlin")),  # summer time, +02:00
    INSTANT.astimezone(ZoneInfo("America/Los_Angeles")),  # 30 June, -07:00
    INSTANT.astimezone(timezone(timedelta(hours=5, minutes=30))),
    INSTANT,
]


@pytest.fixture
def connection(worker_app) -> Iterator[sa.Connection]:
    """A connection to a fresh database whose writes are rolled back after the test."""
    worker_app.reset_database()
    with rolled_back_connection(worker_app.app) as conn:
        yield conn


def stored_value(conn: sa.Connection) -> datetime:
    """The one last_at as the database holds it, read past our type."""
    raw = conn.execute(sa.text("SELECT last_at FROM throttle_buckets")).scalar_one()
    return datetime.fromisoformat(raw) if isinstance(raw, str) else raw  # SQLite keeps text


def test_every_timestamp_column_is_utc():
    plain = [
        f"{table.name}.{column.name}"
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sa.DateTime)
    ]
    assert plain == [], "declare timestamps as Mapped[datetime] so they get UTCDateTime"
    typed = [c for t in db.metadata.sorted_tables for c in t.columns if isinstance(c.type, UTCDateTime)]
    assert typed, "no UTCDateTime columns found: were the models imported?"


def test_a_naive_datetime_is_refused_before_it_reaches_the_database(connection):
    naive = datetime(2026, 7, 1, 2, 30)
    with pytest.raises(ValueError, match="naive datetime refused"):
        UTCDateTime().process_bind_param(naive, connection.dialect)

    insert = buckets.insert().values(scope="login.account", key="k", attempts=1, last_at=naive)
    with pytest.raises(sa.exc.StatementError) as raised:
        connection.execute(insert)
    assert isinstance(raised.value.orig, ValueError)


def test_a_naive_datetime_is_refused_in_a_query_too(connection):
    query = sa.select(buckets).where(buckets.c.last_at < datetime(2026, 7, 1))
    with pytest.raises(sa.exc.StatementError):
        connection.execute(query)


@pytest.mark.parametrize("written", SAME_INSTANT_ELSEWHERE, ids=lambda d: d.isoformat())
def test_an_aware_timestamp_is_stored_as_utc_and_read_back_as_aware_utc(connection, written):
    connection.execute(
        buckets.insert().values(scope="login.account", key="k", attempts=1, last_at=written)
    )

    assert stored_value(connection) == INSTANT.replace(tzinfo=None)

    read = connection.execute(sa.select(buckets.c.last_at)).scalar_one()
    assert read == INSTANT
    assert read.tzinfo is UTC
    assert read.isoformat() == "2026-07-01T02:30:15.250000+00:00"


def test_queries_compare_instants_whatever_zone_the_bound_value_has(connection):
    connection.execute(
        buckets.insert().values(scope="login.account", key="k", attempts=1, last_at=INSTANT)
    )
    for elsewhere in SAME_INSTANT_ELSEWHERE:
        match = sa.select(sa.func.count()).where(buckets.c.last_at == elsewhere)
        later = sa.select(sa.func.count()).where(
            buckets.c.last_at < elsewhere + timedelta(microseconds=1)
        )
        assert connection.execute(match).scalar_one() == 1, elsewhere
        assert connection.execute(later).scalar_one() == 1, elsewhere


def test_a_model_round_trip_gives_aware_utc(app):
    with app.app_context():
        berlin = INSTANT.astimezone(ZoneInfo("Europe/Berlin"))
        db.session.add(ThrottleBucket(scope="login.address", key="k", attempts=1, last_at=berlin))
        db.session.commit()
        db.session.expire_all()

        bucket = db.session.scalar(sa.select(ThrottleBucket))
        assert bucket.last_at == INSTANT
        assert bucket.last_at.tzinfo is UTC


def test_null_stays_null(connection):
    users = db.metadata.tables["users"]
    connection.execute(users.insert().values({**sample_row(users), "email_verified_at": None}))
    assert connection.execute(sa.select(users.c.email_verified_at)).scalar_one() is None
