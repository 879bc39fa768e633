"""`make run` for real: the web server and the scheduler as two processes, stopped by Ctrl-C.

The recipe is run as a terminal would run it (its own process group, SIGINT not ignored),
against a database and an outbox of the test's own. A reminder already due when it starts is
sent by the scheduler's first tick into the outbox; then SIGINT to the group, as Ctrl-C sends
it, must leave no process of the group running. Nothing sleeps: the test reads the processes'
output until the lines it waits for, and waits for the end of that output, which comes only
when every process that shares it has exited.
"""

from __future__ import annotations

import os
import queue
import select
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from diary import PROJECT_ROOT
from tests.conftest import migrate_database
from tests.reminders_support import free_port
from tests.test_reminders_processes import seed_due_reminders

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads process groups from /proc"
)
WAIT_SECONDS = 60


def living_members(group: int) -> list[int]:
    """The processes of a process group that have not exited (zombies count as exited)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, _ppid, pgrp = stat.rpartition(")")[2].split()[:3]
        if int(pgrp) == group and state != "Z":
            members.append(int(entry.name))
    return members


def test_make_run_sends_a_due_reminder_to_the_outbox_and_ctrl_c_stops_both(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    url = f"sqlite:///{tmp_path / 'run.sqlite3'}"
    migrate_database(instance, url)
    # Due a minute ago, in Berlin (a whole minute, as every planned moment is).
    seed_due_reminders(url, 1, datetime.now(UTC).replace(second=0, microsecond=0))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_BASE_URL", "MAIL_SERVER")}
    env.update(DATABASE_URL=url, MAIL_OUTBOX=str(tmp_path / "outbox"), SECRET_KEY="make-run",
               PORT=str(port), PYTHONUNBUFFERED="1")

    make = subprocess.Popen(
        # -o: never reinstall the virtualenv from a test, whatever its stamp's age.
        ["make", "--no-print-directory", "-o", ".venv/.installed", "run"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # its own group, as a terminal's foreground job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in make.stdout:
            lines.put(line)
        lines.put(None)  # every process holding the pipe has exited

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    output: list[str] = []
    exits: dict[int, int] = {}

    def wait_for(text: str) -> None:
        while not any(text in line for line in output):
            try:
                line = lines.get(timeout=WAIT_SECONDS)
            except queue.Empty:
                pytest.fail(f"no {text!r} from make run:\n" + "".join(output))
            assert line is not None, "make run ended early:\n" + "".join(output)
            output.append(line)

    try:
        wait_for(f"Running on http://127.0.0.1:{port}")
        wait_for("Reminder scheduler running")
        wait_for("reminders: sent 1")
        members = living_members(make.pid)  # the group is make's own
        assert len(members) >= 4  # make, its shell, the server, the scheduler
        # A pidfd turns readable when its process exits: a wait without polling or pid reuse.
        exits.update((pid, os.pidfd_open(pid)) for pid in members)

        os.killpg(make.pid, signal.SIGINT)  # what Ctrl-C does
        try:
            while (line := lines.get(timeout=WAIT_SECONDS)) is not None:
                output.append(line)
        except queue.Empty:
            pytest.fail("processes of make run still run after Ctrl-C:\n" + "".join(output))
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

    (eml,) = (tmp_path / "outbox").glob("*.eml")
    message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    assert message["Subject"] == "Your diary for today"
    assert f"http://127.0.0.1:{port}/checkin?day=" in message.get_body(("plain",)).get_content()
