"""Checks every browser test runs on every page it visits: axe-core and the 360 px phone width.

`check_page(page)` is the one call a test makes after each navigation. axe-core is injected
with `page.evaluate(source)`: `add_script_tag` is blocked by our Content-Security-Policy, and
`bypass_csp=True` would hide exactly the violations the tests must find.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from playwright.sync_api import Page

from tests.e2e.watch import problems_of

VENDOR = Path(__file__).resolve().parent / "vendor"
PHONE = {"width": 360, "height": 740}
# axe impacts that fail a test (docs/quality-bars.md, Accessibility and use: no serious or critical violation).
FAILING_IMPACTS = ("serious", "critical")


@cache
def axe_source() -> str:
    """The vendored axe-core, read once."""
    return (VENDOR / "axe.min.js").read_text(encoding="utf-8")


def inject_axe(page: Page) -> None:
    """Load axe-core into the current document unless it is already there."""
    if page.evaluate("() => typeof window.axe === 'object'"):
        return
    page.evaluate(axe_source())
    assert page.evaluate("() => typeof window.axe === 'object'"), "axe-core did not load"


def axe_violations(page: Page, impacts: tuple[str, ...] = FAILING_IMPACTS) -> list[dict]:
    """axe-core's violations on the current page with one of the given impacts."""
    inject_axe(page)
    violations = page.evaluate(
        """async () => {
            const results = await window.axe.run(document, {resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({
                    target: n.target.join(" "), html: n.html, summary: n.failureSummary,
                })),
            }));
        }"""
    )
    return [v for v in violations if v["impact"] in impacts]


def format_violations(url: str, violations: list[dict]) -> str:
    """A readable report: one block per rule, the offending elements below it."""
    lines = [f"axe-core found {len(violations)} serious or critical violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    at {node['target']}: {node['html'][:160]}")
            for detail in (node["summary"] or "").splitlines()[1:3]:
                lines.append(f"      {detail.strip()}")
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more element(s)")
    return "\n".join(lines)


def assert_axe_clean(page: Page) -> None:
    """Fail on any serious or critical axe-core violation, naming rule and elements."""
    violations = axe_violations(page)
    assert not violations, format_violations(page.url, violations)


def assert_fits_phone(page: Page) -> None:
    """No horizontal scrolling on a 360 px wide screen; names the elements that stick out."""
    original = page.viewport_size
    if original is None or original["width"] != PHONE["width"]:
        page.set_viewport_size(PHONE)
    try:
        measured = page.evaluate(
            """(limit) => {
                const width = document.documentElement.scrollWidth;
                const wide = [];
                if (width > limit) {
                    for (const el of document.body.querySelectorAll("*")) {
                        const box = el.getBoundingClientRect();
                        if (box.right > limit + 0.5 && box.width > 0) {
                            const id = el.id ? "#" + el.id : "";
                            const cls = el.classList.length ? "." + [...el.classList].join(".") : "";
                            wide.push(`${el.tagName.toLowerCase()}${id}${cls} (right edge ${Math.round(box.right)} px)`);
                        }
                        if (wide.length >= 8) break;
                    }
                }
                return {width, wide};
            }""",
            PHONE["width"],
        )
    finally:
        if original is not None and original["width"] != PHONE["width"]:
            page.set_viewport_size(original)
    assert measured["width"] <= PHONE["width"], (
        f"{page.url} scrolls sideways on a {PHONE['width']} px phone: the page is "
        f"{measured['width']} px wide. Wider than the screen: " + "; ".join(measured["wide"])
    )


def assert_no_browser_problems(page: Page) -> None:
    """Fail now, rather than at teardown, when the page's watcher has seen a problem."""
    problems = problems_of(page)
    if problems is not None:
        report = problems.report()
        assert not report, f"The browser saw problems by {page.url}:\n{report}"


def check_page(page: Page) -> None:
    """The checks for every visited page: no browser problem, axe-clean, fits a 360 px phone."""
    page.wait_for_load_state("load")
    assert_no_browser_problems(page)
    assert_axe_clean(page)
    assert_fits_phone(page)
    assert_no_browser_problems(page)  # axe's round trips deliver late events


def check_page_without_js(page: Page, twin: Page) -> None:
    """check_page for a page shown with JavaScript off: no browser problem and no sideways
    scrolling here, and axe-core on a copy of its document (scripts left out) in `twin`, a page
    of the same server with JavaScript on (conftest.py's `twin`): axe-core cannot run where
    scripts are off."""
    page.wait_for_load_state("load")
    assert_no_browser_problems(page)
    assert_fits_phone(page)
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", page.content(), flags=re.S)
    twin.set_content(html, wait_until="load")
    assert_axe_clean(twin)
    assert_no_browser_problems(page)
