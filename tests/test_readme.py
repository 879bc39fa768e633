"""The README's configuration table names every setting the app reads from the environment.

A setting that exists only in the code is a setting nobody in production knows about. The
settings module lists its environment variables itself (diary.config.ENVIRONMENT_VARIABLES,
built from SETTINGS), and these tests compare the table under "## Configuration" with that
list, both ways: nothing the app reads is missing, and the table names nothing the app does
not read, apart from the variables of the Makefile and the test suite.
"""

from __future__ import annotations

import re
from pathlib import Path

from diary import config

ROOT = Path(__file__).resolve().parents[1]
# Read by the Makefile and the suite, not by the app.
OUTSIDE_THE_APP = {"PORT", "TEST_DATABASE_URL"}


def variables_in_the_readme_table() -> set[str]:
    """The backticked names in the first column of the table under "## Configuration"."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("|"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell))
    return names


def test_the_settings_module_lists_what_the_app_reads():
    """A known handful is there, so an empty list cannot pass."""
    assert {"DATABASE_URL", "SECRET_KEY", "TRUSTED_PROXIES", "MAIL_SERVER", "MAIL_TIMEOUT"} <= set(
        config.ENVIRONMENT_VARIABLES)


def test_the_readme_table_names_every_variable_the_app_reads():
    missing = set(config.ENVIRONMENT_VARIABLES) - variables_in_the_readme_table()
    assert not missing, f"README.md's Configuration table does not name: {sorted(missing)}"


def test_the_readme_table_names_nothing_the_app_does_not_read():
    unknown = variables_in_the_readme_table() - set(config.ENVIRONMENT_VARIABLES) - OUTSIDE_THE_APP
    assert not unknown, f"README.md's Configuration table names settings the app lacks: {sorted(unknown)}"


def test_no_module_but_the_settings_module_reads_the_environment():
    """Every setting and default in one place: no os.environ or getenv elsewhere in diary/."""
    reads = re.compile(r"os\.environ|getenv\(")
    elsewhere = [str(path.relative_to(ROOT)) for path in (ROOT / "diary").rglob("*.py")
                 if path.name != "config.py" and reads.search(path.read_text(encoding="utf-8"))]
    assert elsewhere == []
