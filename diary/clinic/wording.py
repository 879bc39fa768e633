"""The follow-up schedule's words in the reader's language.

diary/clinic/schedule.py is pure and cannot translate (docs/architecture.md, Pure modules):
it gives a visit's distance from surgery and a refused schedule's reason as plain values, and
this module says them through gettext and ngettext (docs/wording.md, Strings).
"""

from __future__ import annotations

from diary.clinic.schedule import After, Offset, ScheduleError, Visit, parse_label
from diary.i18n import gettext, ngettext


def offset_words(offset: Offset) -> str:
    """An offset as a person says it: "1 week", "3 months"."""
    if offset.unit == "d":
        return ngettext("%(num)d day", "%(num)d days", offset.amount)
    if offset.unit == "w":
        return ngettext("%(num)d week", "%(num)d weeks", offset.amount)
    if offset.unit == "m":
        return ngettext("%(num)d month", "%(num)d months", offset.amount)
    return ngettext("%(num)d year", "%(num)d years", offset.amount)


def after_words(after: After) -> str:
    """How long after surgery: "3 months", "1 week and 2 years"."""
    if not after.years:
        return offset_words(after.offset)
    return gettext("%(offset)s and %(years)s", offset=offset_words(after.offset),
                   years=ngettext("%(num)d year", "%(num)d years", after.years))


def visit_words(visit: Visit) -> str:
    """A suggested visit's distance from surgery, for the review page and the reminders."""
    return after_words(visit.after) if visit.after is not None else visit.label


def next_visit_words(stored: str | None) -> str | None:
    """The clinic list's next visit, "3 months after surgery", from the English label the list
    stores (clinic/attention.py); a label it cannot read is shown as stored."""
    after = parse_label(stored)
    if after is None:
        return stored
    return gettext("%(after)s after surgery", after=after_words(after))


def schedule_problem(error: ScheduleError) -> str:
    """Why a schedule text was refused, for the clinic's settings form."""
    code, params = error.code, error.params
    if code == "empty":
        return gettext("Give at least one visit, for example 1w,1m,3m,6m,9m,12m.")
    if code == "not_an_offset":
        part = params["part"] if params["part"] != "(empty)" else gettext("(empty)")
        return gettext("“%(part)s” is not an offset: write a number and d, w, m or y, for "
                       "example 3m.", part=part)
    if code == "same_day":
        return gettext("Each visit must be at least one day after surgery.")
    if code == "too_many":
        return gettext("Give at most %(most)d visits; after the last one, visits are yearly.",
                       most=params["most"])
    if code == "not_in_order":
        return gettext("List the visits from the earliest to the latest, each one later.")
    return gettext("The last visit must be within ten years of surgery.")
