"""A pseudo-locale for the tests that prove a page holds no English left behind
(docs/wording.md, Strings).

Every msgid of diary/ and templates/, extracted as `make translations` does it, is compiled
into a catalogue for Esperanto ("eo"), in which each message reads "⟦" + msgid + "⟧".
Flask-Babel loads it like any catalogue (its folder in BABEL_TRANSLATION_DIRECTORIES, the
locale in OFFERED_LOCALES, asked for with Accept-Language), so a visible text outside the
brackets was not routed through gettext. Babel needs a real locale for dates and plurals, and
no catalogue of the app uses Esperanto.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo

ROOT = Path(__file__).resolve().parents[1]
PSEUDO = "eo"
PSEUDO_HEADERS = {"Accept-Language": PSEUDO}
OPEN, CLOSE = "⟦", "⟧"


def mark(text: str) -> str:
    return OPEN + text + CLOSE


def extracted_catalogue() -> Catalog:
    """Every message of diary/ and templates/, each translated as itself inside the marks."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = dict(DEFAULT_KEYWORDS) | {"lazy_gettext": None}
    catalogue = Catalog(locale=PSEUDO)
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        if isinstance(message, tuple):
            ids = tuple(m for m in message if m is not None)[:2]
            catalogue.add(ids, tuple(mark(m) for m in ids), [(filename, lineno)], context=context)
        else:
            catalogue.add(message, mark(message), [(filename, lineno)], context=context)
    return catalogue


def write_catalogues(folder: Path) -> Path:
    """`folder`/eo/LC_MESSAGES/messages.mo, the folder to give BABEL_TRANSLATION_DIRECTORIES."""
    target = folder / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "messages.mo").open("wb") as file:
        write_mo(file, extracted_catalogue())
    return folder


def pseudo_config(folder: Path) -> dict:
    """The app settings that offer the pseudo-locale beside English."""
    return {"OFFERED_LOCALES": ("en_GB", PSEUDO), "BABEL_TRANSLATION_DIRECTORIES": str(folder)}


class VisibleText(HTMLParser):
    """The text a person reads or hears, in document order: text nodes outside scripts and
    styles, and the attributes read aloud or shown (title, aria-label, placeholder, alt, the
    value of a button). Elements matching `skipped` (tag, attribute, value) are left out."""

    READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self, skipped: Iterable[tuple] = ()) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[bool] = []  # per open element: inside a skipped region
        self._skipped_elements = tuple(skipped)

    def _skipped(self, tag: str, attrs: dict) -> bool:
        if tag in {"script", "style", "template", "svg"}:
            return True
        for skipped_tag, attribute, value in self._skipped_elements:
            if tag == skipped_tag and (attribute is None
                                       or value in (attrs.get(attribute) or "").split()):
                return True
        return False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = (self._stack[-1] if self._stack else False) or self._skipped(tag, attrs)
        if not skipped:
            for name in self.READ_ATTRIBUTES:
                if attrs.get(name):
                    self.parts.append(" " + attrs[name] + " ")
            if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
                self.parts.append(" " + attrs["value"] + " ")
        if tag not in self.VOID:
            self._stack.append(skipped)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if not (self._stack and self._stack[-1]):
            self.parts.append(data)


def date_words() -> set[str]:
    """The pseudo-locale's month and weekday names, in every width: dates are data."""
    locale = Locale.parse(PSEUDO)
    words = set()
    for table in (locale.months, locale.days):
        for context in table.values():
            for width in context.values():
                for name in width.values():
                    words.update(re.findall(r"[^\W\d_]+", name))
    words.update({"de", "a", "la"})  # "10-a de marto 2026"
    return words


def unmarked(text: str) -> str:
    """The text with every marked span taken out, innermost first."""
    inner = re.compile(re.escape(OPEN) + "[^" + OPEN + CLOSE + "]*" + re.escape(CLOSE))
    while True:
        stripped = inner.sub(" ", text)
        if stripped == text:
            return text
        text = stripped


def untranslated(html: str, allowed: Iterable[str] = (), phrases: Iterable[str] = (),
                 skipped: Iterable[tuple] = ()) -> list[str]:
    """The words of the page's visible text that stand outside every ⟦…⟧, other than the
    `allowed` words, the `phrases` other parts of the app put there, and dates."""
    parser = VisibleText(skipped)
    parser.feed(html)
    text = unmarked(" ".join(parser.parts))
    text = re.sub(r"\S+@\S+", " ", text)  # email addresses
    for phrase in sorted(set(phrases), key=len, reverse=True):
        text = re.sub(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", " ", text)
    allowed = set(allowed) | date_words()
    return [w for w in re.findall(r"[^\W\d_]+", text) if w not in allowed]
