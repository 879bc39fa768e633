"""`make demo` for real: the demo clinic in a database of its own, served until Ctrl-C.

The recipe runs as a terminal runs it (its own process group, SIGINT not ignored), with its
database and outbox moved into the test's folder (DEMO_DATABASE, DEMO_OUTBOX), as the README
says `make demo` keeps them apart from the database `make run` serves. It must print the
accounts and the password to log in with, serve the login page, accept a demo patient's
login with that password, and stop every process on Ctrl-C. Nothing sleeps: the test reads
the output until the lines it waits for (tests/test_make_run.py does the same for make run).
"""

from __future__ import annotations

import http.cookiejar
import os
import queue
import re
import select
import signal
import subprocess
import sys
import threading
import urllib.parse
import urllib.request

import pytest

from diary import PROJECT_ROOT
from tests.reminders_support import free_port
from tests.test_make_run import WAIT_SECONDS, living_members

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
    make = subprocess.Popen(
        # -o: never reinstall the virtualenv from a test, whatever its stamp's age.
        ["make", "--no-print-directory", "-o", ".venv/.installed", "demo"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # its own group, as a terminal's foreground job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in make.stdout:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    output: list[str] = []
    exits: dict[int, int] = {}

    def wait_for(text: str) -> None:
        while not any(text in line for line in output):
            try:
                line = lines.get(timeout=WAIT_SECONDS)
            except queue.Empty:
                pytest.fail(f"no {text!r} from make demo:\n" + "".join(output))
            assert line is not None, "make demo ended early:\n" + "".join(output)
            output.append(line)

    try:
        wait_for(f"Running on http://127.0.0.1:{port}")
        text = "".join(output)
        assert "Log in at /login with any of these accounts" in text
        assert "margaret.evans@example.org" in text and "elena.fischer@example.org" in text
        assert f"The demo clinic is served on http://127.0.0.1:{port}" in text
        password = re.search(r"Password of every demo account \(shown only now\): (\S+)", text).group(1)
        home = log_in(f"http://127.0.0.1:{port}", "margaret.evans@example.org", password)
        assert "Margaret" in home or "Today" in home, home[:500]
        assert database.stat().st_size > 100_000  # the demo clinic, not the earlier file

        members = living_members(make.pid)  # the group is make's own
        assert len(members) >= 4  # make, its shell, the server, the scheduler
        # A pidfd turns readable when its process exits: a wait without polling or pid reuse.
        exits.update((pid, os.pidfd_open(pid)) for pid in members)

        os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C does
        try:
            while (line := lines.get(timeout=WAIT_SECONDS)) is not None:
                output.append(line)
        except queue.Empty:
            pytest.fail("processes of make demo still run after Ctrl-C:\n" + "".join(output))
        make.wait(timeout=WAIT_SECONDS)
        for pid, exit_fd in exits.items():
            exited, _, _ = select.select([exit_fd], [], [], WAIT_SECONDS)
            assert exited, f"process {pid} still runs after Ctrl-C:\n" + "".join(output)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait(timeout=WAIT_SECONDS)
        reader.join(timeout=WAIT_SECONDS)
        make.stdout.close()
        for exit_fd in exits.values():
            os.close(exit_fd)
    assert living_members(make.pid) == []
