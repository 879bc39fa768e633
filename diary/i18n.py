"""Words and dates as a person reads them: the one place the app reaches Flask-Babel.

Every string a person reads goes through `gettext`/`ngettext` (module-level label tables
through `lazy_gettext`), and every date or time a person reads through the formatting
functions below, so a translation adds a catalogue and changes no wording code
(docs/wording.md). Files and form fields keep ISO dates; pages and mail use these.

The locale of a request is the account's own choice, else the browser's Accept-Language
among the offered locales, else the default (`select_locale`). Outside a request (mail sent by
the scheduler, the CLI) it is the default, unless the code speaks to one person: then it runs
inside `speaking_to(user)`, which forces that person's locale (docs/wording.md, Languages).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

from babel import Locale
from babel import dates as babel_dates
from flask import Flask, current_app, has_app_context, has_request_context, request, session
from flask_babel import Babel, force_locale, get_locale, gettext, lazy_gettext, ngettext
from flask_login import current_user

__all__ = [
    "as_day",
    "clock_time",
    "day_month",
    "browser_first_choice",
    "browser_locale",
    "gettext",
    "init_app",
    "lazy_gettext",
    "locale_to_store",
    "locale_name",
    "long_date",
    "medium_date",
    "month_year",
    "ngettext",
    "offered_locales",
    "preferred_locale",
    "short_date",
    "speaking_to",
]

# The locales the app can speak; the first is the default. English is written in British
# style ("Tuesday, 10 March 2026"), the style of the clinics the app serves. A locale is
# offered to people (setting OFFERED_LOCALES) once its catalogue is complete.
LOCALES = ("en_GB",)

babel = Babel()
# A visitor's own choice of language, kept in the session until they log in.
VISITOR_LOCALE_KEY = "locale"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


class HasLocale(Protocol):
    """A person the app speaks to: an account's stored choice, or None for no choice yet."""

    locale: str | None


def offered_locales() -> tuple[str, ...]:
    """The locales people may choose or be given, the default first."""
    if not has_app_context():
        return LOCALES
    return tuple(current_app.config.get("OFFERED_LOCALES") or LOCALES)


def _matching(tag: str, offered: tuple[str, ...]) -> str | None:
    """The offered locale for one language tag: the same tag, else the same language."""
    wanted = tag.replace("-", "_").lower()
    for locale in offered:
        if locale.lower() == wanted:
            return locale
    language = wanted.split("_")[0]
    return next((loc for loc in offered if loc.split("_")[0].lower() == language), None)


def _accepted() -> list[str]:
    """The browser's Accept-Language tags, most wanted first (none outside a request)."""
    if not has_request_context():
        return []
    return [tag for tag, quality in request.accept_languages if quality > 0 and tag != "*"]


def browser_locale() -> str | None:
    """The offered locale nearest the browser's most wanted language that has one, or None.

    A region the app does not have takes its language ("de-AT" gets "de_DE").
    """
    offered = offered_locales()
    return next(filter(None, (_matching(tag, offered) for tag in _accepted())), None)


def browser_first_choice() -> str | None:
    """The offered locale of the browser's first language, or None when that is not offered.

    What a login stores for an account without a choice: a browser that puts German first
    and English second is not stored as English while German is not offered yet, so it gets
    German once it is (docs/wording.md, Languages).
    """
    accepted = _accepted()
    return _matching(accepted[0], offered_locales()) if accepted else None


def locale_to_store() -> str | None:
    """What a login stores for an account without a choice: the language the visitor chose
    on the login or registration page, else the browser's first language if offered."""
    if has_request_context() and session.get(VISITOR_LOCALE_KEY) in offered_locales():
        return session[VISITOR_LOCALE_KEY]
    return browser_first_choice()


def preferred_locale() -> str:
    """The browser's locale among the offered ones, else the default."""
    return browser_locale() or offered_locales()[0]


def select_locale() -> str:
    """Flask-Babel's locale selector: the person's choice, the browser's, or the default.

    The choice is the account's (`users.locale`), or a visitor's from the language switch.

    Checks for a request first: the scheduler and the CLI run without one, and must never
    fail on it (they use `speaking_to` for a person's mail).
    """
    offered = offered_locales()
    if not has_request_context():
        return offered[0]
    chosen = getattr(current_user, "locale", None) if current_user else None
    if chosen in offered:
        return chosen
    if session.get(VISITOR_LOCALE_KEY) in offered:
        return session[VISITOR_LOCALE_KEY]
    return preferred_locale()


@contextmanager
def speaking_to(person: HasLocale | None) -> Iterator[None]:
    """Words and dates in `person`'s locale inside the block (a reminder's mail).

    Needs an application context: without one Flask-Babel's force_locale silently does
    nothing, so this refuses to run rather than send mail in the wrong language.
    """
    if not has_app_context():
        raise RuntimeError("speaking_to needs an application context")
    locale = getattr(person, "locale", None)
    with force_locale(locale if locale in offered_locales() else offered_locales()[0]):
        yield


def init_app(app: Flask) -> None:
    app.config.setdefault("OFFERED_LOCALES", LOCALES)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["OFFERED_LOCALES"][0])
    # The catalogues live beside the templates, at the top of the project (make translations).
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    babel.init_app(app, locale_selector=select_locale)
    app.add_template_global(html_lang)
    # The language switch of the login and registration pages (templates/auth/_language_switch.html).
    app.add_template_global(offered_locales)
    app.add_template_global(locale_name)
    app.add_template_global(current_locale)
    for formatter in (long_date, medium_date, short_date, day_month, month_year, clock_time):
        app.add_template_filter(formatter)
    app.add_template_filter(as_day)


def as_day(value: date | str | None) -> date | None:
    """A date, from a date or the ISO text a JSON payload carries ("2026-03-10"), for a page
    that formats a payload's dates (templates/macros/dates.html)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _locale():
    # get_locale() answers None outside any application context (a pure script).
    return get_locale() or LOCALES[0]


def locale_name(locale: str) -> str:
    """A locale named in its own language ("English (United Kingdom)", "Deutsch
    (Deutschland)"), so that a visitor finds theirs whatever the page's language."""
    return Locale.parse(locale).get_display_name(locale)


def current_locale() -> str:
    """The page's locale as the app spells it ("en_GB"), to mark the switch's current choice."""
    return str(_locale())


def html_lang() -> str:
    """The page's `<html lang>`: the locale as a language tag ("en-GB")."""
    return str(_locale()).replace("_", "-")


def long_date(day: date) -> str:
    """The weekday and the date in words: "Tuesday, 10 March 2026"."""
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


def short_month(day: date) -> str:
    """A month's short name, for a chart's axis: "Mar"."""
    return babel_dates.format_skeleton("MMM", day, locale=_locale())


def month_year(day: date) -> str:
    """A month of a chart or table: "March 2026"."""
    return babel_dates.format_skeleton("yMMMM", day, locale=_locale())


def clock_time(moment: datetime) -> str:
    """The wall-clock time of an aware datetime, in its own zone: "14:05"."""
    return babel_dates.format_time(moment, "HH:mm", tzinfo=moment.tzinfo, locale=_locale())


def weekday(day: date) -> str:
    """The short name of a day of the week, for column heads such as the 14-day strip's: "Tue"."""
    return babel_dates.format_skeleton("E", day, locale=_locale())
