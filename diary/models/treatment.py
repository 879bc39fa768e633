"""Treatments: botulinum-toxin injections, medication regimens with dose taking, surgery."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm as so

from diary.extensions import db
from diary.models.journal import MAX_NOTE_LENGTH, ProvenanceMixin, _in

# Impossible, not merely unusual: the label limit is 200 U of Botox within 30 days and the
# typical HFS session 10-35 U (docs/clinical.md, Doses); 400 U of any product in one sitting is refused.
MAX_UNITS = 400
# A dose of more than 100 g (or 100 litres) of anything is a typing error.
MAX_STRENGTH = 100_000
MAX_DOSES_PER_DAY = 24
MAX_NAME_LENGTH = 120


class ToxinProduct(enum.StrEnum):
    """Botulinum-toxin products; their units are not interchangeable (docs/clinical.md, Products and units)."""

    BOTOX = "onabotulinumtoxinA"
    DYSPORT = "abobotulinumtoxinA"
    XEOMIN = "incobotulinumtoxinA"
    OTHER = "other"
    UNKNOWN = "unknown"


class InjectionMuscle(enum.StrEnum):
    """Injection sites used for HFS (docs/clinical.md, Sites and side effects)."""

    OO_PRETARSAL_UPPER = "oo_pretarsal_upper"
    OO_PRETARSAL_LOWER = "oo_pretarsal_lower"
    OO_PRESEPTAL_UPPER = "oo_preseptal_upper"
    OO_PRESEPTAL_LOWER = "oo_preseptal_lower"
    ZYGOMATICUS = "zygomaticus"
    RISORIUS = "risorius"
    ORBICULARIS_ORIS = "orbicularis_oris"
    LEVATOR_LABII = "levator_labii"
    MENTALIS = "mentalis"
    FRONTALIS = "frontalis"
    CORRUGATOR = "corrugator"
    PLATYSMA = "platysma"


class SiteSide(enum.StrEnum):
    """Which side of the face a site is on; some treat the healthy side for symmetry."""

    AFFECTED = "affected"
    OTHER = "other"


class ToxinSideEffect(enum.StrEnum):
    """Side effects of an injection (docs/clinical.md, Sites and side effects)."""

    PTOSIS = "ptosis"
    TEARING = "tearing"
    INCOMPLETE_EYE_CLOSURE = "incomplete_eye_closure"
    FACIAL_WEAKNESS = "facial_weakness"
    OTHER = "other"


class Drug(enum.StrEnum):
    """Oral drugs used for HFS (docs/clinical.md, Oral drugs), or another one named in text."""

    GABAPENTIN = "gabapentin"
    CARBAMAZEPINE = "carbamazepine"
    CLONAZEPAM = "clonazepam"
    OXCARBAZEPINE = "oxcarbazepine"
    LAMOTRIGINE = "lamotrigine"
    BACLOFEN = "baclofen"
    LEVETIRACETAM = "levetiracetam"
    LACOSAMIDE = "lacosamide"
    OTHER = "other"


class DoseUnit(enum.StrEnum):
    """The unit of a regimen's strength (per dose)."""

    MG = "mg"
    MCG = "mcg"
    G = "g"
    ML = "ml"


class DoseStatus(enum.StrEnum):
    """What happened to a day's planned doses."""

    TAKEN_AS_PLANNED = "taken_as_planned"
    MISSED = "missed"
    EXTRA = "extra"


class SurgeryType(enum.StrEnum):
    """Microvascular decompression, a repeat of it, or another operation."""

    MVD = "mvd"
    REDO_MVD = "redo_mvd"
    OTHER = "other"


class SurgerySide(enum.StrEnum):
    """An operation is on one side; bilateral HFS means two operations."""

    LEFT = "left"
    RIGHT = "right"


class Vessel(enum.StrEnum):
    """Offending vessels (docs/clinical.md, What is recorded)."""

    AICA = "aica"
    PICA = "pica"
    VERTEBRAL_ARTERY = "vertebral_artery"
    BASILAR_ARTERY = "basilar_artery"
    SCA = "sca"
    VEIN = "vein"
    OTHER = "other"
    UNKNOWN = "unknown"


class Technique(enum.StrEnum):
    """How the vessel was moved off the nerve."""

    INTERPOSITION = "interposition"
    TRANSPOSITION = "transposition"
    OTHER = "other"


class Implant(enum.StrEnum):
    """What was left between vessel and nerve."""

    TEFLON_FELT = "teflon_felt"
    IVALON_SPONGE = "ivalon_sponge"
    MUSCLE = "muscle"
    SLING = "sling"
    OTHER = "other"


class Complication(enum.StrEnum):
    """Complications after MVD (docs/clinical.md, What is recorded)."""

    FACIAL_WEAKNESS = "facial_weakness"
    HEARING_CHANGE = "hearing_change"
    CSF_LEAK = "csf_leak"
    OTHER = "other"


def _number(value: Decimal | None) -> str | None:
    """A number as text for a JSON snapshot (Decimal is not JSON), without trailing zeros."""
    return None if value is None else format(value.normalize(), "f")


class Injection(ProvenanceMixin, db.Model):
    """One botulinum-toxin session, and the cycle of its effect as the patient lived it."""

    __tablename__ = "injections"
    __table_args__ = (
        sa.Index("ix_injections_patient_day", "patient_id", "injected_on"),
        sa.CheckConstraint(
            _in("product", tuple(ToxinProduct), nullable=False), name="product_known"
        ),
        sa.CheckConstraint(
            "product <> 'other' OR (product_other IS NOT NULL AND length(product_other) >= 1)",
            name="product_other_named",
        ),
        sa.CheckConstraint(
            f"total_units IS NULL OR (total_units > 0 AND total_units <= {MAX_UNITS})",
            name="total_units_range",
        ),
        # The effect begins, peaks and wears off in that order, none before the injection.
        sa.CheckConstraint(
            "(effect_began_on IS NULL OR effect_began_on >= injected_on)"
            " AND (best_effect_on IS NULL OR best_effect_on >= injected_on)"
            " AND (wore_off_on IS NULL OR wore_off_on >= injected_on)"
            " AND (effect_began_on IS NULL OR best_effect_on IS NULL"
            " OR best_effect_on >= effect_began_on)"
            " AND (effect_began_on IS NULL OR wore_off_on IS NULL OR wore_off_on >= effect_began_on)"
            " AND (best_effect_on IS NULL OR wore_off_on IS NULL OR wore_off_on >= best_effect_on)",
            name="effect_dates_order",
        ),
        sa.CheckConstraint(
            f"note IS NULL OR length(note) <= {MAX_NOTE_LENGTH}", name="note_length"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    patient_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    # The patient's local date of the session.
    injected_on: so.Mapped[date]
    product: so.Mapped[str] = so.mapped_column(sa.String(24))
    product_other: so.Mapped[str | None] = so.mapped_column(sa.String(MAX_NAME_LENGTH))
    # Always read together with `product`: units of different products are not comparable.
    total_units: so.Mapped[Decimal | None] = so.mapped_column(sa.Numeric(6, 2))
    injector: so.Mapped[str | None] = so.mapped_column(sa.String(MAX_NAME_LENGTH))
    lot: so.Mapped[str | None] = so.mapped_column(sa.String(60))
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    effect_began_on: so.Mapped[date | None]
    best_effect_on: so.Mapped[date | None]
    wore_off_on: so.Mapped[date | None]
    side_effects: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)

    sites: so.Mapped[list[InjectionSite]] = so.relationship(
        back_populates="injection",
        cascade="all, delete-orphan",
        order_by="InjectionSite.id",
    )

    def snapshot(self) -> dict[str, Any]:
        """The entry's values as plain data, for a revision."""
        return {
            "injected_on": self.injected_on.isoformat(),
            "product": self.product,
            "product_other": self.product_other,
            "total_units": _number(self.total_units),
            "sites": [
                {"muscle": s.muscle, "side": s.side, "units": _number(s.units)} for s in self.sites
            ],
            "injector": self.injector,
            "lot": self.lot,
            "note": self.note,
            "effect_began_on": _iso(self.effect_began_on),
            "best_effect_on": _iso(self.best_effect_on),
            "wore_off_on": _iso(self.wore_off_on),
            "side_effects": list(self.side_effects or []),
        }


class InjectionSite(db.Model):
    """Where part of an injection went, on which side, with its units when known."""

    __tablename__ = "injection_sites"
    __table_args__ = (
        sa.UniqueConstraint("injection_id", "muscle", "side"),
        sa.CheckConstraint(
            _in("muscle", tuple(InjectionMuscle), nullable=False), name="muscle_known"
        ),
        sa.CheckConstraint(_in("side", tuple(SiteSide), nullable=False), name="side_known"),
        sa.CheckConstraint(
            f"units IS NULL OR (units > 0 AND units <= {MAX_UNITS})", name="units_range"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    injection_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("injections.id", ondelete="CASCADE"), index=True
    )
    muscle: so.Mapped[str] = so.mapped_column(sa.String(24))
    side: so.Mapped[str] = so.mapped_column(sa.String(8), default=SiteSide.AFFECTED.value)
    units: so.Mapped[Decimal | None] = so.mapped_column(sa.Numeric(6, 2))

    injection: so.Mapped[Injection] = so.relationship(back_populates="sites")


class MedicationRegimen(ProvenanceMixin, db.Model):
    """One drug at one dose over a period; a dose change closes it and opens the next."""

    __tablename__ = "medication_regimens"
    __table_args__ = (
        sa.Index("ix_medication_regimens_patient_start", "patient_id", "started_on"),
        sa.CheckConstraint(_in("drug", tuple(Drug), nullable=False), name="drug_known"),
        sa.CheckConstraint(
            "drug <> 'other' OR (drug_other IS NOT NULL AND length(drug_other) >= 1)",
            name="drug_other_named",
        ),
        sa.CheckConstraint(_in("unit", tuple(DoseUnit), nullable=False), name="unit_known"),
        sa.CheckConstraint(f"strength > 0 AND strength <= {MAX_STRENGTH}", name="strength_range"),
        sa.CheckConstraint(
            f"doses_per_day BETWEEN 1 AND {MAX_DOSES_PER_DAY}", name="doses_per_day_range"
        ),
        sa.CheckConstraint(
            "stopped_on IS NULL OR stopped_on >= started_on", name="stop_after_start"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    patient_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    drug: so.Mapped[str] = so.mapped_column(sa.String(24))
    drug_other: so.Mapped[str | None] = so.mapped_column(sa.String(MAX_NAME_LENGTH))
    # Strength of one dose, in `unit`.
    strength: so.Mapped[Decimal] = so.mapped_column(sa.Numeric(12, 3))
    unit: so.Mapped[str] = so.mapped_column(sa.String(8))
    doses_per_day: so.Mapped[int]
    # "HH:MM" local times, one per dose, when the patient gives them.
    times_of_day: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    started_on: so.Mapped[date]
    stopped_on: so.Mapped[date | None]
    # Why this regimen began (the dose change's reason, or why the drug was started).
    change_reason: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    stop_reason: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # The regimen this one replaced by a dose change; the chain is the drug's history.
    previous_regimen_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("medication_regimens.id", ondelete="SET NULL"), index=True
    )

    def snapshot(self) -> dict[str, Any]:
        """The entry's values as plain data, for a revision."""
        return {
            "drug": self.drug,
            "drug_other": self.drug_other,
            "strength": _number(self.strength),
            "unit": self.unit,
            "doses_per_day": self.doses_per_day,
            "times_of_day": list(self.times_of_day or []),
            "started_on": self.started_on.isoformat(),
            "stopped_on": _iso(self.stopped_on),
            "change_reason": self.change_reason,
            "stop_reason": self.stop_reason,
            "previous_regimen_id": self.previous_regimen_id,
        }


class DoseLog(ProvenanceMixin, db.Model):
    """Whether a day's doses of one regimen were taken as planned, missed, or exceeded."""

    __tablename__ = "dose_logs"
    __table_args__ = (
        # One row per regimen, day and status: a double tap updates rather than duplicates.
        sa.UniqueConstraint("regimen_id", "day", "status"),
        sa.Index("ix_dose_logs_patient_day", "patient_id", "day"),
        sa.CheckConstraint(_in("status", tuple(DoseStatus), nullable=False), name="status_known"),
        sa.CheckConstraint(f"count BETWEEN 1 AND {MAX_DOSES_PER_DAY}", name="count_range"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    patient_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    regimen_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("medication_regimens.id", ondelete="CASCADE")
    )
    # The patient's local date.
    day: so.Mapped[date]
    status: so.Mapped[str] = so.mapped_column(sa.String(20))
    # Doses taken (as planned), missed, or taken in addition.
    count: so.Mapped[int] = so.mapped_column(default=1)
    note: so.Mapped[str | None] = so.mapped_column(sa.String(200))

    def snapshot(self) -> dict[str, Any]:
        """The entry's values as plain data, for a revision."""
        return {
            "regimen_id": self.regimen_id,
            "day": self.day.isoformat(),
            "status": self.status,
            "count": self.count,
            "note": self.note,
        }


def is_patient_reported(
    verified_at: datetime | None, created_by_id: int | None, patient_id: int
) -> bool:
    """A surgery entered by the patient and not yet verified by a clinician (docs/decisions.md, Reference surgery)."""
    return verified_at is None and created_by_id in (None, patient_id)


class Surgery(ProvenanceMixin, db.Model):
    """An operation for HFS; patient-reported until a clinician verifies it."""

    __tablename__ = "surgeries"
    __table_args__ = (
        sa.Index("ix_surgeries_patient_day", "patient_id", "performed_on"),
        # At most one clinician-marked reference surgery per patient (docs/decisions.md, Reference surgery).
        sa.Index(
            "uq_surgeries_one_reference",
            "patient_id",
            unique=True,
            sqlite_where=sa.text("is_reference AND deleted_at IS NULL"),
            postgresql_where=sa.text("is_reference AND deleted_at IS NULL"),
        ),
        sa.CheckConstraint(
            _in("surgery_type", tuple(SurgeryType), nullable=False), name="surgery_type_known"
        ),
        sa.CheckConstraint(_in("side", tuple(SurgerySide), nullable=False), name="side_known"),
        sa.CheckConstraint(_in("technique", tuple(Technique)), name="technique_known"),
        sa.CheckConstraint(_in("implant", tuple(Implant)), name="implant_known"),
        sa.CheckConstraint(
            "house_brackmann_grade IS NULL OR house_brackmann_grade BETWEEN 1 AND 6",
            name="house_brackmann_range",
        ),
        sa.CheckConstraint(
            f"note IS NULL OR length(note) <= {MAX_NOTE_LENGTH}", name="note_length"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    patient_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    surgery_type: so.Mapped[str] = so.mapped_column(sa.String(12))
    performed_on: so.Mapped[date]
    side: so.Mapped[str] = so.mapped_column(sa.String(8))
    centre: so.Mapped[str | None] = so.mapped_column(sa.String(MAX_NAME_LENGTH))
    surgeon: so.Mapped[str | None] = so.mapped_column(sa.String(MAX_NAME_LENGTH))
    vessels: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    technique: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    implant: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    complications: so.Mapped[list[str]] = so.mapped_column(sa.JSON, default=list)
    # House-Brackmann grade I-VI of a facial weakness after surgery.
    house_brackmann_grade: so.Mapped[int | None]
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    verified_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    verified_at: so.Mapped[datetime | None]
    # Marked by a clinician when the trajectory should align on this operation.
    is_reference: so.Mapped[bool] = so.mapped_column(
        sa.Boolean(create_constraint=True, name="is_reference_bool"), default=False
    )

    @property
    def patient_reported(self) -> bool:
        """Entered by the patient and not yet verified by a clinician (docs/decisions.md, Reference surgery)."""
        return is_patient_reported(self.verified_at, self.created_by_id, self.patient_id)

    def snapshot(self) -> dict[str, Any]:
        """The entry's values as plain data, for a revision."""
        return {
            "surgery_type": self.surgery_type,
            "performed_on": self.performed_on.isoformat(),
            "side": self.side,
            "centre": self.centre,
            "surgeon": self.surgeon,
            "vessels": list(self.vessels or []),
            "technique": self.technique,
            "implant": self.implant,
            "complications": list(self.complications or []),
            "house_brackmann_grade": self.house_brackmann_grade,
            "note": self.note,
            "verified_by_id": self.verified_by_id,
            "verified_at": self.verified_at.isoformat() if self.verified_at else None,
            "is_reference": self.is_reference,
        }


def _iso(value: date | None) -> str | None:
    """A date as ISO text, or None."""
    return None if value is None else value.isoformat()
