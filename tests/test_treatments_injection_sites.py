"""The injection form's sites, one at a time: "Add a site" without JavaScript sends the form
back and gets it again with one more line, every value kept and nothing saved
(docs/clinical.md, Injection sites). Through the test client, as a browser without
JavaScript sends it."""

from __future__ import annotations

import re

from diary.models import Injection, InjectionSite
from diary.treatments.forms import MAX_SITE_ROWS
from tests.route_matrix import database_rows
from tests.test_treatments_injections import injection_form
from tests.treatments_support import TreatmentRecorder, rows, text_of


def site_lines(response) -> list[str]:
    """The numbers of the site lines the page shows (outside the script's blank template)."""
    page = response.get_data(as_text=True)
    page = re.sub(r"<template\b.*?</template>", "", page, flags=re.S)
    return re.findall(r'<label for="sites-\d+-muscle">Site (\d+): muscle</label>', page)


def test_a_new_injection_form_shows_one_site_line_and_add_a_site(client, patient):
    page = client.get("/treatments/injections/new")

    assert page.status_code == 200
    assert site_lines(page) == ["1"]
    html = page.get_data(as_text=True)
    assert '<button type="submit" name="add_site" value="1" class="button" data-add-site>Add a site</button>' in html
    # The blank line the page's script copies, with its placeholders.
    assert 'id="sites-__index__-muscle"' in html and "Site __number__: muscle" in html


def test_add_a_site_without_javascript_returns_the_form_with_one_more_line_and_saves_nothing(
    app, client, patient
):
    before = database_rows(app)
    form = injection_form(add_site="1", injector="Dr Weber", **{"sites-0-units": "12.5"})

    response = client.post("/treatments/injections/new", data=form)

    assert response.status_code == 200
    assert database_rows(app) == before
    assert site_lines(response) == ["1", "2"]
    html = response.get_data(as_text=True)
    assert 'value="2026-03-01"' in html and 'value="12.5"' in html and 'value="Dr Weber"' in html
    assert '<option selected value="oo_pretarsal_lower">' in html
    # The new line has the focus, and the fold that holds a value is open.
    assert re.search(r'<select autofocus[^>]*id="sites-1-muscle"', html)
    assert re.search(r'<details class="fold" open>\s*<summary>Who injected it', html)
    assert "Nothing was saved" not in text_of(response)  # no error: nothing was checked


def test_two_sites_added_one_at_a_time_are_saved(app, client, patient):
    first = injection_form(add_site="1")
    second = client.post("/treatments/injections/new", data=first)
    assert site_lines(second) == ["1", "2"]

    response = client.post("/treatments/injections/new", data=injection_form(
        total_units="25", **{"sites-1-muscle": "zygomaticus", "sites-1-side": "other",
                             "sites-1-units": "5"},
    ))

    assert response.status_code == 302
    (injection,) = rows(app, Injection)
    sites = rows(app, InjectionSite, injection_id=injection.id)
    assert sorted((s.muscle, s.side, str(s.units)) for s in sites) == [
        ("oo_pretarsal_lower", "affected", "20.00"), ("zygomaticus", "other", "5.00"),
    ]


def test_an_injection_with_four_sites_shows_four_lines_when_edited(app, client, patient):
    injection_id = TreatmentRecorder(app, patient).injection(total_units="20", sites=(
        ("oo_pretarsal_upper", "affected", "5"), ("oo_pretarsal_lower", "affected", "5"),
        ("zygomaticus", "affected", "5"), ("risorius", "affected", "5"),
    ))

    page = client.get(f"/treatments/injections/{injection_id}/edit")

    assert site_lines(page) == ["1", "2", "3", "4"]
    again = client.post(f"/treatments/injections/{injection_id}/edit", data={
        **injection_form(add_site="1"),
        **{f"sites-{n}-muscle": m for n, m in enumerate(
            ("oo_pretarsal_upper", "oo_pretarsal_lower", "zygomaticus", "risorius"))},
        **{f"sites-{n}-side": "affected" for n in range(4)},
    })
    assert site_lines(again) == ["1", "2", "3", "4", "5"]


def test_no_line_is_added_past_the_most_a_session_can_have(client, patient):
    full = {f"sites-{n}-side": "affected" for n in range(MAX_SITE_ROWS)}

    response = client.post("/treatments/injections/new", data={**injection_form(add_site="1"), **full})

    assert response.status_code == 200
    assert len(site_lines(response)) == MAX_SITE_ROWS
    assert 'name="add_site"' not in response.get_data(as_text=True)


def test_the_optional_parts_are_folded_until_they_hold_something(client, patient):
    html = client.get("/treatments/injections/new").get_data(as_text=True)

    assert re.search(r'<details class="fold">\s*<summary>How it worked \(optional\)', html)
    assert re.search(r'<details class="fold">\s*<summary>Who injected it', html)


def test_a_refused_date_in_a_fold_opens_it(client, patient):
    response = client.post("/treatments/injections/new", data=injection_form(wore_off_on="2026-02-01"))

    assert response.status_code == 422
    assert re.search(r'<details class="fold" open>\s*<summary>How it worked', response.get_data(as_text=True))
