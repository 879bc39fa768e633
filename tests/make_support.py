"""A make target run as a terminal runs it, for the tests of `make run` and `make demo`.

The recipe gets its own process group with SIGINT not ignored, as a terminal's foreground
job; its output is read line by line from a thread. `stop_with_ctrl_c` sends SIGINT to the
group, as Ctrl-C does, and waits until every process of it has exited. Nothing sleeps: the
test waits for lines of output, and for the end of the output, which comes only when every
process that shares it has exited.
"""

from __future__ import annotations

import os
import queue
import select
import signal
import subprocess
import threading
from pathlib import Path

import pytest

from diary import PROJECT_ROOT

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


class RunningMake:
    """`make <target>` from the project's folder with `env`; a context manager that kills what
    is left of the group on the way out and checks that nothing of it still runs."""

    def __init__(self, target: str, env: dict[str, str]) -> None:
        self.target = target
        self.process = subprocess.Popen(
            # -o: never reinstall the virtualenv from a test, whatever its stamp's age.
            ["make", "--no-print-directory", "-o", ".venv/.installed", target],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._exits: dict[int, int] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)  # every process holding the pipe has exited

    @property
    def text(self) -> str:
        return "".join(self.output)

    def wait_for(self, text: str) -> None:
        """Read the output until a line holds `text`; fail if it ends or stalls first."""
        while not any(text in line for line in self.output):
            try:
                line = self._lines.get(timeout=WAIT_SECONDS)
            except queue.Empty:
                pytest.fail(f"no {text!r} from make {self.target}:\n" + self.text)
            assert line is not None, f"make {self.target} ended early:\n" + self.text
            self.output.append(line)

    def stop_with_ctrl_c(self, *, at_least: int) -> None:
        """SIGINT to the group (`at_least` processes running), then wait until all exited."""
        members = living_members(self.process.pid)  # the group is make's own
        assert len(members) >= at_least, members
        # A pidfd turns readable when its process exits: a wait without polling or pid reuse.
        self._exits.update((pid, os.pidfd_open(pid)) for pid in members)
        os.killpg(self.process.pid, signal.SIGINT)  # what Ctrl-C does
        try:
            while (line := self._lines.get(timeout=WAIT_SECONDS)) is not None:
                self.output.append(line)
        except queue.Empty:
            pytest.fail(f"processes of make {self.target} still run after Ctrl-C:\n" + self.text)
        self.process.wait(timeout=WAIT_SECONDS)
        for pid, exit_fd in self._exits.items():
            exited, _, _ = select.select([exit_fd], [], [], WAIT_SECONDS)
            assert exited, f"process {pid} still runs after Ctrl-C:\n" + self.text

    def __enter__(self) -> RunningMake:
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=WAIT_SECONDS)
        self._reader.join(timeout=WAIT_SECONDS)
        self.process.stdout.close()
        for exit_fd in self._exits.values():
            os.close(exit_fd)
        if exc[0] is None:
            assert living_members(self.process.pid) == []
