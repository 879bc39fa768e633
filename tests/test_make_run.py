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
import sys
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

import pytest

from tests.conftest import migrate_database
from tests.make_support import RunningMake
from tests.reminders_support import free_port
from tests.test_reminders_processes import seed_due_reminders

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads process groups from /proc"
)


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

    with RunningMake("run", env) as make:
        make.wait_for(f"Running on http://127.0.0.1:{port}")
        make.wait_for("Reminder scheduler running")
        make.wait_for("reminders: sent 1")
        make.stop_with_ctrl_c(at_least=4)  # make, its shell, the server, the scheduler

    (eml,) = (tmp_path / "outbox").glob("*.eml")
    message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    assert message["Subject"] == "Your diary for today"
    assert f"http://127.0.0.1:{port}/checkin?day=" in message.get_body(("plain",)).get_content()
