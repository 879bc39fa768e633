"""CSRF on every state-changing request, and logout only by POST (docs/quality-bars.md, Security and privacy).

Every route whose methods include POST, PUT, PATCH or DELETE is sent its proper form without
the token, by a patient logged in through the real login form: each must answer 400 and
change nothing. The same request with the token then gets the answer of the route matrix,
so the refusal is the token's doing and not the form's.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD
from tests.route_matrix import (
    OWNER_EMAIL,
    ROUTES,
    STATE_CHANGING,
    Records,
    answer_of,
    app_routes,
    database_rows,
    matches,
    state_changing_endpoints,
)

# Routes exempt from CSRF on purpose, and why; the app's exemptions must be exactly these.
CSRF_EXEMPT = {
    "reminders.unsubscribe": "RFC 8058 one-click unsubscribe: mail clients POST without a "
    "token. The signed token in the URL is the authority, and all it can do is stop emails.",
}
# Every route of the matrix that changes state; compared with the app's own URL map below.
WALKED = sorted(
    endpoint
    for endpoint, route in ROUTES.items()
    if route.methods & STATE_CHANGING and endpoint not in CSRF_EXEMPT
)
TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


@pytest.fixture
def app_config() -> dict:
    """CSRF protection on, as in production."""
    return {"WTF_CSRF_ENABLED": True}


def csrf_token(client, url: str) -> str:
    """The CSRF token of the first form on a page."""
    match = TOKEN.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


@pytest.fixture
def records(app, route_records, client) -> Records:
    """The owner's records, with the owner logged in through the login form and its token."""
    records = route_records
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": OWNER_EMAIL, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302 and response.location == "/", answer_of(response)
    return records


def test_the_login_form_itself_refuses_a_post_without_a_token(app, client, make_user):
    make_user(OWNER_EMAIL)

    response = client.post("/login", data={"email": OWNER_EMAIL, "password": PASSWORD})

    assert response.status_code == 400
    assert client.get("/account").status_code == 302  # still not logged in


def test_every_state_changing_route_is_walked_here(app):
    unwalked = sorted(state_changing_endpoints(app) - set(WALKED) - set(CSRF_EXEMPT))

    assert not unwalked, f"state-changing routes without a matrix entry to walk: {unwalked}"


def test_only_the_named_routes_are_exempt_from_csrf(app):
    exempt_views = app.extensions["csrf"]._exempt_views
    exempt = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if f"{view.__module__}.{view.__name__}" in exempt_views
    }

    assert exempt == set(CSRF_EXEMPT)


@pytest.mark.parametrize("endpoint", WALKED)
def test_a_request_without_a_token_is_refused_and_changes_nothing(app, client, records, endpoint):
    route = ROUTES[endpoint]
    methods = sorted(app_routes(app)[endpoint] & STATE_CHANGING)

    for url in route.urls(app, endpoint, records):
        before = database_rows(app)
        for method in methods:
            response = client.open(url, method=method, data=route.form(records))
            assert response.status_code == 400, f"{method} {url} without a token: {answer_of(response)}"
            assert "The form had expired" in response.get_data(as_text=True)
        assert database_rows(app) == before, f"{url} changed the database without a token"

        data = {**route.form(records), "csrf_token": csrf_token(client, "/account")}
        response = client.post(url, data=data)
        expected = route.expected("POST", "owner")
        assert matches(response, expected), (
            f"POST {url} with the token: got {answer_of(response)}, the matrix says {expected}"
        )


def test_logout_is_post_only(client, records):
    response = client.get("/logout")

    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert client.get("/account").status_code == 200  # still logged in

    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})

    assert response.status_code == 302
    assert client.get("/account").status_code == 302
