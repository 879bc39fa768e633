"""Property: the Bundle of any diary the app accepts is valid R4B, its references resolve, its
codes are documented, and it holds exactly the live records (diaries built through the app's
own services from random values; a value the services refuse is simply not in the diary)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diary.extensions import db
from diary.journal.services import CheckInValues, DiaryError, delete_check_in, save_check_in
from diary.models import Assessment, CheckIn, Clinic
from diary.models.clinic import Hearing
from diary.models.treatment import (
    DoseUnit,
    Drug,
    InjectionMuscle,
    SiteSide,
    SurgeryType,
    ToxinProduct,
)
from diary.records.fhir import patient_bundle
from diary.trajectory import rules
from diary.treatments.entries import TreatmentRefused
from tests.fhir_checks import assert_valid_bundle, resources
from tests.journal_helpers import TODAY, account
from tests.route_matrix import share_with_clinic
from tests.treatments_support import TreatmentRecorder

PROPERTY = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
numbers = itertools.count()

days_back = st.integers(0, 800)
notes = st.none() | st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=60)
check_in_values = st.builds(
    dict,
    back=days_back,
    count=st.integers(0, 2000),
    duration=st.none() | st.integers(1, 3600),
    severity=st.none() | st.integers(0, 4),
    frequency=st.none() | st.integers(0, 4),
    note=notes,
    deleted=st.booleans(),
)
units = st.none() | st.decimals(Decimal("0.25"), Decimal("100"), places=2)
injection_values = st.builds(
    dict,
    back=days_back,
    product=st.sampled_from(list(ToxinProduct)),
    total=units,
    sites=st.lists(st.tuples(st.sampled_from(list(InjectionMuscle)), st.sampled_from(list(SiteSide)), units),
                   max_size=4, unique_by=lambda s: (s[0], s[1])),
    deleted=st.booleans(),
)
regimen_values = st.builds(
    dict,
    back=days_back,
    drug=st.sampled_from(list(Drug)),
    strength=st.decimals(Decimal("0.5"), Decimal("2000"), places=1),
    unit=st.sampled_from(list(DoseUnit)),
    per_day=st.integers(1, 6),
    stop_after=st.none() | st.integers(0, 400),
)
surgery_values = st.builds(dict, back=days_back, kind=st.sampled_from(list(SurgeryType)),
                           side=st.sampled_from(["left", "right"]), deleted=st.booleans())
assessment_values = st.builds(
    dict,
    back=days_back,
    smc=st.none() | st.integers(1, 4),
    hb=st.none() | st.integers(1, 6),
    hearing=st.none() | st.sampled_from(list(Hearing)),
    outcome=st.none() | st.sampled_from(rules.CLASS_ORDER),
    recurrence=st.booleans(),
)
diaries = st.fixed_dictionaries({
    "check_ins": st.lists(check_in_values, max_size=12, unique_by=lambda c: c["back"]),
    "injections": st.lists(injection_values, max_size=4),
    "regimens": st.lists(regimen_values, max_size=3),
    "surgeries": st.lists(surgery_values, max_size=2),
    "assessments": st.lists(assessment_values, max_size=2),
})


def build(app, make_user, diary: dict) -> tuple[int, dict[str, int]]:
    """Write the diary through the services; returns the patient and the live record counts."""
    patient = make_user(f"p{next(numbers)}@example.org")
    share_with_clinic(app, patient, "Property clinic")
    live = {"check_ins": 0, "administrations": 0, "statements": 0, "procedures": 0, "exams": 0}
    with account(app, patient) as user:
        for c in diary["check_ins"]:
            values = CheckInValues(day=TODAY - timedelta(days=c["back"]), spasm_count=c["count"],
                                   typical_duration_seconds=c["duration"], jrs_severity=c["severity"],
                                   jrs_frequency=c["frequency"], note=c["note"])
            try:
                save_check_in(user, user, values)
            except DiaryError:
                continue
            if c["deleted"]:
                row = db.session.scalar(db.select(CheckIn).where(
                    CheckIn.patient_id == patient, CheckIn.day == values.day))
                delete_check_in(user, row.id)
            else:
                live["check_ins"] += 1
    treatments = TreatmentRecorder(app, patient)
    for i in diary["injections"]:
        try:
            entry = treatments.injection(
                TODAY - timedelta(days=i["back"]), product=i["product"],
                total_units=None if i["total"] is None else str(i["total"]),
                sites=tuple((m, s, None if u is None else str(u)) for m, s, u in i["sites"]),
                **({"product_other": "Letybo"} if i["product"] == "other" else {}),
            )
        except TreatmentRefused:
            continue
        if i["deleted"]:
            treatments.delete("injections", entry)
        else:
            live["administrations"] += 1 + len(i["sites"])  # the session, then its sites
    for r in diary["regimens"]:
        started = TODAY - timedelta(days=r["back"])
        stopped = None if r["stop_after"] is None else min(TODAY, started + timedelta(days=r["stop_after"]))
        try:
            treatments.regimen(r["drug"], str(r["strength"]), r["per_day"], started, r["unit"],
                               stopped_on=stopped,
                               **({"drug_other": "Tizanidine"} if r["drug"] == "other" else {}))
        except TreatmentRefused:
            continue
        live["statements"] += 1
    for s in diary["surgeries"]:
        try:
            entry = treatments.surgery(TODAY - timedelta(days=s["back"]), s["kind"], s["side"])
        except TreatmentRefused:
            continue
        if s["deleted"]:
            treatments.delete("surgeries", entry)
        else:
            live["procedures"] += 1
    with app.app_context():
        clinic = db.session.scalar(db.select(Clinic.id).where(Clinic.name == "Property clinic"))
        for a in diary["assessments"]:
            db.session.add(Assessment(
                patient_id=patient, clinic_id=clinic, visit_on=TODAY - timedelta(days=a["back"]),
                smc_grade=a["smc"], house_brackmann_grade=a["hb"], hearing=a["hearing"],
                outcome=a["outcome"], recurrence=a["recurrence"]))
            live["exams"] += 1
        db.session.commit()
    return patient, live


@PROPERTY
@given(diary=diaries)
def test_the_bundle_of_any_accepted_diary_is_valid_and_holds_its_live_records(app, make_user, diary):
    make_user_once(app, make_user)
    patient, live = build(app, make_user, diary)

    with app.app_context():
        bundle = patient_bundle(patient)

    assert_valid_bundle(bundle)
    observations = resources(bundle, "Observation")
    kinds = [o["code"]["coding"][0]["code"] for o in observations]
    assert kinds.count("check-in") == live["check_ins"]
    # Without episodes, each live check-in's day is one logged day.
    assert kinds.count("diary-day") == live["check_ins"]
    assert kinds.count("follow-up-assessment") == live["exams"]
    assert len(resources(bundle, "MedicationAdministration")) == live["administrations"]
    assert len(resources(bundle, "MedicationStatement")) == live["statements"]
    assert len(resources(bundle, "Procedure")) == live["procedures"]


def make_user_once(app, make_user) -> None:
    """The clinic the property's patients share with, made on the first example only."""
    with app.app_context():
        exists = db.session.scalar(db.select(Clinic.id).where(Clinic.name == "Property clinic"))
    if exists is None:
        make_user("property-dr@example.org", role="clinician", clinic="Property clinic")

