"""Render the pictures of the README's tour: the demo clinic, seen in Chromium as people see it.

`make screenshots` runs this. It builds the demo clinic (the same `build_demo` as
`make demo`) into a fresh SQLite database in a temporary instance folder,
with the clock frozen at Tuesday 10 March 2026, 12:00 UTC, so that every run draws the same
diaries on the same dates; serves it from a thread as the browser tests do; and saves PNGs
beside this file. The clinician logs in through the real pages with a second-factor code
computed from the stored secret at the frozen clock (tests/e2e/flows.py log_in_staff).

Pictures are viewport-sized rather than whole pages, which keeps each file small and shows
what a person sees first: a phone is 390x844 (the small phone of the first visit 360x640), a
desktop 1280x900.

It also prints, for the patient's pages on a small phone (360x640) and a common one
(390x844), each page's height, the header's height and where the page's main action
starts (docs/testing.md, Phone pages), the figures the phone-first work is measured by.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from diary.app import create_app  # noqa: E402
from tests.conftest import PASSWORD, FrozenClock, base_config, migrate_database  # noqa: E402
from tests.e2e.conftest import CHROMIUM_ARGS, serving  # noqa: E402
from tests.e2e.flows import log_in, log_in_staff  # noqa: E402

OUT = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 640}
# The patient's pages and the control that does what each page is for.
MEASURED_PAGES = (
    ("home", "/", ".count-save"),
    ("check-in", "/checkin", "main form button[type=submit]:visible >> nth=0"),
    ("injection", "/treatments/injections/new", "main .button-row button.primary"),
    ("reminders", "/reminders", "main button.switch:visible >> nth=0"),
    ("trajectory", "/trajectory", "canvas"),
)
DESKTOP = {"width": 1280, "height": 900}
# The patient of the phone pictures: the delayed course shows the most on one chart.
PATIENT_EMAIL = "juergen.weber@example.org"


@contextmanager
def demo_server(instance: Path) -> Iterator[tuple[str, object, dict[str, int]]]:
    """The demo clinic on a fresh database, served on 127.0.0.1; yields (url, app, patient ids)."""
    from diary.simulator import demo

    url = f"sqlite:///{instance / 'demo.sqlite3'}"
    migrate_database(instance, url)
    clock = FrozenClock()
    config = base_config(instance, url)
    config.update({"CLOCK": clock, "WTF_CSRF_ENABLED": True, "TESTING": False})
    app = create_app(config)
    with app.app_context():
        built = demo.build_demo(clock(), PASSWORD)
        demo.enrol_demo_clinician()
        ids = {patient.person.email: patient_id for patient_id, patient in built.patients}
    with serving(app) as base_url:
        yield base_url, app, ids


def shoot(page: Page, path: str, name: str, *, height: int | None = None,
          scroll_to: str | None = None) -> None:
    """Open a page, let it settle, and save what the viewport shows.

    `height` takes the top of the whole page to that many pixels instead (a desktop chart sits
    below the fold); `scroll_to` is a CSS selector to centre first (the phone's chart).
    """
    page.goto(path)
    page.wait_for_load_state("networkidle")
    # Fonts and the chart's canvas are drawn after load; wait for both.
    page.evaluate("() => document.fonts.ready")
    if scroll_to:
        page.locator(scroll_to).first.evaluate("(el) => el.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(300)
    options = {"animations": "disabled", "caret": "hide"}
    if height:
        width = page.viewport_size["width"]
        options.update(full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
    page.screenshot(path=OUT / f"{name}.png", **options)
    print(f"  {name}.png  {path}")


def new_page(browser: Browser, url: str, viewport: dict[str, int]) -> Page:
    """A fresh context (its own cookies) in Berlin time and British English."""
    context = browser.new_context(
        base_url=url, viewport=viewport, locale="en-GB", timezone_id="Europe/Berlin",
        device_scale_factor=1, reduced_motion="reduce",
    )
    return context.new_page()


def measure(page: Page, viewport: dict[str, int]) -> None:
    """Print each measured page's height, the header's height (the menu is in it) and the
    top of the page's main action, as the page opens."""
    for name, path, selector in MEASURED_PAGES:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        height = page.evaluate("document.documentElement.scrollHeight")
        menu = page.locator(".site-header").first.bounding_box()
        action = page.locator(selector).first.bounding_box()
        print(f"  {viewport['width']}x{viewport['height']} {name:<10} page {height:>5} px, "
              f"header {round(menu['height']) if menu else '-':>3} px, "
              f"main action at y={round(action['y']) if action else '-'}")


def main() -> None:
    """Build, serve, log in as a patient and as the clinician, and save every picture."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="diary-screenshots-") as tmp, \
            demo_server(Path(tmp)) as (url, app, ids), sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            headless=True, executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        patient_id = ids[PATIENT_EMAIL]

        visitor = new_page(browser, url, SMALL_PHONE)
        shoot(visitor, "/", "phone-landing")

        phone = new_page(browser, url, PHONE)
        phone.goto("/login")
        log_in(phone, PATIENT_EMAIL)
        shoot(phone, "/", "phone-home")
        shoot(phone, "/checkin", "phone-checkin")
        shoot(phone, "/trajectory", "phone-trajectory", scroll_to="canvas")
        shoot(phone, "/treatments/injections/new", "phone-injection")
        shoot(phone, "/reminders", "phone-reminders")
        print("Phone pages:")
        measure(phone, PHONE)
        small = new_page(browser, url, SMALL_PHONE)
        small.goto("/login")
        log_in(small, PATIENT_EMAIL)
        measure(small, SMALL_PHONE)

        desktop = new_page(browser, url, DESKTOP)
        desktop.goto("/login")
        log_in(desktop, PATIENT_EMAIL)
        shoot(desktop, "/trajectory", "desktop-trajectory", height=1250)

        clinician = new_page(browser, url, DESKTOP)
        log_in_staff(clinician, app, "elena.fischer@example.org")
        shoot(clinician, "/clinic/patients", "clinic-list", height=1100)
        shoot(clinician, f"/clinic/patients/{patient_id}", "clinic-review", height=1450)
        shoot(clinician, f"/clinic/patients/{patient_id}/report", "clinic-report", height=1400)
        shoot(clinician, "/clinic/cohort", "clinic-cohort")
        browser.close()


if __name__ == "__main__":
    main()
