""""Spasm now": one tap on the patient's local date, its length, and corrections."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.journal_helpers import TODAY, day_numbers, episodes, revisions, spasm_now


def token_of(page: str) -> str:
    """The Spasm now button's client token on a rendered home page."""
    return re.search(r'name="client_token" type="hidden" value="([^"]+)"', page).group(1)


def test_spasm_now_records_the_moment_and_asks_how_long(client, patient, app, clock):
    token = token_of(client.get("/").get_data(as_text=True))

    response = client.post("/episodes", data={"client_token": token})

    (episode,) = episodes(app)
    assert response.status_code == 302
    assert response.location == f"/episodes/{episode.id}"
    assert episode.occurred_at == clock.moment
    assert (episode.day, episode.timezone, episode.duration_seconds) == (TODAY, "Europe/Berlin", None)
    assert episode.created_by_id == patient and episode.retrospective is False
    page = client.get(response.location).get_data(as_text=True)
    assert "How long did it last?" in page
    assert '<label for="duration_seconds">How long did it last (seconds)?</label>' in page
    assert ">Save length</button>" in page
    assert "At 13:00 on Tuesday, 10 March 2026" in page  # 12:00 UTC in Berlin


def test_spasm_now_uses_patients_local_date(client, patient, app, clock):
    # 23:30 UTC on Tuesday is 00:30 on Wednesday in Berlin.
    clock.set(datetime(2026, 3, 10, 23, 30, tzinfo=UTC))

    client.post("/episodes", data={"client_token": token_of(client.get("/").get_data(as_text=True))})

    (episode,) = episodes(app)
    assert episode.day == date(2026, 3, 11)
    assert day_numbers(app, patient, TODAY, date(2026, 3, 11)) == {date(2026, 3, 11): 1}


def test_a_double_tap_records_one_spasm(client, patient, app):
    token = token_of(client.get("/").get_data(as_text=True))

    first = client.post("/episodes", data={"client_token": token})
    second = client.post("/episodes", data={"client_token": token})

    assert len(episodes(app)) == 1
    assert first.location == second.location


def test_each_rendered_page_gets_its_own_token(client, patient, app):
    for _ in range(2):
        client.post("/episodes", data={"client_token": token_of(client.get("/").get_data(as_text=True))})

    assert len(episodes(app)) == 2
    assert day_numbers(app, patient, TODAY, TODAY) == {TODAY: 2}


@pytest.mark.parametrize("token", ["", "short", "x" * 65, "has spaces in it", "<script>alert</script>"])
def test_a_bad_token_records_nothing_and_says_so(client, patient, app, token):
    response = client.post("/episodes", data={"client_token": token}, follow_redirects=True)

    assert response.status_code == 200
    assert "could not be recorded" in response.get_data(as_text=True)
    assert episodes(app) == []


def test_the_timer_script_loads_only_on_the_length_page(client, patient, app):
    episode_id = spasm_now(app, patient, "timer-page")

    length_page = client.get(f"/episodes/{episode_id}").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)

    assert '<script src="/static/js/timer.js" defer></script>' in length_page
    assert "/js/timer.js" not in home  # the home page has its own, spasm-timer.js
    # Without JavaScript the timer stays hidden and the number field does the job.
    assert re.search(r"<div data-timer hidden>", length_page)
    script = client.get("/static/js/timer.js")
    assert script.status_code == 200
    script.close()


def test_saving_the_length_completes_the_quick_log_without_a_revision(client, patient, app):
    episode_id = spasm_now(app, patient, "length-page")

    response = client.post(f"/episodes/{episode_id}", data={"duration_seconds": "12"})

    assert response.status_code == 302
    assert episodes(app)[0].duration_seconds == 12
    assert revisions(app) == []


def test_changing_a_recorded_length_keeps_a_revision(client, patient, app):
    episode_id = spasm_now(app, patient, "length-twice")
    client.post(f"/episodes/{episode_id}", data={"duration_seconds": "12"})
    client.post(f"/episodes/{episode_id}", data={"duration_seconds": "20"})

    assert episodes(app)[0].duration_seconds == 20
    (revision,) = revisions(app)
    assert (revision.entry_type, revision.action) == ("spasm_episode", "update")
    assert revision.before["duration_seconds"] == 12


@pytest.mark.parametrize("seconds", ["", "0", "3601", "abc", "1.5", "9" * 50])
def test_a_bad_length_is_explained_and_not_saved(client, patient, app, seconds):
    episode_id = spasm_now(app, patient, "bad-length")

    response = client.post(f"/episodes/{episode_id}", data={"duration_seconds": seconds})

    assert response.status_code == 422
    assert "from 1 to 3600" in response.get_data(as_text=True)
    assert episodes(app)[0].duration_seconds is None


def test_editing_the_time_moves_the_spasm_in_its_capture_zone(client, patient, app):
    episode_id = spasm_now(app, patient, "edit-time")

    page = client.get(f"/episodes/{episode_id}/edit").get_data(as_text=True)
    assert 'value="2026-03-10"' in page and 'value="13:00"' in page

    response = client.post(
        f"/episodes/{episode_id}/edit",
        data={"day": "2026-03-09", "time": "00:30", "duration_seconds": "3"},
    )

    assert response.status_code == 302
    (episode,) = episodes(app)
    assert episode.day == date(2026, 3, 9)
    assert episode.occurred_at == datetime(2026, 3, 8, 23, 30, tzinfo=UTC)
    assert episode.duration_seconds == 3
    (revision,) = revisions(app)
    assert revision.before["day"] == "2026-03-10"
    assert day_numbers(app, patient, date(2026, 3, 8), TODAY) == {date(2026, 3, 9): 1}


def test_moving_a_spasm_far_back_marks_it_entered_later(client, patient, app):
    episode_id = spasm_now(app, patient, "far-back")

    client.post(f"/episodes/{episode_id}/edit", data={"day": "2026-03-01", "time": "10:00"})

    assert episodes(app)[0].retrospective is True


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"day": "2026-03-11", "time": "10:00"}, "has not come yet"),
        ({"day": "2026-03-10", "time": "23:59"}, "That time has not come yet"),
        ({"day": "2026-03-10", "time": "25:00"}, "like 14:05"),
        ({"day": "", "time": "10:00"}, "Enter the date"),
        ({"day": "2026-03-10", "time": "10:00", "duration_seconds": "0"}, "from 1 to 3600"),
    ],
)
def test_bad_corrections_are_refused_and_nothing_changes(client, patient, app, values, message):
    episode_id = spasm_now(app, patient, "bad-correction")

    response = client.post(f"/episodes/{episode_id}/edit", data=values)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    (episode,) = episodes(app)
    assert (episode.day, episode.duration_seconds) == (TODAY, None)
    assert revisions(app) == []


def test_a_spasm_timed_on_the_home_page_is_saved_with_its_length_and_its_start(client, patient, app, clock):
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'<div class="spasm-timer" data-spasm-timer="spasm-now-form" hidden>', home)

    response = client.post("/episodes", data={"client_token": token_of(home), "duration_seconds": "23"})

    assert response.status_code == 302 and response.location == "/"
    (episode,) = episodes(app)
    assert episode.duration_seconds == 23
    assert episode.occurred_at == clock.moment - timedelta(seconds=23)  # when it began
    assert "Saved: a spasm that lasted 23 seconds." in re.sub(r"\s+", " ", client.get("/").get_data(as_text=True))


@pytest.mark.parametrize("seconds", ["0", "3601", "abc"])
def test_a_timed_length_out_of_range_records_nothing(client, patient, app, seconds):
    token = token_of(client.get("/").get_data(as_text=True))

    response = client.post("/episodes", data={"client_token": token, "duration_seconds": seconds})

    assert response.status_code == 302
    assert episodes(app) == []
