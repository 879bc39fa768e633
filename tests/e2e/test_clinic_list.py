"""The clinic's patient list fits the screen (docs/clinic.md, The patient list).

At 1280x800 every column a surgeon scans is visible without sideways scrolling and no heading
takes more than two lines; on a 390 px phone the table scrolls in its box and the name column
stays in view. The patients carry the longest figures the list shows: long names, every
needs-attention reason, the longest classes, a booked visit and a clinic baseline.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.clinic_support import assess, share
from tests.e2e.checks import check_page
from tests.e2e.flows import log_in_staff
from tests.journal_helpers import check_in
from tests.treatments_support import TreatmentRecorder

TODAY = date(2026, 3, 10)
SURGERY = TODAY - timedelta(days=400)


@pytest.fixture
def clinic(app, make_user) -> None:
    """A clinician and three shared patients with long figures."""
    doctor = make_user("doc@example.org", role="clinician", clinic="Sharing clinic",
                       display_name="Dr Doc")
    names = ("Maximiliane Huber-Schwarzenberg", "Ada Lovelace", "Bartholomew Okonkwo-Smith")
    for number, name in enumerate(names):
        patient = make_user(f"p{number}@example.org", display_name=name, affected_side="both")
        share(app, patient)
        TreatmentRecorder(app, patient).surgery(performed_on=SURGERY - timedelta(days=number))
        for offset in range(1, 29):
            check_in(app, patient, SURGERY - timedelta(days=offset), 10)
        for offset in range(3 * number, 20):
            check_in(app, patient, TODAY - timedelta(days=offset), 12 + number)
        if number == 1:
            assess(app, doctor, patient, TODAY)
            check_in(app, patient, TODAY, 30)
    # A diary that stopped in a month with a long name, and a visit the clinic did not record:
    # the widest cells a list has ("last 30 September 2025", an overdue visit).
    quiet = make_user("p3@example.org", display_name="Wilhelmina", family_name="Ostermann-Petersen")
    share(app, quiet)
    TreatmentRecorder(app, quiet).surgery(performed_on=date(2025, 8, 20))
    for offset in range(1, 29):
        check_in(app, quiet, date(2025, 8, 20) - timedelta(days=offset), 10)
    check_in(app, quiet, date(2025, 9, 30), 2)


LAYOUT = """() => {
  const box = document.querySelector('.patient-table-box');
  const labels = [...document.querySelectorAll('.patient-table thead .sort-label')];
  return {
    scrollWidth: box.scrollWidth,
    clientWidth: box.clientWidth,
    headers: labels.map(label => ({
      text: label.textContent,
      height: label.getBoundingClientRect().height,
      lineHeight: parseFloat(getComputedStyle(label).lineHeight),
    })),
  };
}"""


def test_at_1280_px_every_column_is_visible_and_headings_take_two_lines(page: Page, app, clinic):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in_staff(page, app, "doc@example.org")
    expect(page.get_by_role("link", name="Maximiliane Huber-Schwarzenberg")).to_be_visible()
    page.wait_for_load_state("load")

    layout = page.evaluate(LAYOUT)

    assert layout["scrollWidth"] <= layout["clientWidth"], layout
    assert len(layout["headers"]) == 9
    for header in layout["headers"]:
        assert header["height"] <= 2 * header["lineHeight"] + 0.5, header
    for heading in ("Diary, last 28 days", "Next follow-up", "Changed since visit"):
        expect(page.get_by_role("link", name=heading)).to_be_in_viewport()
    check_page(page)


NAME_IN_VIEW = """() => {
  const box = document.querySelector('.patient-table-box');
  const cell = document.querySelector('.patient-table tbody th');
  window.scrollTo(0, cell.getBoundingClientRect().top + window.scrollY - 200);
  box.scrollLeft = box.scrollWidth;
  const boxRect = box.getBoundingClientRect();
  const rect = cell.getBoundingClientRect();
  const hit = document.elementFromPoint(rect.left + 8, rect.top + rect.height / 2);
  return {
    scrolled: box.scrollLeft,
    scrolls: box.scrollWidth > box.clientWidth,
    left: rect.left - boxRect.left,
    onTop: cell.contains(hit),
    pageScrolls: document.documentElement.scrollWidth > window.innerWidth,
  };
}"""


def test_at_390_px_the_name_column_stays_while_the_table_scrolls(page: Page, app, clinic):
    page.set_viewport_size({"width": 390, "height": 800})
    log_in_staff(page, app, "doc@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Patients")
    page.wait_for_load_state("load")

    seen = page.evaluate(NAME_IN_VIEW)

    assert seen["scrolls"] and seen["scrolled"] > 0, seen
    assert 0 <= seen["left"] <= 2, seen
    assert seen["onTop"], seen
    assert not seen["pageScrolls"], seen
    check_page(page)
