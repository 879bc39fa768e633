"""Words and dates as a person reads them: the one place the app reaches Flask-Babel.

Every string a person reads goes through `gettext`/`ngettext` (module-level label tables
through `lazy_gettext`), and every date or time a person reads through the formatting
functions below, so a translation adds a catalogue and changes no wording code
(docs/wording.md). Files and form fields keep ISO dates; pages and mail use these.

Outside a request (mail sent by the scheduler, the CLI) Flask-Babel falls back to the
default locale, so the same call works everywhere.
"""

from __future__ import annotations

from datetime import date, datetime

from babel import dates as babel_dates
from flask import Flask
from flask_babel import Babel, get_locale, gettext, lazy_gettext, ngettext

__all__ = [
    "clock_time",
    "day_month",
    "gettext",
    "init_app",
    "lazy_gettext",
    "long_date",
    "medium_date",
    "month_year",
    "ngettext",
    "short_date",
]

# The locales the app speaks; the first is the default. English is written in British style
# ("Tuesday 10 March 2026"), the style of the clinics the app serves.
LOCALES = ("en_GB",)

babel = Babel()


def _select_locale() -> str:
    return LOCALES[0]


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LOCALES[0])
    babel.init_app(app, locale_selector=_select_locale)
    for formatter in (long_date, medium_date, short_date, day_month, month_year, clock_time):
        app.add_template_filter(formatter)


def _locale():
    # get_locale() answers None outside any application context (a pure script).
    return get_locale() or LOCALES[0]


def long_date(day: date) -> str:
    """The weekday and the date in words: "Tuesday 10 March 2026"."""
    return babel_dates.format_date(day, "full", locale=_locale())


def medium_date(day: date) -> str:
    """The date in words without the weekday: "10 March 2026"."""
    return babel_dates.format_date(day, "long", locale=_locale())


def short_date(day: date) -> str:
    """A compact date for strips and tables: "Tue 10 Mar"."""
    return babel_dates.format_skeleton("MMMEd", day, locale=_locale())


def day_month(day: date) -> str:
    """Day and month, for a date in the current year's context: "10 March"."""
    return babel_dates.format_skeleton("MMMMd", day, locale=_locale())


def month_year(day: date) -> str:
    """A month of a chart or table: "March 2026"."""
    return babel_dates.format_skeleton("yMMMM", day, locale=_locale())


def clock_time(moment: datetime) -> str:
    """The wall-clock time of an aware datetime, in its own zone: "14:05"."""
    return babel_dates.format_time(moment, "HH:mm", tzinfo=moment.tzinfo, locale=_locale())


def weekday(day: date) -> str:
    """The short name of a day of the week, for column heads such as the 14-day strip's: "Tue"."""
    return babel_dates.format_skeleton("E", day, locale=_locale())
