"""Treatments as entered: plain values that forms produce and rules and services read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from diary.models.treatment import SiteSide


@dataclass(frozen=True)
class SiteValues:
    """One injection site as entered; `row` is its line on the form."""

    muscle: str
    side: str = SiteSide.AFFECTED.value
    units: Decimal | None = None
    row: int = 0


@dataclass(frozen=True)
class InjectionValues:
    """An injection as entered."""

    injected_on: date
    product: str
    product_other: str | None = None
    total_units: Decimal | None = None
    sites: tuple[SiteValues, ...] = ()
    injector: str | None = None
    lot: str | None = None
    note: str | None = None
    effect_began_on: date | None = None
    best_effect_on: date | None = None
    wore_off_on: date | None = None
    side_effects: tuple[str, ...] = ()

    @property
    def session_units(self) -> Decimal | None:
        """The total given, else the sum of the sites' units when any are known."""
        if self.total_units is not None:
            return self.total_units
        known = [s.units for s in self.sites if s.units is not None]
        return sum(known, Decimal(0)) if known else None


@dataclass(frozen=True)
class RegimenValues:
    """A medication regimen as entered."""

    drug: str
    strength: Decimal
    unit: str
    doses_per_day: int
    started_on: date
    drug_other: str | None = None
    times_of_day: tuple[str, ...] = ()
    stopped_on: date | None = None
    change_reason: str | None = None
    stop_reason: str | None = None


@dataclass(frozen=True)
class DoseChangeValues:
    """A new dose of the same drug from a given day."""

    changed_on: date
    strength: Decimal
    unit: str
    doses_per_day: int
    times_of_day: tuple[str, ...] = ()
    change_reason: str | None = None


@dataclass(frozen=True)
class DoseValues:
    """A missed or extra dose (or a day taken as planned) of one regimen."""

    day: date
    status: str
    count: int = 1
    note: str | None = None


@dataclass(frozen=True)
class SurgeryValues:
    """An operation as entered."""

    surgery_type: str
    performed_on: date
    side: str
    centre: str | None = None
    surgeon: str | None = None
    vessels: tuple[str, ...] = ()
    technique: str | None = None
    implant: str | None = None
    complications: tuple[str, ...] = ()
    house_brackmann_grade: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class Period:
    """The part of a regimen that the chain rules need."""

    drug: str
    drug_other: str | None
    started_on: date
    stopped_on: date | None


@dataclass(frozen=True)
class OtherInjection:
    """Another injection of the same patient, for the warnings."""

    injected_on: date
    product: str
    product_other: str | None
    units: Decimal | None
