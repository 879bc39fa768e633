"""Every pointer into docs/ leads somewhere: the code cites docs/ for its reasons, so a
citation of a missing file, or a link to a missing heading, leaves a newcomer stranded."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SOURCES = [*ROOT.glob("diary/**/*.py"), *ROOT.glob("tests/**/*.py"), *ROOT.glob("bench/**/*.py"),
           *ROOT.glob("templates/**/*.html"), *DOCS.glob("*.md"), ROOT / "README.md", ROOT / "Makefile"]
CITED_FILE = re.compile(r"docs/([\w-]+\.md)")
LINK = re.compile(r"\]\(([\w./-]*\.md)?#([\w-]+)\)")


def anchors(markdown: Path) -> set[str]:
    """GitHub's anchors of a Markdown file's headings."""
    found = set()
    for line in markdown.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"#{1,6} (.+)", line):
            slug = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-")
            found.add(slug)
    return found


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_cited_docs_file_exists(path):
    missing = {name for name in CITED_FILE.findall(path.read_text(encoding="utf-8"))
               if not (DOCS / name).exists()}
    assert not missing


@pytest.mark.parametrize("path", sorted(DOCS.glob("*.md")) + [ROOT / "README.md"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_to_a_heading_finds_it(path):
    base = DOCS if path.parent == DOCS else ROOT
    broken = []
    for target, anchor in LINK.findall(path.read_text(encoding="utf-8")):
        file = (base / target) if target else path
        if not file.exists() or anchor not in anchors(file):
            broken.append(f"{target or path.name}#{anchor}")
    assert broken == []
