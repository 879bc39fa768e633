"""The one-page report of a patient: who may open it, what it says, what it leaves out.

The patient (Berlin) has HFS on the left since 2019, a diary from 1 May 2025, an MVD on
1 December 2025 and injections; the clinic recorded assessments. The clock stands at
10 March 2026.
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from diary import audit
from diary.clinic import pdf, report_chart
from diary.clinic.report import MAX_INJECTIONS, MAX_NOTE_CHARACTERS, chart_start, shorten
from diary.extensions import db
from diary.models import Assessment, AuditEvent, CareLink, Clinic
from tests.journal_helpers import TODAY, check_in, counted_queries, login_as, page_text
from tests.pdf_support import pdf_text, require_pdf_renderer
from tests.treatments_support import TreatmentRecorder

SURGERY = date(2025, 12, 1)
CLINIC = "Sharing clinic"


def share(app, patient_id: int, clinic_name: str = CLINIC) -> int:
    """The patient's consent for the clinic; returns the clinic's id."""
    with app.app_context():
        clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == clinic_name))
        db.session.add(CareLink(patient_id=patient_id, clinic_id=clinic.id, source="code"))
        db.session.commit()
        return clinic.id


def assess(app, patient_id: int, clinic_id: int, visit_on: date, note: str | None = None, **values) -> None:
    """A clinic's assessment, written directly (the review part owns the form)."""
    with app.app_context():
        db.session.add(Assessment(patient_id=patient_id, clinic_id=clinic_id, visit_on=visit_on,
                                  note=note, **values))
        db.session.commit()


@pytest.fixture
def patient(app, make_user):
    """A patient with a diary before and after MVD, sharing with the clinic."""
    patient = make_user("report.patient@example.org", display_name="Hanna Berg",
                        affected_side="left", symptoms_since_year=2019)
    treatments = TreatmentRecorder(app, patient)
    treatments.injection(date(2025, 5, 12), total_units="25")
    treatments.surgery(SURGERY, vessels=["aica"])
    day = date(2025, 10, 20)
    while day <= TODAY:
        check_in(app, patient, day, 12 if day < SURGERY else 0)
        day += timedelta(days=3)
    return patient


@pytest.fixture
def clinician(make_user):
    return make_user("surgeon@example.org", role="clinician", clinic=CLINIC, display_name="Dr. Roth")


def test_the_report_shows_the_patient_surgery_outcome_and_assessment(app, client, patient, clinician):
    clinic_id = share(app, patient)
    assess(app, patient, clinic_id, date(2026, 2, 2), note="Doing well; no facial weakness.",
           smc_grade=1, house_brackmann_grade=1, hearing="unchanged", outcome="spasm_free")
    login_as(client, clinician)
    response = client.get(f"/clinic/patients/{patient}/report")
    assert response.status_code == 200
    text = page_text(response)
    assert "Hanna Berg" in text
    assert "left side, symptoms since 2019" in text
    assert "Microvascular decompression (MVD)" in text and "1 December 2025" in text
    assert "AICA" in text and "Patient-reported" in text
    assert "12.0 a day" in text  # the baseline
    assert "-100%" in text and "Spasm-free" in text
    assert "12 May 2025" in text and "Botox 25" in text
    assert "2 February 2026" in text and "Doing well; no facial weakness." in text
    assert "House-Brackmann" in text and "I: normal" in text
    # The chart's data: monthly buckets from the diary's first month.
    assert '"bucket": "month"' in response.get_data(as_text=True)
    assert 'id="trajectory-chart"' in response.get_data(as_text=True)


def test_every_view_of_the_report_is_audited(app, client, patient, clinician):
    clinic_id = share(app, patient)
    login_as(client, clinician)
    for _ in range(2):
        assert client.get(f"/clinic/patients/{patient}/report").status_code == 200
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "view_report")).all()
        assert [(e.patient_id, e.clinic_id, e.actor_id) for e in events] == [(patient, clinic_id, clinician)] * 2


def test_nobody_else_gets_the_report(app, client, patient, clinician, make_user):
    share(app, patient)
    stranger = make_user("other.dr@example.org", role="clinician", clinic="Another clinic")
    for user in (stranger, patient, make_user("admin@example.org", role="admin")):
        login_as(client, user)
        assert client.get(f"/clinic/patients/{patient}/report").status_code == 404
    login_as(client, clinician)
    assert client.get(f"/clinic/patients/{clinician}/report").status_code == 404  # not a patient
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "view_report")) == 0


def test_a_revoked_link_ends_access_to_the_report(app, client, patient, clinician):
    share(app, patient)
    with app.app_context():
        db.session.execute(sa.update(CareLink).values(revoked_at=sa.func.now()))
        db.session.commit()
    login_as(client, clinician)
    assert client.get(f"/clinic/patients/{patient}/report").status_code == 404


def test_a_long_history_is_cut_and_says_so(app, client, patient, clinician):
    clinic_id = share(app, patient)
    treatments = TreatmentRecorder(app, patient)
    for n in range(12):
        treatments.injection(date(2023, 1, 2) + timedelta(days=91 * n), total_units=str(20 + n))
    assess(app, patient, clinic_id, date(2026, 1, 5), note=("Stable. " * 250)[:2000])  # the longest note
    login_as(client, clinician)
    text = page_text(client.get(f"/clinic/patients/{patient}/report"))
    # 13 injections: the last 8 are listed, the 5 earlier ones counted.
    assert f"The last {MAX_INJECTIONS} of 13 injections; 5 earlier ones are not listed." in text
    assert "12 May 2025" in text and "2 January 2023" not in text
    assert f"The note is cut at {MAX_NOTE_CHARACTERS} characters" in text
    assert "Stable. " * 70 not in text


def test_the_report_reads_a_fixed_number_of_queries(app, client, patient, clinician):
    clinic_id = share(app, patient)
    # One injection on the chart: its sites are read only when there is one.
    TreatmentRecorder(app, patient).injection(date(2026, 1, 12))
    login_as(client, clinician)
    client.get(f"/clinic/patients/{patient}/report")
    with counted_queries(app) as few:
        assert client.get(f"/clinic/patients/{patient}/report").status_code == 200
    treatments = TreatmentRecorder(app, patient)
    for n in range(10):
        treatments.injection(date(2023, 1, 1) + timedelta(days=91 * n))
    for n in range(3):
        assess(app, patient, clinic_id, date(2026, 1, 1) + timedelta(days=n), note="x")
    with counted_queries(app) as many:
        assert client.get(f"/clinic/patients/{patient}/report").status_code == 200
    assert len(many) == len(few)


def test_a_note_is_cut_at_a_word_before_the_limit():
    assert shorten("short") == ("short", False)
    text, cut = shorten("word " * 200, 50)
    assert cut and len(text) <= 50 and text.endswith("word…")


def test_the_chart_starts_twelve_months_before_surgery_at_most(app, make_user):
    patient = make_user("early@example.org")
    check_in(app, patient, date(2021, 6, 5), 3)
    with app.app_context():
        assert chart_start(patient, SURGERY, TODAY) == date(2024, 12, 1)
        assert chart_start(patient, None, TODAY) == date(2021, 6, 1)
        # A diary begun after surgery still shows the surgery's month.
        assert chart_start(patient, date(2020, 3, 15), TODAY) == date(2020, 3, 1)


def test_a_patient_without_surgery_or_diary_still_has_a_report(app, client, make_user, clinician):
    newcomer = make_user("new.patient@example.org", display_name="Ola Nowak")
    share(app, newcomer)
    login_as(client, clinician)
    text = page_text(client.get(f"/clinic/patients/{newcomer}/report"))
    assert "No MVD recorded" in text
    assert "No injections recorded." in text and "No assessment recorded yet." in text


def test_clinicians_have_a_cohort_link_and_patients_do_not(client, patient, clinician):
    login_as(client, clinician)
    assert ">Cohort</a>" in client.get("/clinic/cohort").get_data(as_text=True)
    login_as(client, patient)
    assert ">Cohort</a>" not in client.get("/trajectory").get_data(as_text=True)



# Current medication ----------------------------------------------------------------------


def test_the_report_lists_todays_medication_with_dose_and_since_when(app, client, patient, clinician):
    share(app, patient)
    treatments = TreatmentRecorder(app, patient)
    gabapentin = treatments.regimen("gabapentin", "300", 3, started_on=date(2026, 1, 5))
    treatments.change(gabapentin, date(2026, 2, 1), "400", 3)
    treatments.regimen("carbamazepine", "200", 2, started_on=date(2025, 6, 1),
                       stopped_on=date(2025, 11, 30), stop_reason="side_effects")
    login_as(client, clinician)
    text = page_text(client.get(f"/clinic/patients/{patient}/report"))
    text = text[text.index("Current medication"):text.index("Baseline and now")]
    assert "Gabapentin 400 mg, 3 times a day 5 January 2026 1 February 2026" in text
    assert "300 mg" not in text  # the dose before the change
    assert "Carbamazepine" not in text  # stopped before today


def test_a_patient_taking_nothing_has_no_medication_listed(app, client, patient, clinician):
    share(app, patient)
    login_as(client, clinician)
    assert "No medication recorded for today." in page_text(client.get(f"/clinic/patients/{patient}/report"))


# The PDF ---------------------------------------------------------------------------------


def test_the_pdf_is_one_page_with_the_name_and_medication(app, client, patient, clinician):
    require_pdf_renderer()
    clinic_id = share(app, patient)
    TreatmentRecorder(app, patient).regimen("gabapentin", "300", 3, started_on=date(2026, 1, 5))
    assess(app, patient, clinic_id, date(2026, 2, 2), note="Doing well.", outcome="spasm_free")
    login_as(client, clinician)
    response = client.get(f"/clinic/patients/{patient}/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="spasm-diary-{patient}-report.pdf"')
    assert response.headers["Cache-Control"] == "no-store"
    pages, text = pdf_text(response.data)
    assert pages == 1
    assert "Hanna Berg" in text
    assert "Gabapentin" in text and "300 mg, 3 times a day" in text
    assert "Doing well." in text and "Microvascular decompression (MVD)" in text
    # The screen's controls and the numbers table are not on paper.
    assert "Download PDF" not in text and "The numbers" not in text


def test_every_pdf_is_audited_and_shown_in_the_patients_access_log(app, client, patient, clinician):
    require_pdf_renderer()
    clinic_id = share(app, patient)
    login_as(client, clinician)
    assert client.get(f"/clinic/patients/{patient}/report.pdf").status_code == 200
    with app.app_context():
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.action == audit.EXPORT_REPORT_PDF)).all()
        assert [(e.patient_id, e.clinic_id, e.actor_id) for e in events] == [(patient, clinic_id, clinician)]
    login_as(client, patient)
    assert "Downloaded the one-page report as PDF" in page_text(client.get("/sharing/access-log"))


def test_nobody_else_gets_the_pdf(app, client, patient, clinician, make_user):
    share(app, patient)
    stranger = make_user("other.dr@example.org", role="clinician", clinic="Another clinic")
    for user in (stranger, patient):
        login_as(client, user)
        assert client.get(f"/clinic/patients/{patient}/report.pdf").status_code == 404
    login_as(client, clinician)
    assert client.get(f"/clinic/patients/{2**63}/report.pdf").status_code == 404
    assert client.post(f"/clinic/patients/{patient}/report.pdf").status_code in {400, 405}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == audit.EXPORT_REPORT_PDF)) == 0


def test_without_weasyprint_the_pdf_answers_503_and_the_report_still_works(
        app, client, patient, clinician, monkeypatch):
    share(app, patient)
    # As on a machine without the package: an import of it raises ImportError.
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(pdf.PdfUnavailable, match="libpango-1.0-0"):
        pdf.load_renderer()
    login_as(client, clinician)
    response = client.get(f"/clinic/patients/{patient}/report.pdf")
    assert response.status_code == 503
    text = page_text(response)
    assert "cannot make PDFs" in text and "libpango-1.0-0" in text and "Print button" in text
    assert client.get(f"/clinic/patients/{patient}/report").status_code == 200
    with app.app_context():
        # Nothing was exported, so nothing is audited as exported.
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == audit.EXPORT_REPORT_PDF)) == 0


def test_the_fetcher_serves_our_static_files_and_refuses_everything_else(app):
    require_pdf_renderer()
    renderer = pdf.load_renderer()
    fetcher = renderer.StaticFilesFetcher("http://localhost/static/", app.static_folder)
    response = fetcher.fetch("http://localhost/static/css/report.css")
    assert response.content_type == "text/css" and b"@page" in response.read()
    response.close()
    for url in (
        "https://example.org/static/css/report.css",  # another host
        "http://localhost/admin",  # the app, outside static/
        "file:///etc/passwd",
        f"file://{app.static_folder}/css/report.css",  # even our own file, by file://
        "data:text/css,body{}",
        "http://localhost/static/../diary/config.py",  # climbing out
        "http://localhost/static/%2e%2e/pyproject.toml",
        "http://localhost/static/css/missing.css",
        "http://localhost/static/css/report.css?x=1",
        "http://localhost/static/css",  # a folder
    ):
        with pytest.raises(renderer.RefusedURL):
            fetcher.fetch(url)
    # WeasyPrint asks through the instance (its __call__): the same answer.
    with pytest.raises(renderer.RefusedURL):
        fetcher("https://example.org/tracker.png")


def test_a_page_linking_outside_is_rendered_without_it(app):
    require_pdf_renderer()
    renderer = pdf.load_renderer()
    html = ('<link rel="stylesheet" href="https://example.org/evil.css">'
            '<img src="file:///etc/passwd"><p>Only this</p>')
    data = renderer.render_pdf(html, base_url="http://localhost/",
                               static_base="http://localhost/static/", static_folder=app.static_folder)
    assert pdf_text(data) == (1, "Only this")


# The PDF's chart: SVG drawn from the numbers the table lists ------------------------------


def table_rows(html: str) -> dict[str, tuple[str, str]]:
    """The numbers table of a page: month (YYYY-MM) -> (spasms, severity) as printed."""
    rows = re.findall(r'<time datetime="(\d{4}-\d{2})">[^<]*</time></th>\s*<td>([^<]*)</td>\s*'
                      r'<td>[^<]*</td>\s*<td>([^<]*)</td>', html)
    return {month: (spasms, severity) for month, spasms, severity in rows}


def test_the_svg_bars_and_points_are_the_numbers_of_the_table(app, client, patient, clinician):
    share(app, patient)
    login_as(client, clinician)
    html = client.get(f"/clinic/patients/{patient}/report").get_data(as_text=True)
    payload = json.loads(re.search(r'<script type="application/json" id="trajectory-data">(.*?)</script>',
                                   html, re.S).group(1))
    table = table_rows(html)
    assert len(table) == len(payload["series"]["start"]) >= 5
    svg = ET.fromstring(report_chart.monthly_chart_svg(report_chart.series_of(payload)))
    ns = {"svg": "http://www.w3.org/2000/svg"}
    bars = {b.get("data-month"): b for b in svg.iterfind(".//svg:rect[@class='bar']", ns)}
    points = {p.get("data-month"): p for p in svg.iterfind(".//svg:circle[@class='severity']", ns)}
    assert set(bars) == set(table)
    for month, (spasms, severity) in table.items():
        assert float(bars[month].get("data-value")) == float(spasms)
        if severity == "–":
            assert month not in points
        else:
            assert float(points[month].get("data-value")) == float(severity)
    # The bars' heights stand in the ratio of their numbers.
    tallest = max(bars.values(), key=lambda b: float(b.get("height")))
    for bar in bars.values():
        expected = float(bar.get("data-value")) / float(tallest.get("data-value")) * float(tallest.get("height"))
        assert float(bar.get("height")) == pytest.approx(expected, abs=0.02)
    assert svg.find(".//svg:line[@class='surgery']", ns).get("data-month") == "2025-12"


def test_the_svg_places_each_month_on_a_time_axis():
    series = report_chart.MonthlySeries(
        starts=["2025-01-01", "2025-04-01"], spasms=[10.0, 2.5], severity=[None, 3.0],
        first_month="2025-01-01", last_month="2025-04-30", surgery_on="2025-02-14")
    svg = ET.fromstring(report_chart.monthly_chart_svg(series, width=474, height=140))
    ns = {"svg": "http://www.w3.org/2000/svg"}
    january, april = svg.findall(".//svg:rect[@class='bar']", ns)
    # Four months over 400 px of plot: a month is 100 px wide, the bar 80 px of it.
    assert float(january.get("x")) == report_chart.LEFT + 10
    assert float(april.get("x")) == report_chart.LEFT + 310
    assert float(january.get("height")) == 100 and float(april.get("height")) == 25
    (point,) = svg.findall(".//svg:circle", ns)
    assert point.get("data-month") == "2025-04" and float(point.get("cy")) == report_chart.TOP + 25
    assert float(svg.find(".//svg:line[@class='surgery']", ns).get("x1")) == report_chart.LEFT + 150


def test_an_empty_diary_draws_an_empty_chart():
    series = report_chart.MonthlySeries([], [], [], "2026-03-01", "2026-03-10")
    svg = ET.fromstring(report_chart.monthly_chart_svg(series))
    assert svg.findall(".//{http://www.w3.org/2000/svg}rect") == []


@pytest.mark.parametrize(("value", "ceiling"), [(0, 1), (0.4, 1), (1.2, 2), (3, 5), (7, 10), (12.5, 20),
                                                (50, 50), (51, 100), (4999, 5000)])
def test_the_axis_ends_at_a_round_number(value, ceiling):
    assert report_chart.nice_ceiling(value) == ceiling
