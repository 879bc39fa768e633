"""The diary as CSV tables with stable columns, streamed row by row.

docs/csv-codebook.md describes every column; a test keeps the two in step. Columns are only
ever added at the end, never reordered, and renamed only as the codebook's list of renames
records. Every file starts with a UTF-8 byte-order mark, so that a spreadsheet reads it as
UTF-8; the files for machines use commas and decimal points, the spreadsheet files those of
the patient's language (docs/csv-codebook.md, Spreadsheet files).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import orm as so

from diary.clock import local_today
from diary.extensions import db
from diary.i18n import lazy_gettext
from diary.journal import wording as journal_wording
from diary.models import (
    CheckIn,
    Injection,
    InjectionSite,
    MedicationRegimen,
    SpasmEpisode,
    Surgery,
    User,
)
from diary.models.treatment import ToxinProduct
from diary.progress.queries import daily_numbers
from diary.progress.summary import compute_summary
from diary.treatments import wording
from diary.treatments.rules import sites_disagree

# Spreadsheets run a cell that starts with one of these as a formula (CSV injection), and the
# full-width forms too: a spreadsheet that folds full-width characters to ASCII reads "＝" as
# "=" (docs/security.md, Names and CSV).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
STREAM_BATCH = 500
# Written before the header: without it, a spreadsheet opens UTF-8 as a legacy code page
# and "Universitätsklinikum Köln" reads "UniversitÃ¤tsklinikum KÃ¶ln".
BYTE_ORDER_MARK = "\ufeff"


@dataclass(frozen=True)
class CsvStyle:
    """How numbers and cells are separated: a machine's, or a spreadsheet's in a language."""

    delimiter: str
    decimal: str
    description: str


MACHINE = CsvStyle(",", ".", lazy_gettext("commas between cells and decimal points (1.5)"))
DECIMAL_COMMA = CsvStyle(";", ",", lazy_gettext("semicolons between cells and decimal commas (1,5)"))
STYLES = {"point": MACHINE, "comma": DECIMAL_COMMA}

# Languages that write a decimal comma (CLDR's decimal symbol for the language), so that a
# spreadsheet in that language expects ';' between cells; and the regions where the same
# languages write a point (Swiss and Liechtenstein German, French and Italian; Mexican and
# US Spanish).
DECIMAL_COMMA_LANGUAGES = frozenset({
    "bg", "ca", "cs", "da", "de", "el", "es", "et", "eu", "fi", "fr", "gl", "hr", "hu",
    "id", "is", "it", "lt", "lv", "nb", "nl", "nn", "no", "pl", "pt", "ro", "ru", "sk",
    "sl", "sr", "sv", "tr", "uk", "vi",
})
DECIMAL_POINT_REGIONS = frozenset({"ch", "li", "mx", "us"})


def spreadsheet_style(language: str | None) -> CsvStyle:
    """The spreadsheet style of a language tag ("de", "de-AT", "en-GB"; None: not known).

    The rule of docs/csv-codebook.md, Spreadsheet files: a language that writes a decimal
    comma gets semicolons and decimal commas, unless its region writes a point; any other
    language, or none, gets commas and decimal points.
    """
    parts = (language or "").lower().replace("_", "-").split("-")
    region = parts[1] if len(parts) > 1 else ""
    if parts[0] in DECIMAL_COMMA_LANGUAGES and region not in DECIMAL_POINT_REGIONS:
        return DECIMAL_COMMA
    return MACHINE


@dataclass(frozen=True)
class CsvTable:
    """One downloadable table: its name, what it holds, its columns and its rows."""

    name: str
    title: str  # a lazy string: read in the reader's language
    columns: tuple[str, ...]
    rows: Callable[[int], Iterable[tuple]]


def cell(value: Any, decimal: str = ".") -> str:
    """A value as CSV text: ISO dates, plain decimals (with `decimal` as the decimal mark),
    lists joined by ';', formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f").replace(".", decimal)
    if isinstance(value, float):
        return str(value).replace(".", decimal)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return ";".join(cell(v, decimal) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _stream(statement: sa.Select) -> Iterator[Any]:
    """Rows of a query fetched in batches, so a long diary is never held in memory."""
    yield from db.session.scalars(statement.execution_options(yield_per=STREAM_BATCH))


def _live(model, patient_id: int) -> sa.Select:
    return sa.select(model).where(model.patient_id == patient_id, model.deleted_at.is_(None))


def _days(patient_id: int) -> Iterable[tuple]:
    daily = daily_numbers(patient_id)
    statement = sa.select(
        daily.c.day, daily.c.spasms, daily.c.check_in_count, daily.c.episode_count
    ).order_by(daily.c.day)
    yield from db.session.execute(statement.execution_options(yield_per=STREAM_BATCH))


def readable(codes: Iterable[str] | None, names: dict[str, Any]) -> str:
    """Coded values by their names, joined by "; " (a name may hold a comma); a code with no
    name as it is. A name given as (label, description) reads as its label."""
    out = []
    for code in codes or ():
        name = names.get(code, code)
        # str(): the journal's label tables are lazy strings (docs/wording.md, Strings).
        out.append(str(name[0] if isinstance(name, tuple) else name))
    return "; ".join(out)


def _check_ins(patient_id: int) -> Iterable[tuple]:
    for c in _stream(_live(CheckIn, patient_id).order_by(CheckIn.day)):
        yield (
            c.day, c.spasm_count, c.typical_duration_seconds, c.jrs_severity, c.jrs_frequency,
            c.regions, c.side, c.spasm_type, c.triggers, c.trigger_other, c.note,
            c.entry_method, c.retrospective, c.created_at, c.updated_at,
            readable(c.regions, journal_wording.REGIONS),
            readable(c.triggers, journal_wording.TRIGGERS),
        )


def _episodes(patient_id: int) -> Iterable[tuple]:
    statement = _live(SpasmEpisode, patient_id).order_by(SpasmEpisode.occurred_at)
    for e in _stream(statement):
        local = e.occurred_at.astimezone(ZoneInfo(e.timezone))
        yield (
            e.day, local.strftime("%H:%M"), e.timezone, e.occurred_at, e.duration_seconds,
            e.retrospective, e.created_at,
        )


def _injections(patient_id: int) -> Iterable[tuple]:
    statement = (
        _live(Injection, patient_id)
        .options(so.selectinload(Injection.sites))
        .order_by(Injection.injected_on, Injection.id)
    )
    for i in db.session.scalars(statement):
        sites = [f"{s.muscle}:{s.side}:{cell(s.units)}" for s in i.sites]
        site_units = [s.units for s in i.sites if s.units is not None]
        yield (
            i.injected_on, i.product, i.product_other, i.total_units, sites, i.injector, i.lot,
            i.effect_began_on, i.best_effect_on, i.wore_off_on, i.side_effects, i.note,
            i.retrospective, i.created_at,
            i.product_other if i.product == ToxinProduct.OTHER and i.product_other
            else wording.PRODUCTS.get(i.product, i.product),
            "; ".join(_site_readable(s) for s in i.sites),
            readable(i.side_effects, wording.SIDE_EFFECTS),
            sum(site_units, Decimal(0)) if site_units else None,
            sites_disagree(i.total_units, [s.units for s in i.sites]) is not None,
        )


def _site_readable(site: InjectionSite) -> str:
    """"Muscle around the eye, upper lid (orbicularis oculi, pretarsal) (affected side): 5 U"."""
    side = wording.SITE_SIDES.get(site.side, site.side).lower()
    where = f"{wording.MUSCLES.get(site.muscle, site.muscle)} ({side})"
    return where if site.units is None else f"{where}: {wording.units(site.units)}"


def _regimens(patient_id: int) -> Iterable[tuple]:
    statement = _live(MedicationRegimen, patient_id).order_by(
        MedicationRegimen.started_on, MedicationRegimen.id
    )
    for r in _stream(statement):
        yield (
            r.id, r.drug, r.drug_other, r.strength, r.unit, r.doses_per_day, r.times_of_day,
            r.started_on, r.stopped_on, r.change_reason, r.stop_reason, r.previous_regimen_id,
            r.created_at, wording.drug_name(r.drug, r.drug_other),
        )


def _surgeries(patient_id: int) -> Iterable[tuple]:
    statement = _live(Surgery, patient_id).order_by(Surgery.performed_on, Surgery.id)
    for s in _stream(statement):
        yield (
            s.performed_on, s.surgery_type, s.side, s.centre, s.surgeon, s.vessels, s.technique,
            s.implant, s.complications, s.house_brackmann_grade, s.note, s.patient_reported,
            s.verified_at, s.is_reference, s.created_at,
            wording.SURGERY_TYPES.get(s.surgery_type, s.surgery_type),
            readable(s.vessels, wording.VESSELS),
            readable(s.complications, wording.COMPLICATIONS),
        )


def _summary(patient_id: int) -> Iterable[tuple]:
    """One row: the remission summary as of the patient's today, by the rule every page uses
    (docs/trajectory.md, Which baseline is used)."""
    zone = db.session.scalar(sa.select(User.timezone).where(User.id == patient_id))
    if zone is None:
        return
    s = compute_summary(patient_id, local_today(zone))
    base = s.baseline
    untreated = base.untreated if base else None
    behind = {"diary": base.window.logged_days if base else None,
              "untreated": untreated.logged_days if untreated else None}
    yield (
        s.today, s.surgery, s.baseline_mean, s.baseline_source, behind.get(s.baseline_source),
        base.window.mean if base else None, base.window.logged_days if base else None,
        base.toxin.suppressed if base else None,
        untreated.mean if untreated else None, untreated.logged_days if untreated else None,
        s.trailing.mean, s.trailing.logged_days, s.percent_change, s.outcome, s.outcome_label,
        s.remission_start, s.recurrence_on, s.last_spasm, s.last_entry,
    )


TABLES: dict[str, CsvTable] = {
    t.name: t
    for t in (
        CsvTable("days", lazy_gettext("Daily number of spasms"), ("day", "spasms", "check_in_count", "episode_count"), _days),
        CsvTable(
            "check_ins",
            lazy_gettext("Check-ins"),
            (
                "day", "check_in_spasm_count", "typical_duration_seconds", "jrs_severity_self_rated",
                "jrs_frequency_self_rated", "regions", "side", "spasm_type", "triggers",
                "trigger_other", "note", "entry_method", "retrospective", "created_at", "updated_at",
                "regions_readable", "triggers_readable",
            ),
            _check_ins,
        ),
        CsvTable(
            "episodes",
            lazy_gettext("Single spasms (Spasm now)"),
            ("day", "local_time", "timezone", "occurred_at", "duration_seconds", "retrospective", "created_at"),
            _episodes,
        ),
        CsvTable(
            "injections",
            lazy_gettext("Botulinum toxin injections"),
            (
                "injected_on", "product", "product_other", "total_units", "sites", "injector", "lot",
                "effect_began_on", "best_effect_on", "wore_off_on", "side_effects", "note",
                "retrospective", "created_at", "product_readable", "sites_readable",
                "side_effects_readable", "sites_units_sum", "total_differs_from_sites",
            ),
            _injections,
        ),
        CsvTable(
            "medication",
            lazy_gettext("Medicines (medication regimens)"),
            (
                "regimen_id", "drug", "drug_other", "strength", "unit", "doses_per_day",
                "times_of_day", "started_on", "stopped_on", "change_reason", "stop_reason",
                "previous_regimen_id", "created_at", "drug_readable",
            ),
            _regimens,
        ),
        CsvTable(
            "surgeries",
            lazy_gettext("Surgery"),
            (
                "performed_on", "surgery_type", "side", "centre", "surgeon", "vessels", "technique",
                "implant", "complications", "house_brackmann_grade", "note", "patient_reported",
                "verified_at", "is_reference", "created_at", "surgery_type_readable",
                "vessels_readable", "complications_readable",
            ),
            _surgeries,
        ),
        CsvTable(
            "summary",
            lazy_gettext("Summary as of today (remission summary)"),
            (
                "computed_on", "surgery_on", "baseline_spasms_per_day", "baseline_source",
                "baseline_logged_days", "window_spasms_per_day", "window_logged_days",
                "window_toxin_suppressed", "untreated_spasms_per_day", "untreated_logged_days",
                "last_28_days_spasms_per_day", "last_28_days_logged_days", "percent_change",
                "outcome", "outcome_readable", "remission_start", "recurrence_on", "last_spasm",
                "last_entry",
            ),
            _summary,
        ),
    )
}


def csv_lines(table: CsvTable, patient_id: int, style: CsvStyle = MACHINE) -> Iterator[str]:
    """The table as CSV text, a line at a time: the byte-order mark and the header first."""
    buffer = io.StringIO()
    buffer.write(BYTE_ORDER_MARK)
    writer = csv.writer(buffer, delimiter=style.delimiter, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(table.columns)
    yield flush()
    for row in table.rows(patient_id):
        writer.writerow([cell(v, style.decimal) for v in row])
        yield flush()
