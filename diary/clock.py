"""The one source of the current time, so tests can pin it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from diary.config import setting


def system_now() -> datetime:
    """The real current moment, aware, in UTC."""
    return datetime.now(UTC)


def utcnow() -> datetime:
    """The app's current moment in UTC; tests replace app.config['CLOCK']."""
    clock: Callable[[], datetime] = setting("CLOCK") or system_now
    return clock()


def local_today(tz_name: str, now: datetime | None = None) -> date:
    """The calendar date in the given IANA zone at `now` (default: the app clock)."""
    moment = now or utcnow()
    return moment.astimezone(ZoneInfo(tz_name)).date()
