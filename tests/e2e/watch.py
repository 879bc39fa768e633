"""Watching the browser: console errors, CSP violations, page errors, foreign requests, 500s.

`watch_context` attaches the listeners; the `page` fixture fails the test at teardown when
`BrowserProblems.report()` is not empty, and `check_page` fails as soon as it sees a problem.
"""

from __future__ import annotations

import logging
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, Response

DEFAULT_TIMEOUT_MS = 10_000

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
    server_log: list[str] = field(default_factory=list)
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
            ("Errors the server logged", self.server_log),
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
            self.console_errors,
            self.csp_console,
            self.foreign_requests,
            self.page_errors,
            self.server_errors,
            self.server_log,
        ):
            entries.clear()
        self.forgotten.update(self.csp_violations)
        self.csp_violations.clear()


class ServerLog(logging.Handler):
    """Copies ERROR records, with their tracebacks, into a list (BrowserProblems.server_log)."""

    def __init__(self, records: list[str]) -> None:
        super().__init__(level=logging.ERROR)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.records.append(f"{record.name}: {text}")


# The watcher of each test's page, so that check_page can report problems at the step they occur.
_WATCHERS: weakref.WeakKeyDictionary[Page, BrowserProblems] = weakref.WeakKeyDictionary()


def problems_of(page: Page) -> BrowserProblems | None:
    """The watcher attached to a page by the `page` fixture, if any."""
    return _WATCHERS.get(page)


def watch_context(context: BrowserContext, problems: BrowserProblems) -> Callable[[Page], None]:
    """Attach every listener to the context and to each page opened in it.

    Returns the function that watches one page, for a page opened before the listener ran.
    """

    def watch_page(page: Page) -> None:
        if page in _WATCHERS:
            return
        _WATCHERS[page] = problems
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
    return watch_page


def collect_pending(context: BrowserContext, problems: BrowserProblems) -> None:
    """Read the violations still recorded in open pages (the round trip also flushes bindings)."""
    for page in context.pages:
        try:
            for violation in page.evaluate("() => window.__cspViolations || []"):
                problems.on_csp(violation)
        except Exception:  # noqa: BLE001  (a closed or crashed page has nothing left to give)
            pass
