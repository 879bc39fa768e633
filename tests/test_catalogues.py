"""The translation catalogues are complete, compiled and in step with the code
(docs/wording.md, Translating): a missing translation fails the build, it never ships as
English in the middle of a German page."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from diary import i18n
from tests.catalogue_checks import (
    TRANSLATIONS,
    catalogue_paths,
    extracted_now,
    load_po,
    missing_from,
    placeholder_mismatches,
    stale_compilation,
    untranslated_or_fuzzy,
)


def test_every_catalogue_is_complete_compiled_and_current():
    template = load_po(TRANSLATIONS / "messages.pot")
    problems = []
    for path in catalogue_paths():
        catalogue = load_po(path)
        problems += [f"{path.parts[-3]}: {p}" for p in (
            untranslated_or_fuzzy(catalogue) + placeholder_mismatches(catalogue)
            + stale_compilation(path) + missing_from(catalogue, template)
        )]
    assert problems == []


def test_every_offered_language_has_a_catalogue(app):
    have = {path.parts[-3] for path in catalogue_paths()}
    default, *others = app.config["OFFERED_LOCALES"]
    assert default == i18n.LOCALES[0]
    assert [locale for locale in others if locale not in have and locale.split("_")[0] not in have] == []


def test_the_message_template_holds_what_the_code_says_now(tmp_path):
    """A string added to the code without `make translations` would never be translated."""
    now = {m.id for m in extracted_now(TRANSLATIONS.parent, tmp_path / "now.pot") if m.id}
    committed = {m.id for m in load_po(TRANSLATIONS / "messages.pot") if m.id}
    assert sorted(map(str, now - committed)) == [], "run make translations"
    assert sorted(map(str, committed - now)) == [], "run make translations"


# --- the checks themselves catch what they are for --------------------------------------------


def written(tmp_path: Path, catalogue: Catalog, *, compiled: bool = True) -> Path:
    """A catalogue as translations/<lang>/LC_MESSAGES/messages.po, compiled beside it."""
    folder = tmp_path / "translations" / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    path = folder / "messages.po"
    with path.open("wb") as file:
        write_po(file, catalogue)
    if compiled:
        with path.with_suffix(".mo").open("wb") as file:
            write_mo(file, catalogue)
    return path


def german(*messages: tuple) -> Catalog:
    catalogue = Catalog(locale="de")
    for message in messages:
        catalogue.add(*message[:2], flags=message[2] if len(message) > 2 else ())
    return catalogue


def test_an_untranslated_or_fuzzy_entry_is_refused():
    catalogue = german(("Save", ""), ("Today", "Heute", ("fuzzy",)), ("Menu", "Menü"))
    assert untranslated_or_fuzzy(catalogue) == ["untranslated: 'Save'", "fuzzy: 'Today'"]


def test_a_plural_with_a_missing_form_is_refused():
    catalogue = german((("%(num)d month", "%(num)d months"), ("ein Monat", "")))
    assert untranslated_or_fuzzy(catalogue) == ["untranslated: '%(num)d month'"]


def test_placeholders_must_match_the_english():
    catalogue = german(
        ("Saved for %(day)s", "Gespeichert für %(tag)s"),
        ("%(count)s of %(total)s days", "%(count)s von %(total)s Tagen"),
        (("%(num)d month", "%(num)d months"), ("ein Monat", "%(num)d Monate")),
        (("%(num)d visit to %(place)s", "%(num)d visits to %(place)s"),
         ("ein Besuch", "%(num)d Besuche in %(place)s")),
    )
    assert placeholder_mismatches(catalogue) == [
        "placeholders ['%(tag)s'] instead of ['%(day)s']: 'Saved for %(day)s'",
        "placeholders [] instead of ['%(num)d', '%(place)s']: '%(num)d visit to %(place)s'",
    ]


def test_a_missing_or_stale_compiled_file_is_refused(tmp_path):
    path = written(tmp_path, german(("Save", "Speichern")), compiled=False)
    assert stale_compilation(path) == ["translations/de/LC_MESSAGES/messages.mo is missing: run make translations"]

    with path.with_suffix(".mo").open("wb") as file:
        write_mo(file, german(("Save", "Sichern")))
    assert stale_compilation(path) == ["messages.mo of de differs from its .po: run make translations"]

    with path.with_suffix(".mo").open("wb") as file:
        write_mo(file, german(("Save", "Speichern")))
    assert stale_compilation(path) == []


def test_a_message_the_catalogue_lacks_is_refused():
    template = Catalog()
    template.add("Save")
    template.add("Menu")
    assert missing_from(german(("Save", "Speichern")), template) == ["not in the catalogue: 'Menu'"]
