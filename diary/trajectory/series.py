"""Daily series on plain values: a missing day is absent, never zero."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from diary.trajectory import rules

# A diary as the maths sees it: local date -> number of spasms that day. A day that is not a
# key is missing; a key with 0 is a day the patient said had no spasms.
Diary = Mapping[date, int]


@dataclass(frozen=True, slots=True)
class WindowMean:
    """The mean spasms per logged day over a window, with how many days were logged."""

    start: date
    end: date  # inclusive
    mean: float | None
    logged_days: int

    @property
    def window_days(self) -> int:
        """Calendar days in the window."""
        return (self.end - self.start).days + 1


def days(start: date, end: date) -> Iterator[date]:
    """Every calendar day from start to end, inclusive."""
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def window_mean(diary: Diary, start: date, end: date) -> WindowMean:
    """Mean spasms per logged day between two dates (inclusive); missing days are skipped."""
    values = [diary[d] for d in days(start, end) if d in diary] if end >= start else []
    mean = sum(values) / len(values) if values else None
    return WindowMean(start=start, end=end, mean=mean, logged_days=len(values))


def rolling_means(
    diary: Diary, start: date, end: date, width: int = rules.ROLLING_MEAN_DAYS
) -> dict[date, float | None]:
    """For each day, the mean over the logged days of the `width` days ending on it.

    One pass over day numbers (ordinals) with a running sum: this runs for every day of a
    three-year chart on every request.
    """
    first = start.toordinal() - (width - 1)
    last = end.toordinal()
    if last < start.toordinal():
        return {}
    values: list[int | None] = [None] * (last - first + 1)
    for day, count in diary.items():
        offset = day.toordinal() - first
        if 0 <= offset < len(values):
            values[offset] = count
    result: dict[date, float | None] = {}
    total = 0
    logged = 0
    for i, value in enumerate(values):
        if value is not None:
            total += value
            logged += 1
        if i >= width and values[i - width] is not None:
            total -= values[i - width]
            logged -= 1
        if i >= width - 1:
            result[date.fromordinal(first + i)] = total / logged if logged else None
    return result


def last_spasm_day(diary: Diary, until: date | None = None) -> date | None:
    """The latest logged day with at least one spasm (up to `until` when given)."""
    spasm_days = [d for d, n in diary.items() if n > 0 and (until is None or d <= until)]
    return max(spasm_days) if spasm_days else None


def last_logged_day(diary: Diary, until: date | None = None) -> date | None:
    """The latest logged day (up to `until` when given)."""
    logged = [d for d in diary if until is None or d <= until]
    return max(logged) if logged else None
