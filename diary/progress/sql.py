"""Calendar bucketing in SQL that reads the same on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class week_start(FunctionElement):  # noqa: N801  (reads as a SQL function)
    """The Monday of a date's ISO week, as a date."""

    type = sa.Date()
    inherit_cache = True


class month_start(FunctionElement):  # noqa: N801
    """The first day of a date's month, as a date."""

    type = sa.Date()
    inherit_cache = True


@compiles(week_start, "sqlite")
def _week_start_sqlite(element, compiler, **kw):
    """SQLite: step back (weekday + 6) % 7 days; %w is 0 for Sunday."""
    day = compiler.process(element.clauses, **kw)
    return f"date({day}, '-' || ((CAST(strftime('%w', {day}) AS INTEGER) + 6) % 7) || ' days')"


@compiles(week_start, "postgresql")
def _week_start_postgresql(element, compiler, **kw):
    """PostgreSQL: date_trunc('week') starts on Monday."""
    return f"CAST(date_trunc('week', CAST({compiler.process(element.clauses, **kw)} AS TIMESTAMP)) AS DATE)"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element, compiler, **kw):
    """SQLite: the same year and month, day 01."""
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


@compiles(month_start, "postgresql")
def _month_start_postgresql(element, compiler, **kw):
    """PostgreSQL: date_trunc('month')."""
    return f"CAST(date_trunc('month', CAST({compiler.process(element.clauses, **kw)} AS TIMESTAMP)) AS DATE)"
