"""The finder of English left on a translated page finds it, and nothing in German."""

from __future__ import annotations

from tests.language_checks import english_left_in


def test_german_text_has_no_english_in_it():
    text = ("Heute: Dienstag, 10. März 2026. Wie stark waren die Zuckungen? (Jankovic-Schweregrad) "
            "Botox, Dysport, Xeomin · 12 Spasmen pro Tag · Speichern · Menü · MVD am 3. Februar "
            "Kontakt: pat@example.org, https://example.org/the/path")
    assert english_left_in(text) == []


def test_an_english_sentence_in_a_german_page_is_found_with_its_context():
    text = "Heute: Dienstag. Save your check-in for today. Speichern"
    assert english_left_in(text) == [
        "Heute Dienstag Save your check in",
        "Heute Dienstag Save your check in for",
        "your check in for today Speichern",
        "check in for today Speichern",
    ]


def test_an_allowed_word_is_not_reported():
    assert english_left_in("Dysport oder Botox: no", allowed=frozenset({"no"})) == []
