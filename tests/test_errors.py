"""Errors answer in the layout (or as JSON under /api/), never with a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from flask import Flask

from diary.app import create_app
from diary.extensions import db
from tests.conftest import base_config, fresh_database_url

SECRET = "secret detail: token=4f1c"


def assert_in_layout(response) -> str:
    """The page text, after checking it is an HTML page of the site's layout."""
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<header class="site-header">' in html
    assert '<main id="content"' in html
    return html


def assert_json_error(response, status: int, code: str) -> dict:
    """The error object, after checking the JSON error shape the API promises."""
    assert response.status_code == status
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error


@pytest.fixture
def failing_app(template_database, tmp_path) -> Iterator[Flask]:
    """An app with views that fail unexpectedly, registered before its first request."""
    instance = tmp_path / "instance"
    instance.mkdir()
    app = create_app(base_config(instance, fresh_database_url(template_database, instance)))

    @app.route("/boom")
    def boom():
        raise RuntimeError(SECRET)

    @app.route("/api/boom")
    def api_boom():
        raise RuntimeError(SECRET)

    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_an_unknown_page_is_a_friendly_404_in_the_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in assert_in_layout(response)


def test_an_unknown_api_path_is_a_json_404(client):
    error = assert_json_error(client.get("/api/no-such-thing"), 404, "not_found")
    assert error["fields"] == {}


def test_a_wrong_method_is_a_friendly_405_that_names_the_right_one(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "Not allowed" in assert_in_layout(response)
    assert "POST" in response.headers["Allow"]


def test_an_unexpected_exception_is_a_friendly_500_without_a_traceback(failing_app, caplog):
    response = failing_app.test_client().get("/boom")

    assert response.status_code == 500
    html = assert_in_layout(response)
    assert "Something went wrong on our side" in html
    assert "Traceback" not in html
    assert "RuntimeError" not in html
    assert SECRET not in html
    assert response.headers["Content-Security-Policy"]  # error pages keep the headers

    logged = [r for r in caplog.records if r.levelno == logging.ERROR and r.exc_info]
    assert logged, "the failure must be logged with its traceback for us"
    assert SECRET in str(logged[0].exc_info[1])


def test_an_unexpected_exception_under_api_is_a_json_500(failing_app):
    response = failing_app.test_client().get("/api/boom")
    error = assert_json_error(response, 500, "server_error")
    assert SECRET not in response.get_data(as_text=True)
    assert "Traceback" not in error["message"]
