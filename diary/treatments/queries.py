"""Treatment reads for the chart and the trajectory: plain dataclasses, a fixed number of queries.

Callers pass a patient id they obtained through the authorisation policy (patient_or_404);
these functions read exactly that patient's live (not deleted) records. Each function issues
the same number of queries whatever the number of records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from diary.database import read_rows
from diary.extensions import db
from diary.models import Injection, InjectionSite, MedicationRegimen, Surgery
from diary.models.treatment import is_patient_reported
from diary.treatments.rules import reference_surgery, sites_disagree
from diary.treatments.wording import product_name, total_and_sites


@dataclass(frozen=True, slots=True)
class SiteRecord:
    """Where part of an injection went."""

    muscle: str
    side: str
    units: Decimal | None


@dataclass(frozen=True, slots=True)
class InjectionRecord:
    """One injection: its units always travel with their product."""

    id: int
    injected_on: date
    product: str
    product_other: str | None
    total_units: Decimal | None
    sites: tuple[SiteRecord, ...]
    effect_began_on: date | None
    best_effect_on: date | None
    wore_off_on: date | None

    @property
    def product_name(self) -> str:
        """The product as it is shown beside the units."""
        return product_name(self.product, self.product_other)

    @property
    def sites_disagree(self) -> str | None:
        """"25 U total, sites add up to 10 U" when the sites' units disagree with the total
        (both kept as entered, rules.sites_disagree); else None."""
        site_sum = sites_disagree(self.total_units, [s.units for s in self.sites])
        return None if site_sum is None else total_and_sites(self.total_units, site_sum)


@dataclass(frozen=True, slots=True)
class RegimenPeriod:
    """One drug at one dose over a period; stopped_on None means still taken."""

    id: int
    drug: str
    drug_other: str | None
    strength: Decimal
    unit: str
    doses_per_day: int
    started_on: date
    stopped_on: date | None
    previous_regimen_id: int | None

    @property
    def daily_amount(self) -> Decimal:
        """Strength times doses per day, in the regimen's unit."""
        return self.strength * self.doses_per_day


@dataclass(frozen=True, slots=True)
class SurgeryRecord:
    """One operation."""

    id: int
    surgery_type: str
    performed_on: date
    side: str
    is_reference: bool
    verified: bool
    patient_reported: bool


@dataclass(frozen=True, slots=True)
class ChartTreatments:
    """Everything the chart draws beside the spasm series."""

    injections: list[InjectionRecord]
    regimens: list[RegimenPeriod]
    surgeries: list[SurgeryRecord]


def injections_between(patient_id: int, start: date, end: date) -> list[InjectionRecord]:
    """The patient's injections from start to end (inclusive), oldest first, with sites: 2 queries."""
    in_range = (
        Injection.patient_id == patient_id,
        Injection.deleted_at.is_(None),
        Injection.injected_on.between(start, end),
    )
    sites: dict[int, list[SiteRecord]] = {}
    for injection_id, muscle, side, site_units in db.session.execute(
        sa.select(
            InjectionSite.injection_id,
            InjectionSite.muscle,
            InjectionSite.side,
            InjectionSite.units,
        )
        .join(Injection, Injection.id == InjectionSite.injection_id)
        .where(*in_range)
        .order_by(InjectionSite.id)
    ):
        sites.setdefault(injection_id, []).append(SiteRecord(muscle, side, site_units))
    rows = db.session.execute(
        sa.select(
            Injection.id,
            Injection.injected_on,
            Injection.product,
            Injection.product_other,
            Injection.total_units,
            Injection.effect_began_on,
            Injection.best_effect_on,
            Injection.wore_off_on,
        )
        .where(*in_range)
        .order_by(Injection.injected_on, Injection.id)
    )
    return [
        InjectionRecord(
            id=row.id,
            injected_on=row.injected_on,
            product=row.product,
            product_other=row.product_other,
            total_units=row.total_units,
            sites=tuple(sites.get(row.id, ())),
            effect_began_on=row.effect_began_on,
            best_effect_on=row.best_effect_on,
            wore_off_on=row.wore_off_on,
        )
        for row in rows
    ]


def regimen_periods_between(patient_id: int, start: date, end: date) -> list[RegimenPeriod]:
    """Regimens that overlap start..end (inclusive), oldest first: 1 query."""
    rows = db.session.execute(
        sa.select(
            MedicationRegimen.id,
            MedicationRegimen.drug,
            MedicationRegimen.drug_other,
            MedicationRegimen.strength,
            MedicationRegimen.unit,
            MedicationRegimen.doses_per_day,
            MedicationRegimen.started_on,
            MedicationRegimen.stopped_on,
            MedicationRegimen.previous_regimen_id,
        )
        .where(
            MedicationRegimen.patient_id == patient_id,
            MedicationRegimen.deleted_at.is_(None),
            MedicationRegimen.started_on <= end,
            sa.or_(MedicationRegimen.stopped_on.is_(None), MedicationRegimen.stopped_on >= start),
        )
        .order_by(MedicationRegimen.started_on, MedicationRegimen.id)
    )
    return [RegimenPeriod(*row) for row in rows]


# Built once, as plain columns: the reference surgery is read on every diary save.
_SURGERIES = (
    sa.select(
        Surgery.id,
        Surgery.surgery_type,
        Surgery.performed_on,
        Surgery.side,
        Surgery.is_reference,
        Surgery.verified_at,
        Surgery.created_by_id,
    )
    .where(
        Surgery.patient_id == sa.bindparam("patient_id"),
        Surgery.deleted_at.is_(None),
        Surgery.performed_on.between(sa.bindparam("start"), sa.bindparam("end")),
    )
    .order_by(Surgery.performed_on, Surgery.id)
)


def surgeries_between(
    patient_id: int, start: date | None = None, end: date | None = None
) -> list[SurgeryRecord]:
    """Operations from start to end (inclusive; open ends mean all), oldest first: 1 query."""
    rows = read_rows(
        _SURGERIES, patient_id=patient_id, start=start or date.min, end=end or date.max
    )
    return [
        SurgeryRecord(
            id=id_,
            surgery_type=kind,
            performed_on=performed_on,
            side=side,
            is_reference=bool(reference),
            verified=verified_at is not None,
            patient_reported=is_patient_reported(verified_at, author_id, patient_id),
        )
        for id_, kind, performed_on, side, reference, verified_at, author_id in rows
    ]


def treatments_between(patient_id: int, start: date, end: date) -> ChartTreatments:
    """Injections, regimen periods and surgeries of a date range: 4 queries."""
    return ChartTreatments(
        injections=injections_between(patient_id, start, end),
        regimens=regimen_periods_between(patient_id, start, end),
        surgeries=surgeries_between(patient_id, start, end),
    )


def reference_surgery_of(patient_id: int) -> SurgeryRecord | None:
    """The patient's reference surgery by the rule of docs/decisions.md (Reference surgery): 1 query."""
    return reference_surgery(surgeries_between(patient_id))


def session_units() -> sa.ColumnElement:
    """An injection's units in SQL: its total, else the sum of its sites' units."""
    site_units = (
        sa.select(sa.func.sum(InjectionSite.units))
        .where(InjectionSite.injection_id == Injection.id)
        .scalar_subquery()
    )
    return sa.func.coalesce(Injection.total_units, site_units)


def units_by_product_between(patient_id: int, start: date, end: date) -> dict[str, Decimal]:
    """Toxin units given per product name in a date range, summed in SQL: 1 query.

    Grouped by product and its name, never across: Botox and Dysport units do not convert
    1:1 (docs/clinical.md, Products and units). A session without a total counts the units of its sites.
    """
    rows = db.session.execute(
        sa.select(Injection.product, Injection.product_other, sa.func.sum(session_units()))
        .where(
            Injection.patient_id == patient_id,
            Injection.deleted_at.is_(None),
            Injection.injected_on.between(start, end),
        )
        .group_by(Injection.product, Injection.product_other)
        .order_by(Injection.product, Injection.product_other)
    )
    totals: dict[str, Decimal] = {}
    for product, product_other, total in rows:
        if total is not None:
            name = product_name(product, product_other)
            totals[name] = totals.get(name, Decimal(0)) + Decimal(total)
    return totals
