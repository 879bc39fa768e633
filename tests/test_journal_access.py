"""Who may open the diary: the patient alone; everything else answers 404 (or asks to log in)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.journal_helpers import TODAY, check_in, check_ins, episodes, login_as, spasm_now

OWNER = "owner@example.org"


@pytest.fixture
def entries(app, make_user):
    """Another patient's check-in and episode: (check_in_id, episode_id)."""
    owner = make_user(OWNER)
    check_in(app, owner, TODAY - timedelta(days=1), 3, note="owner's note")
    check_in(app, owner, TODAY - timedelta(days=1), 4)  # and a revision
    episode_id = spasm_now(app, owner, "owners-spasm")
    return check_ins(app)[0].id, episode_id


def entry_urls(check_in_id: int, episode_id: int) -> list[str]:
    """Every diary URL that names an entry."""
    return [
        f"/episodes/{episode_id}",
        f"/episodes/{episode_id}/edit",
        f"/episodes/{episode_id}/delete",
        f"/episodes/{episode_id}/changes",
        f"/checkins/{check_in_id}/delete",
        f"/checkins/{check_in_id}/changes",
    ]


def test_other_patients_entry_answers_404(client, patient, app, entries):
    check_in_id, episode_id = entries

    for url in entry_urls(check_in_id, episode_id):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/episodes/{episode_id}", data={"duration_seconds": "5"}).status_code == 404
    edit = {"day": "2026-03-01", "time": "10:00"}
    assert client.post(f"/episodes/{episode_id}/edit", data=edit).status_code == 404
    assert client.post(f"/episodes/{episode_id}/delete").status_code == 404
    assert client.post(f"/checkins/{check_in_id}/delete").status_code == 404

    (episode,) = episodes(app)
    assert episode.duration_seconds is None and episode.deleted_at is None
    assert check_ins(app)[0].deleted_at is None


def test_other_patients_days_stay_out_of_my_pages(client, patient, app, entries):
    pages = [client.get(url).get_data(as_text=True) for url in ("/", "/history", "/history/changes")]
    form = client.get("/checkin?day=2026-03-09").get_data(as_text=True)

    assert all("owner&#39;s note" not in p and "owner's note" not in p for p in [*pages, form])
    assert 'name="spasm_count" type="number" value=""' in form
    assert "Today is not logged yet." in pages[0]
    assert 'name="spasm_count" class="count-input"' in pages[0]
    assert re.search(r'<input type="number" id="spasm_count"[^>]*value=""', pages[0], re.S)


def test_a_patient_cannot_write_into_another_patients_day(client, patient, app, entries):
    client.post("/checkin", data={"day": "2026-03-09", "spasm_count": "1"})

    mine, theirs = sorted(check_ins(app), key=lambda r: r.patient_id != patient)
    assert (mine.patient_id, mine.spasm_count) == (patient, 1)
    assert theirs.spasm_count == 4


@pytest.mark.parametrize(
    "url",
    [
        "/episodes/0",
        "/episodes/99999",
        "/episodes/99999999999999999999",
        "/episodes/2147483648/edit",
        "/checkins/-1/delete",
        "/checkins/abc/changes",
    ],
)
def test_ids_that_do_not_exist_answer_404(client, patient, url):
    assert client.get(url).status_code == 404


DIARY_GETS = ["/checkin", "/history", "/history/changes"]
DIARY_POSTS = ["/checkin", "/checkin/count", "/checkin/none", "/checkin/none-since", "/episodes"]


@pytest.mark.parametrize("role", ["clinician", "admin"])
def test_diary_routes_answer_404_to_clinicians_and_admins(client, make_user, app, entries, role):
    check_in_id, episode_id = entries
    login_as(client, make_user(f"{role}@example.org", role=role))

    for url in DIARY_GETS + entry_urls(check_in_id, episode_id):
        assert client.get(url).status_code == 404, url
    for url in DIARY_POSTS + [f"/checkins/{check_in_id}/delete", f"/episodes/{episode_id}/delete"]:
        assert client.post(url, data={"day": "2026-03-10", "spasm_count": "1"}).status_code == 404, url
    assert len(check_ins(app)) == 1 and check_ins(app)[0].deleted_at is None


def test_anonymous_visitors_are_sent_to_log_in(client, app, entries):
    check_in_id, episode_id = entries

    for url in DIARY_GETS + entry_urls(check_in_id, episode_id):
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/login"), url
    for url in DIARY_POSTS:
        assert client.post(url).status_code == 302, url
    assert len(check_ins(app)) == 1


def test_every_journal_route_is_covered_here(app):
    """A new diary route must be added to the access tests above."""
    covered = {
        "journal.home",
        "journal.checkin",
        "journal.save_count",
        "journal.no_spasms_today",
        "journal.no_spasms_since",
        "journal.spasm_now",
        "journal.episode",
        "journal.edit_episode",
        "journal.delete_episode",
        "journal.delete_check_in",
        "journal.history",
        "journal.changes",
        "journal.check_in_changes",
        "journal.episode_changes",
    }
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("journal.")}

    assert routes == covered
