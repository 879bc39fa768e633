"""The patient's diary: daily check-ins, single spasm episodes, and their revisions."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so

from diary.extensions import db
from diary.orm import utc_now

MAX_SPASMS_PER_DAY = 2000
MAX_NOTE_LENGTH = 2000
# A tonic spasm lasts seconds to minutes (docs/clinical.md, The condition); an hour is a generous sanity bound.
MAX_SPASM_SECONDS = 3600


class Region(enum.StrEnum):
    """Facial regions a spasm may involve (docs/clinical.md, Facial regions)."""

    EYE = "eye"
    BROW = "brow"
    CHEEK = "cheek"
    MOUTH = "mouth"
    CHIN = "chin"
    NECK = "neck"


class SpasmType(enum.StrEnum):
    """Brief twitches, sustained closure, or both."""

    CLONIC = "clonic"
    TONIC = "tonic"
    BOTH = "both"


class Trigger(enum.StrEnum):
    """Common aggravating factors (docs/clinical.md, The condition)."""

    STRESS = "stress"
    FATIGUE = "fatigue"
    TALKING = "talking"
    CHEWING = "chewing"
    SMILING = "smiling"
    ANXIETY = "anxiety"
    BRIGHT_LIGHT = "bright_light"


class EntryMethod(enum.StrEnum):
    """How a check-in was made."""

    FORM = "form"
    NO_SPASMS_TODAY = "no_spasms_today"
    NO_SPASMS_SINCE = "no_spasms_since"


def _in(column: str, values: tuple[str, ...], nullable: bool = True) -> str:
    """SQL text for a CHECK that a column holds one of the given values."""
    quoted = ", ".join(f"'{v}'" for v in values)
    clause = f"{column} IN ({quoted})"
    return f"{column} IS NULL OR {clause}" if nullable else clause


class ProvenanceMixin:
    """Who entered a diary entry, when, whether late, and whether it was deleted."""

    created_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utc_now, onupdate=utc_now)
    # An entry made more than a day after its diary day (docs/decisions.md, Provenance).
    retrospective: so.Mapped[bool] = so.mapped_column(
        sa.Boolean(create_constraint=True, name="retrospective_bool"), default=False
    )
    # Deleted entries stay as rows for their revisions but leave every view and series.
    deleted_at: so.Mapped[datetime | None]

    @so.declared_attr
    def created_by_id(cls) -> so.Mapped[int | None]:
        """The account that made the entry (the patient, or later a clinician)."""
        return so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    @so.declared_attr
    def updated_by_id(cls) -> so.Mapped[int | None]:
        """The account that last changed the entry."""
        return so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class CheckIn(ProvenanceMixin, db.Model):
    """One patient's account of one local calendar day; at most one per day."""

    __tablename__ = "check_ins"
    __table_args__ = (
        sa.UniqueConstraint("patient_id", "day"),
        sa.CheckConstraint(
            f"spasm_count BETWEEN 0 AND {MAX_SPASMS_PER_DAY}", name="spasm_count_range"
        ),
        sa.CheckConstraint(
            f"typical_duration_seconds IS NULL OR typical_duration_seconds BETWEEN 1 AND {MAX_SPASM_SECONDS}",
            name="typical_duration_range",
        ),
        sa.CheckConstraint(
            "jrs_severity IS NULL OR jrs_severity BETWEEN 0 AND 4", name="jrs_severity_range"
        ),
        sa.CheckConstraint(
            "jrs_frequency IS NULL OR jrs_frequency BETWEEN 0 AND 4", name="jrs_frequency_range"
        ),
        sa.CheckConstraint(_in("side", ("left", "right", "both")), name="side_known"),
        sa.CheckConstraint(_in("spasm_type", tuple(SpasmType)), name="spasm_type_known"),
        sa.CheckConstraint(
            _in("entry_method", tuple(EntryMethod), nullable=False), name="entry_method_known"
        ),
        sa.CheckConstraint(
            f"note IS NULL OR length(note) <= {MAX_NOTE_LENGTH}", name="note_length"
        ),
        sa.CheckConstraint(
            "trigger_other IS NULL OR length(trigger_other) <= 200", name="trigger_other_length"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    patient_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # The patient's local calendar date, never a UTC date (docs/decisions.md, A diary day).
    day: so.Mapped[date]
    spasm_count: so.Mapped[int]
    typical_duration_seconds: so.Mapped[int | None]
    # Self-rated Jankovic Rating Scale; not validated for HFS, so always labelled "self-rated".
    jrs_severity: so.Mapped[int | None]
    jrs_frequency: so.Mapped[int | None]
    regions: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    side: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    spasm_type: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    triggers: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    trigger_other: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    entry_method: so.Mapped[str] = so.mapped_column(sa.String(20), default=EntryMethod.FORM.value)

    def snapshot(self) -> dict[str, Any]:
        """The entry's values as plain data, for a revision."""
        return {
            "day": self.day.isoformat(),
            "spasm_count": self.spasm_count,
            "typical_duration_seconds": self.typical_duration_seconds,
            "jrs_severity": self.jrs_severity,
            "jrs_frequency": self.jrs_frequency,
            "regions": list(self.regions or []),
            "side": self.side,
            "spasm_type": self.spasm_type,
            "triggers": list(self.triggers or []),
            "trigger_other": self.trigger_other,
            "note": self.note,
            "entry_method": self.entry_method,
        }


class SpasmEpisode(ProvenanceMixin, db.Model):
    """A single spasm logged as it happened ("Spasm now")."""

    __tablename__ = "spasm_episodes"
    __table_args__ = (
        # A double tap sends the same client token twice; the second insert is ignored.
        sa.UniqueConstraint("patient_id", "client_token"),
        sa.Index("ix_spasm_episodes_patient_day", "patient_id", "day"),
        sa.CheckConstraint(
            f"duration_seconds IS NULL OR duration_seconds BETWEEN 1 AND {MAX_SPASM_SECONDS}",
            name="duration_range",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    patient_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    occurred_at: so.Mapped[datetime]
    # Local date and zone at capture: a later change of time zone never moves this day.
    day: so.Mapped[date]
    timezone: so.Mapped[str] = so.mapped_column(sa.String(64))
    duration_seconds: so.Mapped[int | None]
    client_token: so.Mapped[str | None] = so.mapped_column(sa.String(64))

    def snapshot(self) -> dict[str, Any]:
        """The entry's values as plain data, for a revision."""
        return {
            "occurred_at": self.occurred_at.isoformat(),
            "day": self.day.isoformat(),
            "timezone": self.timezone,
            "duration_seconds": self.duration_seconds,
        }


class EntryRevision(db.Model):
    """The previous values of a diary entry that was edited or deleted."""

    __tablename__ = "entry_revisions"
    __table_args__ = (
        sa.Index("ix_entry_revisions_patient_changed", "patient_id", "changed_at"),
        # "Was this entry edited?" is asked for every entry a history page shows.
        sa.Index("ix_entry_revisions_entry", "entry_type", "entry_id"),
        sa.CheckConstraint(
            "entry_type IN ('check_in', 'spasm_episode', 'injection', 'medication_regimen', "
            "'dose_log', 'surgery')",
            name="entry_type_known",
        ),
        sa.CheckConstraint("action IN ('update', 'delete')", name="action_known"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    patient_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    entry_type: so.Mapped[str] = so.mapped_column(sa.String(20))
    entry_id: so.Mapped[int]
    action: so.Mapped[str] = so.mapped_column(sa.String(10))
    before: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON)
    changed_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    changed_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
