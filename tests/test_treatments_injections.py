"""Botulinum-toxin injections: what is saved, what is refused, what is only a warning."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from diary.models import EntryRevision, Injection, InjectionSite
from diary.treatments import queries
from diary.treatments.rules import injection_warnings
from diary.treatments.values import InjectionValues, OtherInjection
from tests.treatments_support import TreatmentRecorder, rows, text_of


@pytest.fixture
def record(app, patient) -> TreatmentRecorder:
    """Treatments of the logged-in patient, through the services."""
    return TreatmentRecorder(app, patient)


def injection_form(**fields) -> dict:
    """A valid injection form: 20 U of Botox on 1 March, all at one site."""
    form = {
        "injected_on": "2026-03-01",
        "product": "onabotulinumtoxinA",
        "total_units": "20",
        "sites-0-muscle": "oo_pretarsal_lower",
        "sites-0-side": "affected",
        "sites-0-units": "20",
    }
    form.update(fields)
    return {k: v for k, v in form.items() if v is not None}


def test_an_injection_is_saved_with_its_product_units_and_sites(client, app, patient):
    response = client.post(
        "/treatments/injections/new",
        data=injection_form(
            **{
                "sites-0-units": "2,5",  # a decimal comma, as typed in Berlin
                "sites-1-muscle": "zygomaticus",
                "sites-1-side": "other",
                "injector": "Dr Weiss",
                "lot": "C1234",
                "side_effects": ["ptosis", "tearing"],
            }
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/treatments"

    (injection,) = rows(app, Injection)
    assert injection.patient_id == patient
    assert (injection.injected_on, injection.product, injection.total_units) == (
        date(2026, 3, 1),
        "onabotulinumtoxinA",
        Decimal("20"),
    )
    assert (injection.injector, injection.lot) == ("Dr Weiss", "C1234")
    assert injection.side_effects == ["ptosis", "tearing"]
    assert injection.created_by_id == patient
    # Entered 9 days after the injection: marked as entered later (docs/decisions.md, Provenance).
    assert injection.retrospective is True
    sites = rows(app, InjectionSite, injection_id=injection.id)
    assert [(s.muscle, s.side, s.units) for s in sites] == [
        ("oo_pretarsal_lower", "affected", Decimal("2.5")),
        ("zygomaticus", "other", None),
    ]
    assert "Injection saved." in text_of(client.get("/treatments"))


def test_an_injection_entered_on_its_day_is_not_retrospective(app, record):
    injection_id = record.injection(injected_on=date(2026, 3, 9))
    (injection,) = rows(app, Injection, id=injection_id)
    assert injection.retrospective is False


def test_date_and_product_are_required(client, app, patient):
    response = client.post(
        "/treatments/injections/new", data=injection_form(injected_on="", product=None)
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "Give the date of the injection." in page
    assert "Choose the product, or “Not known”." in page
    assert rows(app, Injection) == []


def test_a_product_not_in_the_list_needs_its_name(client, app, patient):
    response = client.post("/treatments/injections/new", data=injection_form(product="other"))
    assert response.status_code == 422
    assert "Give the name of the other product." in text_of(response)

    named = injection_form(product="other", product_other="Letybo", total_units="50",
                           **{"sites-0-units": "50"})
    assert client.post("/treatments/injections/new", data=named).status_code == 302
    (injection,) = rows(app, Injection)
    assert (injection.product, injection.product_other) == ("other", "Letybo")


def test_product_not_known_is_accepted_without_a_range_warning(client, app, patient):
    response = client.post(
        "/treatments/injections/new", data=injection_form(
            product="unknown", total_units="150", **{"sites-0-units": "150"})
    )
    assert response.status_code == 302
    assert rows(app, Injection)[0].product == "unknown"


@pytest.mark.parametrize("units", ["0", "-5", "400.01", "401", "1000"])
def test_impossible_total_units_are_refused_and_nothing_is_saved(client, app, patient, units):
    response = client.post("/treatments/injections/new", data=injection_form(total_units=units))
    assert response.status_code == 422
    assert "Units must be more than 0 and at most 400." in text_of(response)
    assert rows(app, Injection) == []


@pytest.mark.parametrize("units", ["0", "401"])
def test_impossible_units_at_a_site_are_refused(client, app, patient, units):
    response = client.post(
        "/treatments/injections/new", data=injection_form(**{"sites-0-units": units})
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="sites-0-units-error"' in html
    assert rows(app, Injection) == []


def test_units_that_are_not_numbers_are_refused_next_to_the_field(client, app, patient):
    for typed in ("twenty", "NaN", "Infinity", "2.555"):
        response = client.post("/treatments/injections/new", data=injection_form(total_units=typed))
        assert response.status_code == 422, typed
        assert 'id="total_units-error"' in response.get_data(as_text=True)
        # The other fields keep what was typed.
        assert 'value="2026-03-01"' in response.get_data(as_text=True)
    assert rows(app, Injection) == []


def test_site_units_adding_up_to_more_than_the_total_are_a_warning_not_a_refusal(client, app, patient):
    form = injection_form(total_units="30", **{
        "sites-0-units": "20", "sites-1-muscle": "zygomaticus", "sites-1-units": "25"})

    response = client.post("/treatments/injections/new", data=form)

    assert response.status_code == 200
    assert "The units per site add up to 45 U, not the total of 30 U." in text_of(response)
    assert rows(app, Injection) == []
    saved = client.post("/treatments/injections/new", data={**form, "save_anyway": "y"})
    assert saved.status_code == 302
    assert rows(app, Injection)[0].total_units == Decimal("30")


def test_a_total_its_sites_do_not_add_up_to_is_warned_about_and_kept_as_entered(client, app, patient):
    form = injection_form(total_units="25", **{
        "sites-0-units": "5", "sites-1-muscle": "zygomaticus", "sites-1-units": "5"})

    first = client.post("/treatments/injections/new", data=form)

    assert first.status_code == 200
    page = text_of(first)
    assert "The units per site add up to 10 U, not the total of 25 U." in page
    assert "Save anyway" in page
    assert rows(app, Injection) == []
    html = first.get_data(as_text=True)
    token = html.split('name="warnings_seen" type="hidden" value="')[1].split('"')[0]
    again = client.post("/treatments/injections/new", data={**form, "warnings_seen": token})
    assert again.status_code == 302
    (injection,) = rows(app, Injection)
    assert injection.total_units == Decimal("25")
    assert sorted(s.units for s in rows(app, InjectionSite)) == [Decimal("5"), Decimal("5")]


@pytest.mark.parametrize(("total", "sites", "differs"), [
    ("25", ("5", "5"), "10"),       # every site known, fewer than the total
    ("20", ("15", "5"), None),      # they agree
    ("20", ("5", None), None),      # a site without units may hold the rest
    ("20", ("25", None), "25"),     # the known sites alone exceed the total
    (None, ("5", "5"), None),       # no total to disagree with
    ("20", (None, None), None),     # no site units
])
def test_when_a_total_and_its_sites_disagree(total, sites, differs):
    from diary.treatments.rules import sites_disagree

    site_units = [None if u is None else Decimal(u) for u in sites]
    found = sites_disagree(None if total is None else Decimal(total), site_units)

    assert found == (None if differs is None else Decimal(differs))


def test_the_injection_form_answers_a_huge_body_or_a_file_without_a_server_error(client, patient):
    import io

    huge = client.post("/treatments/injections/new", data={"note": "x" * (20 * 1024 * 1024)})
    as_file = client.post("/treatments/injections/new", data={
        **injection_form(), "total_units": (io.BytesIO(b"25"), "units.txt"),
        "sites-0-units": (io.BytesIO(b"\x00\xff"), "site.bin")})

    assert huge.status_code == 413
    # A file is no text: the fields read as empty, and the form answers as for empty fields.
    assert as_file.status_code in {200, 302, 422}


def test_the_same_site_twice_is_refused(client, app, patient):
    response = client.post(
        "/treatments/injections/new",
        data=injection_form(**{"sites-1-muscle": "oo_pretarsal_lower", "sites-1-side": "affected"}),
    )
    assert response.status_code == 422
    assert "This site is already listed above." in text_of(response)


def test_units_without_a_muscle_are_refused(client, app, patient):
    response = client.post(
        "/treatments/injections/new", data=injection_form(**{"sites-1-units": "5"})
    )
    assert response.status_code == 422
    assert "Choose the muscle for these units." in text_of(response)


def test_a_future_injection_date_is_refused(client, app, patient):
    response = client.post(
        "/treatments/injections/new", data=injection_form(injected_on="2026-03-11")
    )
    assert response.status_code == 422
    assert "This date is in the future" in text_of(response)
    assert rows(app, Injection) == []


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        (
            {"effect_began_on": "2026-02-28"},
            "The effect cannot begin before the injection on 1 March 2026.",
        ),
        (
            {"wore_off_on": "2026-02-20"},
            "The effect cannot wear off before the injection on 1 March 2026.",
        ),
        (
            {"effect_began_on": "2026-03-05", "best_effect_on": "2026-03-04"},
            "The best effect cannot come before it began (5 March 2026).",
        ),
        (
            {"best_effect_on": "2026-03-08", "wore_off_on": "2026-03-06"},
            "The effect cannot wear off before the best effect (8 March 2026).",
        ),
        ({"effect_began_on": "2026-03-12"}, "This date is in the future"),
    ],
)
def test_effect_dates_before_the_injection_or_out_of_order_are_refused(
    client, app, patient, dates, message
):
    response = client.post("/treatments/injections/new", data=injection_form(**dates))
    assert response.status_code == 422
    assert message in text_of(response)
    assert rows(app, Injection) == []


def test_the_cycle_of_the_effect_is_saved_in_order(client, app, patient):
    cycle = {
        "effect_began_on": "2026-03-04",
        "best_effect_on": "2026-03-09",
        "wore_off_on": "2026-03-09",
    }
    assert (
        client.post("/treatments/injections/new", data=injection_form(**cycle)).status_code == 302
    )
    (injection,) = rows(app, Injection)
    assert (injection.effect_began_on, injection.best_effect_on, injection.wore_off_on) == (
        date(2026, 3, 4),
        date(2026, 3, 9),
        date(2026, 3, 9),
    )


def test_a_total_outside_the_typical_range_is_a_warning_not_a_refusal(client, app, patient):
    first = client.post("/treatments/injections/new", data=injection_form(total_units="50"))
    assert first.status_code == 200
    page = text_of(first)
    assert "50 U is more than the 10–35 U usually given in one session with Botox." in page
    assert "Nothing is saved yet." in page
    assert "Save anyway" in page
    assert rows(app, Injection) == []

    # Saving the same values again, with the warnings seen, confirms them.
    html = first.get_data(as_text=True)
    token = html.split('name="warnings_seen" type="hidden" value="')[1].split('"')[0]
    again = client.post(
        "/treatments/injections/new", data=injection_form(total_units="50", warnings_seen=token)
    )
    assert again.status_code == 302
    assert rows(app, Injection)[0].total_units == Decimal("50")


def test_save_anyway_saves_past_the_warning(client, app, patient):
    response = client.post(
        "/treatments/injections/new",
        data=injection_form(total_units="5", save_anyway="y", **{"sites-0-units": "5"}),
    )
    assert response.status_code == 302
    assert rows(app, Injection)[0].total_units == Decimal("5")


def test_new_values_after_a_warning_are_checked_again(client, app, patient):
    first = client.post("/treatments/injections/new", data=injection_form(total_units="50"))
    html = first.get_data(as_text=True)
    token = html.split('name="warnings_seen" type="hidden" value="')[1].split('"')[0]
    changed = client.post(
        "/treatments/injections/new", data=injection_form(total_units="60", warnings_seen=token)
    )
    assert changed.status_code == 200
    assert "60 U is more than the 10–35 U" in text_of(changed)
    assert rows(app, Injection) == []


def test_dysport_has_its_own_typical_range():
    def warned(product: str, units: str) -> bool:
        values = InjectionValues(date(2026, 3, 1), product, total_units=Decimal(units))
        return bool(injection_warnings(values, []))

    assert not warned("abobotulinumtoxinA", "60")
    assert warned("onabotulinumtoxinA", "60")
    assert warned("abobotulinumtoxinA", "20")
    assert not warned("incobotulinumtoxinA", "20")
    assert warned("incobotulinumtoxinA", "40")


def test_site_units_count_for_the_range_when_no_total_is_given(client, app, patient):
    form = injection_form(total_units=None, **{"sites-0-units": "50"})
    response = client.post("/treatments/injections/new", data=form)
    assert response.status_code == 200
    assert "50 U is more than the 10–35 U" in text_of(response)


def test_an_injection_within_30_days_of_another_earns_a_warning(client, app, patient, record):
    record.injection(injected_on=date(2026, 1, 30))
    response = client.post("/treatments/injections/new", data=injection_form())
    assert response.status_code == 200
    assert (
        "Another injection is recorded on 30 January 2026 (30 days apart). "
        "Injections are usually at least 12 weeks apart."
    ) in text_of(response)
    assert len(rows(app, Injection)) == 1


def test_an_injection_31_days_after_another_is_saved_without_a_warning(
    client, app, patient, record
):
    record.injection(injected_on=date(2026, 1, 29))
    assert client.post("/treatments/injections/new", data=injection_form()).status_code == 302
    assert len(rows(app, Injection)) == 2


def test_units_are_never_added_across_products(app, patient, record):
    record.injection(injected_on=date(2026, 2, 20), product="onabotulinumtoxinA", total_units="20")
    record.injection(injected_on=date(2026, 3, 1), product="abobotulinumtoxinA", total_units="50")
    record.injection(injected_on=date(2026, 3, 5), product="onabotulinumtoxinA", total_units="15")

    with app.app_context():
        totals = queries.units_by_product_between(patient, date(2026, 1, 1), date(2026, 3, 10))
    assert totals == {"Botox": Decimal("35"), "Dysport": Decimal("50")}

    # The warning about a close injection lists each product's units on its own.
    values = InjectionValues(date(2026, 3, 8), "incobotulinumtoxinA", total_units=Decimal("20"))
    with app.app_context():
        (warning,) = injection_warnings(
            values,
            [
                queries_as_other(i)
                for i in queries.injections_between(patient, date(2026, 2, 1), date(2026, 3, 10))
            ],
        )
    assert "Within these 30 days: 35 U Botox, 50 U Dysport, 20 U Xeomin." in warning
    assert "105" not in warning and "125" not in warning


def queries_as_other(record):
    """A chart record as the warning rule's input."""
    return OtherInjection(
        record.injected_on, record.product, record.product_other, record.total_units
    )


def test_editing_an_injection_keeps_the_old_values_as_a_revision(client, app, patient, record):
    injection_id = record.injection(
        total_units="20",
        sites=(("oo_pretarsal_lower", "affected", "2.5"), ("mentalis", "affected", "5")),
    )
    edit = client.get(f"/treatments/injections/{injection_id}/edit")
    assert edit.status_code == 200
    assert 'value="20"' in edit.get_data(as_text=True)

    response = client.post(
        f"/treatments/injections/{injection_id}/edit",
        data=injection_form(
            total_units="22.5",
            **{"sites-0-units": "5", "sites-1-muscle": "zygomaticus", "sites-1-units": "17.5"},
        ),
    )
    assert response.status_code == 302
    (injection,) = rows(app, Injection)
    assert injection.total_units == Decimal("22.5")
    sites = rows(app, InjectionSite, injection_id=injection_id)
    assert {(s.muscle, s.units) for s in sites} == {
        ("oo_pretarsal_lower", Decimal("5")),
        ("zygomaticus", Decimal("17.5")),
    }
    (revision,) = rows(app, EntryRevision)
    assert (revision.entry_type, revision.entry_id, revision.action) == (
        "injection",
        injection_id,
        "update",
    )
    assert revision.before["total_units"] == "20"
    assert {s["muscle"] for s in revision.before["sites"]} == {"oo_pretarsal_lower", "mentalis"}


def test_saving_an_unchanged_injection_writes_no_revision(client, app, patient, record):
    injection_id = record.injection(
        total_units="20", sites=(("oo_pretarsal_lower", "affected", "20"),)
    )
    response = client.post(f"/treatments/injections/{injection_id}/edit", data=injection_form())
    assert response.status_code == 302
    assert rows(app, EntryRevision) == []


def test_another_patients_injection_answers_404(client, app, make_user, record):
    other = TreatmentRecorder(app, make_user("other@example.org"))
    theirs = other.injection()
    assert client.get(f"/treatments/injections/{theirs}/edit").status_code == 404
    assert (
        client.post(f"/treatments/injections/{theirs}/edit", data=injection_form()).status_code
        == 404
    )
    assert client.get(f"/treatments/injections/{theirs}/delete").status_code == 404
    assert client.post(f"/treatments/injections/{theirs}/delete").status_code == 404
    (injection,) = rows(app, Injection, id=theirs)
    assert injection.deleted_at is None
    assert injection.total_units == Decimal("20")
