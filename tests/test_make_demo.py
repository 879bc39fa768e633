"""`make demo` for real: the demo clinic in a database of its own, served until Ctrl-C.

The recipe runs as a terminal runs it (its own process group, SIGINT not ignored), with its
database and outbox moved into the test's folder (DEMO_DATABASE, DEMO_OUTBOX), as the README
says `make demo` keeps them apart from the database `make run` serves. It must print the
accounts and the password to log in with, serve the login page, accept a demo patient's
login with that password, and stop every process on Ctrl-C. Nothing sleeps: the test reads
the output until the lines it waits for (tests/make_support.py, as for make run).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import sys
import urllib.parse
import urllib.request

import pytest

from tests.make_support import WAIT_SECONDS, RunningMake
from tests.reminders_support import free_port

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads process groups from /proc"
)


def log_in(base: str, email: str, password: str) -> str:
    """Log in through the real form (its CSRF token included); the page it lands on."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form = opener.open(f"{base}/login", timeout=WAIT_SECONDS).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": password}).encode()
    with opener.open(f"{base}/login", data=data, timeout=WAIT_SECONDS) as answer:
        return answer.read().decode()


def test_make_demo_serves_the_demo_clinic_from_its_own_database_and_ctrl_c_stops_it(tmp_path):
    database = tmp_path / "demo.sqlite3"
    database.write_text("an earlier demo, replaced")  # each make demo starts afresh
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MAIL_SERVER", "PUBLIC_BASE_URL")}
    env.update(PORT=str(port), PYTHONUNBUFFERED="1", SECRET_KEY="make-demo",
               DEMO_DATABASE=str(database), DEMO_OUTBOX=str(tmp_path / "outbox"))
    with RunningMake("demo", env) as make:
        make.wait_for(f"Running on http://127.0.0.1:{port}")
        text = make.text
        assert "Log in at /login with any of these accounts" in text
        assert "margaret.evans@example.org" in text and "elena.fischer@example.org" in text
        assert f"The demo clinic is served on http://127.0.0.1:{port}" in text
        password = re.search(r"Password of every demo account \(shown only now\): (\S+)", text).group(1)
        home = log_in(f"http://127.0.0.1:{port}", "margaret.evans@example.org", password)
        assert "Margaret" in home or "Today" in home, home[:500]
        assert database.stat().st_size > 100_000  # the demo clinic, not the earlier file

        make.stop_with_ctrl_c(at_least=4)  # make, its shell, the server, the scheduler
