"""Browser tests: the app served from a thread, driven by Debian's Chromium through Playwright.

- The server is werkzeug's `make_server` on 127.0.0.1 and a free port, one per test, on its
  own copy of a file SQLite database migrated once per session (docs/pitfalls.md, Browser tests).
- CSRF is on: the browser sends the real tokens. Mail lands in the test's outbox folder
  (read it with tests/conftest.py's `mailbox`); `make_user` creates accounts directly.
- The app's clock is a FrozenClock at Tuesday, 10 March 2026, 12:00 UTC; a test moves it with
  the `clock` fixture (`clock.advance(hours=2)`), the server sees the change at once.
- Playwright never downloads a browser: it launches /usr/bin/chromium (or $CHROMIUM).
- The `page` fixture is a 360x740 phone in Berlin time. It watches the browser and fails the
  test at teardown, with a list, on any console error, CSP violation, page error, request to
  another host, or server error (tests/e2e/watch.py). A test that expects a console error
  says so with `browser_problems.allow(regex)`.
- Call `check_page(page)` (tests/e2e/checks.py) on every page a test reaches: it fails at once
  on a problem seen so far, on a serious or critical axe-core violation, and on sideways
  scrolling at 360 px. Shared steps (register, log in) are in tests/e2e/flows.py.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page

from tests.conftest import (
    FrozenClock,
    TemplateDatabase,
    base_config,
    fresh_database_url,
    migrate_database,
)
from tests.e2e.checks import PHONE
from tests.e2e.watch import BrowserProblems, ServerLog, collect_pending, watch_context
from tests.serving import serving

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
E2E_DIR = Path(__file__).resolve().parent


# When the browser drops a connection while a static file is being sent (it navigates while
# a stylesheet loads), werkzeug's threaded server leaves that file to the garbage collector,
# whose ResourceWarning lands in whichever test runs then. Only files under static/ are
# forgiven: any other file left open still fails the suite.
STATIC_FILE_LEFT_BY_A_DROPPED_CONNECTION = pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <_io\.FileIO name='[^']*/static/[^']*' mode='rb'"
    ":pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(config, items) -> None:
    """Mark every test in this folder `e2e` (hooks here see the whole session's items)."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(STATIC_FILE_LEFT_BY_A_DROPPED_CONNECTION)


# --- the server -------------------------------------------------------------------------------


@dataclass
class LiveServer:
    """The app under test, served over HTTP from a thread."""

    url: str
    app: Flask
    clock: FrozenClock
    outbox: Path

    def at(self, path: str) -> str:
        """An absolute URL on this server."""
        return self.url + path


@pytest.fixture(scope="session")
def e2e_template_database(tmp_path_factory) -> TemplateDatabase:
    """A file SQLite database migrated once per session; every test serves a copy.

    The browser tests always use SQLite, whatever TEST_DATABASE_URL says: they test pages,
    and the PostgreSQL pass covers the database.
    """
    instance = tmp_path_factory.mktemp("e2e-template")
    path = instance / "template.sqlite3"
    url = f"sqlite:///{path}"
    migrate_database(instance, url)
    return TemplateDatabase("sqlite", url, path)


@pytest.fixture
def live_server(e2e_template_database, tmp_path, clock, app_config) -> Iterator[LiveServer]:
    """The app on its own database copy, served on 127.0.0.1 and a free port."""
    instance = tmp_path / "instance"
    instance.mkdir()
    config = base_config(instance, fresh_database_url(e2e_template_database, instance))
    config.update(
        {
            "CLOCK": clock,
            "WTF_CSRF_ENABLED": True,
            # Render the app's own error page instead of re-raising into werkzeug; the
            # failure is still reported through the logged traceback and the 500 status.
            "PROPAGATE_EXCEPTIONS": False,
        }
    )
    config.update(app_config)
    app = create_e2e_app(config)
    with serving(app) as url:
        yield LiveServer(url=url, app=app, clock=clock, outbox=Path(app.config["MAIL_OUTBOX"]))


def create_e2e_app(config: dict) -> Flask:
    """The factory, imported late so collecting tests needs no app."""
    from diary.app import create_app

    return create_app(config)


@pytest.fixture
def app(live_server) -> Flask:
    """The served app: conftest's make_user and outbox fixtures then work on its database."""
    return live_server.app


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args) -> dict:
    """Debian's Chromium, headless unless --headed; Playwright never downloads a browser."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}: CI needs the browser tests.", pytrace=False)
        pytest.skip(message)
    return {
        "headless": True,
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def browser_context_args(browser_context_args, live_server) -> dict:
    """A phone: 360x740, Berlin time, British English, pointed at the live server."""
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "viewport": dict(PHONE),
        "locale": "en-GB",
        "timezone_id": "Europe/Berlin",
    }


@pytest.fixture
def browser_problems(live_server) -> Iterator[BrowserProblems]:
    """What the `page` fixture saw go wrong; a test may allow expected console errors."""
    parts = urlsplit(live_server.url)
    problems = BrowserProblems(origin=(parts.scheme, parts.netloc))
    # Tracebacks of the app (its logger is "diary") and of werkzeug land in the report too.
    handler = ServerLog(problems.server_log)
    loggers = [logging.getLogger("diary"), logging.getLogger("werkzeug")]
    for logger in loggers:
        logger.addHandler(handler)
    yield problems
    for logger in loggers:
        logger.removeHandler(handler)


@pytest.fixture
def page(context: BrowserContext, browser_problems: BrowserProblems) -> Iterator[Page]:
    """A watched page at 360x740; the test fails at teardown if the browser saw a problem."""
    watch_page = watch_context(context, browser_problems)
    page = context.new_page()
    watch_page(page)
    yield page
    collect_pending(context, browser_problems)
    report = browser_problems.report()
    if report:
        pytest.fail("The browser saw problems during this test:\n" + report, pytrace=False)


@pytest.fixture
def twin(browser: Browser, browser_context_args) -> Iterator[Page]:
    """A page with JavaScript on the same server, where axe-core checks what the page without
    JavaScript shows: axe-core cannot run where scripts are off."""
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    page.goto("/login")  # an HTML page of the server, so the copy finds the stylesheets
    yield page
    context.close()
