"""The README's configuration table names every environment variable the app reads.

A setting that exists only in the code is a setting nobody in production knows about: this
test reads every `os.environ.get("X")`, `os.environ["X"]`, `os.getenv("X")` and
`env_bool("X")` under diary/ and fails, naming them, when the table under "## Configuration"
does not mention one.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
READS = re.compile(
    r"""(?:environ\.get|getenv|env_bool)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)


def variables_read_by_the_app() -> set[str]:
    """Every environment variable named literally in the app's code."""
    names: set[str] = set()
    for path in (ROOT / "diary").rglob("*.py"):
        for match in READS.finditer(path.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    return names


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


def test_the_app_reads_its_settings_from_the_environment():
    """The scan finds what config.py is known to read, so an empty scan cannot pass."""
    assert {"DATABASE_URL", "SECRET_KEY", "TRUSTED_PROXIES", "MAIL_SERVER"} <= variables_read_by_the_app()


def test_the_readme_table_names_every_variable_the_app_reads():
    missing = variables_read_by_the_app() - variables_in_the_readme_table()
    assert not missing, f"README.md's Configuration table does not name: {sorted(missing)}"
