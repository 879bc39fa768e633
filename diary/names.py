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
