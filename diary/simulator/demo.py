"""The demo clinic: one clinician and patients whose diaries show each course of docs/clinical.md (Outcome)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from diary.auth import second_factor
from diary.clock import local_today
from diary.database import write_transaction
from diary.extensions import db
from diary.models import Clinic, User
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
from diary.simulator.people import Person
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
        Person("margaret.evans@example.org", "Margaret Evans", "Europe/London", "left", 2015),
        IMMEDIATE,
        "immediate cure: spasm-free from the second day after MVD",
        pre_op_days=365,
        post_op_days=420,
        remission_after_days=2,
    ),
    DemoPatient(
        Person("juergen.weber@example.org", "Jürgen Weber", "Europe/Berlin", "right", 2017),
        DELAYED,
        "delayed resolution: spasms for about 4 months after MVD, then spasm-free",
        pre_op_days=365,
        post_op_days=300,
        remission_after_days=122,
    ),
    DemoPatient(
        Person("seoyeon.park@example.org", "Seo-yeon Park", "Asia/Seoul", "left", 2016),
        GRADUAL,
        "gradual resolution: spasms fading over a year after MVD",
        pre_op_days=300,
        post_op_days=480,
        remission_after_days=330,
    ),
    DemoPatient(
        Person("robert.miller@example.org", "Robert Miller", "America/New_York", "left", 2019),
        FAILED,
        "failure: spasms unchanged after MVD; the last injection 5 weeks before surgery "
        "suppressed the baseline, the untreated baseline shows beside it",
        pre_op_days=365,
        post_op_days=240,
        toxin_stop_days=35,
    ),
    DemoPatient(
        Person("carmen.garcia@example.org", "Carmen García", "Europe/Madrid", "right", 2013),
        RECURRENCE,
        "recurrence: spasm-free within two weeks, spasms back about 18 months after MVD",
        pre_op_days=365,
        post_op_days=700,
        remission_after_days=10,
        recurrence_after_days=548,
    ),
    DemoPatient(
        Person("hiroshi.tanaka@example.org", "Hiroshi Tanaka", "Asia/Tokyo", "left", 2021),
        TOXIN_ONLY,
        "toxin only: botulinum toxin about every 13 weeks, no surgery",
        pre_op_days=540,
        post_op_days=0,
    ),
)
DEMO_EMAILS = (DEMO_CLINICIAN.email, *(p.person.email for p in DEMO_PATIENTS))


@dataclass(frozen=True, slots=True)
class DemoClinic:
    """What demo-data created."""

    clinic: ClinicContext
    patients: list[tuple[int, DemoPatient]]


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


def existing_accounts() -> tuple[int, int]:
    """How many accounts the database holds: (other accounts, earlier demo accounts)."""
    demo_account = User.email.in_(DEMO_EMAILS)
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
        removed = db.session.execute(sa.delete(User).where(User.email.in_(DEMO_EMAILS))).rowcount
        db.session.execute(sa.delete(Clinic).where(Clinic.name == DEMO_CLINIC))
        return removed


def build_demo(now: datetime, password: str) -> DemoClinic:
    """Create the demo clinic, its clinician and its patients, every patient sharing with it."""
    clinic, ids = build_clinic(DEMO_CLINIC, DEMO_CLINICIAN, demo_accounts(now), password, now)
    return DemoClinic(clinic, list(zip(ids, DEMO_PATIENTS, strict=True)))


def enrol_demo_clinician() -> str:
    """Give the demo clinician an enrolled TOTP secret, so the demo needs no enrolment step;
    returns the secret, which demo-data prints once (a tester adds it to an authenticator)."""
    with write_transaction():
        clinician = db.session.scalar(sa.select(User).where(User.email == DEMO_CLINICIAN.email))
        secret = second_factor.enrol_for_demo(clinician)
        return secret
