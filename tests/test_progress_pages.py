"""The trajectory page, its API and the CSV download, as the patient uses them."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from diary.i18n import medium_date
from diary.records.csv_tables import TABLES, cell
from tests.journal_helpers import check_in, counted_queries, login_as, page_text, spasm_now
from tests.treatments_support import TODAY, TreatmentRecorder

SURGERY = date(2026, 1, 15)


@pytest.fixture
def diary(app, patient):
    """A patient with 28 days at 20 before MVD and a fall to 1 a day after, one injection."""
    for offset in range(1, 29):
        check_in(app, patient, SURGERY - timedelta(days=offset), 20, jrs_severity=3)
    for offset in range(1, 55):
        check_in(app, patient, SURGERY + timedelta(days=offset), 1, jrs_severity=1)
    recorder = TreatmentRecorder(app, patient)
    recorder.surgery(performed_on=SURGERY)
    recorder.injection(injected_on=SURGERY - timedelta(days=120), total_units="25")
    return patient


def test_api_answers_the_series_treatments_and_summary(client, diary):
    data = client.get("/api/v1/me/trajectory?bucket=day").get_json()
    # The whole diary and every treatment: from the injection 120 days before surgery.
    assert data["range"] == {"from": "2025-09-17", "to": "2026-03-10", "bucket": "day"}
    series = data["series"]
    assert series["start"][0] == "2025-12-18"
    assert series["spasms"][:2] == [20, 20]
    assert len(series["start"]) == 28 + 54  # every logged day, no missing day as zero
    assert series["rolling_mean"][27] == 20.0
    assert data["surgeries"] == [
        {"date": "2026-01-15", "type": "mvd", "label": "Microvascular decompression (MVD)",
         "patient_reported": True}
    ]
    summary = data["summary"]
    assert summary["baseline"]["mean"] == 20
    assert summary["baseline"]["toxin_suppressed"] is False
    assert summary["last_28_days"] == {"mean": 1.0, "logged_days": 28}
    assert summary["percent_change"] == -95
    assert summary["outcome"] == "reduced_90"
    assert summary["days_since_last_spasm"] == 0


def test_api_weekly_and_monthly_buckets(client, diary):
    weeks = client.get("/api/v1/me/trajectory?bucket=week&from=2026-01-05&to=2026-01-18").get_json()
    assert weeks["series"]["start"] == ["2026-01-05", "2026-01-12"]
    assert weeks["series"]["logged_days"] == [7, 6]  # surgery day 15 January has no entry
    assert weeks["series"]["spasms"] == [20.0, pytest.approx((20 * 3 + 1 * 3) / 6, abs=0.01)]
    months = client.get("/api/v1/me/trajectory?bucket=month").get_json()
    assert months["series"]["start"][0] == "2025-12-01"


def test_api_refuses_bad_parameters_with_json_errors(client, diary):
    for query, field in [
        ("bucket=year", "bucket"),
        ("from=2026-02-30", "from"),
        ("to=yesterday", "to"),
        ("from=2026-03-01&to=2026-01-01", "from"),
        ("from=1990-01-01&to=2026-01-01", "from"),
    ]:
        response = client.get(f"/api/v1/me/trajectory?{query}")
        assert response.status_code == 400, query
        error = response.get_json()["error"]
        assert error["code"] == "bad_request"
        assert field in error["fields"], query


def test_api_needs_a_login_and_answers_401_as_json(client):
    response = client.get("/api/v1/me/trajectory")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_api_is_only_for_patients(client, make_user, auth):
    login_as(client, make_user("doc@example.org", role="clinician", clinic="North"))
    assert client.get("/api/v1/me/trajectory").status_code == 404


def test_api_runs_a_fixed_number_of_queries(app, client, patient):
    check_in(app, patient, TODAY, 3)
    with counted_queries(app) as short:
        client.get("/api/v1/me/trajectory")
    for offset in range(1, 200):
        check_in(app, patient, TODAY - timedelta(days=offset), offset % 5)
    TreatmentRecorder(app, patient).surgery(performed_on=TODAY - timedelta(days=100))
    with counted_queries(app) as long:
        client.get("/api/v1/me/trajectory")
    assert len(short) == len(long)


def test_page_shows_summary_cards_and_the_same_numbers_as_the_api(client, diary):
    page = client.get("/trajectory?range=3m&bucket=day")
    assert page.status_code == 200
    text = page_text(page)
    assert "Before surgery 20.0 spasms a day" in text
    assert "Last 28 days 1.0 spasms a day" in text
    assert "-95%" in text
    assert "At least 90% fewer" in text
    api = client.get("/api/v1/me/trajectory?bucket=day&from=2025-12-11&to=2026-03-10").get_json()
    html = page.get_data(as_text=True)
    for day, count in zip(api["series"]["start"][-3:], api["series"]["spasms"][-3:], strict=True):
        # The day in words for the reader, its ISO date in <time> (docs/wording.md).
        words = medium_date(date.fromisoformat(day))
        assert (f'<th scope="row"><time datetime="{day}">{words}</time></th>\n'
                f'          <td>{count}</td>') in html


def test_page_has_no_inline_script_only_a_json_block(client, diary):
    html = client.get("/trajectory").get_data(as_text=True)
    assert '<script type="application/json" id="trajectory-data">' in html
    assert "<script>" not in html


def test_page_without_entries_says_nothing_is_logged(client, patient):
    text = page_text(client.get("/trajectory"))
    assert "Nothing logged in this period." in text
    assert "No surgery recorded" in text


def test_unknown_range_or_bucket_falls_back_to_the_defaults(client, diary):
    assert client.get("/trajectory?range=decade&bucket=fortnight").status_code == 200


def read_csv(client, name):
    response = client.get(f"/export/{name}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_csv_tables_have_stable_headers(client, diary):
    for name, table in TABLES.items():
        assert read_csv(client, name)[0] == list(table.columns)


def test_csv_days_follow_the_day_rule(app, client, patient):
    check_in(app, patient, TODAY, 0)
    spasm_now(app, patient, "one")
    rows = read_csv(client, "days")
    assert rows[1:] == [["2026-03-10", "1", "0", "1"]]


def test_csv_defuses_spreadsheet_formulas(app, client, patient):
    check_in(app, patient, TODAY, 2, note="=HYPERLINK(\"http://x\")")
    rows = read_csv(client, "check_ins")
    assert rows[1][10] == "'=HYPERLINK(\"http://x\")"
    assert cell(-3) == "-3"  # numbers are numbers


def test_csv_leaves_out_deleted_entries_and_other_patients(app, client, patient, make_user):
    other = make_user("other@example.org")
    check_in(app, other, TODAY, 9)
    assert read_csv(client, "check_ins")[1:] == []


def test_unknown_csv_table_is_404(client, patient):
    assert client.get("/export/passwords.csv").status_code == 404


def test_codebook_documents_every_column():
    codebook = Path("docs/csv-codebook.md").read_text(encoding="utf-8")
    for table in TABLES.values():
        assert f"## {table.name}.csv" in codebook
        for column in table.columns:
            assert f"`{column}`" in codebook, (table.name, column)
