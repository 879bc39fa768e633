"""Whatever is typed into a treatment form: a page, never a server error, and a refusal saves nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diary.models import (
    DoseLog,
    EntryRevision,
    Injection,
    InjectionSite,
    MedicationRegimen,
    Surgery,
)
from tests.treatments_support import TreatmentRecorder, rows

# Five forms: 120 examples each keeps the file near ten seconds (docs/quality-bars.md, CI time limit).
FUZZ = settings(
    # Example counts come from the profiles in conftest.py (500 locally, 200 under CI).
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Plausible values mixed with anything at all: NUL, huge numbers, odd dates, other scripts.
typed = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "0", "-1", "1e999", "NaN", "Infinity", "2,5", "1" * 40, "\x00", "2026-02-30"]
    ),
    st.dates().map(str),
    st.decimals(allow_nan=True).map(str),
    st.integers().map(str),
)

FORMS = {
    "/treatments/injections/new": [
        "injected_on",
        "product",
        "product_other",
        "total_units",
        "sites-0-muscle",
        "sites-0-side",
        "sites-0-units",
        "sites-30-units",
        "effect_began_on",
        "best_effect_on",
        "wore_off_on",
        "side_effects",
        "injector",
        "lot",
        "note",
        "save_anyway",
        "warnings_seen",
    ],
    "/treatments/medication/new": [
        "drug",
        "drug_other",
        "strength",
        "unit",
        "doses_per_day",
        "times_of_day",
        "started_on",
        "stopped_on",
        "change_reason",
        "stop_reason",
        "save_anyway",
    ],
    "/treatments/medication/{regimen}/change": [
        "changed_on",
        "strength",
        "unit",
        "doses_per_day",
        "times_of_day",
        "change_reason",
    ],
    "/treatments/medication/doses": ["regimen_id", "status", "count", "day", "note"],
    "/treatments/surgeries/new": [
        "surgery_type",
        "performed_on",
        "side",
        "centre",
        "surgeon",
        "vessels",
        "technique",
        "implant",
        "complications",
        "house_brackmann_grade",
        "note",
    ],
}


@pytest.fixture
def regimen(app, patient) -> int:
    """A regimen whose dose the change form may change (made once, before the examples)."""
    return TreatmentRecorder(app, patient).regimen()


def state(app) -> list[tuple]:
    """Every treatment row and revision, to compare before and after a refused request."""
    models = (Injection, InjectionSite, MedicationRegimen, DoseLog, Surgery, EntryRevision)
    return [(model.__name__, row.id) for model in models for row in rows(app, model)]


@pytest.mark.parametrize("url", list(FORMS))
@FUZZ
@given(data=st.data())
def test_fuzzed_treatment_forms_never_answer_500(client, app, regimen, url, data):
    fields = data.draw(st.dictionaries(st.sampled_from(FORMS[url]), typed, min_size=1))
    before = state(app)
    response = client.post(url.format(regimen=regimen), data=fields)
    assert response.status_code in (200, 302, 422), (fields, response.status_code)
    if response.status_code != 302:
        assert state(app) == before
