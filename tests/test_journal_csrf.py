"""Every diary form carries a CSRF token, and a request without one changes nothing."""

from __future__ import annotations

import re

import pytest

from tests.journal_helpers import TODAY, check_in, check_ins, episodes, login_as, spasm_now


@pytest.fixture
def app_config() -> dict:
    """These tests run with CSRF protection on, as in production."""
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def patient(make_user, client) -> int:
    """A patient with an open session (the login form itself wants a token here)."""
    user_id = make_user()
    login_as(client, user_id)
    return user_id


def tokens(page: str) -> list[str]:
    """The CSRF tokens of every form on a page."""
    return re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)


def first_token(page: str) -> str:
    """One CSRF token from a page."""
    return next(a or b for a, b in tokens(page))


def test_every_form_on_the_diary_pages_has_a_token(client, patient, app):
    episode_id = spasm_now(app, patient, "csrf-episode")
    check_in(app, patient, TODAY, 1)
    check_in_id = check_ins(app)[0].id

    for url, forms in [
        # Log out is in the header twice, in the wide list and in the phone's menu (one shows).
        ("/", 6),  # log out twice, the count box, no spasms today, spasm now, no spasms since
        ("/checkin", 3),
        (f"/episodes/{episode_id}", 3),
        (f"/episodes/{episode_id}/edit", 3),
        (f"/checkins/{check_in_id}/delete", 3),
    ]:
        page = client.get(url).get_data(as_text=True)
        assert page.count("<form") == forms, url
        assert len(tokens(page)) == forms, url


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/checkin", {"day": "2026-03-10", "spasm_count": "3"}),
        ("/checkin/count", {"day": "2026-03-10", "spasm_count": "3"}),
        ("/checkin/none", {}),
        ("/checkin/none-since", {"since": "2026-03-08"}),
        ("/episodes", {"client_token": "a-valid-token"}),
    ],
)
def test_a_post_without_a_token_is_refused_and_saves_nothing(client, patient, app, url, data):
    response = client.post(url, data=data)

    assert response.status_code == 400
    assert check_ins(app) == [] and episodes(app) == []


def test_a_post_with_the_pages_token_is_accepted(client, patient, app):
    token = first_token(client.get("/").get_data(as_text=True))

    response = client.post("/checkin/none", data={"csrf_token": token})

    assert response.status_code == 302
    assert len(check_ins(app)) == 1


def test_deleting_without_a_token_is_refused(client, patient, app):
    episode_id = spasm_now(app, patient, "keep-me")

    assert client.post(f"/episodes/{episode_id}/delete").status_code == 400
    assert episodes(app)[0].deleted_at is None
