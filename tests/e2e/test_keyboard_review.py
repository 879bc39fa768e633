"""The clinician's review works by keyboard alone, with the focus visible at every stop.

A surgeon who does not reach for the mouse opens a shared patient's review, goes with Tab to
"Record an assessment", fills the form with the keyboard (the arrow keys choose in a select
and among radio buttons, Space checks a radio, letters go into the note) and saves it with
Enter. The review then shows the assessment. Logging in is not part of the walk: the
patient's keyboard test covers the login form, and flows.log_in_staff the second factor.
`tab_to` (tests/e2e/test_keyboard.py) fails on any stop whose focus is not drawn.
"""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from diary.extensions import db
from diary.models import Assessment
from tests.e2e.checks import check_page
from tests.e2e.flows import flash, log_in_staff
from tests.e2e.test_keyboard import tab_to
from tests.journal_helpers import TODAY
from tests.route_matrix import share_with_clinic


def choose_with_arrows(page: Page, select, value: str) -> None:
    """Press ArrowDown on the focused select until it holds the value."""
    expect(select).to_be_focused()
    for _ in range(8):
        if select.input_value() == value:
            return
        page.keyboard.press("ArrowDown")
    expect(select).to_have_value(value)


def test_an_assessment_is_recorded_by_keyboard_alone(page: Page, app, make_user):
    patient = make_user("eve@example.org", display_name="Eve Adler", affected_side="right")
    make_user("north@example.org", role="clinician", clinic="Neurosurgery North")
    share_with_clinic(app, patient, "Neurosurgery North")
    log_in_staff(page, app, "north@example.org")
    page.goto(f"/clinic/patients/{patient}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review: Eve Adler")
    check_page(page)

    tab_to(page, page.get_by_role("link", name="Record an assessment"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Follow-up assessment: Eve Adler")
    expect(page.get_by_label("Visit date")).to_have_value(TODAY.isoformat())
    check_page(page)

    smc = page.get_by_label("SMC grade of the remaining spasm")
    tab_to(page, smc)
    choose_with_arrows(page, smc, "1")
    house_brackmann = page.get_by_label("House-Brackmann grade (facial nerve)")
    tab_to(page, house_brackmann)
    choose_with_arrows(page, house_brackmann, "2")
    hearing = page.get_by_role("group", name="Hearing on the operated side")
    tab_to(page, hearing, within=True)
    page.keyboard.press("Space")
    expect(hearing.get_by_role("radio", name="Unchanged")).to_be_checked()
    outcome = page.get_by_label("Outcome class, as you judge it")
    tab_to(page, outcome)
    choose_with_arrows(page, outcome, "spasm_free")
    tab_to(page, page.get_by_label("Note", exact=True))
    page.keyboard.type("Seen at 3 months; no spasms since week 2.")

    save = page.get_by_role("button", name="Save assessment")
    tab_to(page, save)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Review: Eve Adler")
    expect(flash(page)).to_contain_text("Assessment recorded.")
    check_page(page)

    with app.app_context():
        saved = db.session.scalars(sa.select(Assessment)).one()
        assert (saved.visit_on, saved.smc_grade, saved.house_brackmann_grade) == (TODAY, 1, 2)
        assert (saved.hearing, saved.outcome) == ("unchanged", "spasm_free")
        assert saved.note == "Seen at 3 months; no spasms since week 2."
