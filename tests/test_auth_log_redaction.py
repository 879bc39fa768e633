"""Registration, verification and reset links never reach a log: not ours, not the access logs."""

from __future__ import annotations

import logging
import threading
import urllib.request

import pytest
from werkzeug.serving import make_server

from diary.logging_filters import RedactTokens, redact
from tests.conftest import PASSWORD

TOKEN = "eyJ1aWQiOjEsInN2IjoxfQ.c2lnbmF0dXJl-abc_123"


def all_log_text(caplog) -> str:
    """Every captured record as it would be written."""
    return "\n".join(record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"GET /verify/{TOKEN} HTTP/1.1", "GET /verify/[redacted] HTTP/1.1"),
        (f"GET /reset/{TOKEN}?x=1 HTTP/1.1", "GET /reset/[redacted]?x=1 HTTP/1.1"),
        (f"http://localhost/reset/{TOKEN}", "http://localhost/reset/[redacted]"),
        (f"POST /register/finish/{TOKEN} HTTP/1.1", "POST /register/finish/[redacted] HTTP/1.1"),
        ("POST /register HTTP/1.1", "POST /register HTTP/1.1"),
        ("GET /password/new HTTP/1.1", "GET /password/new HTTP/1.1"),
        ("GET /resend-verification HTTP/1.1", "GET /resend-verification HTTP/1.1"),
    ],
)
def test_tokens_in_paths_are_redacted(line, expected):
    assert redact(line) == expected


def test_the_werkzeug_access_log_is_redacted(app, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    logging.getLogger("werkzeug").info('127.0.0.1 - - [x] "%s" %s %s', f"GET /verify/{TOKEN} HTTP/1.1", 302, "-")
    assert TOKEN not in all_log_text(caplog)
    assert "/verify/[redacted]" in all_log_text(caplog)


def test_the_gunicorn_access_log_is_redacted(app, caplog):
    caplog.set_level(logging.INFO, logger="gunicorn.access")
    # gunicorn formats its access log from a mapping of atoms.
    logging.getLogger("gunicorn.access").info(
        '%(h)s "%(r)s" %(s)s "%(f)s"',
        {"h": "10.0.0.1", "r": f"GET /reset/{TOKEN} HTTP/1.1", "s": "302", "f": f"/reset/{TOKEN}"},
    )
    assert TOKEN not in all_log_text(caplog)
    assert all_log_text(caplog).count("/reset/[redacted]") == 2


def test_create_app_installs_the_filter_once(app):
    from diary.app import create_app

    create_app(dict(app.config))
    for name in ("werkzeug", "gunicorn.access"):
        filters = [f for f in logging.getLogger(name).filters if isinstance(f, RedactTokens)]
        assert len(filters) == 1


def test_the_dev_server_does_not_log_the_token(app, caplog):
    """A real werkzeug server on loopback, as `flask run` serves."""
    caplog.set_level(logging.INFO)
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in (f"/verify/{TOKEN}", f"/reset/{TOKEN}"):
            request = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}")
            opener = urllib.request.build_opener(NoRedirect)
            with pytest.raises(urllib.error.HTTPError) as answer:
                opener.open(request, timeout=10)
            assert answer.value.code == 302
            answer.value.close()
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    access = [r for r in caplog.records if r.name == "werkzeug"]
    assert len(access) >= 2
    assert TOKEN not in all_log_text(caplog)
    assert "/verify/[redacted]" in all_log_text(caplog)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Stop at the first answer, so each request is logged once."""

    def redirect_request(self, *args, **kwargs):
        return None


def test_no_token_in_any_log_record_through_the_whole_account_flow(app, client, caplog, mailbox):
    caplog.set_level(logging.DEBUG)
    client.post("/register", data={"email": "new@example.org"})
    finish = mailbox.link(mailbox.last(), "/register/finish/")
    client.get(finish)
    client.post(finish, data={
        "password": PASSWORD, "password_repeat": PASSWORD,
        "display_name": "Nora", "timezone": "UTC", "affected_side": "left",
    })
    client.post("/logout")
    client.post("/password/forgot", data={"email": "new@example.org"})
    reset = mailbox.link(mailbox.last(), "/reset/")
    client.get(reset)
    client.post("/password/new", data={"password": "another password", "password_repeat": "another password"})
    assert client.get("/account").status_code == 200
    text = all_log_text(caplog)
    for token in (finish.removeprefix("/register/finish/"), reset.removeprefix("/reset/")):
        assert token not in text
    # The mail layer did log its two messages, by subject.
    subjects = [r.getMessage() for r in caplog.records if r.name == "diary.mail"]
    assert len(subjects) == 2
