"""CSV files that open in a spreadsheet with every character intact: UTF-8 with a byte-order
mark, dot decimals and commas for machines, and a spreadsheet file in the style of the
patient's language (docs/csv-codebook.md, Spreadsheet files); coded columns with a readable
column beside them."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest

from diary.records.csv_tables import DECIMAL_COMMA, MACHINE, TABLES, spreadsheet_style
from tests.journal_helpers import TODAY, check_in, login_as
from tests.treatments_support import TreatmentRecorder

BOM = b"\xef\xbb\xbf"
CENTRE = "Universitätsklinikum Köln"


@pytest.fixture
def diary(app, client, make_user) -> int:
    """A logged-in patient with a German centre's operation and an injection of 22.5 U."""
    patient = make_user("pat@example.org")
    treatments = TreatmentRecorder(app, patient)
    treatments.surgery(date(2025, 10, 6), centre=CENTRE, vessels=("aica", "vein"))
    treatments.injection(date(2026, 1, 5), total_units="22.5", sites=(
        ("oo_pretarsal_upper", "affected", "5"), ("zygomaticus", "other", "17.5")))
    treatments.regimen("carbamazepine", "200", started_on=date(2025, 1, 1))
    check_in(app, patient, TODAY, 3, regions=["eye", "cheek"], triggers=["stress"])
    login_as(client, patient)
    return patient


def download(client, path: str, language: str | None = None) -> bytes:
    headers = {"Accept-Language": language} if language else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    return response.get_data()


def rows(body: bytes, delimiter: str = ",") -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter))


def test_every_csv_starts_with_a_byte_order_mark_and_keeps_every_character(client, diary):
    body = download(client, "/export/surgeries.csv")

    assert body.startswith(BOM)
    assert not body[3:].startswith(BOM)
    assert body.decode("utf-8").startswith("\ufeffperformed_on,")
    (surgery,) = rows(body)
    assert surgery["centre"] == CENTRE
    for name in TABLES:
        assert download(client, f"/export/{name}.csv").startswith(BOM), name


def test_the_zips_csv_files_carry_the_mark_too(client, diary):
    archive = zipfile.ZipFile(io.BytesIO(download(client, "/export/all.zip")))

    for name in [*TABLES, "audit"]:
        member = f"spasm-diary/{'' if name == 'audit' else 'csv/'}{name}.csv"
        assert archive.read(member).startswith(BOM), member
    (surgery,) = rows(archive.read("spasm-diary/csv/surgeries.csv"))
    assert surgery["centre"] == CENTRE


def test_files_for_machines_keep_commas_and_dot_decimals_whatever_the_language(client, diary):
    body = download(client, "/export/injections.csv", language="de-DE,de;q=0.9")

    assert body.decode("utf-8-sig").startswith("injected_on,product,")
    (injection,) = rows(body)
    assert injection["total_units"] == "22.5"
    assert injection["sites"] == "oo_pretarsal_upper:affected:5;zygomaticus:other:17.5"


def test_a_german_spreadsheet_file_has_semicolons_and_decimal_commas(client, diary):
    body = download(client, "/export/injections.csv?for=spreadsheet", language="de-DE,de;q=0.9,en;q=0.5")

    assert body.startswith(BOM)
    assert body.decode("utf-8-sig").startswith("injected_on;product;")
    (injection,) = rows(body, delimiter=";")
    assert injection["total_units"] == "22,5"
    assert injection["injected_on"] == "2026-01-05"  # dates stay ISO
    # Codes stay codes: the numbers inside coded text are not number cells.
    assert injection["sites"] == "oo_pretarsal_upper:affected:5;zygomaticus:other:17.5"


def test_an_english_spreadsheet_file_has_commas_and_dot_decimals(client, diary):
    body = download(client, "/export/injections.csv?for=spreadsheet", language="en-GB,en;q=0.8")

    (injection,) = rows(body)
    assert injection["total_units"] == "22.5"


def test_the_choice_on_the_export_page_wins_over_the_browsers_language(client, diary):
    point = download(client, "/export/injections.csv?for=spreadsheet&decimal=point", language="de")
    comma = download(client, "/export/injections.csv?for=spreadsheet&decimal=comma", language="en")
    unknown = download(client, "/export/injections.csv?for=spreadsheet&decimal=%00x", language="de")

    assert rows(point)[0]["total_units"] == "22.5"
    assert rows(comma, ";")[0]["total_units"] == "22,5"
    assert rows(unknown, ";")[0]["total_units"] == "22,5"  # no such choice: the language decides


@pytest.mark.parametrize(("language", "style"), [
    ("de", DECIMAL_COMMA), ("de-AT", DECIMAL_COMMA), ("fr_FR", DECIMAL_COMMA),
    ("de-CH", MACHINE), ("es-MX", MACHINE), ("en", MACHINE), ("en-US", MACHINE),
    ("ja", MACHINE), ("*", MACHINE), ("", MACHINE), (None, MACHINE),
])
def test_the_language_rule(language, style):
    assert spreadsheet_style(language) is style


def test_the_export_page_offers_spreadsheet_files_in_the_browsers_style(client, diary):
    page = client.get("/export", headers={"Accept-Language": "de"}).get_data(as_text=True)

    assert 'href="/export/injections.csv?for=spreadsheet&amp;decimal=comma"' in page
    assert 'href="/export/injections.csv"' in page
    assert '<option value="comma" selected>' in page
    chosen = client.get("/export?decimal=point", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert 'href="/export/injections.csv?for=spreadsheet&amp;decimal=point"' in chosen


def test_coded_columns_have_readable_columns_at_the_end(client, diary):
    (injection,) = rows(download(client, "/export/injections.csv"))
    (check_in_row,) = rows(download(client, "/export/check_ins.csv"))
    (regimen,) = rows(download(client, "/export/medication.csv"))
    (surgery,) = rows(download(client, "/export/surgeries.csv"))

    assert injection["sites_readable"] == (
        "Muscle around the eye, upper lid (orbicularis oculi, pretarsal) (affected side): 5 U; "
        "Cheek muscle that lifts the mouth corner (zygomaticus) (other side): 17.5 U")
    assert injection["product_readable"] == "Botox (onabotulinumtoxinA)"
    assert injection["sites_units_sum"] == "22.5"
    assert injection["total_differs_from_sites"] == "false"
    assert check_in_row["regions_readable"] == "Eye; Cheek"
    assert check_in_row["triggers_readable"] == "Stress"
    assert regimen["drug_readable"] == "Carbamazepine"
    assert surgery["surgery_type_readable"] == "Microvascular decompression (MVD)"
    assert surgery["vessels_readable"] == "AICA (anterior inferior cerebellar artery); A vein"
    columns = TABLES["injections"].columns
    assert columns.index("sites_readable") > columns.index("created_at")


def test_the_check_ins_count_column_is_named_for_what_it_holds(client, diary):
    header = rows(download(client, "/export/check_ins.csv"))[0]

    assert "check_in_spasm_count" in header and "spasm_count" not in header
    assert header["check_in_spasm_count"] == "3"


def test_a_huge_body_or_odd_parameters_never_answer_a_server_error(client, diary):
    huge = client.get("/export/injections.csv?for=spreadsheet", data="x" * (20 * 1024 * 1024))
    odd = client.get("/export?decimal=%ff%00&for=spreadsheet", headers={"Accept-Language": "\x00;q=x"})
    junk_language = client.get("/export/days.csv?for=spreadsheet", headers={"Accept-Language": "de-;;q=,"})

    assert huge.status_code in {200, 413}
    assert odd.status_code == 200
    assert junk_language.status_code == 200 and junk_language.get_data().startswith(BOM)
