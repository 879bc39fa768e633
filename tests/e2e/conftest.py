"""Browser tests: the app served from a thread, driven by Debian's Chromium through Playwright.

- The server is werkzeug's `make_server` on 127.0.0.1 and a free port, one per test, on its
  own copy of a file SQLite database migrated once per session (TRAPS.md, Browser tests).
- CSRF is on: the browser sends the real tokens. Mail lands in the test's outbox folder.
- The app's clock is a FrozenClock at Tuesday 10 March 2026, 12:00 UTC; a test moves it with
  the `clock` fixture (`clock.advance(hours=2)`), the server sees the change at once.
- Playwright never downloads a browser: it launches /usr/bin/chromium (or $CHROMIUM).
- The `page` fixture watches the browser and fails the test at teardown, with a list, on any
  console error, CSP violation, page error, request to another host, or server error.
  A test that expects one of them says so with `browser_problems.allow(...)`.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, Response
from werkzeug.serving import make_server

from diary.extensions import db
from tests.conftest import (
    FrozenClock,
    TemplateDatabase,
    base_config,
    fresh_database_url,
    migrate_database,
)
from tests.e2e.checks import PHONE

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
DEFAULT_TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items) -> None:
    """Mark every test in this folder `e2e` (hooks here see the whole session's items)."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


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


class ServerErrors(logging.Handler):
    """Collects ERROR records from the app and from werkzeug (tracebacks of 500s)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.records.append(f"{record.name}: {text}")


@pytest.fixture
def server_errors() -> Iterator[ServerErrors]:
    """Errors the server logged during the test."""
    handler = ServerErrors()
    loggers = [logging.getLogger("diary"), logging.getLogger("werkzeug")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


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
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{server.server_port}",
            app=app,
            clock=clock,
            outbox=Path(app.config["MAIL_OUTBOX"]),
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def create_e2e_app(config: dict) -> Flask:
    """The factory, imported late so collecting tests needs no app."""
    from diary import create_app

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


# Records CSP violations in the page (window.__cspViolations) and reports each one to the test
# at once through a binding, so none is lost when the page navigates away.
CSP_WATCH_SCRIPT = """
(() => {
  if (window.__cspViolations) return;
  const seen = (window.__cspViolations = []);
  let counter = 0;
  document.addEventListener("securitypolicyviolation", (event) => {
    const violation = {
      id: `${Date.now()}-${Math.random()}-${counter++}`,
      page: document.location.href,
      directive: event.effectiveDirective || event.violatedDirective,
      blocked: event.blockedURI,
      source: event.sourceFile,
      line: event.lineNumber,
      sample: event.sample,
    };
    seen.push(violation);
    if (typeof window.__e2eReportCsp === "function") window.__e2eReportCsp(violation);
  }, true);
})();
"""


@dataclass
class BrowserProblems:
    """Everything that went wrong in the browser during one test."""

    origin: tuple[str, str]
    console_errors: list[str] = field(default_factory=list)
    csp_violations: dict[str, str] = field(default_factory=dict)
    csp_console: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)
    forgotten: set[str] = field(default_factory=set)

    def allow(self, pattern: str) -> None:
        """Accept console errors matching a regex (e.g. the 404 a test asks for)."""
        self.allowed.append(re.compile(pattern))

    def is_local(self, url: str) -> bool:
        """Whether a URL stays on the test server (or inside the page: data:, blob:)."""
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob", "about"}:
            return True
        return (parts.scheme, parts.netloc) == self.origin

    # Listeners.
    def on_console(self, message: ConsoleMessage) -> None:
        text = message.text
        where = message.location or {}
        line = f"{text} (at {where.get('url', '?')}:{where.get('lineNumber', '?')})"
        if "Content Security Policy" in text:
            self.csp_console.append(f"console: {line}")
        elif message.type == "error" and not any(p.search(text) for p in self.allowed):
            self.console_errors.append(line)

    def on_csp(self, violation: dict) -> None:
        if violation["id"] in self.forgotten:
            return
        self.csp_violations.setdefault(
            violation["id"],
            f"{violation['directive']} blocked {violation['blocked'] or '?'} on "
            f"{violation['page']} (source {violation['source'] or '?'}:{violation['line']}"
            f"{', sample ' + repr(violation['sample']) if violation['sample'] else ''})",
        )

    def on_request(self, request: Request) -> None:
        if not self.is_local(request.url):
            frame_url = request.frame.url if request.frame else "?"
            self.foreign_requests.append(f"{request.method} {request.url} (from {frame_url})")

    def on_page_error(self, page: Page, error: Exception) -> None:
        stack = getattr(error, "stack", None) or str(error)
        self.page_errors.append(f"on {page.url}: {stack}")

    def on_response(self, response: Response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} for {response.request.method} {response.url}")

    def report(self) -> str:
        """The list shown when the test fails; empty when all is well."""
        sections = [
            ("Console errors", self.console_errors),
            ("Content-Security-Policy violations", [*self.csp_violations.values(), *self.csp_console]),
            ("Requests to another host than the test server", self.foreign_requests),
            ("Uncaught errors in the page", self.page_errors),
            ("Server errors", self.server_errors),
        ]
        lines = []
        for title, entries in sections:
            if entries:
                lines.append(f"{title} ({len(entries)}):")
                lines.extend(f"  - {entry}" for entry in entries)
        return "\n".join(lines)

    def clear(self) -> None:
        """Forget what was seen (for tests of the harness itself)."""
        for entries in (
            self.console_errors, self.csp_console, self.foreign_requests, self.page_errors, self.server_errors
        ):
            entries.clear()
        self.forgotten.update(self.csp_violations)
        self.csp_violations.clear()


@pytest.fixture
def browser_problems(live_server) -> BrowserProblems:
    """What the `page` fixture saw go wrong; a test may allow expected console errors."""
    parts = urlsplit(live_server.url)
    return BrowserProblems(origin=(parts.scheme, parts.netloc))


def watch_context(context: BrowserContext, problems: BrowserProblems) -> None:
    """Attach every listener to the context and to each page opened in it."""
    watched: set[int] = set()

    def watch_page(page: Page) -> None:
        if id(page) in watched:
            return
        watched.add(id(page))
        page.on("console", problems.on_console)
        page.on("pageerror", lambda error: problems.on_page_error(page, error))

    context.on("page", watch_page)
    context.on("request", problems.on_request)
    context.on("response", problems.on_response)
    context.expose_binding("__e2eReportCsp", lambda _source, violation: problems.on_csp(violation))
    context.add_init_script(CSP_WATCH_SCRIPT)
    # Nothing leaves the machine: a request to another host is recorded above and aborted.
    context.route(lambda url: not problems.is_local(url), lambda route: route.abort("blockedbyclient"))
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.watch_page = watch_page  # type: ignore[attr-defined]


@pytest.fixture
def page(context: BrowserContext, browser_problems: BrowserProblems, server_errors) -> Iterator[Page]:
    """A watched page at 360x740; the test fails at teardown if the browser saw a problem."""
    watch_context(context, browser_problems)
    page = context.new_page()
    context.watch_page(page)  # type: ignore[attr-defined]
    yield page
    for open_page in context.pages:
        try:  # Collect violations still waiting in the page (the round trip flushes bindings).
            for violation in open_page.evaluate("() => window.__cspViolations || []"):
                browser_problems.on_csp(violation)
        except Exception:  # noqa: BLE001  (a closed or crashed page has nothing left to give)
            pass
    browser_problems.server_errors.extend(server_errors.records)
    report = browser_problems.report()
    if report:
        pytest.fail("The browser saw problems during this test:\n" + report, pytrace=False)
