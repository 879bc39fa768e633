"""The chart's treatment queries: plain records for a date range, in a fixed number of queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from diary.treatments import queries
from diary.treatments.queries import InjectionRecord, RegimenPeriod, SiteRecord, SurgeryRecord
from tests.journal_helpers import counted_queries
from tests.treatments_support import TreatmentRecorder


@pytest.fixture
def record(app, patient) -> TreatmentRecorder:
    """Treatments of the logged-in patient, through the services."""
    return TreatmentRecorder(app, patient)


def test_injections_come_with_product_units_sites_and_effect(app, patient, record):
    injection_id = record.injection(
        injected_on=date(2025, 11, 3),
        product="incobotulinumtoxinA",
        total_units="22.5",
        sites=(("oo_pretarsal_upper", "affected", "2.5"), ("platysma", "other", None)),
        wore_off_on=date(2026, 2, 1),
    )
    record.injection(injected_on=date(2025, 6, 1))  # outside the range
    with app.app_context():
        found = queries.injections_between(patient, date(2025, 7, 1), date(2026, 3, 10))
    assert found == [
        InjectionRecord(
            id=injection_id,
            injected_on=date(2025, 11, 3),
            product="incobotulinumtoxinA",
            product_other=None,
            total_units=Decimal("22.5"),
            sites=(
                SiteRecord("oo_pretarsal_upper", "affected", Decimal("2.5")),
                SiteRecord("platysma", "other", None),
            ),
            effect_began_on=None,
            best_effect_on=None,
            wore_off_on=date(2026, 2, 1),
        )
    ]
    assert found[0].product_name == "Xeomin"


def test_regimen_periods_are_those_overlapping_the_range(app, patient, record):
    early = record.regimen(
        drug="baclofen", strength="10", started_on=date(2024, 1, 1), stopped_on=date(2024, 12, 31)
    )
    first = record.regimen(started_on=date(2025, 1, 10))
    second = record.change(first, date(2025, 9, 1), "400")
    with app.app_context():
        found = queries.regimen_periods_between(patient, date(2025, 6, 1), date(2026, 3, 10))
    assert found == [
        RegimenPeriod(
            first,
            "gabapentin",
            None,
            Decimal("300"),
            "mg",
            3,
            date(2025, 1, 10),
            date(2025, 8, 31),
            None,
        ),
        RegimenPeriod(
            second, "gabapentin", None, Decimal("400"), "mg", 3, date(2025, 9, 1), None, first
        ),
    ]
    assert found[1].daily_amount == Decimal("1200")
    with app.app_context():
        assert [
            p.id
            for p in queries.regimen_periods_between(patient, date(2024, 12, 31), date(2025, 1, 9))
        ] == [early]


def test_surgeries_say_whether_they_are_patient_reported(app, patient, record):
    surgery_id = record.surgery(
        performed_on=date(2025, 6, 2), surgery_type="redo_mvd", side="right"
    )
    with app.app_context():
        assert queries.surgeries_between(patient, date(2025, 1, 1), date(2025, 12, 31)) == [
            SurgeryRecord(surgery_id, "redo_mvd", date(2025, 6, 2), "right", False, False, True)
        ]
        assert queries.surgeries_between(patient, date(2025, 7, 1), date(2025, 12, 31)) == []


def test_deleted_treatments_leave_the_chart(app, patient, record):
    injection = record.injection(injected_on=date(2025, 11, 3))
    regimen = record.regimen(started_on=date(2025, 1, 10))
    surgery = record.surgery(performed_on=date(2025, 6, 2))
    record.delete("injections", injection)
    record.delete("medication", regimen)
    record.delete("surgeries", surgery)
    with app.app_context():
        chart = queries.treatments_between(patient, date(2025, 1, 1), date(2026, 3, 10))
        units = queries.units_by_product_between(patient, date(2025, 1, 1), date(2026, 3, 10))
    assert (chart.injections, chart.regimens, chart.surgeries) == ([], [], [])
    assert units == {}


def test_another_patients_treatments_are_not_in_my_chart(app, patient, make_user, record):
    other = TreatmentRecorder(app, make_user("other@example.org"))
    other.injection()
    other.regimen()
    other.surgery()
    with app.app_context():
        chart = queries.treatments_between(patient, date(2020, 1, 1), date(2026, 3, 10))
    assert (chart.injections, chart.regimens, chart.surgeries) == ([], [], [])


def fill(record: TreatmentRecorder, count: int) -> None:
    """count injections (two sites each), regimens (a chain of dose changes) and surgeries."""
    regimen = record.regimen(started_on=date(2023, 1, 1), strength="100")
    for n in range(count):
        month, year = n % 12 + 1, 2024 + n // 12
        record.injection(
            injected_on=date(year, month, 1),
            sites=(("mentalis", "affected", "2"), ("frontalis", "other", "2")),
        )
        record.surgery(performed_on=date(year, month, 15))
        if n:
            regimen = record.change(regimen, date(year, month, 20), str(100 + n))


def chart_statements(app, patient_id: int, expected: int) -> int:
    """Statements the chart's reads need for one patient with `expected` records of each kind."""
    with app.app_context(), counted_queries(app) as statements:
        chart = queries.treatments_between(patient_id, date(2023, 1, 1), date(2026, 3, 10))
        queries.units_by_product_between(patient_id, date(2023, 1, 1), date(2026, 3, 10))
        queries.reference_surgery_of(patient_id)
    assert (len(chart.injections), len(chart.regimens), len(chart.surgeries)) == (expected,) * 3
    assert all(len(i.sites) == 2 for i in chart.injections)
    return len(statements)


def test_the_chart_queries_need_the_same_number_of_statements_for_1_and_20_records(
    app, patient, make_user, record
):
    many = TreatmentRecorder(app, make_user("many@example.org"))
    fill(record, 1)
    fill(many, 20)
    one = chart_statements(app, patient, 1)
    twenty = chart_statements(app, many.patient_id, 20)
    assert one == twenty
    # Injections and their sites, regimens, surgeries; units by product; reference surgery.
    assert one == 6
