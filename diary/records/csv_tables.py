"""The diary as CSV tables with stable columns, streamed row by row.

docs/csv-codebook.md describes every column; a test keeps the two in step. Columns are only
ever added at the end, never renamed or reordered.
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

from diary.extensions import db
from diary.models import CheckIn, Injection, MedicationRegimen, SpasmEpisode, Surgery
from diary.progress.queries import daily_numbers

# Spreadsheets run a cell that starts with one of these as a formula (CSV injection), and the
# full-width forms too: a spreadsheet that folds full-width characters to ASCII reads "＝" as
# "=" (docs/security.md, Names and CSV).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
STREAM_BATCH = 500


@dataclass(frozen=True)
class CsvTable:
    """One downloadable table: its name, what it holds, its columns and its rows."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: Callable[[int], Iterable[tuple]]


def cell(value: Any) -> str:
    """A value as CSV text: ISO dates, plain decimals, lists joined by ';', formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return ";".join(cell(v) for v in value)
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


def _check_ins(patient_id: int) -> Iterable[tuple]:
    for c in _stream(_live(CheckIn, patient_id).order_by(CheckIn.day)):
        yield (
            c.day, c.spasm_count, c.typical_duration_seconds, c.jrs_severity, c.jrs_frequency,
            c.regions, c.side, c.spasm_type, c.triggers, c.trigger_other, c.note,
            c.entry_method, c.retrospective, c.created_at, c.updated_at,
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
        yield (
            i.injected_on, i.product, i.product_other, i.total_units, sites, i.injector, i.lot,
            i.effect_began_on, i.best_effect_on, i.wore_off_on, i.side_effects, i.note,
            i.retrospective, i.created_at,
        )


def _regimens(patient_id: int) -> Iterable[tuple]:
    statement = _live(MedicationRegimen, patient_id).order_by(
        MedicationRegimen.started_on, MedicationRegimen.id
    )
    for r in _stream(statement):
        yield (
            r.id, r.drug, r.drug_other, r.strength, r.unit, r.doses_per_day, r.times_of_day,
            r.started_on, r.stopped_on, r.change_reason, r.stop_reason, r.previous_regimen_id,
            r.created_at,
        )


def _surgeries(patient_id: int) -> Iterable[tuple]:
    statement = _live(Surgery, patient_id).order_by(Surgery.performed_on, Surgery.id)
    for s in _stream(statement):
        yield (
            s.performed_on, s.surgery_type, s.side, s.centre, s.surgeon, s.vessels, s.technique,
            s.implant, s.complications, s.house_brackmann_grade, s.note, s.patient_reported,
            s.verified_at, s.is_reference, s.created_at,
        )


TABLES: dict[str, CsvTable] = {
    t.name: t
    for t in (
        CsvTable("days", "Daily number of spasms", ("day", "spasms", "check_in_count", "episode_count"), _days),
        CsvTable(
            "check_ins",
            "Check-ins",
            (
                "day", "spasm_count", "typical_duration_seconds", "jrs_severity_self_rated",
                "jrs_frequency_self_rated", "regions", "side", "spasm_type", "triggers",
                "trigger_other", "note", "entry_method", "retrospective", "created_at", "updated_at",
            ),
            _check_ins,
        ),
        CsvTable(
            "episodes",
            "Single spasms (Spasm now)",
            ("day", "local_time", "timezone", "occurred_at", "duration_seconds", "retrospective", "created_at"),
            _episodes,
        ),
        CsvTable(
            "injections",
            "Botulinum toxin injections",
            (
                "injected_on", "product", "product_other", "total_units", "sites", "injector", "lot",
                "effect_began_on", "best_effect_on", "wore_off_on", "side_effects", "note",
                "retrospective", "created_at",
            ),
            _injections,
        ),
        CsvTable(
            "medication",
            "Medication regimens",
            (
                "regimen_id", "drug", "drug_other", "strength", "unit", "doses_per_day",
                "times_of_day", "started_on", "stopped_on", "change_reason", "stop_reason",
                "previous_regimen_id", "created_at",
            ),
            _regimens,
        ),
        CsvTable(
            "surgeries",
            "Surgery",
            (
                "performed_on", "surgery_type", "side", "centre", "surgeon", "vessels", "technique",
                "implant", "complications", "house_brackmann_grade", "note", "patient_reported",
                "verified_at", "is_reference", "created_at",
            ),
            _surgeries,
        ),
    )
}


def csv_lines(table: CsvTable, patient_id: int) -> Iterator[str]:
    """The table as CSV text, a line at a time (header first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(table.columns)
    yield flush()
    for row in table.rows(patient_id):
        writer.writerow([cell(v) for v in row])
        yield flush()
