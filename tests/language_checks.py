"""English left on a page that should be in another language (docs/wording.md, Translating).

A string outside a translation call stays English whatever the locale. German text never
uses the small English words below, so a rendered German page that contains one has English
on it: the finder reports each with the words around it. Names, units and product names are
not among these words, so they need no allow-list here; what a page may rightly show in
English (an email address, a URL) is removed before the search.
"""

from __future__ import annotations

import re

# Everyday English words that are not German words (so not "in", "an", "so", "will" is kept
# out too: "will" is German).
ENGLISH_ONLY = frozenset({
    "the", "and", "your", "you", "of", "to", "with", "for", "is", "are", "this", "that",
    "not", "from", "at", "on", "or", "by", "be", "has", "have", "was", "can", "please",
    "when", "what", "which", "day", "days", "today", "save", "yes", "no", "my", "our",
    "log", "new", "how", "spasms", "before", "after",
})
# What a page may show in English: addresses and links.
NOT_WORDS = re.compile(r"\S+@\S+|https?://\S+|/\S*")
WORD = re.compile(r"[A-Za-zÀ-ÿ']+")


def english_left_in(text: str, *, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Each English word in `text`, with up to three words either side, in page order."""
    words = WORD.findall(NOT_WORDS.sub(" ", text))
    found = []
    for i, word in enumerate(words):
        if word.lower() in ENGLISH_ONLY and word.lower() not in allowed:
            found.append(" ".join(words[max(0, i - 3): i + 4]))
    return found
