"""Security headers on every page, and a session cookie that scripts and other sites cannot use.

The app runs behind one trusted proxy here, as in production (docs/quality-bars.md, Security and privacy: the number of
trusted proxies is configured, so HTTPS is real); one test turns the proxy trust off.
"""

from __future__ import annotations

from http.cookies import Morsel, SimpleCookie

import pytest

from tests.conftest import PASSWORD

# Not sending the address at all, or only to this site: a referrer naming a diary for a facial
# condition is already health information.
PRIVATE_REFERRER_POLICIES = {"no-referrer", "same-origin"}


@pytest.fixture
def app_config() -> dict:
    """One trusted proxy: X-Forwarded-Proto from it is believed."""
    return {"TRUSTED_PROXIES": 1}


def content_security_policy(response) -> dict[str, list[str]]:
    """The CSP header as directive -> sources."""
    header = response.headers["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def session_cookie(response) -> Morsel:
    """The session cookie the response sets."""
    for header in response.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        if "session" in cookie:
            return cookie["session"]
    raise AssertionError(f"no session cookie in {response.headers.getlist('Set-Cookie')}")


def log_in(client, **kwargs):
    """Post the login form of the default test user; the answer must be the redirect."""
    response = client.post(
        "/login", data={"email": "pat@example.org", "password": PASSWORD}, **kwargs
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


PAGES = [("/login", 200), ("/no-such-page", 404)]


@pytest.mark.parametrize(("path", "status"), PAGES)
def test_content_security_policy_allows_this_site_only(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    header = response.headers["Content-Security-Policy"]
    policy = content_security_policy(response)

    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy.get("script-src", ["'self'"]) == ["'self'"]
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    for directive, sources in policy.items():
        # data: images are the one exception docs/pitfalls.md allows (Chart.js under a strict CSP).
        allowed = {"'self'", "'none'"} | ({"data:"} if directive == "img-src" else set())
        assert set(sources) <= allowed, f"{directive} allows {sources}"


@pytest.mark.parametrize(("path", "status"), PAGES)
def test_pages_are_not_sniffed_framed_cached_or_leaked_by_referrer(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in PRIVATE_REFERRER_POLICIES
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "no-store" in response.headers["Cache-Control"]


def test_static_files_may_be_cached_but_keep_the_other_headers(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_session_cookie_is_http_only_and_same_site_lax_but_not_secure_over_http(
    client, make_user
):
    make_user()
    cookie = session_cookie(log_in(client))
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"], "a Secure cookie would never come back over plain http"


def test_session_cookie_is_secure_over_https(client, make_user):
    make_user()
    response = log_in(client, base_url="https://localhost")
    cookie = session_cookie(response)
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_https_reported_by_a_trusted_proxy_makes_the_cookie_secure(client, make_user):
    make_user()
    response = log_in(client, headers={"X-Forwarded-Proto": "https"})
    assert session_cookie(response)["secure"] is True
    assert "Strict-Transport-Security" in response.headers


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXIES": 0}])
def test_without_trusted_proxies_a_forwarded_proto_header_is_ignored(client, make_user):
    """Anyone can send the header; only a configured proxy's word counts."""
    make_user()
    response = log_in(client, headers={"X-Forwarded-Proto": "https"})
    assert not session_cookie(response)["secure"]
    assert "Strict-Transport-Security" not in response.headers
