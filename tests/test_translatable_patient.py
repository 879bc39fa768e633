"""Nothing on the patient's diary and trajectory pages, nor on a visitor's landing page, is
left hard-coded in English (docs/wording.md, Strings): each page is rendered in the
pseudo-locale of tests/pseudo_locale.py, where every translated text stands inside ⟦…⟧.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.journal_helpers import TODAY, check_in, login_as, spasm_now
from tests.pseudo_locale import (
    PSEUDO,
    PSEUDO_HEADERS,
    pseudo_config,
    untranslated,
    write_catalogues,
)
from tests.treatments_support import TreatmentRecorder

# Data, not words of the app: the people these tests make and the product's name.
DATA_WORDS = {"Hanna", "Berg", "Spasm", "Diary", "example", "org", "UTC", "MVD", "AICA",
              "Europe", "Berlin"}  # the time zone a spasm was recorded in


def foreign_phrases() -> list[str]:
    """Words other parts of the app (the treatments, with their own engineer and tests) put
    into these pages; once translated they arrive inside the marks and this removes nothing."""
    from diary.treatments import wording

    phrases = [str(v) for table in vars(wording).values() if isinstance(table, dict)
               for v in table.values() if isinstance(v, str)]
    return [p for p in phrases if p]


@pytest.fixture(scope="module")
def pseudo_catalogues(tmp_path_factory):
    return write_catalogues(tmp_path_factory.mktemp("pseudo-translations"))


@pytest.fixture
def app_config(pseudo_catalogues) -> dict:
    return pseudo_config(pseudo_catalogues)


def left_over(html: str) -> list[str]:
    return untranslated(html, DATA_WORDS, foreign_phrases())


def get(client, url: str, status: int = 200) -> str:
    response = client.get(url, headers=PSEUDO_HEADERS)
    assert response.status_code == status, url
    html = response.get_data(as_text=True)
    assert f'<html lang="{PSEUDO}"' in html, url
    return html


def post(client, url: str, data: dict) -> str:
    response = client.post(url, data=data, headers=PSEUDO_HEADERS, follow_redirects=True)
    assert response.status_code in (200, 422), (url, response.status_code)
    return response.get_data(as_text=True)


@pytest.fixture
def diary(app, make_user):
    """A patient with a diary of check-ins, spasms, an edit, an injection and an MVD."""
    patient = make_user("hanna@example.org", display_name="Hanna", family_name="Berg",
                        affected_side="left", symptoms_since_year=2019)
    treatments = TreatmentRecorder(app, patient)
    treatments.injection(date(2025, 5, 12), total_units="25")
    treatments.surgery(date(2025, 12, 1), vessels=["aica"])
    day = date(2025, 3, 1)
    while day < TODAY - timedelta(days=3):
        check_in(app, patient, day, 12 if day < date(2025, 12, 1) else 1)
        day += timedelta(days=2)
    check_in(app, patient, TODAY - timedelta(days=1), 4, note="Hanna")
    check_in(app, patient, TODAY - timedelta(days=1), 5, note="Berg")  # a revision
    spasm_now(app, patient, "token-one")
    return patient


def _ids(client, html: str, pattern: str) -> list[str]:
    import re
    return re.findall(pattern, html)


def test_the_landing_page_is_translated(client):
    assert left_over(get(client, "/")) == []


def test_the_diary_pages_are_all_translated(app, client, diary):
    login_as(client, diary)
    home = get(client, "/")
    pages = {"/": home}
    for url in ["/checkin", f"/checkin?day={(TODAY - timedelta(days=1)).isoformat()}",
                f"/checkin?day={(TODAY + timedelta(days=5)).isoformat()}",
                "/checkin?day=not-a-day", "/history", "/history/changes",
                "/trajectory", "/trajectory?range=3m", "/trajectory?range=6m",
                "/trajectory?range=1y", "/trajectory?range=all", "/trajectory?range=1y&bucket=day",
                "/trajectory/summary"]:
        pages[url] = get(client, url)
    history = pages["/history"]
    for found in sorted(set(_ids(client, history, r'href="(/checkins/\d+/(?:delete|changes))"')))[-3:]:
        pages[found] = get(client, found)
    for found in set(_ids(client, history, r'href="(/episodes/\d+(?:/edit|/delete|/changes)?)"')):
        pages[found] = get(client, found)
    assert any(url.startswith("/episodes/") for url in pages)
    assert any(url.endswith("/changes") and url.startswith("/checkins/") for url in pages)
    left = {url: left_over(html) for url, html in pages.items()}
    print("LEFT", {url: " ".join(dict.fromkeys(w)) for url, w in left.items() if w})
    assert {url: words for url, words in left.items() if words} == {}


def test_the_diary_answers_are_all_translated(app, client, diary):
    login_as(client, diary)
    answers = {
        "errors": post(client, "/checkin", {"day": TODAY.isoformat(), "spasm_count": "many",
                                            "note": "1" * 3000}),
        "future": post(client, "/checkin", {"day": (TODAY + timedelta(days=2)).isoformat(),
                                            "spasm_count": "1"}),
        "old day": post(client, "/checkin", {"day": "2012-01-01", "spasm_count": "1"}),
        "saved": post(client, "/checkin", {"day": TODAY.isoformat(), "spasm_count": "3",
                                           "triggers": ["stress"]}),
        "none today": post(client, "/checkin/none", {}),
        "none since": post(client, "/checkin/none-since",
                           {"since": (TODAY - timedelta(days=3)).isoformat()}),
        "none since, bad": post(client, "/checkin/none-since", {"since": "soon"}),
        "count": post(client, "/checkin/count", {"day": TODAY.isoformat(), "spasm_count": "7"}),
        "count, bad": post(client, "/checkin/count", {"day": TODAY.isoformat(),
                                                      "spasm_count": "-1"}),
        "spasm now": post(client, "/episodes", {"client_token": "token-two"}),
        "spasm, timed": post(client, "/episodes", {"client_token": "token-three",
                                                   "duration_seconds": "20"}),
        "spasm, stale": post(client, "/episodes", {}),
    }
    left = {what: left_over(html) for what, html in answers.items()}
    print("LEFT", {url: " ".join(dict.fromkeys(w)) for url, w in left.items() if w})
    assert {what: words for what, words in left.items() if words} == {}


def test_the_trajectory_api_labels_are_translated(client, diary):
    login_as(client, diary)
    payload = client.get("/api/v1/me/trajectory", headers=PSEUDO_HEADERS).get_json()
    labels = []

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and "label" in key:
            labels.append(value)

    walk(payload)
    summary = payload["summary"]
    labels += [summary["outcome_label"], summary["time_to_remission"] or ""]
    assert summary["outcome_label"].startswith("⟦")
    assert [label for label in labels if untranslated(label, DATA_WORDS, foreign_phrases())] == []



def test_a_new_and_a_spasm_free_diary_are_translated(app, client, make_user):
    """The pages' other states: an empty diary, then spasm-free days without a surgery, a
    check-in with every detail, and an injection still working (a baseline under toxin)."""
    patient = make_user("hanna@example.org", display_name="Hanna", family_name="Berg",
                        affected_side="both", symptoms_since_year=2019)
    login_as(client, patient)
    empty = ["/", "/checkin", "/history", "/history/changes", "/trajectory",
             "/trajectory/summary"]
    left = {url: left_over(get(client, url)) for url in empty}
    assert {url: words for url, words in left.items() if words} == {}

    TreatmentRecorder(app, patient).injection(TODAY - timedelta(days=20), total_units="25")
    for back in range(1, 40):
        check_in(app, patient, TODAY - timedelta(days=back), 0)
    check_in(app, patient, TODAY, 2, typical_duration_seconds=5, jrs_severity=2, jrs_frequency=1,
             regions=["eye", "cheek"], side="left", spasm_type="clonic",
             triggers=["stress"], trigger_other="Berg", note="Hanna")
    pages = ["/", f"/?day={(TODAY - timedelta(days=2)).isoformat()}", "/checkin",
             "/history", "/trajectory", "/trajectory?range=3m", "/trajectory/summary"]
    left = {url: left_over(get(client, url)) for url in pages}
    assert {url: words for url, words in left.items() if words} == {}


def test_the_check_finds_a_hard_coded_word():
    page = ("<html><body><main><h1>⟦History⟧</h1><p>⟦Saved %s⟧ Hanna, 10 March 2026</p>"
            "<a title='Delete'>⟦Edit⟧</a></main></body></html>")
    assert left_over(page) == ["March", "Delete"]
