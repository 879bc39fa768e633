"""When a reminder is next due, on plain values: no Flask, no database.

A reminder names a wall time in the patient's IANA zone; the answers are aware UTC moments.
The daylight-saving rule (docs/reminders.md, Time):

- A wall time that does not exist that day (the spring-forward gap) is sent at the first
  instant after the gap: a 02:30 reminder in Berlin on 29 March 2026 goes at 03:00 CEST.
- A wall time that exists twice (autumn) is sent once, at its first occurrence (fold=0):
  02:30 in Berlin on 25 October 2026 goes at 02:30 CEST, not again at 02:30 CET.

Every `*_after` function answers the first occurrence strictly after `after`, or None.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
EVERY_DAY = 0b1111111
# "8 weeks of remission" before the weekly check-in is offered (the rule).
WEEKLY_OFFER_WEEKS = 8
# A weekly "any spasms this week?" looks back over the seven days ending on its own day.
WEEK_DAYS = 7

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)\Z")


@dataclass(frozen=True, slots=True, order=True)
class Occurrence:
    """One due moment: its UTC instant and the local day and wall time it stands for."""

    due_at: datetime
    local_day: date
    local_minute: int


@dataclass(frozen=True, slots=True)
class Visit:
    """A follow-up appointment on a local day at a local wall time."""

    day: date
    minute: int


@dataclass(frozen=True, slots=True)
class DoseTimes:
    """A medication regimen's local dose times over its days (stopped_on inclusive)."""

    started_on: date
    stopped_on: date | None
    minutes: tuple[int, ...]


def clock(minute: int) -> str:
    """Minutes after midnight as "HH:MM"."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def minute_of(text: str) -> int:
    """ "HH:MM" as minutes after midnight; ValueError for anything else."""
    match = _CLOCK.match(text)
    if not match:
        raise ValueError(f"not a time of day: {text!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


def minutes_of(times: Iterable[str]) -> tuple[int, ...]:
    """Dose times as sorted distinct minutes; times that cannot be read are left out."""
    found = set()
    for text in times:
        try:
            found.add(minute_of(text))
        except (TypeError, ValueError):
            continue
    return tuple(sorted(found))


def instant_of(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time, by the daylight-saving rule above."""
    wall = datetime.combine(day, time(minute // 60, minute % 60))
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _local(first, zone) == wall:
        return first  # it exists: once, or this is the first of two
    return _end_of_gap(wall, zone)


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall time of an instant."""
    return moment.astimezone(zone).replace(tzinfo=None)


def _end_of_gap(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant whose local wall time is at or after `wall`, which lies in a gap.

    fold=0 and fold=1 read the missing wall time with the offsets on either side of the
    transition, so the transition lies between the two instants; a search over whole
    seconds finds it whatever the zone's gap (an hour, half an hour, a skipped day).
    """
    candidates = sorted(
        wall.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)
    )
    low, high = candidates
    while (high - low) > timedelta(seconds=1):
        middle = low + timedelta(seconds=int((high - low).total_seconds()) // 2)
        if _local(middle, zone) >= wall:
            high = middle
        else:
            low = middle
    return high


def _local_start(after: datetime, zone: ZoneInfo) -> date:
    """The first local day worth looking at: the day before `after`'s local date.

    A gap at midnight moves a late wall time of the day before past `after`.
    """
    return after.astimezone(zone).date() - timedelta(days=1)


def check_in_after(
    after: datetime, zone: ZoneInfo, minute: int, weekdays: int
) -> Occurrence | None:
    """The check-in reminder: `minute` on the weekdays of the mask (bit n = date.weekday() n)."""
    if not weekdays & EVERY_DAY:
        return None
    start = _local_start(after, zone)
    for offset in range(WEEK_DAYS + 2):
        day = start + timedelta(days=offset)
        if weekdays & (1 << day.weekday()):
            moment = instant_of(day, minute, zone)
            if moment > after:
                return Occurrence(moment, day, minute)
    return None


def injection_due_after(
    after: datetime,
    zone: ZoneInfo,
    minute: int,
    *,
    last_injection: date | None,
    reference_surgery: date | None,
    weeks_after: int,
    notice_days: int,
) -> Occurrence | None:
    """The injection reminder: `notice_days` before `weeks_after` weeks from the last one.

    After the reference surgery (an MVD) injections usually stop, and so does the reminder,
    unless an injection was given after that surgery.
    """
    if last_injection is None:
        return None
    if reference_surgery is not None and last_injection <= reference_surgery:
        return None
    day = last_injection + timedelta(weeks=weeks_after) - timedelta(days=notice_days)
    moment = instant_of(day, minute, zone)
    return Occurrence(moment, day, minute) if moment > after else None


def follow_up_after(
    after: datetime, zone: ZoneInfo, minute: int, *, notice_days: int, visits: Iterable[Visit]
) -> Occurrence | None:
    """The follow-up reminder: at `minute`, `notice_days` before each visit (never after it)."""
    best: Occurrence | None = None
    for visit in visits:
        day = visit.day - timedelta(days=notice_days)
        moment = instant_of(day, minute, zone)
        if moment <= after or moment >= instant_of(visit.day, visit.minute, zone):
            continue
        if best is None or moment < best.due_at:
            best = Occurrence(moment, day, minute)
    return best


def medication_after(
    after: datetime, zone: ZoneInfo, regimens: Iterable[DoseTimes]
) -> Occurrence | None:
    """The dose reminder: each regimen's times on each of its days; shared times come once."""
    start = _local_start(after, zone)
    best: Occurrence | None = None
    for regimen in regimens:
        first = max(start, regimen.started_on)
        # Within three days of `first` a regimen that still runs has a time after `after`.
        for offset in range(3):
            day = first + timedelta(days=offset)
            if regimen.stopped_on is not None and day > regimen.stopped_on:
                break
            found = next(
                (
                    Occurrence(moment, day, m)
                    for m in regimen.minutes
                    if (moment := instant_of(day, m, zone)) > after
                ),
                None,
            )
            if found is not None:
                if best is None or found < best:
                    best = found
                break
    return best


def weeks_without_spasms(
    remission_start: date | None,
    recurrence_on: date | None,
    last_spasm: date | None,
    today: date,
) -> int:
    """Whole weeks of remission without a spasm day, up to today (0 when not in remission)."""
    if remission_start is None or recurrence_on is not None:
        return 0
    since = remission_start
    if last_spasm is not None and last_spasm >= since:
        since = last_spasm + timedelta(days=1)
    return max(0, (today - since).days // WEEK_DAYS)


def offers_weekly(weeks: int) -> bool:
    """Whether a long enough remission earns the offer of a weekly check-in reminder."""
    return weeks >= WEEKLY_OFFER_WEEKS
