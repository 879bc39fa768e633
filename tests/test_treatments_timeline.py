"""The treatments page: one timeline, deleting with a confirmation, and who may see what."""

from __future__ import annotations

import re
from datetime import date

import pytest

from diary.models import EntryRevision, Injection
from tests.journal_helpers import counted_queries, login_as
from tests.treatments_support import TreatmentRecorder, rows, text_of


@pytest.fixture
def record(app, patient) -> TreatmentRecorder:
    """Treatments of the logged-in patient, through the services."""
    return TreatmentRecorder(app, patient)


def titles(response) -> list[str]:
    """The timeline's headings, top to bottom."""
    html = response.get_data(as_text=True)
    return [t.strip() for t in re.findall(r'<h2 class="timeline-title">(.*?)</h2>', html)]


def test_timeline_lists_injections_regimen_changes_and_surgeries_newest_first(client, record):
    record.surgery(performed_on=date(2025, 6, 2))
    record.injection(injected_on=date(2025, 2, 1), product="abobotulinumtoxinA", total_units="60")
    first = record.regimen(started_on=date(2025, 1, 10), strength="300")
    second = record.change(first, date(2025, 4, 1), "400")
    third = record.change(second, date(2025, 8, 1), "200")
    record.regimen(  # stopped after the operation
        regimen_id=third,
        strength="200",
        started_on=date(2025, 8, 1),
        stopped_on=date(2025, 10, 1),
        stop_reason="Spasm-free",
    )

    response = client.get("/treatments")
    assert response.status_code == 200
    assert titles(response) == [
        "Stopped Gabapentin (was 200 mg, 3 times a day)",
        "Dose change: Gabapentin 200 mg, 3 times a day",
        "Microvascular decompression (MVD), left side",
        "Dose change: Gabapentin 400 mg, 3 times a day",
        "Injection: Dysport, 60 U",
        "Started Gabapentin: 300 mg, 3 times a day",
    ]
    page = text_of(response)
    assert "1 October 2025" in page and "Reason: Spasm-free" in page


def test_same_day_events_read_in_the_order_they_happened(client, record):
    first = record.regimen(started_on=date(2025, 1, 10), stopped_on=date(2025, 3, 1))
    record.regimen(drug="clonazepam", strength="0.5", doses_per_day=2, started_on=date(2025, 3, 1))
    record.injection(injected_on=date(2025, 3, 1))
    assert first
    assert titles(client.get("/treatments")) == [
        "Injection: Botox, 20 U",
        "Started Clonazepam: 0.5 mg, 2 times a day",
        "Stopped Gabapentin (was 300 mg, 3 times a day)",
        "Started Gabapentin: 300 mg, 3 times a day",
    ]


def test_an_empty_timeline_says_so_and_offers_the_forms(client, patient):
    page = text_of(client.get("/treatments"))
    assert "No treatments are recorded yet." in page
    for link in ("Add injection", "Add medication", "Add surgery"):
        assert link in page


def test_the_nav_links_to_treatments_for_patients(client, patient):
    assert '<a href="/treatments">Treatments</a>' in client.get("/treatments").get_data(
        as_text=True
    )


def test_deleting_asks_first_then_hides_the_entry_and_keeps_a_revision(client, app, record):
    injection_id = record.injection(total_units="20")
    confirm = client.get(f"/treatments/injections/{injection_id}/delete")
    assert confirm.status_code == 200
    page = text_of(confirm)
    assert "Delete this entry?" in page
    assert "Injection: Botox, 20 U, 1 March 2026" in page
    assert (
        '<button type="submit" class="button danger primary">Delete entry</button>'
        in confirm.get_data(as_text=True)
    )
    assert rows(app, Injection)[0].deleted_at is None  # asking deletes nothing

    response = client.post(f"/treatments/injections/{injection_id}/delete")
    assert response.status_code == 302
    assert response.headers["Location"] == "/treatments"
    assert rows(app, Injection)[0].deleted_at is not None
    (revision,) = rows(app, EntryRevision)
    assert (revision.entry_type, revision.entry_id, revision.action) == (
        "injection",
        injection_id,
        "delete",
    )
    assert revision.before["total_units"] == "20"

    assert titles(client.get("/treatments")) == []
    # A deleted entry is gone for every page, the forms included.
    assert client.get(f"/treatments/injections/{injection_id}/edit").status_code == 404
    assert client.post(f"/treatments/injections/{injection_id}/delete").status_code == 404


def test_an_unknown_kind_of_entry_answers_404(client, record):
    injection_id = record.injection()
    assert client.get(f"/treatments/check_ins/{injection_id}/delete").status_code == 404


def test_treatments_need_a_login(client):
    response = client.get("/treatments")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["clinician", "admin"])
def test_accounts_that_are_not_patients_have_no_treatments_pages(client, make_user, auth, role):
    login_as(client, make_user("staff@example.org", role=role))
    for url in (
        "/treatments",
        "/treatments/injections/new",
        "/treatments/medication",
        "/treatments/surgeries/new",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post("/treatments/medication/taken").status_code == 404


def test_every_page_of_another_patients_entries_answers_404(client, app, make_user, patient):
    other = TreatmentRecorder(app, make_user("other@example.org"))
    regimen = other.regimen()
    dose = other.dose(regimen, date(2026, 3, 10), "missed")
    urls = {
        f"/treatments/injections/{other.injection()}/edit",
        f"/treatments/injections/{rows(app, Injection)[0].id}/delete",
        f"/treatments/medication/{regimen}/edit",
        f"/treatments/medication/{regimen}/change",
        f"/treatments/medication/{regimen}/delete",
        f"/treatments/doses/{dose}/delete",
        f"/treatments/surgeries/{other.surgery()}/edit",
        f"/treatments/surgeries/{other.surgery()}/delete",
    }
    for url in sorted(urls):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    # Their entries do not appear on my pages either.
    assert titles(client.get("/treatments")) == []
    assert "Gabapentin" not in text_of(client.get("/treatments/medication"))


def test_treatment_pages_carry_no_inline_script_or_style(client, record):
    regimen = record.regimen()
    injection = record.injection()
    surgery = record.surgery()
    pages = [
        "/treatments",
        "/treatments/injections/new",
        f"/treatments/injections/{injection}/edit",
        f"/treatments/injections/{injection}/delete",
        "/treatments/medication",
        "/treatments/medication/new",
        f"/treatments/medication/{regimen}/edit",
        f"/treatments/medication/{regimen}/change",
        "/treatments/surgeries/new",
        f"/treatments/surgeries/{surgery}/edit",
    ]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert " style=" not in html, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "http://" not in html and "https://" not in html, url


def test_every_field_has_a_visible_label(client, patient):
    for url in (
        "/treatments/injections/new",
        "/treatments/medication/new",
        "/treatments/surgeries/new",
    ):
        html = client.get(url).get_data(as_text=True)
        for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html):
            if field_id in ("csrf_token", "warnings_seen"):
                continue
            labelled = f'for="{field_id}"' in html
            in_choice = re.search(
                rf'<label class="(?:choice|check)">\s*<input[^>]*id="{field_id}"', html
            )
            assert labelled or in_choice, (url, field_id)


def test_the_timeline_needs_the_same_number_of_queries_for_few_and_many_entries(
    app, client, record
):
    def queries_for_page() -> int:
        with counted_queries(app) as statements:
            assert client.get("/treatments").status_code == 200
        return len(statements)

    record.injection(injected_on=date(2025, 1, 1), sites=(("mentalis", "affected", "2"),))
    record.regimen(started_on=date(2025, 1, 1))
    record.surgery()
    few = queries_for_page()
    for month in range(2, 12):
        record.injection(injected_on=date(2025, month, 1), sites=(("mentalis", "affected", "2"),))
        record.surgery(performed_on=date(2025, month, 2))
    regimen = record.regimen(drug="baclofen", strength="10", started_on=date(2025, 2, 1))
    for month in range(3, 12):
        regimen = record.change(regimen, date(2025, month, 1), str(10 + month))
    assert queries_for_page() == few
