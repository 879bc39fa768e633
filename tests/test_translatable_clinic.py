"""Nothing on the clinic's or the administrator's pages is left hard-coded in English.

The pages are rendered in a pseudo-locale (tests/pseudo_locale.py): a catalogue built from the
extracted message template (the same extraction as `make translations`, docs/wording.md,
Translating) in which every message reads "⟦" + msgid + "⟧". Flask-Babel loads it like any catalogue (its folder in
BABEL_TRANSLATION_DIRECTORIES, the locale in OFFERED_LOCALES, asked for by Accept-Language), so
a visible text outside the brackets was not routed through gettext. Names, numbers, dates,
emails, units and product names are data and may stand outside.

The locale is Esperanto ("eo"): Babel needs a real locale for dates and plurals, and no
catalogue of the app uses it.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from diary.extensions import db
from diary.models import Assessment, CareLink, Clinic
from tests import pseudo_locale
from tests.journal_helpers import TODAY, check_in, login_as
from tests.pseudo_locale import PSEUDO, pseudo_config, write_catalogues
from tests.treatments_support import TreatmentRecorder

CLINIC = "Sharing clinic"
SURGERY = date(2025, 12, 1)
# Data, not words of the app: the people, places and products these tests make, and the
# scale and product names a page prints as they are.
DATA_WORDS = {
    "Hanna", "Berg", "Dr", "Roth", "Root", "Sharing", "Other", "clinic", "Doing", "well",
    "example", "org", "report", "patient", "surgeon", "root",
    "Spasm", "Diary",  # the app's name
    "I", "II", "III", "IV", "V", "VI", "UTC", "SMC", "MVD", "AICA", "PubMed", "PMC",
    "Greifswald",
}
# What the layout (base.html) and the progress partials the review and the report include
# show: other parts of the app, with pseudo-locale tests of their own. (tag, attribute, value)
SKIPPED = (
    ("a", "class", "skip-link"), ("header", None, None), ("footer", None, None),
    ("section", "aria-labelledby", "summary-heading"),
    ("section", "aria-labelledby", "table-heading"),
    ("div", "class", "chart-options"), ("div", "class", "chart-controls"),
    ("figure", "class", "chart-figure"), ("h3", "id", "treatments-heading"),
    ("ul", "class", "treatment-list"),
)


def _form_phrases(form_class) -> list[str]:
    """The labels and choices of a form of another part of the app."""
    phrases = []
    for value in vars(form_class).values():
        if getattr(value, "field_class", None) is None:
            continue  # not an unbound field
        label = value.kwargs.get("label", value.args[0] if value.args else None)
        choices = value.kwargs.get("choices") or []
        phrases += [label] + [c[1] if isinstance(c, tuple) else c.label for c in choices]
    return [str(p) for p in phrases if p]


def foreign_phrases() -> list[str]:
    """Words other parts of the app put into these pages, longest first: the treatment
    wording, the audit trail's action names, the published series (diary/trajectory), the sharing
    and surgery forms, and the follow-up schedule's labels, which diary/clinic/schedule.py
    (a pure module, without diary.i18n) writes in English. Once those parts are translated
    they arrive inside brackets like the rest, and this list removes nothing."""
    from diary import audit
    from diary.clinic import schedule
    from diary.sharing.forms import InviteForm, RedeemForm
    from diary.trajectory.cohort import PUBLISHED_SERIES
    from diary.treatments import forms as treatment_forms
    from diary.treatments import wording

    phrases = [str(v) for table in vars(wording).values() if isinstance(table, dict)
               for v in table.values() if isinstance(v, str)]
    phrases += [str(v) for v in audit.ACTION_LABELS.values()]
    for series in PUBLISHED_SERIES:
        phrases += [series.name, series.source, series.denominator]
        phrases += [t for f in series.figures for t in (f.when, f.of_whom)]
    phrases += _form_phrases(RedeemForm) + _form_phrases(InviteForm)
    phrases += _form_phrases(treatment_forms.SurgeryForm)
    phrases += ["times a day", "once a day", "after surgery"]
    phrases += [f"{noun}s" for noun in schedule.UNITS.values()] + list(schedule.UNITS.values())
    phrases += ["and"]  # "1 year and 2 years" of the schedule's yearly visits
    return sorted({p for p in phrases if p}, key=len, reverse=True)


@pytest.fixture(scope="module")
def pseudo_catalogues(tmp_path_factory) -> Path:
    """A folder of catalogues holding the pseudo-locale's compiled messages."""
    return write_catalogues(tmp_path_factory.mktemp("pseudo-translations"))


@pytest.fixture
def app_config(pseudo_catalogues) -> dict:
    return pseudo_config(pseudo_catalogues)


def untranslated(html: str) -> list[str]:
    """The words of the page's visible text that stand outside every ⟦…⟧."""
    return pseudo_locale.untranslated(html, DATA_WORDS, foreign_phrases(), SKIPPED)


def get(client, url: str) -> str:
    response = client.get(url, headers={"Accept-Language": PSEUDO})
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    assert '<html lang="eo"' in html, url
    return html


@pytest.fixture
def clinic_with_patient(app, make_user):
    """A clinician whose clinic a patient shares a diary with: a diary before and after an
    MVD, an injection, a medicine and an assessment. Returns (clinician, patient, surgery)."""
    patient = make_user("report.patient@example.org", display_name="Hanna", family_name="Berg",
                        affected_side="left", symptoms_since_year=2019)
    clinician = make_user("surgeon@example.org", role="clinician", clinic=CLINIC,
                          display_name="Dr. Roth")
    treatments = TreatmentRecorder(app, patient)
    treatments.injection(date(2025, 5, 12), total_units="25")
    surgery = treatments.surgery(SURGERY, vessels=["aica"])
    treatments.regimen(started_on=date(2026, 1, 5))
    day = date(2025, 10, 20)
    while day <= TODAY:
        check_in(app, patient, day, 12 if day < SURGERY else 0)
        day += timedelta(days=3)
    with app.app_context():
        clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == CLINIC))
        db.session.add(CareLink(patient_id=patient, clinic_id=clinic.id, source="code"))
        db.session.add(Assessment(patient_id=patient, clinic_id=clinic.id,
                                  visit_on=date(2026, 2, 2), note="Doing well.", smc_grade=1,
                                  house_brackmann_grade=1, hearing="unchanged",
                                  outcome="spasm_free"))
        db.session.commit()
    return clinician, patient, surgery


def test_the_clinic_pages_are_all_translated(app, client, clinic_with_patient):
    clinician, patient, surgery = clinic_with_patient
    login_as(client, clinician)
    pages = [
        "/clinic/patients",
        "/clinic/patients?filter=attention",
        "/clinic/patients?q=nobody",
        f"/clinic/patients/{patient}",
        f"/clinic/patients/{patient}/report",
        f"/clinic/patients/{patient}/assessments/new",
        f"/clinic/patients/{patient}/baseline",
        f"/clinic/patients/{patient}/surgeries/{surgery}/edit",
        "/clinic/cohort",
        "/clinic/members",
        "/clinic/settings",
        "/clinic/add-patient",
        "/clinic/invite",
    ]
    left = {url: untranslated(get(client, url)) for url in pages}
    assert {url: words for url, words in left.items() if words} == {}


def test_the_administrator_pages_are_all_translated(app, client, make_user):
    admin = make_user("root@example.org", role="admin", display_name="Root")
    make_user("surgeon@example.org", role="clinician", clinic=CLINIC, display_name="Dr. Roth")
    login_as(client, admin)
    # An audited action and a flash message, in the pseudo-locale too.
    created = client.post("/admin/clinics/new", data={"name": "Other clinic"},
                          headers={"Accept-Language": PSEUDO}, follow_redirects=True)
    assert untranslated(created.get_data(as_text=True)) == []
    with app.app_context():
        clinic_id = db.session.scalar(sa.select(Clinic.id).where(Clinic.name == CLINIC))
    pages = ["/admin/", "/admin/clinics/new", f"/admin/clinics/{clinic_id}", "/admin/staff",
             "/admin/audit"]
    left = {url: untranslated(get(client, url)) for url in pages}
    assert {url: words for url, words in left.items() if words} == {}


def test_the_check_finds_a_hard_coded_word():
    page = ("<html><body><header>Skip</header><main><h1>⟦Patients⟧</h1>"
            "<p>⟦Shared with ⟦Left⟧.⟧ Hanna Berg, 10 March 2026</p>"
            "<button aria-label='Close'>⟦Save⟧</button></main></body></html>")
    assert untranslated(page) == ["March", "Close"]
