"""One valid sample row per table, built from the models' metadata, for the schema tests.

A column gets a value from its type unless SAMPLE_OVERRIDES names one: enumerated strings and
numbers that a CHECK constraint limits. Every column is filled, nullable ones too, so a
migration that loses or garbles any value is seen. Every table must have an entry in
SAMPLE_OVERRIDES, even an empty one, so that a new table is looked at once before the
migration tests trust its generated row.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask

import diary.models  # noqa: F401  (registers every table on the metadata)
from diary.extensions import db
from diary.orm import UTCDateTime

# Microseconds on purpose: a migration that truncates timestamps must be seen.
SAMPLE_MOMENT = datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
SAMPLE_DAY = date(2026, 3, 1)
SAMPLE_ID = 1

SAMPLE_OVERRIDES: dict[str, dict[str, Any]] = {
    "users": {
        "email": "sample@example.org",
        "role": "patient",
        "timezone": "Europe/Berlin",
        "affected_side": "left",
        "symptoms_since_year": 2019,
    },
    "clinics": {"follow_up_schedule": "2w,3m,12m"},
    "throttle_buckets": {"scope": "login.account", "attempts": 3},
    "care_links": {"source": "invitation"},
    "clinic_patient_records": {"mrn": "A-1234567"},
    "check_ins": {
        "spasm_count": 7,
        "typical_duration_seconds": 12,
        "jrs_severity": 2,
        "jrs_frequency": 3,
        "regions": ["eye", "cheek"],
        "side": "left",
        "spasm_type": "clonic",
        "triggers": ["stress", "talking"],
        "entry_method": "form",
    },
    "clinic_memberships": {"member_role": "nurse"},
    "entry_revisions": {
        "entry_type": "check_in",
        "entry_id": 41,
        "action": "update",
        "before": {"spasm_count": 3, "regions": ["eye"]},
    },
    "spasm_episodes": {"timezone": "Europe/Berlin", "duration_seconds": 5},
    "injections": {
        "product": "other",
        "product_other": "Letybo",
        "total_units": Decimal("22.50"),
        "side_effects": ["ptosis", "tearing"],
    },
    "injection_sites": {"muscle": "oo_pretarsal_lower", "side": "affected", "units": Decimal("2.50")},
    "medication_regimens": {
        "drug": "other",
        "drug_other": "Pregabalin",
        "strength": Decimal("0.500"),
        "unit": "mg",
        "doses_per_day": 2,
        "times_of_day": ["08:00", "20:00"],
    },
    "dose_logs": {"status": "missed", "count": 2},
    "surgeries": {
        "surgery_type": "redo_mvd",
        "side": "left",
        "vessels": ["aica", "vein"],
        "technique": "interposition",
        "implant": "teflon_felt",
        "complications": ["facial_weakness"],
        "house_brackmann_grade": 2,
    },
    "patient_attention": {"reasons": 5, "next_due_label": "3 months after surgery"},
    "patient_summaries": {
        "baseline_source": "diary",
        "baseline_logged_days": 28,
        "trailing_logged_days": 21,
        "outcome": "reduced_90",
    },
    # Only the inbox channel off, so that ck_reminders_channel_chosen can be tried by email.
    "reminders": {
        "kind": "injection",
        "in_app": False,
        "send_minute": 450,
        "weekdays": 127,
        "cadence": "daily",
        "weeks_after": 12,
        "notice_days": 7,
    },
    "reminder_deliveries": {
        "state": "sending",
        "attempts": 2,
        "local_minute": 1439,
        "holder": "host:4242:ab12cd34",
        "message_id": "<delivery-1@example.org>",
        "error": "SMTPServerDisconnected",
    },
    "inbox_messages": {
        "topic": "email_unknown",
        "title": "A reminder email may not have reached you",
        "link": "/reminders",
    },
    "follow_up_visits": {
        "source": "clinic",
        "visit_minute": 570,
        "place": "Neurosurgery outpatients, room 4",
    },
    "scheduler_leases": {"name": "dispatch", "holder": "host:4242:ab12cd34"},
    "share_codes": {"code_hash": "a" * 64},
    "clinic_invitations": {"email": "invited@example.org"},
    "assessments": {
        "smc_grade": 2,
        "house_brackmann_grade": 3,
        "hearing": "reduced",
        "outcome": "reduced_90",
        "note": "Twitching of the lower lid only when tired.",
    },
    "clinician_baselines": {"jrs_severity": 3, "jrs_frequency": 4, "smc_grade": 3},
    "audit_events": {
        "actor_role": "clinician",
        "action": "view_review",
        "subject": "review",
        "address": "2001:db8::1",
    },
    "recovery_codes": {"code_hash": "b" * 64},
    "user_sessions": {"key_hash": "c" * 64},
}


# Columns that earlier revisions have and the models no longer do, with a sample value, so that
# the migration walk can fill a table at a revision where such a column is NOT NULL.
RETIRED_COLUMNS: dict[str, dict[str, Any]] = {
    # Replaced by server-side session rows and users.token_key (migration 0006).
    "users": {"session_version": 3},
}


def generic_value(column: sa.Column, position: int) -> Any:
    """A value of the column's type; distinct per column where the type allows it."""
    if column.primary_key:
        return SAMPLE_ID
    if column.foreign_keys:
        return SAMPLE_ID  # every parent's sample row has SAMPLE_ID
    kind = column.type
    if isinstance(kind, UTCDateTime):
        # Distinct moments per column, so a migration that swaps two columns is seen.
        return SAMPLE_MOMENT + timedelta(minutes=position)
    if isinstance(kind, sa.Boolean):
        return True  # the non-default value of every flag we have
    if isinstance(kind, sa.Date):
        return SAMPLE_DAY
    if isinstance(kind, sa.JSON):
        return {"sample": column.name}
    if isinstance(kind, sa.Integer):
        return 1
    if isinstance(kind, sa.Float):
        return 0.5 + position  # exact in binary, distinct per column
    if isinstance(kind, sa.String):  # Text is a String
        text = f"sample {column.name}"
        return text[: kind.length] if kind.length else text
    raise TypeError(
        f"no sample value for {column.table.name}.{column.name} ({kind!r}): "
        "add one to SAMPLE_OVERRIDES in tests/schema_rows.py"
    )


def sample_row(table: sa.Table) -> dict[str, Any]:
    """A valid row for the table, every column filled."""
    overrides = SAMPLE_OVERRIDES[table.name]
    return {
        column.name: overrides[column.name]
        if column.name in overrides
        else generic_value(column, position)
        for position, column in enumerate(table.columns)
    }


def parent_tables(table: sa.Table) -> list[sa.Table]:
    """Every table the given one refers to, directly or not, parents first."""
    needed: set[str] = set()
    pending = [table]
    while pending:
        for key in pending.pop().foreign_keys:
            parent = key.column.table
            if parent.name not in needed and parent is not table:
                needed.add(parent.name)
                pending.append(parent)
    return [t for t in db.metadata.sorted_tables if t.name in needed]


def insert_parents(connection: sa.Connection, table: sa.Table) -> None:
    """Insert the sample rows a row of the table refers to."""
    for parent in parent_tables(table):
        connection.execute(parent.insert().values(sample_row(parent)))


@contextmanager
def rolled_back_connection(app: Flask) -> Iterator[sa.Connection]:
    """A connection in a transaction that is rolled back at the end."""
    with app.app_context(), db.engine.connect() as conn:
        conn.begin()
        try:
            yield conn
        finally:
            conn.rollback()
