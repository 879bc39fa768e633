"""A surgeon prints a patient's one-page report and reads the clinic's cohort, in Chromium.

The demo clinic (diary.simulator.demo, as `flask demo-data` builds it) is written into the
test's database at the frozen clock's moment, 10 March 2026. The report of the demo patient
with the longest history, and of one given many more injections, medicines and the longest
note an assessment may hold, must each print to a PDF of exactly one A4 page, both Chromium's
and the server's own (WeasyPrint's) download (docs/report.md).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pypdf
import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from diary.clock import utcnow
from diary.extensions import db
from diary.models import Assessment
from diary.simulator import demo
from tests.conftest import PASSWORD
from tests.e2e.checks import check_page
from tests.e2e.flows import log_in, log_in_staff, nav_link
from tests.pdf_support import pdf_pages, require_pdf_renderer
from tests.treatments_support import TreatmentRecorder

PAGE_OBJECT = re.compile(rb"/Type\s*/Page\b")  # /Pages (the page tree) does not match
LONGEST = max(demo.DEMO_PATIENTS, key=lambda p: p.pre_op_days + p.post_op_days)


@pytest.fixture
def demo_clinic(app) -> dict[str, int]:
    """The demo clinic in the served database: patient ids by name, and the clinic's id."""
    with app.app_context():
        built = demo.build_demo(utcnow(), PASSWORD)
        ids = {patient.person.full_name: patient_id for patient_id, patient in built.patients}
        ids["clinic"] = built.clinic.clinic_id
        db.session.remove()
    return ids


@pytest.fixture
def demo_cohort(app) -> None:
    """The demo clinic as `flask demo-data` builds it: the six of the tour and the cohort."""
    with app.app_context():
        demo.build_demo(utcnow(), PASSWORD, cohort_size=demo.DEMO_COHORT_SIZE)
        db.session.remove()


def log_in_surgeon(page: Page, app) -> None:
    log_in_staff(page, app, demo.DEMO_CLINICIAN.email)


def printed_pages(page: Page) -> int:
    """The pages of Chromium's A4 PDF of the current page."""
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF-")
    return len(PAGE_OBJECT.findall(pdf))


def downloaded_pdf(page: Page, patient_id: int) -> list[pypdf.PageObject]:
    """The pages of the server's PDF of the report, fetched with the page's session; under
    CI a server that cannot render it fails the test (tests/pdf_support.py)."""
    require_pdf_renderer()
    response = page.request.get(f"/clinic/patients/{patient_id}/report.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    return pdf_pages(response.body())


def open_report(page: Page, patient_id: int) -> None:
    page.goto(f"/clinic/patients/{patient_id}/report")
    page.wait_for_function("() => window.trajectoryChart !== undefined")
    check_page(page)


def test_the_longest_history_prints_on_one_page(app, page: Page, demo_clinic):
    log_in_surgeon(page, app)
    open_report(page, demo_clinic[LONGEST.person.full_name])
    expect(page.get_by_role("heading", level=1)).to_have_text(LONGEST.person.full_name)
    expect(page.get_by_role("heading", name="Surgery")).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    # The whole course in monthly buckets: three years of diary in about 36 bars.
    assert 30 <= int(page.locator("#trajectory-chart").get_attribute("data-points")) <= 40
    assert printed_pages(page) == 1
    (only,) = downloaded_pdf(page, demo_clinic[LONGEST.person.full_name])
    assert (round(float(only.mediabox.width)), round(float(only.mediabox.height))) == (595, 842)  # A4 in points
    assert LONGEST.person.full_name in only.extract_text()


def test_many_injections_and_the_longest_note_still_print_on_one_page(app, page: Page, demo_clinic):
    patient = demo_clinic[LONGEST.person.full_name]
    recorder = TreatmentRecorder(app, patient)
    for n in range(20):
        recorder.injection(date(2019, 1, 7) + timedelta(days=91 * n), total_units=str(30 + n))
    with app.app_context():
        db.session.add(Assessment(
            patient_id=patient, clinic_id=demo_clinic["clinic"], visit_on=date(2026, 3, 2),
            smc_grade=2, house_brackmann_grade=3, hearing="reduced", outcome="reduced_90",
            recurrence=True, note=("Twitching of the lower eyelid on tiredness, less than before. " * 40)[:2000],
        ))
        db.session.commit()
        injections = db.session.scalar(sa.text(f"SELECT count(*) FROM injections WHERE patient_id = {patient}"))
    # More medicines than the page lists, each after several dose changes.
    for n, drug in enumerate(("gabapentin", "carbamazepine", "clonazepam", "baclofen", "levetiracetam")):
        regimen = recorder.regimen(drug, "100", 3, started_on=date(2024, 1, 1) + timedelta(days=n))
        recorder.change(regimen, date(2025, 6, 1) + timedelta(days=n), "150", 2)
    log_in_surgeon(page, app)
    open_report(page, patient)
    expect(page.get_by_text(f"The last 8 of {injections} injections")).to_be_visible()
    expect(page.get_by_text("The note is cut at")).to_be_visible()
    assert page.locator("#injections-heading + .report-table tbody tr").count() == 8
    expect(page.get_by_text(re.compile(r"\d+ more medicines? (is|are) not listed"))).to_be_visible()
    assert printed_pages(page) == 1
    (only,) = downloaded_pdf(page, patient)
    assert "The last 8 of" in only.extract_text()


def test_the_patients_own_summary_prints_on_one_page(app, page: Page, demo_clinic):
    """The patient with the longest history, three clinic visits with the longest notes
    the summary shows, and five medicines: still one A4 page (docs/report.md, The
    patient's summary)."""
    patient = demo_clinic[LONGEST.person.full_name]
    recorder = TreatmentRecorder(app, patient)
    for n, drug in enumerate(("gabapentin", "carbamazepine", "clonazepam", "baclofen", "levetiracetam")):
        regimen = recorder.regimen(drug, "100", 3, started_on=date(2024, 1, 1) + timedelta(days=n))
        recorder.change(regimen, date(2025, 6, 1) + timedelta(days=n), "150", 2)
    with app.app_context():
        for n in range(4):
            db.session.add(Assessment(
                patient_id=patient, clinic_id=demo_clinic["clinic"], visit_on=date(2026, 1, 5) + timedelta(days=14 * n),
                outcome="reduced_90", note=("Twitching of the lower eyelid when tired, less than before. " * 40)[:2000],
                note_visible_to_patient=True,
            ))
        db.session.commit()
    page.goto("/login")
    log_in(page, LONGEST.person.email)
    page.goto("/trajectory")
    page.get_by_role("link", name="My one-page summary to print").click()
    page.wait_for_function("() => window.trajectoryChart !== undefined")
    check_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(LONGEST.person.full_name)
    expect(page.get_by_text("The last 3 visits")).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    assert printed_pages(page) == 1


def test_the_print_button_prints(app, page: Page, demo_clinic):
    log_in_surgeon(page, app)
    open_report(page, demo_clinic[LONGEST.person.full_name])
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("() => window.__printed") == 1


def test_the_cohort_draws_its_step_chart_band_marks_and_numbers_at_risk(app, page: Page, demo_cohort):
    log_in_surgeon(page, app)
    nav_link(page, "Cohort").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Cohort: {demo.DEMO_CLINIC}")
    page.wait_for_function("() => window.cohortChart !== undefined")
    check_page(page)
    # Five tour patients have an MVD (the toxin-only one is not in the cohort), and the cohort.
    operated = 5 + demo.DEMO_COHORT_SIZE
    expect(page.get_by_text(f"{operated} patients sharing with this clinic have a reference surgery")).to_be_visible()
    datasets = page.evaluate("""() => window.cohortChart.data.datasets.map(d => ({
        label: d.label, stepped: d.stepped, fill: d.fill, points: d.data.length,
        drawn: d.data.filter(p => p.y !== null).length}))""")
    line, lower, upper, marks = datasets
    assert line["stepped"] is True and upper["fill"] == "-1" and lower["stepped"] is True
    assert upper["label"] == "95% confidence band" and upper["drawn"] > 0
    assert marks["label"].startswith("Followed until here") and marks["points"] > 0  # censorings
    # Every month labelled on the axis carries its number at risk, as the table gives them.
    labels = page.evaluate("""() => window.cohortChart.scales.x.ticks.map(t =>
        Array.isArray(t.label) ? t.label.join(" ") : t.label)""")
    cells = page.locator("#at-risk-table tbody tr").first.locator("td").all_inner_texts()
    months = page.locator("#at-risk-table thead th.number").all_inner_texts()
    table = [f"{m} ({n})" for m, n in zip(months, cells, strict=True)]
    assert labels and set(labels) <= set(table), (labels, table)  # a narrow axis skips some
    expect(page.locator(".cohort-card").first).to_contain_text(f"at risk, of {operated} patients")
    expect(page.locator("#published-table")).to_contain_text("PubMed 36097503")
