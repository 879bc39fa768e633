"""The declarative base: naming convention, the UTC datetime type, column defaults."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy import orm as so
from sqlalchemy.types import TypeDecorator

from diary.clock import utcnow

# Every constraint gets a name: SQLite batch migrations cannot drop an unnamed one.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps stored as naive UTC; naive input is refused.

    The SQLAlchemy recipe "Store Timezone Aware Timestamps as Timezone Naive UTC".
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Refuse naive datetimes; store aware ones as naive UTC."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime refused: store aware UTC timestamps")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        """Return stored values as aware UTC datetimes."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC)

    def __repr__(self) -> str:
        """Render as the importable name so Alembic writes usable migrations."""
        return "UTCDateTime()"


class Base(so.DeclarativeBase):
    """The base of every model."""

    registry = so.registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def utc_now() -> datetime:
    """Default for created/updated columns (the app clock where a request is active)."""
    if has_app_context():
        return utcnow()
    return datetime.now(UTC)
