"""The demo clinic: one clinician, six patients whose diaries show each course of
docs/clinical.md (Outcome) for the tour, and a cohort of simulated patients sharing with the
same clinic, so that the cohort view has enough patients for real estimates (docs/cohort.md,
The demo cohort)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from diary.auth import second_factor
from diary.clock import local_today
from diary.database import write_transaction
from diary.extensions import db
from diary.models import Clinic, ClinicPatientRecord, User
from diary.simulator.clinic import Clinician, build_clinic
from diary.simulator.courses import (
    DELAYED,
    FAILED,
    GRADUAL,
    IMMEDIATE,
    RECURRENCE,
    TOXIN_ONLY,
    simulate,
)
from diary.simulator.people import Person, make_person
from diary.simulator.rows import ClinicContext, SimulatedAccount

DEMO_CLINIC = "Demo Neurosurgery Clinic"
DEMO_CLINICIAN = Clinician("elena.fischer@example.org", "Dr. Elena Fischer", "Europe/Berlin")
# Fixed, so that every demo database tells the same stories.
DEMO_SEED = 20_260_310
# A diary kept most days, with the odd gap: what a motivated patient manages.
DEMO_COMPLETENESS = 0.9


@dataclass(frozen=True, slots=True)
class DemoPatient:
    """One demo patient: who they are, which course their diary follows, and for how long."""

    person: Person
    course: str
    story: str
    pre_op_days: int
    post_op_days: int
    remission_after_days: int | None = None
    recurrence_after_days: int | None = None
    # Surgery booked once the last injection had worn off gives an untreated baseline.
    toxin_stop_days: int | None = 120


DEMO_PATIENTS = (
    DemoPatient(
        Person("margaret.evans@example.org", "Margaret", "Europe/London", "left", 2015,
               family_name="Evans", birth_date=date(1958, 6, 14)),
        IMMEDIATE,
        "immediate cure: spasm-free from the second day after MVD",
        pre_op_days=365,
        post_op_days=420,
        remission_after_days=2,
    ),
    DemoPatient(
        Person("juergen.weber@example.org", "Jürgen", "Europe/Berlin", "right", 2017,
               family_name="Weber", birth_date=date(1962, 11, 3)),
        DELAYED,
        "delayed resolution: spasms for about 4 months after MVD, then spasm-free",
        pre_op_days=365,
        post_op_days=300,
        remission_after_days=122,
    ),
    DemoPatient(
        Person("seoyeon.park@example.org", "Seo-yeon", "Asia/Seoul", "left", 2016,
               family_name="Park", birth_date=date(1969, 2, 21)),
        GRADUAL,
        "gradual resolution: spasms fading over a year after MVD",
        pre_op_days=300,
        post_op_days=480,
        remission_after_days=330,
    ),
    DemoPatient(
        Person("robert.miller@example.org", "Robert", "America/New_York", "left", 2019,
               family_name="Miller", birth_date=date(1955, 9, 30)),
        FAILED,
        "failure: spasms unchanged after MVD; the last injection 5 weeks before surgery "
        "suppressed the baseline, the untreated baseline shows beside it",
        pre_op_days=365,
        post_op_days=240,
        toxin_stop_days=35,
    ),
    DemoPatient(
        Person("carmen.garcia@example.org", "Carmen", "Europe/Madrid", "right", 2013,
               family_name="García", birth_date=date(1960, 4, 8)),
        RECURRENCE,
        "recurrence: spasm-free within two weeks, spasms back about 18 months after MVD",
        pre_op_days=365,
        post_op_days=700,
        remission_after_days=10,
        recurrence_after_days=548,
    ),
    DemoPatient(
        Person("hiroshi.tanaka@example.org", "Hiroshi", "Asia/Tokyo", "left", 2021,
               family_name="Tanaka", birth_date=date(1966, 7, 19)),
        TOXIN_ONLY,
        "toxin only: botulinum toxin about every 13 weeks, no surgery",
        pre_op_days=540,
        post_op_days=0,
    ),
)
DEMO_EMAILS = (DEMO_CLINICIAN.email, *(p.person.email for p in DEMO_PATIENTS))

# The demo cohort: enough patients that the cohort view states estimates at 3 and 6 months
# (at least MIN_AT_RISK still at risk; docs/cohort.md, Too few to tell), few enough that
# demo-data stays quick. Courses are drawn from the published mix (courses.pick_course and
# the 175-patient table); surgeries lie 3 months to nearly 3 years back, so follow-up ends
# at different times and the curve has censorings; diaries are kept with realistic gaps.
DEMO_COHORT_SIZE = 40
DEMO_COHORT_SEED = DEMO_SEED + 1_000
DEMO_COHORT_POST_OP_DAYS = (90, 1000)
DEMO_COHORT_PRE_OP_DAYS = (90, 180)
# Every demo cohort account has an address at this domain (and no other account does).
DEMO_COHORT_DOMAIN = "cohort.example.org"


@dataclass(frozen=True, slots=True)
class DemoClinic:
    """What demo-data created."""

    clinic: ClinicContext
    patients: list[tuple[int, DemoPatient]]  # the six of the tour
    cohort: list[int]  # the ids of the demo cohort's patients


def demo_accounts(now: datetime) -> list[SimulatedAccount]:
    """The demo patients' diaries, each ending on the patient's local today."""
    accounts = []
    for number, patient in enumerate(DEMO_PATIENTS):
        diary = simulate(
            random.Random(DEMO_SEED + number),
            local_today(patient.person.timezone, now),
            pre_op_days=patient.pre_op_days,
            post_op_days=patient.post_op_days,
            course=patient.course,
            remission_after_days=patient.remission_after_days,
            recurrence_after_days=patient.recurrence_after_days,
            toxin_stop_days=patient.toxin_stop_days,
            completeness=DEMO_COMPLETENESS,
        )
        accounts.append(SimulatedAccount(patient.person, diary))
    return accounts


def cohort_accounts(now: datetime, size: int = DEMO_COHORT_SIZE) -> list[SimulatedAccount]:
    """The demo cohort's patients and diaries, the same for the same `now` (one seed)."""
    rng = random.Random(DEMO_COHORT_SEED)
    accounts = []
    for number in range(1, size + 1):
        post_op_days = rng.randint(*DEMO_COHORT_POST_OP_DAYS)
        pre_op_days = rng.randint(*DEMO_COHORT_PRE_OP_DAYS)
        surgery_year = (now.date() - timedelta(days=post_op_days)).year
        person = make_person(rng, number, surgery_year, DEMO_COHORT_DOMAIN)
        diary = simulate(
            rng,
            local_today(person.timezone, now),
            pre_op_days=pre_op_days,
            post_op_days=post_op_days,
        )
        accounts.append(SimulatedAccount(person, diary))
    return accounts


def is_demo_account() -> sa.ColumnElement[bool]:
    """Whether an account is one demo-data makes: the clinician, the six, or the cohort."""
    return sa.or_(
        User.email.in_(DEMO_EMAILS),
        User.email.endswith(f"@{DEMO_COHORT_DOMAIN}", autoescape=True),
    )


def existing_accounts() -> tuple[int, int]:
    """How many accounts the database holds: (other accounts, earlier demo accounts)."""
    demo_account = is_demo_account()
    others, earlier = db.session.execute(
        sa.select(
            sa.func.count().filter(~demo_account),
            sa.func.count().filter(demo_account),
        ).select_from(User)
    ).one()
    return others, earlier


def remove_earlier_demo() -> int:
    """Delete earlier demo accounts and the demo clinic (their rows cascade); returns accounts removed."""
    with write_transaction():
        removed = db.session.execute(sa.delete(User).where(is_demo_account())).rowcount
        db.session.execute(sa.delete(Clinic).where(Clinic.name == DEMO_CLINIC))
        return removed


def build_demo(now: datetime, password: str, *, cohort_size: int = 0) -> DemoClinic:
    """Create the demo clinic, its clinician and its patients, every patient sharing with it.

    The six patients of the tour always; `cohort_size` more for the cohort view (demo-data
    asks for DEMO_COHORT_SIZE). All are written in one transaction with one password hash.
    """
    tour = demo_accounts(now)
    accounts = tour + cohort_accounts(now, cohort_size)
    clinic, ids = build_clinic(DEMO_CLINIC, DEMO_CLINICIAN, accounts, password, now)
    # The clinic's own hospital numbers for the tour's patients, as a clinician types them
    # on the review page (docs/clinic.md, Who the patient is).
    with write_transaction():
        db.session.add_all(
            ClinicPatientRecord(clinic_id=clinic.clinic_id, patient_id=patient_id,
                                mrn=f"DNC{104711 + number * 37}")
            for number, patient_id in enumerate(ids[: len(tour)])
        )
    return DemoClinic(
        clinic, list(zip(ids[: len(tour)], DEMO_PATIENTS, strict=True)), ids[len(tour) :]
    )


def enrol_demo_clinician() -> str:
    """Give the demo clinician an enrolled TOTP secret, so the demo needs no enrolment step;
    returns the secret, which demo-data prints once (a tester adds it to an authenticator)."""
    with write_transaction():
        clinician = db.session.scalar(sa.select(User).where(User.email == DEMO_CLINICIAN.email))
        secret = second_factor.enrol_for_demo(clinician)
        return secret
