"""The patient's record as a FHIR R4B `collection` Bundle (docs/fhir.md).

R4B, not R4: fhir.resources 8 carries R4B and R5 models only (docs/pitfalls.md, FHIR); R4B's
resources used here are the same as R4's for a receiving system. Every resource has a
fullUrl `urn:uuid:` derived from the installation and the record (uuid5), so the same record
exports under the same id every time and references resolve inside the Bundle. Deleted
entries are left out. `patient_bundle` reads no session user: the patient's own download and
the clinic's review page both call it, and the caller authorises and audits.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import orm as so

from diary.clock import local_today, utcnow
from diary.config import setting
from diary.extensions import db
from diary.models import (
    Assessment,
    CheckIn,
    Clinic,
    Injection,
    MedicationRegimen,
    Role,
    SpasmEpisode,
    Surgery,
    User,
)
from diary.models.treatment import Drug, ToxinProduct
from diary.progress.queries import daily_numbers
from diary.progress.summary import compute_summary
from diary.records import codes
from diary.records.codes import concept
from diary.trajectory import RemissionSummary, rules
from diary.treatments import wording
from diary.treatments.rules import sites_disagree

# The media type of a FHIR JSON resource (FHIR R4B, http.html#mime-type), as every download
# and the API answer it.
MIMETYPE = "application/fhir+json"
STREAM_BATCH = 500


class NotAPatient(LookupError):
    """The id names no patient account."""


def _namespace() -> uuid.UUID:
    """The uuid5 namespace of this installation: ids are stable here and unlike anyone else's."""
    return uuid.uuid5(uuid.NAMESPACE_URL, setting("PUBLIC_BASE_URL") + "/fhir")


def full_url(kind: str, *key: object) -> str:
    """The stable `urn:uuid:` of one exported record."""
    name = "/".join([kind, *(str(k) for k in key)])
    return f"urn:uuid:{uuid.uuid5(_namespace(), name)}"


def _id(url: str) -> str:
    """The resource id: the uuid of its fullUrl."""
    return url.removeprefix("urn:uuid:")


def _number(value: Decimal | int | float) -> int | float:
    """A JSON number without Decimal's trailing zeros."""
    if isinstance(value, Decimal):
        value = value.normalize()
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _entry(url: str, resource: dict[str, Any]) -> dict[str, Any]:
    resource["id"] = _id(url)
    return {"fullUrl": url, "resource": resource}


def _as_date(value: date | str) -> date:
    """SQLite returns a grouped date as text."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _live(model, patient_id: int) -> sa.Select:
    return sa.select(model).where(model.patient_id == patient_id, model.deleted_at.is_(None))


# Resources ------------------------------------------------------------------------------


def patient_resource(patient: User, identifiers: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    """The Patient: the name the patient gave (the name they go by as `given`, the surname as
    `family` when given), the date of birth, the email, and the account's public id here.

    `identifiers` are added after the account's: the clinic's download passes its hospital
    number; the patient's own download passes none (docs/fhir.md, Patient).
    """
    name: dict[str, Any] = {"text": patient.full_name, "given": [patient.display_name]}
    if patient.family_name:
        name["family"] = patient.family_name
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [{"system": codes.ACCOUNT_IDENTIFIER, "value": patient.public_id},
                       *identifiers],
        "active": patient.active,
        "name": [name],
        "telecom": [{"system": "email", "value": patient.email}],
    }
    if patient.birth_date is not None:
        resource["birthDate"] = patient.birth_date.isoformat()
    return resource


def _observation(
    code: str, patient_ref: dict, effective: str, components: list | None = None,
    category: tuple[str, str] = ("survey", "Survey"),
) -> dict[str, Any]:
    """A final Observation of one of the diary system's codes, about the patient."""
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [concept(codes.OBSERVATION_CATEGORY, *category)],
        "code": concept(codes.DIARY, code, codes.DIARY_CODES[code]),
        "subject": patient_ref,
        "effectiveDateTime": effective,
    }
    if components:
        resource["component"] = components
    return resource


def _component(code: str, **value: Any) -> dict[str, Any]:
    return {"code": concept(codes.DIARY, code, codes.DIARY_CODES[code]), **value}


def check_in_observation(check_in: CheckIn, patient_ref: dict) -> dict[str, Any]:
    """One check-in as a survey Observation with a component per number the patient gave.

    Its count is the check-in's own (`check-in-spasm-count`); the day's number, which also
    counts the day's episodes, is the day's Observation (day_observation).
    """
    components = [_component("check-in-spasm-count", valueInteger=check_in.spasm_count)]
    if check_in.typical_duration_seconds is not None:
        components.append(_component("typical-duration", valueQuantity={
            "value": check_in.typical_duration_seconds, "unit": "s",
            "system": codes.UCUM, "code": codes.SECONDS,
        }))
    if check_in.jrs_severity is not None:
        components.append(_component("jrs-severity-self-rated", valueInteger=check_in.jrs_severity))
    if check_in.jrs_frequency is not None:
        components.append(_component("jrs-frequency-self-rated", valueInteger=check_in.jrs_frequency))
    resource = _observation("check-in", patient_ref, check_in.day.isoformat(), components)
    if check_in.note:
        resource["note"] = [{"text": check_in.note}]
    return resource


def episode_observation(episode: SpasmEpisode, patient_ref: dict) -> dict[str, Any]:
    """One "Spasm now" as a survey Observation at its moment, in the zone it was logged in."""
    moment = episode.occurred_at.astimezone(ZoneInfo(episode.timezone)).replace(microsecond=0)
    resource = _observation("spasm-episode", patient_ref, moment.isoformat())
    if episode.duration_seconds is not None:
        resource["component"] = [_component("spasm-duration", valueQuantity={
            "value": episode.duration_seconds, "unit": "s",
            "system": codes.UCUM, "code": codes.SECONDS,
        })]
    return resource


def day_observation(
    day: date, spasms: int, check_in_count: int | None, episode_count: int,
    patient_ref: dict, sources: list[str],
) -> dict[str, Any]:
    """A logged day's number of spasms as the app shows it (docs/fhir.md, Diary days).

    `spasm-count` is the day rule's number, the larger of the check-in's count and the
    day's episodes (progress.queries.daily_numbers); the two inputs are components too, and
    `derivedFrom` names the check-in and episode Observations it was made from.
    """
    components = [_component("spasm-count", valueInteger=int(spasms))]
    if check_in_count is not None:
        components.append(_component("check-in-spasm-count", valueInteger=int(check_in_count)))
    components.append(_component("episode-count", valueInteger=int(episode_count)))
    resource = _observation("diary-day", patient_ref, day.isoformat(), components)
    if sources:
        resource["derivedFrom"] = [{"reference": url} for url in sources]
    return resource


def _toxin(injection: Injection) -> dict[str, Any]:
    """The product: the app's code, botulinum toxin's ATC code, the name as text."""
    product = injection.product
    text = injection.product_other if product == ToxinProduct.OTHER else wording.PRODUCTS[product]
    return {
        "coding": [
            codes.coding(codes.TOXIN_PRODUCT, product, wording.PRODUCTS[product]),
            codes.coding(codes.ATC, codes.BOTULINUM_TOXIN_ATC, "botulinum toxin"),
        ],
        "text": text,
    }


def _toxin_dose(units: Decimal | None) -> dict[str, Any]:
    # Toxin units are product-specific biological units, not UCUM's enzyme unit "U":
    # the quantity carries the unit as text only (docs/fhir.md).
    return {} if units is None else {"dose": {"value": _number(units), "unit": "U"}}


def injection_administrations(injection: Injection, patient_ref: dict) -> Iterator[tuple[str, dict]]:
    """The whole session as one MedicationAdministration with the total as entered, then one
    per injection site (R4B allows one site per dosage), each `partOf` the session.

    A total that its sites do not add up to is kept as entered: the session says so in a
    note and in the `site-units-sum` extension (docs/fhir.md, Injections).
    """
    base = {
        "resourceType": "MedicationAdministration",
        "status": "completed",
        "medicationCodeableConcept": _toxin(injection),
        "subject": patient_ref,
        "effectiveDateTime": injection.injected_on.isoformat(),
    }
    notes = [n for n in (injection.injector and f"Injector: {injection.injector}",
                         injection.lot and f"Lot: {injection.lot}", injection.note) if n]
    if notes:
        base["note"] = [{"text": n} for n in notes]
    session_url = full_url("injection", injection.id)
    session = {**base, "dosage": {"text": "Whole session", **_toxin_dose(injection.total_units)}}
    site_sum = sites_disagree(injection.total_units, [s.units for s in injection.sites])
    if site_sum is not None:
        session["extension"] = [{"url": codes.SITE_UNITS_SUM,
                                 "valueQuantity": {"value": _number(site_sum), "unit": "U"}}]
        session["note"] = [*session.get("note", []), {"text": (
            wording.total_and_sites(injection.total_units, site_sum)
            + ": both as entered, neither corrected")}]
    yield session_url, session
    for site in injection.sites:
        side = wording.SITE_SIDES[site.side]
        dosage = {
            "text": f"{wording.MUSCLES[site.muscle]}, {side.lower()}",
            "site": concept(codes.INJECTION_SITE, site.muscle, wording.MUSCLES[site.muscle],
                            text=f"{wording.MUSCLES[site.muscle]} ({side.lower()})"),
            **_toxin_dose(site.units),
        }
        yield full_url("injection", injection.id, "site", site.id), {
            **base, "partOf": [{"reference": session_url}], "dosage": dosage}


def _drug(regimen: MedicationRegimen) -> dict[str, Any]:
    drug = regimen.drug
    coding = [codes.coding(codes.DRUG, drug, wording.DRUGS[drug])]
    if drug in codes.DRUG_ATC:
        coding.append(codes.coding(codes.ATC, codes.DRUG_ATC[drug], wording.DRUGS[drug].lower()))
    text = regimen.drug_other if drug == Drug.OTHER else wording.DRUGS[drug]
    return {"coding": coding, "text": text}


def regimen_statement(regimen: MedicationRegimen, patient_ref: dict, today) -> dict[str, Any]:
    """One regimen (one drug at one dose over a period) as a MedicationStatement."""
    ended = regimen.stopped_on is not None and regimen.stopped_on <= today
    period = {"start": regimen.started_on.isoformat()}
    if regimen.stopped_on is not None:
        period["end"] = regimen.stopped_on.isoformat()
    unit = regimen.unit
    dosage: dict[str, Any] = {
        "text": wording.dose(regimen.strength, unit, regimen.doses_per_day),
        "timing": {"repeat": {"frequency": regimen.doses_per_day, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"doseQuantity": {
            "value": _number(regimen.strength), "unit": wording.UNITS[unit],
            "system": codes.UCUM, "code": codes.UCUM_FOR_UNIT[unit],
        }}],
    }
    if regimen.times_of_day:
        dosage["timing"]["repeat"]["timeOfDay"] = [f"{t}:00" for t in regimen.times_of_day]
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "status": "completed" if ended else "active",
        "medicationCodeableConcept": _drug(regimen),
        "subject": patient_ref,
        "effectivePeriod": period,
        "dosage": [dosage],
    }
    reasons = [r for r in (regimen.change_reason, regimen.stop_reason and
                           f"Stopped: {regimen.stop_reason}") if r]
    if reasons:
        resource["note"] = [{"text": r} for r in reasons]
    return resource


def surgery_procedure(surgery: Surgery, patient_ref: dict) -> dict[str, Any]:
    """One operation as a Procedure; the details the coded fields cannot hold go to notes."""
    kind = surgery.surgery_type
    resource: dict[str, Any] = {
        "resourceType": "Procedure",
        "status": "completed",
        "code": concept(codes.SURGERY_TYPE, kind, wording.SURGERY_TYPES[kind]),
        "subject": patient_ref,
        "performedDateTime": surgery.performed_on.isoformat(),
        "bodySite": [{"text": f"{wording.SURGERY_SIDES[surgery.side]} side"}],
    }
    if surgery.complications:
        resource["complication"] = [
            {"text": wording.COMPLICATIONS.get(c, c)} for c in surgery.complications
        ]
    details = [
        surgery.centre and f"Centre: {surgery.centre}",
        surgery.surgeon and f"Surgeon: {surgery.surgeon}",
        surgery.vessels and "Vessels: " + ", ".join(wording.VESSELS.get(v, v) for v in surgery.vessels),
        surgery.technique and f"Technique: {wording.TECHNIQUES.get(surgery.technique, surgery.technique)}",
        surgery.implant and f"Implant: {wording.IMPLANTS.get(surgery.implant, surgery.implant)}",
        surgery.house_brackmann_grade and f"House-Brackmann grade {surgery.house_brackmann_grade}",
        "Patient-reported, not verified by a clinician" if surgery.patient_reported else None,
        surgery.note,
    ]
    notes = [d for d in details if d]
    if notes:
        resource["note"] = [{"text": n} for n in notes]
    return resource


def assessment_observation(assessment: Assessment, clinic_name: str, patient_ref: dict) -> dict:
    """A clinic's follow-up assessment as an exam Observation, one component per finding."""
    components = []
    if assessment.smc_grade is not None:
        components.append(_component("smc-grade", valueInteger=assessment.smc_grade))
    if assessment.house_brackmann_grade is not None:
        components.append(_component("house-brackmann-grade",
                                     valueInteger=assessment.house_brackmann_grade))
    if assessment.hearing is not None:
        components.append(_component("hearing", valueCodeableConcept=concept(
            codes.HEARING, assessment.hearing, assessment.hearing.capitalize())))
    if assessment.outcome is not None:
        components.append(_component("outcome-class", valueCodeableConcept=concept(
            codes.OUTCOME_CLASS, assessment.outcome, rules.CLASS_LABELS[assessment.outcome])))
    components.append(_component("recurrence", valueBoolean=bool(assessment.recurrence)))
    resource = _observation("follow-up-assessment", patient_ref, assessment.visit_on.isoformat(),
                            components, category=("exam", "Exam"))
    resource["performer"] = [{"display": clinic_name}]
    if assessment.note:
        resource["note"] = [{"text": assessment.note}]
    return resource


def _per_day(value: float) -> dict[str, Any]:
    return {"value": round(value, 2), "unit": "spasms per day", "system": codes.UCUM,
            "code": codes.PER_DAY}


def summary_observation(summary: RemissionSummary, patient_ref: dict) -> dict[str, Any]:
    """The remission summary as of the patient's today, by the rule every page uses
    (docs/fhir.md, Remission summary): a figure the app cannot defend is left out."""
    components = []
    if summary.baseline_mean is not None:
        components.append(_component(
            "baseline-spasms-per-day", valueQuantity=_per_day(summary.baseline_mean)))
    base = summary.baseline
    if base is not None and base.window.mean is not None:
        components.append(_component(
            "pre-op-window-spasms-per-day", valueQuantity=_per_day(base.window.mean)))
        components.append(_component(
            "pre-op-window-toxin-suppressed", valueBoolean=base.toxin.suppressed))
    if summary.trailing.mean is not None:
        components.append(_component(
            "last-28-days-spasms-per-day", valueQuantity=_per_day(summary.trailing.mean)))
    components.append(_component(
        "last-28-days-logged-days", valueInteger=summary.trailing.logged_days))
    if summary.percent_change is not None:
        components.append(_component("percent-change", valueQuantity={
            "value": round(summary.percent_change, 1), "unit": "%", "system": codes.UCUM,
            "code": codes.PERCENT}))
    components.append(_component("computed-outcome-class", valueCodeableConcept=concept(
        codes.OUTCOME_CLASS, summary.outcome, summary.outcome_label)))
    resource = _observation("remission-summary", patient_ref, summary.today.isoformat(), components)
    if summary.baseline_source is not None:
        resource["method"] = concept(
            codes.BASELINE_SOURCE, summary.baseline_source,
            codes.BASELINE_SOURCES[summary.baseline_source])
    return resource


# The Bundle -----------------------------------------------------------------------------


def bundle_entries(patient: User, patient_identifiers: Iterable[dict[str, Any]] = ()
                   ) -> Iterator[dict[str, Any]]:
    """Every entry of the patient's Bundle: the Patient first, then the records by kind."""
    # The patient's ids follow the account's public id, never its row id (docs/fhir.md).
    patient_url = full_url("patient", patient.public_id)
    ref = {"reference": patient_url}
    yield _entry(patient_url, patient_resource(patient, patient_identifiers))
    # Each day's Observation names the check-in and episodes it was made from.
    sources: defaultdict[date, list[str]] = defaultdict(list)
    check_ins = _live(CheckIn, patient.id).order_by(CheckIn.day)
    for c in db.session.scalars(check_ins.execution_options(yield_per=STREAM_BATCH)):
        url = full_url("check-in", c.id)
        sources[c.day].append(url)
        yield _entry(url, check_in_observation(c, ref))
    episodes = _live(SpasmEpisode, patient.id).order_by(SpasmEpisode.occurred_at, SpasmEpisode.id)
    for e in db.session.scalars(episodes.execution_options(yield_per=STREAM_BATCH)):
        url = full_url("episode", e.id)
        sources[e.day].append(url)
        yield _entry(url, episode_observation(e, ref))
    daily = daily_numbers(patient.id)
    days = sa.select(daily.c.day, daily.c.spasms, daily.c.check_in_count,
                     daily.c.episode_count).order_by(daily.c.day)
    for day, spasms, check_in_count, episode_count in db.session.execute(days):
        day = _as_date(day)
        yield _entry(full_url("day", patient.public_id, day.isoformat()), day_observation(
            day, spasms, check_in_count, episode_count, ref, sources.get(day, [])))
    injections = (_live(Injection, patient.id).options(so.selectinload(Injection.sites))
                  .order_by(Injection.injected_on, Injection.id))
    for injection in db.session.scalars(injections):
        for url, resource in injection_administrations(injection, ref):
            yield _entry(url, resource)
    today = local_today(patient.timezone)
    regimens = _live(MedicationRegimen, patient.id).order_by(
        MedicationRegimen.started_on, MedicationRegimen.id)
    for regimen in db.session.scalars(regimens):
        yield _entry(full_url("regimen", regimen.id), regimen_statement(regimen, ref, today))
    surgeries = _live(Surgery, patient.id).order_by(Surgery.performed_on, Surgery.id)
    for surgery in db.session.scalars(surgeries):
        yield _entry(full_url("surgery", surgery.id), surgery_procedure(surgery, ref))
    assessments = (
        sa.select(Assessment, Clinic.name).join(Clinic, Clinic.id == Assessment.clinic_id)
        .where(Assessment.patient_id == patient.id)
        .order_by(Assessment.visit_on, Assessment.id)
    )
    for assessment, clinic_name in db.session.execute(assessments):
        yield _entry(full_url("assessment", assessment.id),
                     assessment_observation(assessment, clinic_name, ref))
    summary = compute_summary(patient.id, today)
    yield _entry(full_url("summary", patient.public_id, today.isoformat()),
                 summary_observation(summary, ref))


def patient_bundle(patient_id: int, patient_identifiers: Iterable[dict[str, Any]] = ()
                   ) -> dict[str, Any]:
    """The patient's whole record as a FHIR R4B collection Bundle, as plain JSON data.

    The caller decides who may have it and audits a clinician's export (audit.EXPORT_FHIR);
    a clinic's download adds its hospital number to the Patient (`patient_identifiers`).
    Raises NotAPatient when the id names no patient.
    """
    patient = db.session.get(User, patient_id)
    if patient is None or patient.role != Role.PATIENT:
        raise NotAPatient(patient_id)
    # Built as plain data, not through fhir.resources' models: validating and dumping a
    # three-year diary through pydantic takes seconds. The tests validate every shape this
    # module makes with the library's R4B models instead (tests/test_records_fhir.py).
    return {
        "resourceType": "Bundle",
        "id": _id(full_url("bundle", patient.public_id)),
        "type": "collection",
        "timestamp": utcnow().isoformat().replace("+00:00", "Z"),
        "entry": list(bundle_entries(patient, patient_identifiers)),
    }
