"""What a translation catalogue must be before it ships (docs/wording.md, Translating).

Each check returns the problems it found as sentences, so a failing test lists them all.
A missing or stale `.mo` would make Flask-Babel fall back to English without a word, so the
compiled file is compared with its source, message by message.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "translations"
# %(name)s, %s, %d and the like: what a translation must keep, in any order.
PLACEHOLDER = re.compile(r"%(?:\([A-Za-z_][A-Za-z0-9_]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]")
# ngettext's count, which a plural form may spell out instead.
COUNT = {"%(num)d", "%d"}


def catalogue_paths(root: Path = TRANSLATIONS) -> list[Path]:
    """Every language's messages.po under `root`."""
    return sorted(root.glob("*/LC_MESSAGES/messages.po"))


def load_po(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def _texts(message: Message) -> tuple[str, ...]:
    value = message.string
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _ids(message: Message) -> tuple[str, ...]:
    value = message.id
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text or ""))


def untranslated_or_fuzzy(catalogue: Catalog) -> list[str]:
    """Entries with an empty translation (any plural form) or marked fuzzy."""
    problems = []
    for message in catalogue:
        if not message.id:
            continue  # the header
        if message.fuzzy:
            problems.append(f"fuzzy: {_ids(message)[0]!r}")
        elif not all(_texts(message)):
            problems.append(f"untranslated: {_ids(message)[0]!r}")
    return problems


def placeholder_mismatches(catalogue: Catalog) -> list[str]:
    """Translations whose placeholders differ from the English ones'.

    A plural form may leave out the count ("ein Monat" for "%(num)d month"), never a name.
    """
    problems = []
    for message in catalogue:
        if not message.id or not all(_texts(message)):
            continue
        ids = _ids(message)
        allowed = {p for text in ids for p in _placeholders(text)}
        needed = allowed if len(ids) == 1 else allowed - COUNT
        for text in _texts(message):
            found = set(_placeholders(text))
            if found - allowed or needed - found:
                problems.append(f"placeholders {sorted(found)} instead of {sorted(allowed)}: {ids[0]!r}")
    return problems


def stale_compilation(po_path: Path) -> list[str]:
    """The compiled .mo beside a .po is missing or says something else than the .po."""
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return [f"{mo_path.relative_to(po_path.parents[3])} is missing: run make translations"]
    with mo_path.open("rb") as file:
        compiled = {m.id: m.string for m in read_mo(file) if m.id}
    source = {m.id: m.string for m in load_po(po_path) if m.id and not m.fuzzy and all(_texts(m))}
    if compiled != source:
        return [f"{mo_path.name} of {po_path.parts[-3]} differs from its .po: run make translations"]
    return []


def missing_from(catalogue: Catalog, template: Catalog) -> list[str]:
    """Messages of the template (messages.pot) that the catalogue does not have."""
    have = {m.id for m in catalogue}
    return [f"not in the catalogue: {_ids(m)[0]!r}" for m in template if m.id and m.id not in have]


def extracted_now(root: Path, into: Path) -> Catalog:
    """The messages the sources hold now, extracted as `make translations` does."""
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F",
         str(root / "babel.cfg"), "-k", "lazy_gettext", "-o", str(into), "."],
        cwd=root, check=True,
    )
    return load_po(into)
