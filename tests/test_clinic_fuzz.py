"""The clinic's forms, fuzzed: never a 5xx; a refusal (422) writes nothing; a save writes its row.

The examples share one database: each compares the row counts before and after itself.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.clinic_support import share
from tests.journal_helpers import login_as
from tests.route_matrix import row_counts
from tests.treatments_support import TreatmentRecorder

FUZZ = settings(
    max_examples=150,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)
EDGES = ["", " ", "\x00", "-1", "0", "1", "2", "4", "5", "6", "7", "1.5", "2,5", "NaN", "inf",
         "5000", "5000.1", "1e9", "9" * 40, "2026-03-10", "2026-03-11", "1899-12-31", "0001-01-01",
         "2026-02-30", "x" * 3000, "<script>", "unchanged", "lost", "spasm_free", "reduced_90",
         "not_enough_data", "y", "on", "1w,1m,3m", "3m,1m", "0d", "11y", "1w,,2m"]
value = st.one_of(st.sampled_from(EDGES), st.text(max_size=30), st.integers(-10, 6000).map(str),
                  st.dates().map(date.isoformat))


def form(*fields: str):
    """Any subset of the fields, each with edge values or noise."""
    return st.fixed_dictionaries({}, optional={name: value for name in fields})


@pytest.fixture
def seen(app, client, make_user):
    """A shared patient with a surgery, and the clinician logged in; returns their ids."""
    patient = make_user("ada@example.org", display_name="Ada")
    clinician = make_user("doc@example.org", role="clinician", clinic="Sharing clinic")
    share(app, patient)
    surgery = TreatmentRecorder(app, patient).surgery()
    login_as(client, clinician)
    return patient, surgery


def check(app, client, url: str, data: dict, table: str) -> None:
    """Post the form: 302 writes the form's row (and its audit), 422 writes nothing."""
    before = row_counts(app)
    response = client.post(url, data=data)
    after = row_counts(app)
    assert response.status_code in (302, 422), response.status_code
    if response.status_code == 422:
        assert after == before
    else:
        assert after[table] >= before[table]


@FUZZ
@given(data=form("visit_on", "smc_grade", "house_brackmann_grade", "hearing", "outcome",
                 "recurrence", "note", "note_visible_to_patient"))
def test_fuzzed_assessment_form(app, client, seen, data):
    patient, _ = seen
    check(app, client, f"/clinic/patients/{patient}/assessments/new", data, "assessments")


@FUZZ
@given(data=form("spasms_per_day", "jrs_severity", "jrs_frequency", "smc_grade"))
def test_fuzzed_baseline_form(app, client, seen, data):
    patient, _ = seen
    check(app, client, f"/clinic/patients/{patient}/baseline", data, "clinician_baselines")


@FUZZ
@given(data=form("follow_up_schedule"))
def test_fuzzed_schedule_form(app, client, seen, data):
    check(app, client, "/clinic/settings", data, "clinics")


@FUZZ
@given(data=form("surgery_type", "performed_on", "side", "centre", "surgeon", "vessels",
                 "technique", "implant", "complications", "house_brackmann_grade", "note"))
def test_fuzzed_surgery_correction(app, client, seen, data):
    patient, surgery = seen
    check(app, client, f"/clinic/patients/{patient}/surgeries/{surgery}/edit", data, "surgeries")
