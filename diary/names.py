"""The rule for the names people type: a name shows only what it holds.

Names (of people, clinics, products, drugs, surgeons) and other short texts such as a
break-glass reason refuse control and format characters (docs/security.md, Names and CSV).
The forms apply it through diary.web.forms.VisibleCharactersOnly; the CLI and the cores call
it directly.
"""

from __future__ import annotations

import unicodedata

# The format characters (Unicode category Cf) that a name may need: the zero-width non-joiner
# and joiner shape Persian, Indic and other scripts (and emoji sequences).
JOINERS = frozenset({"\u200c", "\u200d"})


def has_invisible_characters(text: str) -> bool:
    """Whether text holds a character no name shows: a control character (Cc; NUL breaks
    PostgreSQL) or a format character (Cf) other than the joiners, such as the bidirectional
    overrides that make "Anna\u202egnirT" display as another name in a clinic's list."""
    return any(
        unicodedata.category(ch) == "Cc"
        or (unicodedata.category(ch) == "Cf" and ch not in JOINERS)
        for ch in text
    )


def search_key(*parts: str | None) -> str:
    """The form of a name that search compares: case-folded, without accents, spaces single.

    "Jürgen WEBER" and "jurgen weber" give the same key. SQLite's lower() folds ASCII only,
    so the key is computed here and stored (users.name_search), and a search term goes
    through the same function (docs/clinic.md, Searching the list).
    """
    text = " ".join(part for part in parts if part)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(unicodedata.normalize("NFKC", stripped).casefold().split())


def full_name(display_name: str, family_name: str | None) -> str:
    """The name the patient goes by and the surname, when one was given."""
    return f"{display_name} {family_name}" if family_name else display_name
