"""The follow-up schedule: offsets after surgery ("1w,1m,3m,6m,9m,12m"), then yearly.

Pure date arithmetic, no Flask and no session, so the clinic list, the review page, the
settings form and the patient's follow-up reminder share one rule. Published series see
patients at 1 week, 1, 3, 6, 9 and 12 months, then yearly (docs/clinical.md, Follow-up
visits). A month after 31 January is the last day of February: month arithmetic is clamped
to the end of the shorter month. A recorded visit (an assessment's visit date) fulfils the
suggested visit nearest to it, and the next one becomes due (`fulfilled_visits`, `next_due`;
docs/clinic.md, The follow-up schedule).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta

UNITS = {"d": "day", "w": "week", "m": "month", "y": "year"}
# Approximate lengths, only to check that a schedule runs forwards.
_ROUGH_DAYS = {"d": 1.0, "w": 7.0, "m": 30.44, "y": 365.25}
_OFFSET = re.compile(r"(\d{1,3})\s*([dwmy])")
MAX_OFFSETS = 20
# Ten years: a schedule further out than that is a typing mistake.
MAX_ROUGH_DAYS = 3660
# A recorded visit fulfils a suggested visit at most this many days away (docs/clinic.md,
# The follow-up schedule): a month either side is the slack of booking an outpatient slot.
FULFIL_DAYS = 31
# The clinic's view keeps a suggested visit nobody recorded as the next one, overdue, for as
# long as a recorded visit could still fulfil it; then the following one is next. The
# patient's reminders look only forwards (overdue_days=0).
OVERDUE_DAYS = FULFIL_DAYS


# Why a schedule text cannot be used, by code, in English (logs, tests). This module cannot
# translate: the form says it in the reader's language from the code and its parameters
# (diary/clinic/wording.py; docs/wording.md, Strings).
PROBLEMS = {
    "empty": "Give at least one visit, for example 1w,1m,3m,6m,9m,12m.",
    "not_an_offset": "“{part}” is not an offset: write a number and d, w, m or y, for example 3m.",
    "same_day": "Each visit must be at least one day after surgery.",
    "too_many": "Give at most {most} visits; after the last one, visits are yearly.",
    "not_in_order": "List the visits from the earliest to the latest, each one later.",
    "too_far": "The last visit must be within ten years of surgery.",
}


class ScheduleError(ValueError):
    """A schedule text that cannot be used: `code` (one of PROBLEMS) and its `params` say why,
    for the form; the message is the English of it."""

    def __init__(self, code: str, **params) -> None:
        super().__init__(PROBLEMS[code].format(**params))
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class Offset:
    """One visit's distance from surgery: an amount of days, weeks, months or years."""

    amount: int
    unit: str  # one of UNITS

    @property
    def months(self) -> int | None:
        """The offset in whole months, for month and year offsets; None for days and weeks."""
        if self.unit == "m":
            return self.amount
        if self.unit == "y":
            return 12 * self.amount
        return None

    @property
    def label(self) -> str:
        """As a person says it: "1 week", "3 months"."""
        noun = UNITS[self.unit]
        return f"{self.amount} {noun}{'' if self.amount == 1 else 's'}"

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


@dataclass(frozen=True, slots=True)
class After:
    """How long after surgery a visit is: an offset, and for the yearly visits after a day or
    week offset, whole years more ("1 week and 2 years"). Plain values, so that a page says
    it in its reader's language (diary/clinic/wording.py)."""

    offset: Offset
    years: int = 0

    @property
    def label(self) -> str:
        """In English: "3 months", "1 week and 1 year"."""
        if not self.years:
            return self.offset.label
        return f"{self.offset.label} and {self.years} year{'' if self.years == 1 else 's'}"


# The English label as attention.py stores it: "3 months after surgery" (parse_label).
_LABEL = re.compile(r"(\d+) (day|week|month|year)s?(?: and (\d+) years?)?(?: after surgery)?")
_UNIT_OF = {noun: unit for unit, noun in UNITS.items()}


def parse_label(text: str | None) -> After | None:
    """The visit an English label names ("3 months after surgery"), or None: the clinic's
    list stores the label (patient_attention.next_due_label) and says it again in the
    reader's language from this."""
    match = _LABEL.fullmatch(text or "")
    if match is None:
        return None
    amount, noun, years = match.groups()
    return After(Offset(int(amount), _UNIT_OF[noun]), int(years or 0))


@dataclass(frozen=True, slots=True)
class Visit:
    """A suggested follow-up visit: when after surgery, and on which date."""

    label: str  # in English; `after` says the same as plain values
    due_on: date
    # The recorded visit that fulfilled this suggestion (fulfilled_visits), or None.
    seen_on: date | None = None
    after: After | None = None


def parse_schedule(text: str) -> tuple[Offset, ...]:
    """Offsets from text like "1w, 1m, 3m"; raises ScheduleError with a readable message."""
    parts = [p.strip().lower() for p in (text or "").split(",")]
    if not any(parts):
        raise ScheduleError("empty")
    offsets: list[Offset] = []
    for part in parts:
        match = _OFFSET.fullmatch(part)
        if match is None:
            raise ScheduleError("not_an_offset", part=part or "(empty)")
        offset = Offset(int(match.group(1)), match.group(2))
        if offset.amount < 1:
            raise ScheduleError("same_day")
        offsets.append(offset)
    if len(offsets) > MAX_OFFSETS:
        raise ScheduleError("too_many", most=MAX_OFFSETS)
    rough = [o.amount * _ROUGH_DAYS[o.unit] for o in offsets]
    if any(later <= earlier for earlier, later in zip(rough, rough[1:], strict=False)):
        raise ScheduleError("not_in_order")
    if rough[-1] > MAX_ROUGH_DAYS:
        raise ScheduleError("too_far")
    return tuple(offsets)


def format_schedule(offsets: tuple[Offset, ...]) -> str:
    """The stored form of a schedule: "1w,1m,3m"."""
    return ",".join(str(o) for o in offsets)


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def offset_date(surgery_on: date, offset: Offset) -> date:
    """The date an offset after surgery falls on."""
    if offset.months is not None:
        return add_months(surgery_on, offset.months)
    return surgery_on + timedelta(days=offset.amount * (7 if offset.unit == "w" else 1))


def visits(surgery_on: date, offsets: tuple[Offset, ...]) -> Iterator[Visit]:
    """Every suggested visit in order: the offsets, then yearly after the last, without end."""
    for offset in offsets:
        yield Visit(offset.label, offset_date(surgery_on, offset), after=After(offset))
    last = offsets[-1]
    years = 0
    while True:
        years += 1
        if last.months is not None:
            months = last.months + 12 * years
            after = After(Offset(months // 12, "y") if months % 12 == 0 else Offset(months, "m"))
            yield Visit(after.label, add_months(surgery_on, months), after=after)
        else:
            after = After(last, years)
            yield Visit(after.label, add_months(offset_date(surgery_on, last), 12 * years),
                        after=after)


def fulfilled_visits(
    surgery_on: date, offsets: tuple[Offset, ...], recorded_visits: Iterable[date] = ()
) -> Iterator[Visit]:
    """Every suggested visit in order, each with the recorded visit that fulfilled it, if any.

    The rule (docs/clinic.md, The follow-up schedule): a recorded visit fulfils the suggested
    visit nearest to it, when that one is at most FULFIL_DAYS away. So its window reaches half
    way to the suggested visits on either side (to the surgery itself before the first one),
    and at most FULFIL_DAYS. On a tie the earlier one is fulfilled, and the later stays due;
    suggested visits falling on one date are fulfilled together. A visit nearer to the surgery
    than to the first suggested visit fulfils none; several visits may fulfil one suggestion
    (`seen_on` is the one nearest its date, the earlier on a tie).
    """
    recorded = sorted(set(recorded_visits))
    previous = surgery_on
    group: list[Visit] = []
    for visit in visits(surgery_on, offsets):
        if group and visit.due_on != group[0].due_on:
            seen = _nearest_within(recorded, previous, group[0].due_on, visit.due_on)
            yield from (replace(v, seen_on=seen) for v in group)
            previous, group = group[0].due_on, []
        group.append(visit)


def _nearest_within(recorded: list[date], previous: date, due_on: date, following: date) -> date | None:
    """The recorded visit nearest to `due_on` among those whose nearest suggestion it is.

    A visit belongs to `due_on` when it is nearer to it than to `previous` (a tie goes to
    `previous`), at least as near as to `following`, and at most FULFIL_DAYS away.
    """
    best: date | None = None
    for day in recorded:
        distance = abs((day - due_on).days)
        if (
            distance <= FULFIL_DAYS
            and distance < abs((day - previous).days)
            and distance <= abs((following - day).days)
            and (best is None or distance < abs((best - due_on).days))
        ):
            best = day
    return best


def visits_until(
    surgery_on: date, offsets: tuple[Offset, ...], today: date, recorded_visits: Iterable[date] = (),
    overdue_days: int = 0,
) -> list[Visit]:
    """The suggested visits up to and including the next one due (`next_due`).

    An unfulfilled visit up to `overdue_days` old is next, unless the one after it is due
    too (today or earlier): then the later one is what the clinic should see the patient for.
    """
    earliest = today - timedelta(days=overdue_days)
    shown: list[Visit] = []
    candidate: Visit | None = None
    for visit in fulfilled_visits(surgery_on, offsets, recorded_visits):
        if candidate is not None:
            if visit.due_on > today:
                return shown
            candidate = None  # superseded by a visit due as well
        shown.append(visit)
        if visit.due_on >= earliest and visit.seen_on is None:
            if visit.due_on >= today:
                return shown
            candidate = visit
    return shown  # pragma: no cover  (visits() never ends)


def next_due(
    surgery_on: date, offsets: tuple[Offset, ...], today: date, recorded_visits: Iterable[date] = (),
    overdue_days: int = 0,
) -> Visit:
    """The next suggested visit: the first no recorded visit fulfilled, due on or after
    `today` less `overdue_days`.

    `surgery_on` is the reference surgery, `offsets` the clinic's schedule (parse_schedule),
    `today` the patient's local date, `recorded_visits` the dates of the visits the clinic
    recorded (its assessments' visit dates, in any order). The clinic list and the review page
    pass OVERDUE_DAYS, so a visit nobody recorded stays next, overdue, while a recorded visit
    could still fulfil it; the patient's follow-up reminder passes 0 and looks only forwards
    (docs/clinic.md, The follow-up schedule).
    """
    return visits_until(surgery_on, offsets, today, recorded_visits, overdue_days)[-1]


def schedule_or_default(text: str | None, default: str) -> tuple[Offset, ...]:
    """A stored schedule, or the default when the stored text is unusable."""
    try:
        return parse_schedule(text or default)
    except ScheduleError:
        return parse_schedule(default)
