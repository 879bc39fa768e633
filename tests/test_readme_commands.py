"""Every command the README shows runs as written on a fresh clone.

A newcomer copies the README's commands into a terminal. A bare `flask` is then the
machine's own, which knows none of the app's commands ("No such command 'demo-data'"), and a
make target that was renamed fails before anything starts. These tests read every command
out of the README (the lines of its shell blocks and its inline code that start with a
command) and hold it to what a fresh clone has:

- the app's tools are spelled out as `.venv/bin/...` (never a bare `flask`, `gunicorn`,
  `pytest`, `pip` or `python`, which may be missing or be another project's);
- every `make TARGET` exists and expands (`make -n`): the long-running ones (`make run`,
  `make test`, `make bench`, `make demo`, ...) are checked only this way;
- every `.venv/bin/flask --app wsgi ...` names a command the app has (its `--help` answers);
- the short ones a newcomer runs first (migrate, the demo clinic, the scheduler's one pass,
  a backup, a one-line Python) run for real, on a database in a throwaway folder.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from diary import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
# The first word of a line that is a command, after any VAR=value assignments.
TOOLS = {"make", "flask", "gunicorn", "pytest", "pip", "python", "python3", "pg_dump",
         "pg_restore", "apt-get", ".venv/bin/flask", ".venv/bin/python", ".venv/bin/gunicorn",
         ".venv/bin/pytest", ".venv/bin/lint-imports", ".venv/bin/ruff"}
# Tools a fresh clone has only inside .venv (or, for python, under another name on Debian).
SPELL_OUT = {"flask": ".venv/bin/flask", "gunicorn": ".venv/bin/gunicorn",
             "pytest": ".venv/bin/pytest", "pip": ".venv/bin/pip", "python": "python3"}
# Make targets that serve or run for minutes: checked with `make -n` only.
LONG_RUNNING = {"run", "demo", "test", "bench", "fuzz", "test-unit", "test-postgres",
                "test-e2e", "screenshots", "lint"}
ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")
TIMEOUT = 120


def readme_commands() -> list[str]:
    """Every command the README shows: the lines of its ```sh blocks (comments cut) and its
    inline code spans that start with a tool, with a table's escaped pipes unescaped."""
    text = README.read_text(encoding="utf-8")
    commands: list[str] = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.split(" #", 1)[0].strip()
            if line and not line.startswith("#"):
                commands.append(line)
    outside_blocks = re.sub(r"```.*?```", "", text, flags=re.S)
    for span in re.findall(r"`([^`\n]+)`", outside_blocks):
        commands.append(span.replace("\\|", "|").strip())
    # A tool's bare name in a sentence ("`.venv/bin/flask`") is a mention, not a command.
    return [c for c in dict.fromkeys(commands) if _tool(c) in TOOLS and len(_words(c)) > 1]


def _words(command: str) -> list[str]:
    """The command's words after its VAR=value assignments."""
    words = command.split()
    while words and ASSIGNMENT.match(words[0]):
        words.pop(0)
    return words


def _tool(command: str) -> str | None:
    words = _words(command)
    return words[0] if words else None


def make_targets() -> list[str]:
    """Every target a README command hands to make."""
    targets = []
    for command in readme_commands():
        words = _words(command)
        if words[0] == "make":
            targets += [w for w in words[1:] if not w.startswith("-") and "=" not in w]
    return sorted(set(targets))


def flask_commands() -> list[tuple[str, ...]]:
    """The command words of every `.venv/bin/flask --app wsgi ...`: the lower-case words
    before the first argument or option ("users create" of "users create EMAIL --role ...")."""
    found = []
    for command in readme_commands():
        words = _words(command)
        if words[0] != ".venv/bin/flask" or words[1:3] != ["--app", "wsgi"]:
            continue
        names = []
        for word in words[3:]:
            if not re.fullmatch(r"[a-z][a-z-]*", word):
                break
            names.append(word)
        found.append(tuple(names))
    return sorted(set(found))


def run(command: list[str] | str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=PROJECT_ROOT, env=env or os.environ.copy(), text=True,
                          capture_output=True, timeout=TIMEOUT, **kwargs)


def test_the_readme_shows_the_commands_a_newcomer_needs():
    """So that an empty extraction cannot pass the tests below."""
    targets = make_targets()
    assert {"demo", "run", "test", "bench"} <= set(targets)
    assert {("db", "upgrade"), ("demo-data",), ("users", "create"), ("scheduler",),
            ("backup",)} <= set(flask_commands())


def test_every_flask_command_of_the_readme_names_the_app():
    without = [c for c in readme_commands() if _tool(c) == ".venv/bin/flask"
               and _words(c)[1:3] != ["--app", "wsgi"]]
    assert not without, f"these do not name the app (--app wsgi): {without}"


def test_every_readme_command_spells_out_the_projects_own_tools():
    bare = [(c, SPELL_OUT[_tool(c)]) for c in readme_commands() if _tool(c) in SPELL_OUT]
    assert not bare, "write these as the fresh clone has them: " + "; ".join(
        f"{command!r} (use {spelled})" for command, spelled in bare)


@pytest.mark.parametrize("target", make_targets())
def test_every_make_target_the_readme_names_exists_and_expands(target):
    # -o: the virtualenv's stamp counts as fresh, so nothing is installed, even in print.
    result = run(["make", "-n", "--no-print-directory", "-o", ".venv/.installed", target],
                 env={**os.environ, "TEST_DATABASE_URL": "postgresql://nobody@127.0.0.1/none"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip(), f"make {target} would do nothing"


def test_a_target_the_makefile_lacks_fails_the_check():
    """The check above can fail: make -n refuses a target that does not exist."""
    result = run(["make", "-n", "-o", ".venv/.installed", "no-such-target"])
    assert result.returncode != 0
    assert "No rule to make target" in result.stderr


def test_every_long_running_make_target_of_the_readme_is_one_the_makefile_has():
    """`make run`, `make demo`, `make test` and `make bench` are run by make -n only; each is
    named by the README and declared phony in the Makefile."""
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    phony = set(re.search(r"^\.PHONY:(.*)$", makefile, flags=re.M).group(1).split())
    named = set(make_targets())
    assert {"run", "demo", "test", "bench"} <= named & phony
    assert named <= phony | {"migrate"}, named - phony


def test_make_demo_uses_a_database_of_its_own_never_the_one_make_run_serves():
    result = run(["make", "-n", "--no-print-directory", "-o", ".venv/.installed", "demo"])
    assert result.returncode == 0, result.stderr
    urls = re.findall(r'DATABASE_URL="([^"]+)"', result.stdout)
    assert urls and all(u.endswith("/instance/demo.sqlite3") for u in urls), result.stdout
    assert "diary.sqlite3" not in result.stdout
    assert "demo-data" in result.stdout and " run --host" in result.stdout


@pytest.mark.parametrize("words", flask_commands(), ids=" ".join)
def test_every_flask_command_the_readme_names_exists(words):
    result = run([".venv/bin/flask", "--app", "wsgi", *words, "--help"])
    assert result.returncode == 0, result.stderr
    assert "No such command" not in result.stderr


def test_a_flask_command_the_app_lacks_fails_the_check():
    result = run([".venv/bin/flask", "--app", "wsgi", "no-such-command", "--help"])
    assert result.returncode != 0
    assert "No such command" in result.stderr


def test_the_short_commands_run_as_written_on_a_throwaway_database(tmp_path: Path):
    """Migrate, fill with the demo clinic, send what is due once, copy the database, create an
    account: the README's own words, on a database and an outbox in a throwaway folder."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'readme.sqlite3'}",
           "MAIL_OUTBOX": str(tmp_path / "outbox"), "SECRET_KEY": "readme-commands"}
    env.pop("MAIL_SERVER", None)
    wanted: dict[str, list[str] | None] = dict.fromkeys(
        ("db upgrade", "demo-data", "scheduler --once", "backup"))
    for command in readme_commands():
        # "[--once]" is an option the README offers: taken; "[--force]" is left out.
        words = [w.strip("[]") for w in _words(command) if w != "[--force]"]
        if words[0] != ".venv/bin/flask":
            continue
        rest = " ".join(words[3:])
        for key in wanted:
            if rest.startswith(key) and wanted[key] is None:
                wanted[key] = words
    assert all(wanted.values()), f"the README no longer shows {[k for k, v in wanted.items() if not v]}"
    backup = tmp_path / "copy.sqlite3"
    for key, words in wanted.items():
        if key == "backup":
            words = [*words[:4], str(backup)]  # the README's PATH, here in the throwaway folder
        result = run(words, env=env)
        assert result.returncode == 0, f"{' '.join(words)}:\n{result.stdout}\n{result.stderr}"
        if key == "demo-data":
            assert "Log in at /login with any of these accounts" in result.stdout
    # An account of one's own, as the README's table writes it: EMAIL and the role filled
    # in, the password on standard input.
    create = next(_words(c) for c in readme_commands() if " users create " in f" {c} ")
    assert create[3:7] == ["users", "create", "EMAIL", "--role"], create
    words = [*create[:5], "nora@example.org", "--role", "patient"]
    result = run(words, env=env, input="a long enough password\n")
    assert result.returncode == 0, f"{' '.join(words)}:\n{result.stdout}\n{result.stderr}"
    assert backup.stat().st_size > 0


def test_the_one_line_python_commands_run_as_written():
    """The TOTP code without an app, and the production secret key."""
    lines = [c for c in readme_commands() if _tool(c) in {".venv/bin/python", "python3"}]
    assert len(lines) >= 2, lines
    for command in lines:
        # The README's SECRET stands for the secret demo-data prints: any base32 secret.
        result = run(shlex.split(command.replace("'SECRET'", "'QSKUWGGFDVJSYIXTXRFHAEJL4TJY2HBT'")))
        assert result.returncode == 0, f"{command}:\n{result.stderr}"
        assert result.stdout.strip()
