"""The benchmark's dataset: the reference clinic of docs/quality-bars.md (The reference clinic) and a few probe patients.

The reference clinic is 500 patients with a year of diary before MVD and two after, built
by the simulator's bulk writer; its build time is what docs/quality-bars.md (The reference clinic) bounds (under 60 s). The
probe patients are added afterwards, outside that time: diaries of 3 months, 1 year and
3 years for the trajectory, and a 3-year diary whose last 60 days are still empty, so that
every measured check-in saves a new day.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from diary.auth import second_factor
from diary.clock import local_today
from diary.extensions import db
from diary.models import User
from diary.simulator.clinic import (
    REFERENCE_PATIENTS,
    Clinician,
    build_clinic,
    reference_accounts,
)
from diary.simulator.courses import DELAYED, simulate
from diary.simulator.people import Person
from diary.simulator.rows import ClinicContext, SimulatedAccount
from diary.simulator.writer import write_patients

SEED = 500
# The database lives only for this run; every bench account shares this password.
PASSWORD = "bench password, not a secret"  # noqa: S105
CLINIC = "Reference Neurosurgery Clinic"
CLINICIAN = Clinician("reference.surgeon@example.org", "Dr. Reference Surgeon", "Europe/Berlin")
# Days of diary a check-in probe leaves empty at the end, one per measured save.
OPEN_DAYS = 60


@dataclass(frozen=True, slots=True)
class Probe:
    """A probe patient: how much diary before and after surgery."""

    key: str
    label: str
    pre_op_days: int
    post_op_days: int
    open_days: int = 0


PROBES = (
    Probe("patient_3m", "3 months", 45, 46),
    Probe("patient_1y", "1 year", 182, 183),
    Probe("patient_3y", "3 years", 365, 730),
    Probe("checkin_patient", "3 years, last 60 days open", 365, 730, open_days=OPEN_DAYS),
)


@dataclass(frozen=True, slots=True)
class Account:
    """A login of the benchmark and what a request for it needs to know."""

    email: str
    user_id: int
    timezone: str
    first_day: date | None = None  # the first diary day (patients)
    open_from: date | None = None  # the first empty day at the end of the diary (check-in probe)
    totp_secret: str | None = None  # staff log in with a second factor


@dataclass
class Dataset:
    """What was built, how long it took, and the logins the measurements use."""

    patients: int
    simulate_seconds: float = 0.0
    write_seconds: float = 0.0
    settle_seconds: float = 0.0
    row_counts: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)

    @property
    def build_seconds(self) -> float:
        """Simulation, bulk insert and summaries of the reference clinic (docs/quality-bars.md, The reference clinic)."""
        return self.simulate_seconds + self.write_seconds


def build(now: datetime, patients: int = REFERENCE_PATIENTS) -> Dataset:
    """Build the reference clinic and the probes into the app's (empty, migrated) database."""
    dataset = Dataset(patients)
    started = time.perf_counter()
    accounts = reference_accounts(random.Random(SEED), now, patients)
    dataset.simulate_seconds = time.perf_counter() - started

    started = time.perf_counter()
    clinic, ids = build_clinic(CLINIC, CLINICIAN, accounts, PASSWORD, now)
    dataset.write_seconds = time.perf_counter() - started

    dataset.accounts["clinician"] = Account(
        CLINICIAN.email, clinic.clinician_id, CLINICIAN.timezone,
        totp_secret=enrol_second_factor(clinic.clinician_id, now),
    )
    dataset.accounts.update(add_probes(clinic, ids[0], now))
    started = time.perf_counter()
    settle()
    dataset.settle_seconds = time.perf_counter() - started
    dataset.row_counts = row_counts()
    return dataset


def enrol_second_factor(user_id: int, now: datetime) -> str:
    """Give the reference clinician an enrolled TOTP secret, as the login's second step needs."""
    secret = second_factor.new_secret()
    db.session.execute(
        sa.update(User).where(User.id == user_id).values(totp_secret=secret, totp_enrolled_at=now)
    )
    db.session.commit()
    return secret


def add_probes(clinic: ClinicContext, any_patient: int, now: datetime) -> dict[str, Account]:
    """Write the probe patients into the clinic, with the password hash of the others."""
    password_hash = db.session.scalar(sa.select(User.password_hash).where(User.id == any_patient))
    rng = random.Random(SEED + 1)
    probes = []
    for number, probe in enumerate(PROBES, start=1):
        person = Person(f"bench.{probe.key.replace('_', '.')}@example.org",
                        f"Probe {number}", "Europe/Berlin", "left", 2020)
        today = local_today(person.timezone, now)
        # Every day logged: the largest payload a diary of that length can give.
        diary = simulate(rng, today, pre_op_days=probe.pre_op_days, post_op_days=probe.post_op_days,
                         course=DELAYED, remission_after_days=min(90, probe.post_op_days // 2),
                         completeness=1.0)
        open_from = None
        if probe.open_days:
            open_from = today - timedelta(days=probe.open_days - 1)
            diary.days = [d for d in diary.days if d.day < open_from]
            diary.episodes = [e for e in diary.episodes if e.day < open_from]
        probes.append((probe, SimulatedAccount(person, diary), open_from))
    ids = write_patients([a for _, a, _ in probes], password_hash=password_hash, clinic=clinic, now=now)
    return {
        probe.key: Account(account.person.email, patient_id, account.person.timezone,
                           account.diary.first_day, open_from)
        for patient_id, (probe, account, open_from) in zip(ids, probes, strict=True)
    }


def settle() -> None:
    """What a database gets after a bulk load: fresh planner statistics (and a WAL checkpoint)."""
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.exec_driver_sql("ANALYZE")


def row_counts() -> dict[str, int]:
    """Rows per table, in the schema's order."""
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }
