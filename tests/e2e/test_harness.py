"""The browser harness finds what it promises to find.

Each test serves a small probe page at the test server's own address (through Playwright's
routing, under the app's real Content-Security-Policy), checks that the problem was recorded,
and then clears it so the test itself passes.
"""

import pytest
from playwright.sync_api import Page

from diary.security import CONTENT_SECURITY_POLICY
from tests.e2e.checks import assert_axe_clean, assert_fits_phone, check_page

PROBE = "/_probe"
LAYOUT = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>Probe</title>{head}</head><body><main><h1>Probe</h1>{body}</main></body></html>"
)


def serve(page: Page, live_server, path: str, body: str, *, content_type="text/html",
          status=200, csp=True) -> str:
    """Answer `path` on the test server with `body` (and the app's CSP unless csp=False)."""
    headers = {"Content-Type": content_type}
    if csp:
        headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    page.route(live_server.at(path), lambda route: route.fulfill(status=status, body=body, headers=headers))
    return live_server.at(path)


def probe(page, live_server, body="", head="", **kwargs) -> None:
    """Open a probe page with the given markup."""
    url = serve(page, live_server, PROBE, LAYOUT.format(head=head, body=body), **kwargs)
    page.goto(url)
    page.wait_for_load_state("load")
    page.evaluate("() => new Promise(r => setTimeout(r, 50))")  # let events arrive


def test_inline_script_is_a_csp_violation(page, live_server, browser_problems):
    probe(page, live_server, body="<script>document.title = 'ran';</script>")
    assert page.title() == "Probe", "the CSP let an inline script run"
    page.evaluate("() => 1")  # one more round trip flushes the binding
    violations = list(browser_problems.csp_violations.values())
    assert any("script-src" in v and "inline" in v for v in violations), violations
    assert any("Content Security Policy" in line for line in browser_problems.csp_console)
    browser_problems.clear()


def test_console_error_is_reported(page, live_server, browser_problems):
    serve(page, live_server, "/_probe.js", 'console.error("something broke");',
          content_type="text/javascript")
    probe(page, live_server, head='<script src="/_probe.js"></script>')
    assert any("something broke" in e for e in browser_problems.console_errors)
    browser_problems.clear()


def test_allowed_console_error_is_not_reported(page, live_server, browser_problems):
    browser_problems.allow(r"expected noise")
    serve(page, live_server, "/_probe.js", 'console.error("expected noise");',
          content_type="text/javascript")
    probe(page, live_server, head='<script src="/_probe.js"></script>')
    assert browser_problems.report() == ""


def test_uncaught_error_is_reported(page, live_server, browser_problems):
    serve(page, live_server, "/_probe.js", 'throw new Error("kaboom");',
          content_type="text/javascript")
    probe(page, live_server, head='<script src="/_probe.js"></script>')
    assert any("kaboom" in e for e in browser_problems.page_errors)
    browser_problems.clear()


def test_request_to_another_host_is_reported_and_blocked(page, live_server, browser_problems):
    # Without the CSP, so that the request is attempted at all.
    probe(page, live_server, body='<img alt="" src="https://cdn.example.com/pixel.png">', csp=False)
    assert browser_problems.foreign_requests == [
        f"GET https://cdn.example.com/pixel.png (from {live_server.at(PROBE)})"
    ]
    browser_problems.clear()


def test_server_error_is_reported(page, live_server, browser_problems):
    probe(page, live_server, body="<p>oops</p>", status=500)
    assert browser_problems.server_errors == [f"500 for GET {live_server.at(PROBE)}"]
    browser_problems.clear()


def test_axe_reports_serious_violations_readably(page, live_server):
    probe(page, live_server, body='<img src="/static/favicon.svg"><input type="text">')
    with pytest.raises(AssertionError) as failure:
        assert_axe_clean(page)
    message = str(failure.value)
    assert "[critical] image-alt" in message
    assert "img" in message and "label" in message


def test_axe_runs_under_the_apps_csp_without_violations(page, live_server):
    probe(page, live_server, body="<p>Plain and accessible.</p>")
    check_page(page)


def test_sideways_scrolling_on_a_phone_is_reported(page, live_server):
    probe(page, live_server, body='<div class="too-wide" style="width: 600px">wide</div>', csp=False)
    with pytest.raises(AssertionError) as failure:
        assert_fits_phone(page)
    assert "div.too-wide" in str(failure.value)
