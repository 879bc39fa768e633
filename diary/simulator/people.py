"""Who the simulated patients are: names, time zones, the affected side and onset year."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date

# Names go with the time zones they are drawn with, so a list of patients reads like a
# real clinic's. HFS is more common in East Asia, hence the Seoul and Tokyo groups.
REGIONS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "Europe/Berlin",
        ("Anna", "Jürgen", "Monika", "Klaus", "Sabine", "Thomas", "Ursula", "Wolfgang", "Petra"),
        ("Müller", "Schmidt", "Weber", "Wagner", "Becker", "Hoffmann", "Schulz", "Koch"),
    ),
    (
        "Europe/London",
        ("Margaret", "David", "Susan", "Richard", "Helen", "Peter", "Janet", "Graham"),
        ("Smith", "Jones", "Taylor", "Brown", "Evans", "Walker", "Hughes", "Clarke"),
    ),
    (
        "America/New_York",
        ("Linda", "Robert", "Patricia", "James", "Barbara", "Michael", "Carol", "William"),
        ("Johnson", "Williams", "Miller", "Davis", "Garcia", "Rodriguez", "Wilson", "Moore"),
    ),
    (
        "America/Chicago",
        ("Donna", "Gary", "Sharon", "Larry", "Deborah", "Dennis", "Brenda", "Ronald"),
        ("Anderson", "Thomas", "Jackson", "Martin", "Thompson", "White", "Harris", "Lewis"),
    ),
    (
        "America/Los_Angeles",
        ("Maria", "Jose", "Karen", "Steven", "Nancy", "Kevin", "Lisa", "Daniel"),
        ("Hernandez", "Lopez", "Nguyen", "Kim", "Martinez", "Young", "Allen", "Scott"),
    ),
    (
        "Asia/Seoul",
        ("Min-jun", "Seo-yeon", "Ji-ho", "Soo-jin", "Young-ho", "Eun-ji", "Dong-hyun", "Mi-kyung"),
        ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon"),
    ),
    (
        "Asia/Tokyo",
        ("Hiroshi", "Keiko", "Takeshi", "Yumiko", "Kenji", "Naoko", "Masaru", "Sachiko"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura"),
    ),
    (
        "Europe/Madrid",
        ("Carmen", "Antonio", "Isabel", "Manuel", "Pilar", "Francisco", "Dolores", "Javier"),
        ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez"),
    ),
    (
        "Australia/Sydney",
        ("Karen", "Mark", "Julie", "Paul", "Michelle", "Andrew", "Kerry", "Stephen"),
        ("Wilson", "Campbell", "Kelly", "Ryan", "Murphy", "Robinson", "Mitchell", "Ward"),
    ),
)


@dataclass(frozen=True, slots=True)
class Person:
    """A simulated patient's account details."""

    email: str
    display_name: str
    timezone: str
    affected_side: str
    symptoms_since_year: int
    # The surname and date of birth a patient gives for the clinic's records (docs/clinic.md,
    # Who the patient is); the display name is the first name, as the registration form asks.
    family_name: str | None = None
    birth_date: date | None = None

    @property
    def full_name(self) -> str:
        """The name as the clinic's pages show it: first name, then surname."""
        return " ".join(part for part in (self.display_name, self.family_name) if part)


def email_local_part(first: str, last: str) -> str:
    """first.last in plain ASCII: accents dropped, spaces and hyphens removed."""
    text = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    return text.lower().replace(" ", "").replace("-", "")


def make_person(rng: random.Random, number: int, surgery_year: int, domain: str) -> Person:
    """A patient with a name and a time zone from one region; `number` keeps emails unique."""
    zone, firsts, lasts = rng.choice(REGIONS)
    first, last = rng.choice(firsts), rng.choice(lasts)
    # Left slightly more often than right (docs/clinical.md, The condition); the rare bilateral case is left out,
    # since it needs two operations.
    side = "left" if rng.random() < 0.55 else "right"
    # Symptoms typically run for years before surgery is chosen.
    onset = surgery_year - rng.randint(2, 12)
    return Person(
        email=f"{email_local_part(first, last)}.{number:04d}@{domain}",
        display_name=first,
        timezone=zone,
        affected_side=side,
        symptoms_since_year=onset,
        family_name=last,
        birth_date=birth_date(number, onset),
    )


def birth_date(number: int, onset_year: int) -> date:
    """A date of birth that puts the onset between 35 and 65 years of age, the usual range.

    Drawn from its own generator seeded by `number`, so adding it left every other draw of a
    dataset as it was.
    """
    rng = random.Random(number)
    return date(onset_year - rng.randint(35, 65), rng.randint(1, 12), rng.randint(1, 28))
