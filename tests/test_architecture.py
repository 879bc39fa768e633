"""The layers of the code (docs/architecture.md) hold, and breaking one fails the build.

import-linter checks the contracts in .importlinter; these tests cover what it cannot see:
that importing a pure module loads no framework (import-linter does not count the parent
packages Python imports on the way), that every module of the app sits in a layer a
contract checks, that packages import nothing when imported, and that a broken contract
really fails `make lint`.
"""

from __future__ import annotations

import ast
import configparser
import fnmatch
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "diary"
CONTRACTS = ROOT / ".importlinter"

# Modules above the cores that may use the framework freely: the factory, the command line,
# the web layer's request plumbing, the processes, mail rendering and the demo-data tools.
EDGE = {
    "diary.app",
    "diary.cli",
    "diary.security",
    "diary.logging_filters",
    "diary.*.emails",
    "diary.auth.sessions",
    "diary.records.backup",
    "diary.reminders.delivery.scheduler",
    "diary.simulator.*",
}
# The shared base every core stands on: settings, clock, database, extensions, the ORM
# base, the audit writer and the mail transport (docs/architecture.md, The base).
BASE = {
    "diary",
    "diary.audit",
    "diary.clock",
    "diary.config",
    "diary.database",
    "diary.extensions",
    "diary.mail",
    "diary.orm",
    "diary.models",
    "diary.models.*",
}
WEB = {"diary.web", "diary.web.*", "diary.*.routes", "diary.*.*_routes", "diary.*.forms"}


def all_modules() -> list[str]:
    """Every module of the diary package, by its dotted name."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def contract(name: str) -> configparser.SectionProxy:
    """One contract of .importlinter."""
    parser = configparser.ConfigParser()
    parser.read(CONTRACTS)
    return parser[f"importlinter:contract:{name}"]


def listed(section: configparser.SectionProxy, key: str) -> list[str]:
    """A multi-line list of module expressions in a contract."""
    return [line.strip() for line in section[key].splitlines() if line.strip()]


def matches(module: str, expressions) -> bool:
    """Whether a module matches one of import-linter's expressions (`*` is one segment)."""
    for expression in expressions:
        pattern = expression.replace("**", "\0").replace("*", "[!.]*").replace("\0", "*")
        if fnmatch.fnmatchcase(module, pattern) or module.startswith(expression + "."):
            return True
    return False


def is_pure(module: str) -> bool:
    """A module of the pure contract (a listed package includes its modules)."""
    return matches(module, listed(contract("pure"), "source_modules"))


def test_the_contracts_hold():
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module", [m for m in all_modules() if is_pure(m)])
def test_a_pure_module_loads_without_flask_or_sqlalchemy(module):
    """In a fresh interpreter, so that nothing an earlier test imported counts."""
    probe = (
        f"import sys, {module}\n"
        "loaded = sorted(m for m in ('flask', 'sqlalchemy', 'werkzeug', 'jinja2') if m in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "", f"{module} loads {result.stdout.strip()}"


def test_the_pure_modules_are_the_ones_the_design_names():
    pure = {m for m in all_modules() if is_pure(m)}
    assert {"diary.trajectory.rules", "diary.reminders.planning.schedule", "diary.clinic.schedule"} <= pure
    assert "diary.reminders.planning.plans" not in pure


@pytest.mark.parametrize("module", all_modules())
def test_every_module_sits_in_a_layer_that_a_contract_checks(module):
    """A new core module must be added to the core contracts, or it escapes them."""
    if matches(module, WEB) or matches(module, EDGE) or matches(module, BASE) or is_pure(module):
        return
    if (PACKAGE / Path(*module.split(".")[1:]) / "__init__.py").exists():
        return  # a feature package: empty, see the next test
    for name in ("cores-below-web", "cores-without-flask"):
        sources = listed(contract(name), "source_modules")
        exempt = {"diary.reminders.delivery.notices"} if name == "cores-without-flask" else set()
        assert matches(module, sources) or module in exempt, (
            f"{module} is neither web, edge, base nor pure: list it in .importlinter's "
            f"{name} contract (docs/architecture.md)"
        )


def imports_at_package_level(path: Path) -> list[str]:
    """The imports an `__init__.py` runs."""
    tree = ast.parse(path.read_text())
    return [ast.unparse(node) for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]


@pytest.mark.parametrize(
    "init",
    sorted(p for p in PACKAGE.rglob("__init__.py") if p.parent.name not in {"trajectory", "models"}),
    ids=lambda p: str(p.parent.relative_to(ROOT)),
)
def test_a_package_imports_nothing_when_imported(init):
    """Importing `diary.treatments.queries` loads that module, not the feature's routes and
    forms. (The pure trajectory library and the models re-export their own modules.)"""
    allowed = {"from pathlib import Path"} if init.parent == PACKAGE else set()
    assert set(imports_at_package_level(init)) <= allowed


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_import_hides_inside_a_function(path):
    """Imports sit at the top of their module: none is deferred to dodge a cycle."""
    tree = ast.parse(path.read_text())
    hidden = [
        f"line {inner.lineno}: {ast.unparse(inner)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for inner in ast.walk(node)
        if isinstance(inner, ast.Import | ast.ImportFrom)
    ]
    assert hidden == []


def copy_of_the_project(destination: Path) -> Path:
    """The code, its contracts and its Makefile in a scratch folder, with this venv."""
    shutil.copytree(PACKAGE, destination / "diary", ignore=shutil.ignore_patterns("__pycache__"))
    for name in (".importlinter", "Makefile", "pyproject.toml", "requirements.txt",
                 "requirements-dev.txt"):
        shutil.copy2(ROOT / name, destination / name)
        if name.startswith("requirements"):
            os.utime(destination / name, (0, 0))  # the venv is up to date: install nothing
    (destination / "tests").mkdir()
    (destination / "bench").mkdir()
    (destination / ".venv").symlink_to(Path(sys.executable).parent.parent)
    return destination


def make_lint(project: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return subprocess.run(["make", "--no-print-directory", "lint"], cwd=project, env=env,
                          capture_output=True, text=True, check=False)


def test_a_broken_contract_fails_make_lint(tmp_path):
    project = copy_of_the_project(tmp_path)
    kept = make_lint(project)
    assert kept.returncode == 0, kept.stdout + kept.stderr

    rules = project / "diary" / "trajectory" / "rules.py"
    rules.write_text(rules.read_text() + "\nimport flask  # noqa: E402,F401\n")
    broken = make_lint(project)

    assert broken.returncode != 0
    assert "Pure modules import no framework and no other part of the app BROKEN" in broken.stdout
    assert "diary.trajectory.rules -> flask" in broken.stdout
