"""Share codes as text: made from an unambiguous alphabet, read forgivingly, stored as a hash.

A code is read aloud over the phone or copied from a paper slip by someone aged 40-80, so the
alphabet leaves out 0/O, 1/I/L (which look alike), and the clinician may type it in lower
case, with spaces or without the dash. Only a hash of the normalised code is stored: a leaked
table gives nobody a working code.
"""

from __future__ import annotations

import hashlib
import secrets

# 31 symbols: digits 2-9 and the letters without I, L, O. 31**8 is about 8.5e11 codes, and
# guessing is throttled (docs/sharing.md), so a guess hits a live code with negligible chance.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
GROUP = 4
# What a person may type around the code: spaces, dashes, and nothing longer than this.
MAX_TYPED_LENGTH = 32


def new_code() -> str:
    """A fresh random code of LENGTH symbols, from the secrets module."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def grouped(code: str) -> str:
    """The code as shown: two groups of four, "K7QX-M2PD"."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise(typed: str | None) -> str | None:
    """The code as typed, in upper case without spaces and dashes; None when it cannot be one."""
    if not typed or len(typed) > MAX_TYPED_LENGTH:
        return None
    code = "".join(ch for ch in typed.upper() if ch not in " -\t\u2010\u2011\u2012\u2013")
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def code_hash(code: str) -> str:
    """The stored form of a normalised code: its SHA-256, in hex (64 characters)."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()
