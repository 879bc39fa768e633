"""One summary row per patient: the figures the clinic list and the cohort read."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from diary.extensions import db
from diary.orm import utc_now
from diary.trajectory import rules

OUTCOMES = rules.OUTCOMES
BASELINE_SOURCES = ("diary", "untreated", "clinician")


class PatientSummary(db.Model):
    """The remission summary as of `computed_on`, rewritten in every transaction that changes it.

    Figures relative to today (days since the last spasm, since surgery) are derived when
    read; the trailing figures hold for `computed_on` and are refreshed daily for patients
    who did not write.
    """

    __tablename__ = "patient_summaries"
    __table_args__ = (
        sa.CheckConstraint(
            "outcome IN (" + ", ".join(f"'{o}'" for o in OUTCOMES) + ")", name="outcome_known"
        ),
        sa.CheckConstraint(
            "baseline_source IS NULL OR baseline_source IN ("
            + ", ".join(f"'{source}'" for source in BASELINE_SOURCES) + ")",
            name="baseline_source_known",
        ),
        sa.CheckConstraint(
            f"trailing_logged_days BETWEEN 0 AND {rules.TRAILING_WINDOW_DAYS}",
            name="trailing_logged_days_range",
        ),
        sa.CheckConstraint(
            f"baseline_logged_days BETWEEN 0 AND {rules.BASELINE_WINDOW_DAYS}",
            name="baseline_logged_days_range",
        ),
    )

    patient_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    computed_on: so.Mapped[date]
    surgery_on: so.Mapped[date | None]
    # The figure % change and class are measured against (docs/trajectory.md, Which
    # baseline is used), and where it came from.
    baseline_mean: so.Mapped[float | None] = so.mapped_column(sa.Float)
    baseline_logged_days: so.Mapped[int] = so.mapped_column(default=0)
    baseline_source: so.Mapped[str | None] = so.mapped_column(sa.String(12))
    baseline_suppressed: so.Mapped[bool] = so.mapped_column(
        sa.Boolean(create_constraint=True, name="baseline_suppressed_bool"), default=False
    )
    # The 28 days before surgery as logged, used or not: shown marked when toxin suppressed it.
    window_mean: so.Mapped[float | None] = so.mapped_column(sa.Float)
    untreated_mean: so.Mapped[float | None] = so.mapped_column(sa.Float)
    untreated_logged_days: so.Mapped[int | None]
    trailing_mean: so.Mapped[float | None] = so.mapped_column(sa.Float)
    trailing_logged_days: so.Mapped[int] = so.mapped_column(default=0)
    percent_change: so.Mapped[float | None] = so.mapped_column(sa.Float)
    outcome: so.Mapped[str] = so.mapped_column(sa.String(20), default=rules.NOT_ENOUGH_DATA)
    remission_start: so.Mapped[date | None]
    recurrence_on: so.Mapped[date | None]
    last_spasm: so.Mapped[date | None]
    last_entry: so.Mapped[date | None]
    # When the diary last changed: the clinic marks patients changed since their last visit.
    diary_changed_at: so.Mapped[datetime | None]
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utc_now, onupdate=utc_now)


# Bit i of PatientAttention.reasons is diary.clinic.patient_list.REASONS[i]; a test keeps the
# two in step (tests/test_clinic_attention.py).
ATTENTION_REASON_COUNT = 6


class PatientAttention(db.Model):
    """A share link's next suggested visit and needs-attention reasons as of `computed_on`.

    The next visit comes from the clinic's schedule, so it differs per clinic: one row per
    clinic and patient. Rewritten with the summary row (progress.summary.refresh_summary), by
    the clinic writes that move it, and daily by the scheduler, so that the clinic list sorts
    and filters on it in SQL (docs/clinic.md, Needs attention). A row `computed_on` long ago
    is stale, waiting for the scheduler.
    """

    __tablename__ = "patient_attention"
    __table_args__ = (
        sa.CheckConstraint(
            f"reasons BETWEEN 0 AND {2 ** ATTENTION_REASON_COUNT - 1}", name="reasons_known"
        ),
        sa.CheckConstraint(
            "(next_due_on IS NULL) = (next_due_label IS NULL)", name="next_due_labelled"
        ),
        sa.Index("ix_patient_attention_patient", "patient_id"),
    )

    clinic_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True
    )
    patient_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    computed_on: so.Mapped[date]
    next_due_on: so.Mapped[date | None]
    next_due_label: so.Mapped[str | None] = so.mapped_column(sa.String(60))
    reasons: so.Mapped[int] = so.mapped_column(default=0)
