"""Realistic diaries on plain values: toxin cycles before surgery, then a published course.

The shapes follow docs/clinical.md (Effect over time; Outcome; Time to spasm-free; Recurrence): botulinum toxin every ~13 weeks (onset 3-5 days, peak 1-2
weeks, worn off around 12 weeks); after MVD about 85-91% resolve, a quarter to a third only
after the first week, with the time to spasm-free drawn from the 175-patient table; a few
fail, and 2-10% recur (mean ~19 months). Nothing here touches the database: writer.py does.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

# The published time-to-spasm-free table (175 patients) as (weight, low, high) in days.
TIME_TO_SPASM_FREE = (
    (62, 1, 6),
    (28, 7, 30),
    (38, 31, 91),
    (25, 92, 182),
    (17, 183, 365),
    (5, 366, 900),
)

IMMEDIATE = "immediate"
DELAYED = "delayed"
GRADUAL = "gradual"
FAILED = "failed"
RECURRENCE = "recurrence"
TOXIN_ONLY = "toxin_only"

# Recurrence comes at a mean of ~19 months (docs/clinical.md, Recurrence): by default 540 days after remission.
RECURRENCE_DELAY_DAYS = 540

PRODUCTS = (("botox", 15, 30), ("xeomin", 15, 30), ("dysport", 40, 90))


@dataclass(frozen=True, slots=True)
class SimDay:
    """One logged day of a simulated diary."""

    day: date
    spasms: int
    severity: int | None
    frequency: int | None
    entered_days_late: int = 0  # 0 = entered that evening; >1 makes it retrospective
    no_spasms_button: bool = False


@dataclass(frozen=True, slots=True)
class SimEpisode:
    """A "spasm now" tap: its local date and minute of the day."""

    day: date
    minute: int
    duration_seconds: int | None


@dataclass(frozen=True, slots=True)
class SimInjection:
    """A toxin session as the patient lived it."""

    day: date
    product: str
    units: int
    wore_off: date | None


@dataclass(frozen=True, slots=True)
class SimRegimen:
    """A medication period."""

    drug: str
    strength_mg: int
    doses_per_day: int
    start: date
    stop: date | None


@dataclass
class SimPatient:
    """Everything a simulated patient recorded."""

    course: str
    untreated_level: float
    surgery: date | None
    days: list[SimDay] = field(default_factory=list)
    episodes: list[SimEpisode] = field(default_factory=list)
    injections: list[SimInjection] = field(default_factory=list)
    regimens: list[SimRegimen] = field(default_factory=list)
    remission_after_days: int | None = None
    recurrence_after_days: int | None = None  # days from surgery until spasms return

    @property
    def first_day(self) -> date | None:
        """The first logged day of the diary."""
        return self.days[0].day if self.days else None


def pick_course(rng: random.Random) -> str:
    """Draw a course with roughly the published mix: ~88% resolve, ~7% fail, ~5% recur."""
    roll = rng.random()
    if roll < 0.07:
        return FAILED
    if roll < 0.12:
        return RECURRENCE
    return IMMEDIATE  # refined by the time-to-spasm-free draw


def draw_time_to_spasm_free(rng: random.Random) -> int:
    """Days from MVD to spasm-free, from the published table."""
    total = sum(w for w, _, _ in TIME_TO_SPASM_FREE)
    roll = rng.uniform(0, total)
    for weight, low, high in TIME_TO_SPASM_FREE:
        if roll <= weight:
            return rng.randint(low, high)
        roll -= weight
    return rng.randint(366, 900)  # pragma: no cover


def toxin_factor(day: date, injections: list[SimInjection]) -> float:
    """How much of the untreated spasm level remains on a day, given the injections."""
    earlier = [i for i in injections if i.day <= day]
    if not earlier:
        return 1.0
    last = max(earlier, key=lambda i: i.day)
    t = (day - last.day).days
    if t < 4:  # onset 3-5 days
        return 1.0 - 0.15 * t
    if t < 14:  # peak 1-2 weeks
        return 0.45 - 0.025 * (t - 4)
    if t < 70:
        return 0.2
    if t < 90:  # wearing off around 12 weeks
        return 0.2 + 0.8 * (t - 70) / 20
    return 1.0


def post_op_factor(
    course: str, t: int, remission_after: int | None, recurrence_after: int | None = None
) -> float:
    """The fraction of the untreated level `t` days after surgery, for a course."""
    if course == FAILED:
        # Unchanged: the untreated level, give or take the usual ups and downs.
        return 0.9 + 0.15 * math.sin(t / 40)
    if course == GRADUAL:
        return max(0.0, 0.8 * (1 - t / (remission_after or 330)))
    assert remission_after is not None
    if course == RECURRENCE and t >= (recurrence_after or remission_after + RECURRENCE_DELAY_DAYS):
        return 0.4
    if t >= remission_after:
        return 0.0
    if remission_after <= 7:
        return 0.3 if t < remission_after else 0.0
    # Delayed resolution: spasms persist, then fade over the last third before spasm-free.
    fade_start = remission_after * 2 // 3
    if t < fade_start:
        return 0.7
    return 0.7 * (remission_after - t) / (remission_after - fade_start)


def severity_for(spasms: int) -> tuple[int, int]:
    """Self-rated JRS severity and frequency that go with a number of spasms."""
    if spasms == 0:
        return 0, 0
    level = 1 if spasms < 5 else 2 if spasms < 20 else 3 if spasms < 60 else 4
    return level, max(1, min(4, level + (1 if spasms > 40 else 0)))


def simulate(
    rng: random.Random,
    today: date,
    *,
    pre_op_days: int = 365,
    post_op_days: int = 730,
    course: str | None = None,
    remission_after_days: int | None = None,
    recurrence_after_days: int | None = None,
    toxin_stop_days: int | None = None,
    completeness: float | None = None,
) -> SimPatient:
    """One patient's diary ending `today`: a year of toxin cycles, surgery, and a course.

    `course` forces one of the courses (the demo clinic shows each); `remission_after_days`
    and `recurrence_after_days` (both counted from the surgery) place its turning points;
    `toxin_stop_days` is how long before surgery the last injection may be given at the
    latest (drawn from 3 weeks to 4 months when not given).
    """
    course = course or pick_course(rng)
    if course == IMMEDIATE and remission_after_days is None:
        remission_after_days = draw_time_to_spasm_free(rng)
        if remission_after_days >= 7:
            course = DELAYED
    if course in (RECURRENCE, DELAYED) and remission_after_days is None:
        remission_after_days = rng.randint(1, 60) if course == RECURRENCE else rng.randint(30, 200)
    if course == GRADUAL and remission_after_days is None:
        remission_after_days = rng.randint(300, 360)
    level = math.exp(rng.uniform(math.log(8), math.log(80)))
    completeness = completeness if completeness is not None else rng.uniform(0.65, 0.97)

    surgery = None if course == TOXIN_ONLY else today - timedelta(days=post_op_days)
    first_day = (surgery or today) - timedelta(days=pre_op_days)
    if course == RECURRENCE and recurrence_after_days is None:
        recurrence_after_days = remission_after_days + RECURRENCE_DELAY_DAYS
    patient = SimPatient(
        course,
        level,
        surgery,
        remission_after_days=remission_after_days,
        recurrence_after_days=recurrence_after_days,
    )

    # Toxin every ~13 weeks until the surgery (or all along for toxin-only patients).
    product, low, high = rng.choice(PRODUCTS)
    injection_day = first_day - timedelta(days=rng.randint(0, 80))
    # Surgery is often booked as an injection wears off: stop 3 weeks to 4 months before it.
    stop = toxin_stop_days if toxin_stop_days is not None else rng.randint(21, 120)
    last_toxin_day = (surgery - timedelta(days=stop)) if surgery else today
    while injection_day <= last_toxin_day:
        wore_off = injection_day + timedelta(days=rng.randint(80, 100)) if rng.random() < 0.5 else None
        patient.injections.append(SimInjection(injection_day, product, rng.randint(low, high), wore_off))
        injection_day += timedelta(days=rng.randint(84, 105))

    if rng.random() < 0.3:
        start = first_day + timedelta(days=rng.randint(0, 120))
        patient.regimens.append(SimRegimen("carbamazepine", 200, 2, start, start + timedelta(days=90)))

    gap_left = 0
    for offset in range((today - first_day).days + 1):
        day = first_day + timedelta(days=offset)
        if gap_left > 0:
            gap_left -= 1
            continue
        if rng.random() < 0.004:  # a holiday or an illness: a run of missing days
            gap_left = rng.randint(3, 12)
            continue
        if rng.random() > completeness:
            continue
        factor = toxin_factor(day, patient.injections)
        if surgery is not None and day >= surgery:
            factor = post_op_factor(
                course, (day - surgery).days, remission_after_days, recurrence_after_days
            )
        mean = level * factor
        spasms = 0 if mean <= 0 else max(0, int(rng.gauss(mean, max(1.0, mean * 0.25))))
        # Occasional single spasms on the way to remission.
        if spasms == 0 and 0 < factor and rng.random() < 0.05:
            spasms = 1
        severity, frequency = severity_for(spasms)
        late = rng.choice((2, 3, 5)) if rng.random() < 0.04 else 0
        patient.days.append(
            SimDay(day, spasms, severity, frequency, late, no_spasms_button=spasms == 0 and rng.random() < 0.6)
        )
        if 0 < spasms <= 6 and rng.random() < 0.3:
            for _ in range(rng.randint(1, spasms)):
                duration = rng.choice((None, 2, 5, 10, 30))
                patient.episodes.append(SimEpisode(day, rng.randint(7 * 60, 22 * 60), duration))
    return patient
