"""Every treatment form carries a CSRF token, and a request without one changes nothing."""

from __future__ import annotations

import re

import pytest

from diary.models import DoseLog, Injection, MedicationRegimen, Surgery
from tests.journal_helpers import login_as
from tests.treatments_support import TODAY, TreatmentRecorder, rows


@pytest.fixture
def app_config() -> dict:
    """CSRF protection on, as in production."""
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def record(app, make_user, client) -> TreatmentRecorder:
    """A patient with an open session (the login form itself would want a token here)."""
    user_id = make_user()
    login_as(client, user_id)
    return TreatmentRecorder(app, user_id)


def state(app) -> list:
    """The treatment rows and whether they are deleted."""
    models = (Injection, MedicationRegimen, DoseLog, Surgery)
    return [(m.__name__, r.id, r.deleted_at, r.updated_at) for m in models for r in rows(app, m)]


def test_every_treatment_form_has_a_token_and_a_post_without_one_changes_nothing(
    client, app, record
):
    regimen = record.regimen()
    injection = record.injection()
    surgery = record.surgery()
    dose = record.dose(regimen, TODAY, "missed")
    posts = [
        "/treatments/injections/new",
        f"/treatments/injections/{injection}/edit",
        f"/treatments/injections/{injection}/delete",
        "/treatments/medication/new",
        f"/treatments/medication/{regimen}/edit",
        f"/treatments/medication/{regimen}/change",
        "/treatments/medication/taken",
        "/treatments/medication/doses",
        f"/treatments/doses/{dose}/delete",
        "/treatments/surgeries/new",
        f"/treatments/surgeries/{surgery}/edit",
        f"/treatments/surgeries/{surgery}/delete",
    ]
    for url in (
        "/treatments/medication",
        *[u for u in posts if "/taken" not in u and "/doses" not in u],
    ):
        page = client.get(url).get_data(as_text=True)
        forms = page.count("<form")
        assert len(re.findall(r'name="csrf_token"', page)) == forms, url

    before = state(app)
    for url in posts:
        response = client.post(url, data={"strength": "400", "changed_on": "2026-03-09"})
        assert response.status_code == 400, url
    assert state(app) == before
