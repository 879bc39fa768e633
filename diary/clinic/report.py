"""The one-page report of a patient for the chart: what it shows and what it leaves out.

The report must print on exactly one A4 page whatever the length of the history, so the
parts that grow are bounded here (docs/report.md): the last MAX_INJECTIONS injections with
the number of earlier ones, at most MAX_MEDICATIONS current medicines, the assessment note
cut at MAX_NOTE_CHARACTERS, and the chart in monthly buckets from at most 12 months before
surgery. A fixed number of queries.

ReportContent is what the clinic's report and the patient's own summary
(progress/patient_summary.py) both show; each adds its own view of the clinic's assessments.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from diary import policy
from diary.extensions import db
from diary.i18n import gettext
from diary.models import Assessment, Clinic, ClinicMembership, Injection, Surgery, User
from diary.progress.trajectory import (
    MAX_RANGE_DAYS,
    Trajectory,
    build_trajectory,
    first_entry_day,
    trajectory_payload,
)
from diary.treatments import wording
from diary.treatments.queries import (
    RegimenPeriod,
    reference_surgery_of,
    regimen_periods_between,
    session_units,
)

# The most recent injections listed; earlier ones are counted, not listed.
MAX_INJECTIONS = 8
# The medicines taken today that are listed; any more are counted, not listed.
MAX_MEDICATIONS = 4
# The assessment note is cut at a word boundary before this many characters.
MAX_NOTE_CHARACTERS = 500
# The chart starts at the diary's first day, but no earlier than this before surgery.
CHART_MONTHS_BEFORE_SURGERY = 12


@dataclass(frozen=True, slots=True)
class InjectionLine:
    """One injection as the report lists it."""

    injected_on: date
    product: str
    units: Decimal | None


@dataclass(frozen=True, slots=True)
class MedicationLine:
    """One medicine taken today: the drug, its dose and times a day, and since when."""

    drug: str
    dose: str
    drug_since: date
    # The day the current dose began, when a dose change came after the drug's start.
    dose_since: date | None


@dataclass(frozen=True, slots=True)
class ReportContent:
    """What the clinic's report and the patient's own summary both show."""

    patient: User
    trajectory: Trajectory
    payload: dict[str, Any]
    surgery: Surgery | None
    injections: list[InjectionLine]
    earlier_injections: int
    medication: list[MedicationLine]
    more_medication: int

    @property
    def vessels(self) -> str:
        """The offending vessels as named on the surgery form."""
        if self.surgery is None or not self.surgery.vessels:
            return gettext("Not recorded")
        return wording.labels(self.surgery.vessels, wording.VESSELS)

    def parts(self) -> dict[str, Any]:
        """The fields, to build a page's content that adds its own (a shallow copy)."""
        return {f.name: getattr(self, f.name) for f in fields(ReportContent)}


@dataclass(frozen=True, slots=True)
class Report(ReportContent):
    """Everything the clinic's report page shows: the content and the last assessment."""

    clinic: Clinic
    assessment: Assessment | None
    note: str | None
    note_shortened: bool


def chart_start(patient_id: int, surgery_on: date | None, today: date) -> date:
    """The first day of the chart: the diary's start, from at most 12 months before surgery.

    The surgery itself is always on the chart, and the start is the first of its month so
    that the first monthly bucket is a whole month.
    """
    start = first_entry_day(patient_id) or today
    if surgery_on is not None:
        earliest = _months_before(surgery_on, CHART_MONTHS_BEFORE_SURGERY)
        start = min(max(start, earliest), surgery_on)
    start = max(start, today - timedelta(days=MAX_RANGE_DAYS - 31))
    return min(start, today).replace(day=1)


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def recent_injections(patient_id: int) -> tuple[list[InjectionLine], int]:
    """The most recent injections, newest first, and how many earlier ones there are (one query)."""
    rows = db.session.execute(
        sa.select(
            Injection.injected_on,
            Injection.product,
            Injection.product_other,
            session_units(),
            sa.func.count().over(),
        )
        .where(Injection.patient_id == patient_id, Injection.deleted_at.is_(None))
        .order_by(Injection.injected_on.desc(), Injection.id.desc())
        .limit(MAX_INJECTIONS)
    ).all()
    total = rows[0][4] if rows else 0
    lines = [
        InjectionLine(day, wording.product_name(product, other), Decimal(units) if units is not None else None)
        for day, product, other, units, _ in rows
    ]
    return lines, total - len(lines)


def current_medication(patient_id: int, today: date) -> tuple[list[MedicationLine], int]:
    """The medicines taken today, oldest drug first, and how many more there are (one query).

    A dose change opens a new regimen linked to the one before (treatments/medication.py),
    so a drug is taken "since" the start of its chain, and "this dose since" the start of
    the current link.
    """
    periods = regimen_periods_between(patient_id, date.min, today)
    by_id = {period.id: period for period in periods}
    lines = [
        _medication_line(period, _chain_start(period, by_id))
        for period in periods
        if period.stopped_on is None or period.stopped_on >= today
    ]
    lines.sort(key=lambda line: (line.drug_since, line.drug))
    return lines[:MAX_MEDICATIONS], max(0, len(lines) - MAX_MEDICATIONS)


def _chain_start(period: RegimenPeriod, by_id: dict[int, RegimenPeriod]) -> date:
    """The start of the first regimen in the chain of dose changes that ends in this one."""
    seen = {period.id}
    while period.previous_regimen_id in by_id and period.previous_regimen_id not in seen:
        period = by_id[period.previous_regimen_id]
        seen.add(period.id)
    return period.started_on


def _medication_line(period: RegimenPeriod, drug_since: date) -> MedicationLine:
    return MedicationLine(
        drug=wording.drug_name(period.drug, period.drug_other),
        dose=wording.dose(period.strength, period.unit, period.doses_per_day),
        drug_since=drug_since,
        dose_since=period.started_on if period.started_on != drug_since else None,
    )


def last_assessment(viewer: User, patient_id: int) -> Assessment | None:
    """The latest assessment recorded by a clinic through which the viewer sees the patient."""
    my_clinics = sa.select(ClinicMembership.clinic_id).where(
        ClinicMembership.user_id == viewer.id, policy.grants_access()
    )
    return db.session.scalar(
        sa.select(Assessment)
        .where(Assessment.patient_id == patient_id, Assessment.clinic_id.in_(my_clinics))
        .order_by(Assessment.visit_on.desc(), Assessment.id.desc())
        .limit(1)
    )


def shorten(text: str | None, limit: int = MAX_NOTE_CHARACTERS) -> tuple[str | None, bool]:
    """The text cut at the last space before `limit` characters, and whether it was cut."""
    if text is None or len(text) <= limit:
        return text, False
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…", True


def build_content(patient: User, today: date) -> ReportContent:
    """What any one-page summary of an authorised patient shows, as of the patient's today."""
    reference = reference_surgery_of(patient.id)
    surgery_on = reference.performed_on if reference else None
    start = chart_start(patient.id, surgery_on, today)
    trajectory = build_trajectory(patient.id, today, start, today, "month")
    injections, earlier = recent_injections(patient.id)
    medication, more_medication = current_medication(patient.id, today)
    return ReportContent(
        patient=patient,
        trajectory=trajectory,
        payload=trajectory_payload(trajectory),
        # The full record (vessels, verification) of the reference the summary aligns on.
        surgery=db.session.get(Surgery, reference.id) if reference else None,
        injections=injections,
        earlier_injections=earlier,
        medication=medication,
        more_medication=more_medication,
    )


def build_report(viewer: User, patient: User, clinic: Clinic, today: date) -> Report:
    """The report of a patient the viewer was authorised to see, as of the patient's today."""
    content = build_content(patient, today)
    assessment = last_assessment(viewer, patient.id)
    note, shortened = shorten(assessment.note if assessment else None)
    return Report(
        **content.parts(),
        clinic=clinic,
        assessment=assessment,
        note=note,
        note_shortened=shortened,
    )
