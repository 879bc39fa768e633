"""History: logged days newest first, markers, pagination, deletion and the changes view."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from diary.journal import queries
from tests.journal_helpers import (
    TODAY,
    account,
    check_in,
    check_ins,
    counted_queries,
    day_numbers,
    episodes,
    page_text,
    revisions,
    spasm_now,
)


def day_headings(response) -> list[str]:
    """The history's day headings, in page order."""
    return re.findall(r'<h2 id="day-([\d-]+)">', response.get_data(as_text=True))


def test_history_lists_logged_days_newest_first_with_their_numbers(client, patient, app):
    check_in(app, patient, TODAY - timedelta(days=5), 2, regions=["eye"], note="windy")
    check_in(app, patient, TODAY, 0)
    spasm_now(app, patient, "history-spasm")

    response = client.get("/history")

    assert response.status_code == 200
    assert day_headings(response) == ["2026-03-10", "2026-03-05"]
    page = page_text(response)
    assert "Tuesday, 10 March 2026: 1 spasm" in page
    assert "Thursday, 5 March 2026: 2 spasms" in page
    assert "Where: Eye" in page and "Note: windy" in page
    assert "13:00, length not given" in page
    assert "The day counts 1: more spasms were logged as they happened" in page
    assert "2026-03-07" not in day_headings(response)  # missing days are not listed as zero


def test_history_marks_entries_entered_later_and_edited(client, patient, app):
    check_in(app, patient, TODAY - timedelta(days=4), 2)
    check_in(app, patient, TODAY - timedelta(days=4), 3)
    check_in(app, patient, TODAY, 1)

    html = client.get("/history").get_data(as_text=True)
    late, today = html.split('id="day-2026-03-06"')[1], html.split('id="day-2026-03-06"')[0]

    assert '<span class="badge">entered later</span>' in late
    assert "marks an entry added more than a day after the day it is about" in html  # in words
    assert re.search(r'<a class="badge" href="/checkins/\d+/changes">edited</a>', late)
    assert "entered later" not in today.split('id="day-2026-03-10"')[1]
    assert "edited" not in today.split('id="day-2026-03-10"')[1]


def test_history_is_paginated(client, patient, app):
    app.config["HISTORY_PAGE_SIZE"] = 3
    for offset in range(7):
        check_in(app, patient, TODAY - timedelta(days=offset * 2), offset)

    first = client.get("/history")
    second = client.get("/history?page=2")
    last = client.get("/history?page=3")

    assert day_headings(first) == ["2026-03-10", "2026-03-08", "2026-03-06"]
    assert day_headings(second) == ["2026-03-04", "2026-03-02", "2026-02-28"]
    assert day_headings(last) == ["2026-02-26"]
    assert "Page 1 of 3" in page_text(first) and 'href="/history?page=2">Older days' in first.get_data(as_text=True)
    assert 'href="/history?page=1">Newer days' in second.get_data(as_text=True)
    assert "Older days" not in page_text(last)


@pytest.mark.parametrize("page", ["0", "-4", "abc", "99999999999999999999999", "1e9"])
def test_odd_page_numbers_answer_a_page_not_an_error(client, patient, app, page):
    check_in(app, patient, TODAY, 1)

    response = client.get(f"/history?page={page}")

    assert response.status_code == 200


def test_history_takes_the_same_number_of_queries_however_many_days(client, patient, app):
    check_in(app, patient, TODAY, 1)
    with counted_queries(app) as few:
        client.get("/history")
    for offset in range(1, 25):
        check_in(app, patient, TODAY - timedelta(days=offset), offset)
        spasm_now(app, patient, f"history-spasm-{offset:02d}")
    with counted_queries(app) as many:
        client.get("/history")

    assert len(many) == len(few)


def test_delete_asks_first_then_soft_deletes_with_a_revision(client, patient, app):
    check_in(app, patient, TODAY, 4, note="oops")
    (row,) = check_ins(app)

    confirm = client.get(f"/checkins/{row.id}/delete")
    assert confirm.status_code == 200
    assert "Delete this entry?" in page_text(confirm)
    assert ">Delete entry</button>" in confirm.get_data(as_text=True)
    assert check_ins(app)[0].deleted_at is None

    response = client.post(f"/checkins/{row.id}/delete")

    assert response.status_code == 302
    (deleted,) = check_ins(app)
    assert deleted.deleted_at is not None and deleted.updated_by_id == patient
    (revision,) = revisions(app)
    assert (revision.action, revision.entry_id, revision.before["note"]) == ("delete", row.id, "oops")


def test_deleted_entry_leaves_every_view(client, patient, app):
    check_in(app, patient, TODAY - timedelta(days=1), 7, note="secret-check-in")
    episode_id = spasm_now(app, patient, "deleted-episode")
    (row,) = check_ins(app)

    client.post(f"/checkins/{row.id}/delete")
    client.post(f"/episodes/{episode_id}/delete")

    assert day_numbers(app, patient, TODAY - timedelta(days=30), TODAY) == {}
    home = client.get("/")
    assert "Today is not logged yet" in page_text(home)
    assert 'class="day day-missing">\n      <a href="/?day=2026-03-09"' in home.get_data(as_text=True)
    history = client.get("/history")
    assert day_headings(history) == [] and "Nothing logged yet" in page_text(history)
    form = client.get("/checkin?day=2026-03-09").get_data(as_text=True)
    assert "secret-check-in" not in form and 'value="7"' not in form
    for url in (
        f"/episodes/{episode_id}",
        f"/episodes/{episode_id}/edit",
        f"/episodes/{episode_id}/delete",
        f"/episodes/{episode_id}/changes",
        f"/checkins/{row.id}/delete",
        f"/checkins/{row.id}/changes",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/checkins/{row.id}/delete").status_code == 404
    with account(app, patient):
        assert queries.check_in_on(patient, TODAY - timedelta(days=1)) is None


def test_edit_keeps_a_revision(client, patient, app, clock):
    check_in(app, patient, TODAY, 2, note="before")
    clock.advance(minutes=5)
    client.post("/checkin", data={"day": "2026-03-10", "spasm_count": "6", "note": "after"})
    (row,) = check_ins(app)

    changes = client.get(f"/checkins/{row.id}/changes")

    assert changes.status_code == 200
    page = page_text(changes)
    assert "Changed on Tuesday, 10 March 2026 at 13:05" in page
    assert "Number of spasms: 2" in page and "Note: before" in page
    assert "Note: after" not in page


def test_the_changes_page_lists_edits_and_deletions_newest_first(client, patient, app, clock):
    check_in(app, patient, TODAY, 2)
    clock.advance(minutes=1)
    check_in(app, patient, TODAY, 3)
    episode_id = spasm_now(app, patient, "soon-deleted")
    client.post(f"/episodes/{episode_id}", data={"duration_seconds": "4"})
    clock.advance(minutes=1)
    client.post(f"/episodes/{episode_id}/delete")

    page = page_text(client.get("/history/changes"))

    assert page.index("Deleted on") < page.index("Changed on")
    assert "Spasm for Tuesday, 10 March 2026" in page and "Length: 4 seconds" in page
    assert "Check-in for Tuesday, 10 March 2026" in page and "Number of spasms: 2" in page
    assert len(revisions(app)) == 2
    assert episodes(app)[0].deleted_at is not None
