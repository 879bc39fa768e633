"""The database itself refuses bad rows: CHECK, NOT NULL, unique and foreign key constraints.

Autogenerate ignores CHECK constraints, so each is proved by a raw insert (SQLAlchemy core, no
form or model validation in the way) of an otherwise valid row: one violating value fails
with IntegrityError naming the constraint, and the same row with a valid value is stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, NamedTuple

import pytest
import sqlalchemy as sa

from diary.extensions import db
from tests.schema_rows import (
    SAMPLE_DAY,
    SAMPLE_MOMENT,
    insert_parents,
    rolled_back_connection,
    sample_row,
)


class Violation(NamedTuple):
    """A column, values its CHECK must refuse, and a valid value at the edge."""

    column: str
    bad: tuple[Any, ...]
    good: Any


# Keyed by the constraint's name in the database (after the naming convention).
VIOLATIONS: dict[str, Violation] = {
    "ck_clinics_name_length": Violation("name", ("",), "x" * 120),
    "ck_throttle_buckets_attempts_not_negative": Violation("attempts", (-1,), 0),
    "ck_users_symptoms_since_year_range": Violation("symptoms_since_year", (1899, 2101), 1900),
    "ck_users_display_name_length": Violation("display_name", ("",), "x" * 80),
    "ck_users_family_name_length": Violation("family_name", ("",), "x" * 80),
    "ck_users_locale_length": Violation("locale", ("x", "x" * 17), "de_DE"),
    "ck_users_birth_date_range": Violation(
        "birth_date", (date(1899, 12, 31), date(2100, 1, 2)), date(1900, 1, 1)
    ),
    "ck_users_active_bool": Violation("active", (2,), False),
    "ck_users_role_known": Violation("role", ("nurse", "Patient"), "admin"),
    "ck_users_affected_side_known": Violation("affected_side", ("up",), "both"),
    "ck_check_ins_typical_duration_range": Violation("typical_duration_seconds", (0, 3601), 3600),
    "ck_check_ins_note_length": Violation("note", ("x" * 2001,), "x" * 2000),
    "ck_check_ins_retrospective_bool": Violation("retrospective", (2,), False),
    "ck_check_ins_jrs_severity_range": Violation("jrs_severity", (-1, 5), 4),
    "ck_check_ins_side_known": Violation("side", ("middle",), "right"),
    "ck_check_ins_spasm_count_range": Violation("spasm_count", (-1, 2001), 2000),
    "ck_check_ins_entry_method_known": Violation("entry_method", ("api",), "no_spasms_since"),
    "ck_check_ins_trigger_other_length": Violation("trigger_other", ("x" * 201,), "x" * 200),
    "ck_check_ins_jrs_frequency_range": Violation("jrs_frequency", (-1, 5), 0),
    "ck_check_ins_spasm_type_known": Violation("spasm_type", ("mixed",), "both"),
    "ck_clinic_memberships_member_role_known": Violation("member_role", ("patient",), "clinician"),
    "ck_clinic_memberships_active_bool": Violation("active", (2,), False),
    # Confirmed by someone means confirmed at some moment.
    "ck_clinic_memberships_confirmed_by_when_confirmed": Violation(
        "confirmed_at", (None,), SAMPLE_MOMENT
    ),
    "ck_entry_revisions_entry_type_known": Violation("entry_type", ("episode",), "spasm_episode"),
    "ck_entry_revisions_action_known": Violation("action", ("create",), "delete"),
    "ck_spasm_episodes_retrospective_bool": Violation("retrospective", (2,), False),
    "ck_spasm_episodes_duration_range": Violation("duration_seconds", (0, 3601), 1),
    "ck_injections_product_known": Violation("product", ("botox", ""), "incobotulinumtoxinA"),
    "ck_injections_product_other_named": Violation("product_other", (None, ""), "X"),
    "ck_injections_total_units_range": Violation("total_units", (0, -5, 401), 400),
    "ck_injections_effect_dates_order": Violation("effect_began_on", (date(2026, 2, 28),), SAMPLE_DAY),
    "ck_injections_note_length": Violation("note", ("x" * 2001,), "x" * 2000),
    "ck_injections_retrospective_bool": Violation("retrospective", (2,), False),
    "ck_injection_sites_muscle_known": Violation("muscle", ("eyelid",), "platysma"),
    "ck_injection_sites_side_known": Violation("side", ("left",), "other"),
    "ck_injection_sites_units_range": Violation("units", (0, 401), 400),
    "ck_medication_regimens_drug_known": Violation("drug", ("aspirin",), "lacosamide"),
    "ck_medication_regimens_drug_other_named": Violation("drug_other", (None, ""), "X"),
    "ck_medication_regimens_unit_known": Violation("unit", ("µg", "tablet"), "mcg"),
    "ck_medication_regimens_strength_range": Violation("strength", (0, -1, 100001), 100000),
    "ck_medication_regimens_doses_per_day_range": Violation("doses_per_day", (0, 25), 24),
    "ck_medication_regimens_stop_after_start": Violation("stopped_on", (date(2026, 2, 28),), SAMPLE_DAY),
    "ck_medication_regimens_retrospective_bool": Violation("retrospective", (2,), False),
    "ck_dose_logs_status_known": Violation("status", ("skipped",), "taken_as_planned"),
    "ck_dose_logs_count_range": Violation("count", (0, 25), 24),
    "ck_dose_logs_retrospective_bool": Violation("retrospective", (2,), False),
    "ck_surgeries_surgery_type_known": Violation("surgery_type", ("gamma_knife",), "other"),
    "ck_surgeries_side_known": Violation("side", ("both",), "right"),
    "ck_surgeries_technique_known": Violation("technique", ("clipping",), "transposition"),
    "ck_surgeries_implant_known": Violation("implant", ("gelfoam",), "sling"),
    "ck_surgeries_house_brackmann_range": Violation("house_brackmann_grade", (0, 7), 6),
    "ck_surgeries_note_length": Violation("note", ("x" * 2001,), "x" * 2000),
    "ck_surgeries_is_reference_bool": Violation("is_reference", (2,), False),
    "ck_surgeries_retrospective_bool": Violation("retrospective", (2,), False),
    "ck_patient_attention_reasons_known": Violation("reasons", (-1, 64), 63),
    "ck_patient_attention_next_due_labelled": Violation(
        "next_due_label", (None,), "1 week after surgery"
    ),
    "ck_patient_summaries_outcome_known": Violation("outcome", ("cured",), "not_enough_data"),
    "ck_patient_summaries_baseline_source_known": Violation(
        "baseline_source", ("patient",), "clinician"
    ),
    "ck_patient_summaries_trailing_logged_days_range": Violation(
        "trailing_logged_days", (-1, 29), 28
    ),
    "ck_patient_summaries_baseline_logged_days_range": Violation(
        "baseline_logged_days", (-1, 29), 0
    ),
    "ck_patient_summaries_baseline_suppressed_bool": Violation(
        "baseline_suppressed", (2,), True
    ),
    "ck_reminders_kind_known": Violation("kind", ("daily", ""), "medication"),
    "ck_reminders_cadence_known": Violation("cadence", ("monthly", ""), "daily"),
    "ck_reminders_send_minute_range": Violation("send_minute", (-1, 1440), 1439),
    "ck_reminders_weekdays_range": Violation("weekdays", (0, 128), 1),
    # The sample comes every day: weekly needs one day.
    "ck_reminders_weekly_one_day": Violation("cadence", ("weekly",), "daily"),
    "ck_reminders_weeks_after_range": Violation("weeks_after", (3, 53), 52),
    "ck_reminders_notice_days_range": Violation("notice_days", (-1, 29), 28),
    # The sample has the inbox off: without email it would go nowhere.
    "ck_reminders_channel_chosen": Violation("by_email", (False,), True),
    "ck_reminders_enabled_bool": Violation("enabled", (2,), False),
    "ck_reminders_by_email_bool": Violation("by_email", (2,), True),
    "ck_reminders_in_app_bool": Violation("in_app", (2,), True),
    "ck_reminder_deliveries_state_known": Violation("state", ("queued", ""), "sent"),
    "ck_reminder_deliveries_attempts_range": Violation("attempts", (-1, 5), 4),
    "ck_reminder_deliveries_sending_leased": Violation("lease_until", (None,), SAMPLE_MOMENT),
    "ck_reminder_deliveries_local_minute_range": Violation("local_minute", (-1, 1440), 0),
    "ck_inbox_messages_topic_known": Violation("topic", ("news",), "reminder"),
    "ck_inbox_messages_title_length": Violation("title", ("", "x" * 201), "x" * 200),
    "ck_inbox_messages_link_local": Violation("link", ("https://elsewhere.example/",), "/inbox"),
    "ck_follow_up_visits_source_known": Violation("source", ("nurse",), "patient"),
    "ck_follow_up_visits_visit_minute_range": Violation("visit_minute", (-1, 1440), 0),
    "ck_follow_up_visits_place_length": Violation("place", ("", "x" * 121), "x" * 120),
    "ck_scheduler_leases_name_present": Violation("name", ("",), "x"),
    "ck_clinics_follow_up_schedule_length": Violation("follow_up_schedule", ("", "1m," * 41), "1y"),
    "ck_care_links_source_known": Violation("source", ("email", ""), "code"),
    "ck_clinic_patient_records_mrn_length": Violation("mrn", ("",), "X" * 32),
    "ck_share_codes_expires_after_created": Violation(
        "expires_at", (SAMPLE_MOMENT - timedelta(days=1),), SAMPLE_MOMENT + timedelta(days=7)
    ),
    "ck_user_sessions_expires_after_created": Violation(
        "expires_at", (SAMPLE_MOMENT - timedelta(days=1),), SAMPLE_MOMENT + timedelta(days=30)
    ),
    "ck_clinic_invitations_expires_after_created": Violation(
        "expires_at", (SAMPLE_MOMENT - timedelta(days=1),), SAMPLE_MOMENT + timedelta(days=14)
    ),
    "ck_clinic_invitations_email_length": Violation("email", ("a@",), "a@b"),
    "ck_assessments_smc_grade_range": Violation("smc_grade", (0, 5), 4),
    "ck_assessments_house_brackmann_range": Violation("house_brackmann_grade", (0, 7), 6),
    "ck_assessments_hearing_known": Violation("hearing", ("deaf", ""), "lost"),
    "ck_assessments_outcome_known": Violation("outcome", ("not_enough_data", ""), "spasm_free"),
    "ck_assessments_note_length": Violation("note", ("x" * 2001,), "x" * 2000),
    "ck_assessments_recurrence_bool": Violation("recurrence", (2,), False),
    "ck_assessments_note_visible_to_patient_bool": Violation("note_visible_to_patient", (2,), True),
    "ck_clinician_baselines_spasms_per_day_range": Violation("spasms_per_day", (-1, 5001), 5000),
    "ck_clinician_baselines_jrs_severity_range": Violation("jrs_severity", (-1, 5), 4),
    "ck_clinician_baselines_jrs_frequency_range": Violation("jrs_frequency", (-1, 5), 0),
    "ck_clinician_baselines_smc_grade_range": Violation("smc_grade", (0, 5), 1),
    "ck_audit_events_action_length": Violation("action", ("", "x" * 41), "x" * 40),
}


def check_constraints() -> list[tuple[sa.Table, sa.CheckConstraint]]:
    """Every CHECK constraint of the models, Boolean ones included, in a fixed order."""
    return [
        (table, constraint)
        for table in db.metadata.sorted_tables
        for constraint in sorted(table.constraints, key=lambda c: str(c.name))
        if isinstance(constraint, sa.CheckConstraint)
    ]


@pytest.fixture
def connection(worker_app) -> Iterator[sa.Connection]:
    """A connection to a fresh database whose writes are rolled back after the test."""
    worker_app.reset_database()
    with rolled_back_connection(worker_app.app) as conn:
        yield conn


def refused(conn: sa.Connection, statement) -> sa.exc.DBAPIError | None:
    """Run the statement in a savepoint; return the database's refusal, or None if stored."""
    try:
        with conn.begin_nested():
            conn.execute(statement)
    except sa.exc.DBAPIError as error:
        return error
    return None


def constraint_column(table: sa.Table, constraint: sa.CheckConstraint) -> sa.Column:
    """The column a CHECK constraint is about, as named in VIOLATIONS."""
    return table.c[VIOLATIONS[constraint.name].column]


def raw_value(column: sa.Column, value: Any) -> Any:
    """The value as SQL of the column's type; past SQLAlchemy's Boolean, which refuses 2 itself."""
    if value is None:
        return sa.null()
    if isinstance(column.type, sa.Boolean):
        return sa.literal(value, sa.Integer())
    return sa.literal(value, column.type)


def column_type_refuses(conn: sa.Connection, column: sa.Column, value: Any) -> bool:
    """Whether the column's own type refuses the value before any CHECK sees it.

    PostgreSQL needs no CHECK for a boolean (2 is not one) and enforces varchar lengths;
    SQLite does neither, which is why those CHECKs exist. That they exist on PostgreSQL too is
    test_check_constraints_exist_by_name.
    """
    if conn.dialect.name == "sqlite":
        return False
    if isinstance(column.type, sa.Boolean):
        return conn.dialect.supports_native_boolean
    length = getattr(column.type, "length", None)
    return isinstance(value, str) and length is not None and len(value) > length


def test_every_check_constraint_has_a_violation():
    names = {constraint.name for _, constraint in check_constraints()}
    assert names, "no CHECK constraints found: were the models imported?"
    assert names - VIOLATIONS.keys() == set(), "add a Violation for each new CHECK constraint"
    assert VIOLATIONS.keys() - names == set(), "these constraints no longer exist"


def test_check_constraints_exist_by_name(connection):
    """By name, so that a batch migration can drop and recreate each one."""
    inspector = sa.inspect(connection)
    native_boolean = connection.dialect.supports_native_boolean
    expected = {
        (table.name, constraint.name)
        for table, constraint in check_constraints()
        # With a native boolean type SQLAlchemy rightly creates no CHECK for a Boolean.
        if not (native_boolean and isinstance(constraint_column(table, constraint).type, sa.Boolean))
    }
    present = {
        (table.name, reflected["name"])
        for table in db.metadata.sorted_tables
        for reflected in inspector.get_check_constraints(table.name)
    }
    assert expected - present == set()


@pytest.mark.parametrize(
    ("table", "constraint"),
    check_constraints(),
    ids=[constraint.name for _, constraint in check_constraints()],
)
def test_check_constraint_refuses_a_bad_value_in_the_database(connection, table, constraint):
    violation = VIOLATIONS[constraint.name]
    column = constraint_column(table, constraint)
    insert_parents(connection, table)
    for bad in violation.bad:
        row = {**sample_row(table), violation.column: raw_value(column, bad)}
        error = refused(connection, table.insert().values(row))
        assert error is not None, f"{table.name}.{violation.column} = {bad!r} was stored"
        if column_type_refuses(connection, column, bad):
            assert isinstance(error, sa.exc.ProgrammingError | sa.exc.DataError), error
        else:
            assert isinstance(error, sa.exc.IntegrityError), error
            assert constraint.name in str(error.orig), str(error.orig)

    row = {**sample_row(table), violation.column: violation.good}
    assert refused(connection, table.insert().values(row)) is None


def test_not_null_columns_refuse_null(connection):
    accepted = []
    for table in db.metadata.sorted_tables:
        insert_parents(connection, table)
        for column in table.columns:
            if column.nullable or column.primary_key:
                continue
            row = {**sample_row(table), column.name: sa.null()}
            error = refused(connection, table.insert().values(row))
            message = str(error.orig).lower() if error is not None else ""
            if not (isinstance(error, sa.exc.IntegrityError) and "null" in message):
                accepted.append(f"{table.name}.{column.name}")
        connection.rollback()
        connection.begin()
    assert accepted == []


def test_a_second_check_in_for_the_same_day_is_refused(connection):
    check_ins = db.metadata.tables["check_ins"]
    insert_parents(connection, check_ins)
    connection.execute(check_ins.insert().values(sample_row(check_ins)))

    same_day = {**sample_row(check_ins), "id": 2, "spasm_count": 0}
    error = refused(connection, check_ins.insert().values(same_day))
    assert isinstance(error, sa.exc.IntegrityError)
    # PostgreSQL names the constraint; SQLite names its columns.
    message = str(error.orig)
    assert "uq_check_ins_patient_id_day" in message or "check_ins.patient_id, check_ins.day" in message

    next_day = {**same_day, "day": SAMPLE_DAY + timedelta(days=1)}
    assert refused(connection, check_ins.insert().values(next_day)) is None


def test_a_double_tapped_spasm_episode_is_refused(connection):
    episodes = db.metadata.tables["spasm_episodes"]
    insert_parents(connection, episodes)
    connection.execute(episodes.insert().values(sample_row(episodes)))
    again = {**sample_row(episodes), "id": 2}
    assert isinstance(refused(connection, episodes.insert().values(again)), sa.exc.IntegrityError)


def foreign_keys() -> list[sa.ForeignKey]:
    """Every foreign key of the models, in a fixed order (a table keeps them in a set, and
    xdist's workers must collect the same tests in the same order)."""
    return [
        key
        for table in db.metadata.sorted_tables
        for key in sorted(table.foreign_keys, key=lambda k: k.parent.name)
    ]


@pytest.mark.parametrize(
    "key",
    foreign_keys(),
    ids=[f"{k.parent.table.name}.{k.parent.name}" for k in foreign_keys()],
)
def test_a_reference_to_a_missing_row_is_refused(connection, key):
    """On SQLite too: the engine turns foreign keys on for every connection."""
    table = key.parent.table
    insert_parents(connection, table)
    orphan = {**sample_row(table), key.parent.name: 999}
    error = refused(connection, table.insert().values(orphan))
    assert isinstance(error, sa.exc.IntegrityError), f"{key.parent} = 999 was stored"
    assert "foreign key" in str(error.orig).lower()
