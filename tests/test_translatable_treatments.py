"""Nothing on the treatment and reminder pages, nor in the follow-up schedule's words, is left
hard-coded in English.

The same pseudo-locale as tests/test_translatable_clinic.py: every extracted msgid compiled
into a catalogue for Esperanto ("eo") as "⟦" + msgid + "⟧", loaded by Flask-Babel from
BABEL_TRANSLATION_DIRECTORIES and asked for by Accept-Language (docs/wording.md, Strings). A
word of the visible text outside the brackets was not routed through gettext, unless it is
data: a name, a number, a date, an email address. Unlike the clinic's test, no other part's
words are forgiven here: the treatment wording, the reminders' words and the schedule's
labels are this test's subject.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from diary.extensions import db
from diary.models import CareLink, Clinic
from tests.journal_helpers import TODAY, check_in, login_as
from tests.pseudo_locale import CLOSE, OPEN, PSEUDO, VisibleText, date_words
from tests.test_translatable_clinic import app_config, pseudo_catalogues  # noqa: F401  (fixtures)
from tests.treatments_support import TreatmentRecorder

CLINIC = "Sharing clinic"
SURGERY = date(2025, 6, 2)
# The people, places and notes these tests make, the app's name, and the zone the page names.
DATA_WORDS = {
    "Hanna", "Berg", "Dr", "Roth", "Sharing", "clinic", "example", "org", "surgeon",
    "patient", "Spasm", "Diary", "Europe", "Berlin", "Greifswald", "Ward", "Lot", "AB",
    "Nurse", "Kim", "Felt", "fine", "Aspirin", "I", "II", "III", "IV", "V", "VI",
}
# The layout's header and footer, another part's own test covers them.
SKIPPED_REGIONS = re.compile(r"<header\b.*?</header>|<footer\b.*?</footer>|"
                             r'<a class="skip-link".*?</a>', re.S)


def untranslated(html: str) -> list[str]:
    """The words of the visible text that stand outside every ⟦…⟧ and are not data."""
    parser = VisibleText()
    parser.feed(SKIPPED_REGIONS.sub(" ", html))
    text = " ".join(parser.parts)
    inner = re.compile(re.escape(OPEN) + "[^" + OPEN + CLOSE + "]*" + re.escape(CLOSE))
    while (stripped := inner.sub(" ", text)) != text:
        text = stripped
    allowed = DATA_WORDS | date_words()
    return [w for w in re.findall(r"[^\W\d_]+", text) if w not in allowed]


def pseudo(response) -> str:
    """A page's HTML, checked to be in the pseudo-locale."""
    html = response.get_data(as_text=True)
    assert '<html lang="eo"' in html, response.request.path
    return html


HEADERS = {"Accept-Language": PSEUDO}


@pytest.fixture
def treated_patient(app, make_user):
    """A patient of a clinic with every kind of treatment entry: an injection with sites and
    its effect's dates, a medication with times and a dose change, dose records, and an
    operation with its findings. Returns (patient, clinician, entry ids)."""
    patient = make_user("hanna@example.org", display_name="Hanna", family_name="Berg",
                        affected_side="left")
    clinician = make_user("surgeon@example.org", role="clinician", clinic=CLINIC,
                          display_name="Dr. Roth")
    record = TreatmentRecorder(app, patient)
    ids = {
        # Close to the next one, with sites that do not add up: the injection's warnings.
        "old_injection": record.injection(date(2026, 2, 20), total_units="25",
                                          sites=(("zygomaticus", "affected", "5"),)),
        "injection": record.injection(
            date(2026, 3, 1), total_units="20", injector="Nurse Kim", lot="AB12",
            note="Felt fine", side_effects=("ptosis",),
            sites=(("oo_pretarsal_upper", "affected", "5"),
                   ("mentalis", "other", None)),
            effect_began_on=date(2026, 3, 4), best_effect_on=date(2026, 3, 8)),
        "surgery": record.surgery(SURGERY, vessels=("aica",), complications=("facial_weakness",),
                                  house_brackmann_grade=2, surgeon="Dr. Roth",
                                  centre="Greifswald"),
    }
    first = record.regimen(started_on=date(2026, 1, 5), times_of_day=("08:00", "14:00", "20:00"))
    ids["regimen"] = record.change(first, date(2026, 2, 1), "400", change_reason="Felt fine")
    ids["dose"] = record.dose(ids["regimen"], date(2026, 3, 9), "missed")
    record.taken_as_planned(TODAY)
    ids["stopped"] = record.regimen(drug="clonazepam", strength="0.5", doses_per_day=1,
                                    started_on=date(2025, 1, 5), stopped_on=date(2025, 3, 1))
    check_in(app, patient, TODAY, 3)
    with app.app_context():
        clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == CLINIC))
        db.session.add(CareLink(patient_id=patient, clinic_id=clinic.id, source="code"))
        db.session.commit()
    return patient, clinician, ids


def test_the_treatment_and_reminder_pages_are_all_translated(client, treated_patient):
    patient, _clinician, ids = treated_patient
    login_as(client, patient)
    pages = [
        "/treatments",
        "/treatments/injections/new",
        f"/treatments/injections/{ids['injection']}/edit",
        "/treatments/medication",
        "/treatments/medication/new",
        f"/treatments/medication/{ids['regimen']}/edit",
        f"/treatments/medication/{ids['regimen']}/change",
        f"/treatments/medication/{ids['stopped']}/edit",
        "/treatments/surgeries/new",
        f"/treatments/surgeries/{ids['surgery']}/edit",
        f"/treatments/injections/{ids['injection']}/delete",
        f"/treatments/medication/{ids['regimen']}/delete",
        f"/treatments/medication/{ids['stopped']}/delete",
        f"/treatments/doses/{ids['dose']}/delete",
        f"/treatments/surgeries/{ids['surgery']}/delete",
        "/reminders",
    ]
    left = {}
    for url in pages:
        response = client.get(url, headers=HEADERS)
        assert response.status_code == 200, url
        left[url] = untranslated(pseudo(response))
    assert {url: words for url, words in left.items() if words} == {}


def test_refusals_warnings_and_the_add_a_site_step_are_translated(client, treated_patient):
    patient, _clinician, ids = treated_patient
    login_as(client, patient)
    injection = {
        "injected_on": "2026-03-02", "product": "onabotulinumtoxinA", "total_units": "80",
        "sites-0-muscle": "mentalis", "sites-0-side": "affected", "sites-0-units": "5",
    }
    sent = {
        # Refused: a future date, units too many decimals, an effect before the injection.
        "refused injection": ("/treatments/injections/new", {
            **injection, "injected_on": "2026-04-01", "total_units": "2.555",
            "effect_began_on": "2026-03-01", "sites-0-units": "x"}),
        "impossible effects": ("/treatments/injections/new", {
            **injection, "effect_began_on": "2026-03-05", "best_effect_on": "2026-03-04",
            "wore_off_on": "2026-03-03"}),
        # Warnings: a large total, sites that do not add up, injections a day apart.
        "warned injection": ("/treatments/injections/new", injection),
        "added a site": ("/treatments/injections/new", {**injection, "add_site": "1"}),
        "refused regimen": ("/treatments/medication/new", {
            "drug": "other", "strength": "0", "unit": "mg", "doses_per_day": "2",
            "times_of_day": "08:00, 12:00, 9pm", "started_on": "2026-03-01",
            "stopped_on": "2026-02-01", "stop_reason": "x"}),
        "warned regimen": ("/treatments/medication/new", {
            "drug": "gabapentin", "strength": "900", "unit": "mg", "doses_per_day": "3",
            "started_on": "2026-03-01"}),
        "refused change": (f"/treatments/medication/{ids['regimen']}/change", {
            "changed_on": "2026-01-01", "strength": "400", "unit": "mg", "doses_per_day": "3"}),
        "refused dose": ("/treatments/medication/doses", {
            "regimen_id": str(ids["regimen"]), "status": "extra", "count": "99",
            "day": "2025-01-01"}),
        "refused surgery": ("/treatments/surgeries/new", {
            "surgery_type": "mvd", "performed_on": "2026-04-01", "side": "left",
            "vessels": ["unknown", "aica"], "house_brackmann_grade": "3",
            "surgeon": "Dr\u202eRoth"}),
        "refused deletion": (f"/treatments/medication/{ids['regimen'] - 1}/delete", {}),
        "refused reminder": ("/reminders/injection", {
            "injection-enabled": "y", "injection-channels": "in_app",
            "injection-weeks_after": "99", "injection-notice_days": "x",
            "injection-send_time": "25:00"}),
    }
    left = {}
    for name, (url, data) in sent.items():
        response = client.post(url, data=data, headers=HEADERS)
        assert response.status_code in (200, 422), (name, response.status_code)
        html = pseudo(response)
        assert "flash-error" in html or "flash-warning" in html or name == "added a site", name
        left[name] = untranslated(html)
    # A flash message after saving, in the pseudo-locale too.
    saved = client.post("/treatments/medication/taken", headers=HEADERS, follow_redirects=True)
    left["flashed"] = untranslated(pseudo(saved))
    assert {name: words for name, words in left.items() if words} == {}


def test_the_schedule_words_are_translated_on_the_clinic_pages(client, treated_patient):
    patient, clinician, _ids = treated_patient
    login_as(client, clinician)
    # A schedule ending in weeks: its yearly visits read "2 weeks and 1 year".
    saved = client.post("/clinic/settings", data={"follow_up_schedule": "1w,2w"},
                        headers=HEADERS, follow_redirects=True)
    assert untranslated(pseudo(saved)) == []
    refused = client.post("/clinic/settings", data={"follow_up_schedule": "2w, 1w, 3x"},
                          headers=HEADERS)
    assert refused.status_code == 422
    assert untranslated(pseudo(refused)) == []
    for schedule in ("", "1w,1w", "1d," * 21, "11y", "0w", ","):
        refused = client.post("/clinic/settings", data={"follow_up_schedule": schedule},
                              headers=HEADERS)
        assert untranslated(pseudo(refused)) == [], schedule

    review = pseudo(client.get(f"/clinic/patients/{patient}", headers=HEADERS))
    schedule = re.search(r'<section aria-labelledby="schedule-heading".*?</section>', review, re.S)
    assert "⟦%" not in schedule.group(0)
    assert untranslated(schedule.group(0)) == []
    assert "⟦⟦%(num)d weeks⟧ and ⟦%(num)d year⟧⟧" not in schedule.group(0)
    assert "⟦⟦2 weeks⟧ and ⟦1 year⟧⟧" in schedule.group(0)  # the yearly visit, said whole

    listing = pseudo(client.get("/clinic/patients", headers=HEADERS))
    # The next-visit cell: its date, "overdue" perhaps, and how long after surgery.
    cells = re.findall(r'<td><span class="nowrap">[^<]*</span>(?: <strong class="flag">[^<]*'
                       r'</strong>)?<span class="detail">(.*?)</span></td>', listing, re.S)
    assert cells == ["⟦⟦⟦2 weeks⟧ and ⟦1 year⟧⟧ after surgery⟧"]


def test_the_patients_suggested_visits_are_translated(client, treated_patient):
    patient, clinician, _ids = treated_patient
    login_as(client, clinician)
    assert client.post("/clinic/settings", data={"follow_up_schedule": "1w,2w"}).status_code == 302
    login_as(client, patient)
    page = pseudo(client.get("/reminders", headers=HEADERS))
    suggested = re.search(r'<ul class="visit-list suggested-list">.*?</ul>', page, re.S)
    assert suggested, "no suggested visits"
    assert untranslated(suggested.group(0)) == []
    assert "(⟦⟦2 weeks⟧ and ⟦1 year⟧⟧ after surgery)" in suggested.group(0)
