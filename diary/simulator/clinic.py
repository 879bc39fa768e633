"""Simulated clinics: a clinician and the patients who share their diaries, written in bulk."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from diary.auth.passwords import hash_password
from diary.auth.services import create_user, mark_email_verified
from diary.clock import local_today
from diary.extensions import db
from diary.models import Clinic
from diary.simulator.courses import simulate
from diary.simulator.people import make_person
from diary.simulator.rows import ClinicContext, SimulatedAccount
from diary.simulator.writer import write_patients

REFERENCE_PATIENTS = 500
REFERENCE_PRE_OP_DAYS = 365
REFERENCE_POST_OP_DAYS = 730


@dataclass(frozen=True, slots=True)
class Clinician:
    """The clinician who runs a simulated clinic."""

    email: str
    display_name: str
    timezone: str


def open_clinic(name: str, clinician: Clinician, password: str) -> ClinicContext:
    """Create the clinician through the app's own service, which creates the clinic too."""
    user = create_user(
        email=clinician.email,
        password=password,
        role="clinician",
        display_name=clinician.display_name,
        timezone=clinician.timezone,
        clinic_name=name,
    )
    mark_email_verified(user)
    clinic_id = db.session.scalar(sa.select(Clinic.id).where(Clinic.name == name))
    return ClinicContext(clinic_id, name, user.id, user.display_name)


def build_clinic(
    name: str,
    clinician: Clinician,
    accounts: Sequence[SimulatedAccount],
    password: str,
    now: datetime,
) -> tuple[ClinicContext, list[int]]:
    """A clinic, its clinician and its patients, all sharing one password hashed once."""
    clinic = open_clinic(name, clinician, password)
    patient_ids = write_patients(
        accounts, password_hash=hash_password(password), clinic=clinic, now=now
    )
    return clinic, patient_ids


def reference_accounts(
    rng: random.Random,
    now: datetime,
    count: int = REFERENCE_PATIENTS,
    *,
    pre_op_days: int = REFERENCE_PRE_OP_DAYS,
    post_op_days: int = REFERENCE_POST_OP_DAYS,
    completeness: float | None = 1.0,
    domain: str = "example.org",
) -> list[SimulatedAccount]:
    """The benchmark's reference clinic (docs/quality-bars.md, The reference clinic): a year before MVD and two after.

    Complete diaries by default, apart from holidays and illnesses, so the clinic holds the
    specified ~550,000 check-ins; `completeness=None` draws realistic gaps instead.
    """
    surgery_year = (now.date() - timedelta(days=post_op_days)).year
    accounts = []
    for number in range(1, count + 1):
        person = make_person(rng, number, surgery_year, domain)
        diary = simulate(
            rng,
            local_today(person.timezone, now),
            pre_op_days=pre_op_days,
            post_op_days=post_op_days,
            completeness=completeness,
        )
        accounts.append(SimulatedAccount(person, diary))
    return accounts
