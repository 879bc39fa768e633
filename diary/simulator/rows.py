"""The rows of a simulated patient, as the app itself would have stored them.

Provenance as docs/decisions.md (Provenance) asks: an entry is created in the patient's evening of its day (or
days later for a late entry, then marked retrospective when more than a day late), by the
patient; one-tap zero days carry the entry method of the button. Variation that needs no
random state (times of entry, durations, triggers) comes from `spread`, so writing the same
diaries twice gives the same rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from diary.clinic.attention import attention_values
from diary.models.journal import EntryMethod
from diary.models.treatment import InjectionMuscle, SiteSide, ToxinProduct
from diary.names import search_key
from diary.progress.summary import summary_values
from diary.simulator.courses import SimDay, SimPatient
from diary.simulator.people import Person
from diary.trajectory import ToxinCycle, summarise

PRODUCT_CODES = {
    "botox": ToxinProduct.BOTOX.value,
    "xeomin": ToxinProduct.XEOMIN.value,
    "dysport": ToxinProduct.DYSPORT.value,
}
# A usual HFS pattern (docs/clinical.md, The condition): the lids first, then cheek and mouth.
SITE_PATTERNS = (
    (InjectionMuscle.OO_PRETARSAL_UPPER, InjectionMuscle.OO_PRETARSAL_LOWER),
    (
        InjectionMuscle.OO_PRETARSAL_UPPER,
        InjectionMuscle.OO_PRETARSAL_LOWER,
        InjectionMuscle.ZYGOMATICUS,
    ),
    (
        InjectionMuscle.OO_PRETARSAL_UPPER,
        InjectionMuscle.OO_PRETARSAL_LOWER,
        InjectionMuscle.ZYGOMATICUS,
        InjectionMuscle.ORBICULARIS_ORIS,
    ),
)
VESSELS = (["aica"], ["aica"], ["aica", "vein"], ["pica"], ["vertebral_artery", "pica"])
TYPICAL_DURATIONS = (1, 2, 2, 5, 10)
TRIGGERS = ((), (), (), ("stress",), ("fatigue",), ("talking", "stress"), ("chewing",))


@dataclass(frozen=True, slots=True)
class SimulatedAccount:
    """A simulated patient: the account and the diary they kept."""

    person: Person
    diary: SimPatient


@dataclass(frozen=True, slots=True)
class ClinicContext:
    """The clinic the simulated patients share with, and its clinician."""

    clinic_id: int
    clinic_name: str
    clinician_id: int
    clinician_name: str


def spread(day: date, salt: int, modulus: int) -> int:
    """A deterministic, well-mixed number in 0..modulus-1 for a day (no random state needed)."""
    return (day.toordinal() * 7919 + salt * 104_729) % 1009 % modulus


class LocalClock:
    """A patient's local times as aware UTC moments, never after `now`."""

    def __init__(self, zone: str, now: datetime) -> None:
        self.zone = ZoneInfo(zone)
        self.now = now
        self.today = now.astimezone(self.zone).date()

    def at(self, day: date, minute: int) -> datetime:
        """The UTC moment of a local minute of a day, capped at now."""
        local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=self.zone)
        return min(local.astimezone(UTC), self.now)

    def evening(self, day: date, salt: int) -> datetime:
        """Some time between 19:00 and 22:59 local: when a diary is usually filled in."""
        return self.at(day, 19 * 60 + spread(day, salt, 240))


def provenance(author_id: int, moment: datetime, retrospective: bool) -> dict[str, Any]:
    """The provenance columns of an entry made once and not changed since."""
    return {
        "created_at": moment,
        "updated_at": moment,
        "created_by_id": author_id,
        "updated_by_id": author_id,
        "retrospective": retrospective,
        "deleted_at": None,
    }


def is_retrospective(day: date, entered_on: date) -> bool:
    """Entered more than a day after its diary day (docs/decisions.md, Provenance)."""
    return (entered_on - day).days > 1


def user_row(account: SimulatedAccount, clock: LocalClock, password_hash: str) -> dict[str, Any]:
    """The patient's account, opened the evening the diary began."""
    person, diary = account.person, account.diary
    first = diary.first_day or clock.today
    opened = clock.at(first, 18 * 60)
    return {
        "email": person.email,
        "password_hash": password_hash,
        "display_name": person.display_name,
        "family_name": person.family_name,
        "birth_date": person.birth_date,
        # Written beside the name, as the services do (diary/names.py, search_key).
        "name_search": search_key(person.display_name, person.family_name),
        "role": "patient",
        "timezone": person.timezone,
        "affected_side": person.affected_side,
        "symptoms_since_year": person.symptoms_since_year,
        "email_verified_at": min(opened + timedelta(minutes=10), clock.now),
        "active": True,
        "created_at": opened,
        "updated_at": opened,
    }


class PatientRows:
    """The rows of one simulated patient, as the app would have stored them."""

    def __init__(
        self, patient_id: int, account: SimulatedAccount, clock: LocalClock, clinic: ClinicContext
    ) -> None:
        self.id = patient_id
        self.person = account.person
        self.diary = account.diary
        self.clock = clock
        self.clinic = clinic

    def care_link(self, opened: datetime) -> dict[str, Any]:
        """Consent to the clinic, given when the account was opened."""
        return {
            "patient_id": self.id,
            "clinic_id": self.clinic.clinic_id,
            "consented_at": opened,
            "revoked_at": None,
        }

    def check_ins(self) -> list[dict[str, Any]]:
        """One check-in per logged day."""
        return [self.check_in(d) for d in self.diary.days if d.day <= self.clock.today]

    def check_in(self, sim: SimDay) -> dict[str, Any]:
        """A day as the form or a one-tap button saved it, that evening or days later."""
        entered_on = min(sim.day + timedelta(days=sim.entered_days_late), self.clock.today)
        moment = self.clock.evening(entered_on, self.id)
        late = is_retrospective(sim.day, entered_on)
        values: dict[str, Any] = {
            "typical_duration_seconds": None,
            "jrs_severity": sim.severity,
            "jrs_frequency": sim.frequency,
            "regions": [],
            "side": None,
            "spasm_type": None,
            "triggers": [],
            "trigger_other": None,
            "note": None,
            "entry_method": EntryMethod.FORM.value,
        }
        if sim.spasms == 0 and sim.no_spasms_button:
            # The one-tap buttons record only the zero; a late one is "No spasms since".
            method = EntryMethod.NO_SPASMS_TODAY if entered_on == sim.day else EntryMethod.NO_SPASMS_SINCE
            values.update(jrs_severity=None, jrs_frequency=None, entry_method=method.value)
        elif sim.spasms > 0:
            hint = spread(sim.day, self.id, 1009)
            values.update(
                typical_duration_seconds=TYPICAL_DURATIONS[hint % len(TYPICAL_DURATIONS)],
                regions=regions_for(sim.spasms),
                spasm_type="both" if sim.spasms >= 40 else "clonic",
                triggers=list(TRIGGERS[hint % len(TRIGGERS)]),
            )
        return {"patient_id": self.id, "day": sim.day, "spasm_count": sim.spasms, **values,
                **provenance(self.id, moment, late)}

    def episodes(self) -> list[dict[str, Any]]:
        """"Spasm now" taps, saved as they happened (none after now)."""
        rows: list[dict[str, Any]] = []
        per_day: Counter = Counter()
        for episode in self.diary.episodes:
            moment = self.clock.at(episode.day, episode.minute)
            if moment >= self.clock.now:
                continue
            number = per_day[episode.day]
            per_day[episode.day] += 1
            rows.append({
                "patient_id": self.id,
                "occurred_at": moment,
                "day": episode.day,
                "timezone": self.person.timezone,
                "duration_seconds": episode.duration_seconds,
                "client_token": f"sim-{episode.day:%Y%m%d}-{number}",
                **provenance(self.id, moment, False),
            })
        return rows

    def injections(self) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """Toxin sessions with their sites; those before the diary began were entered on its first day."""
        first = self.diary.first_day or self.clock.today
        result = []
        for number, sim in enumerate(self.diary.injections):
            if sim.day > self.clock.today:
                continue
            entered_on = max(sim.day, first)
            wore_off = sim.wore_off if sim.wore_off and sim.wore_off <= self.clock.today else None
            # Patients who note the wear-off usually note onset (3-5 days) and peak (1-2 weeks).
            began = sim.day + timedelta(days=4) if wore_off else None
            best = sim.day + timedelta(days=12) if wore_off else None
            row = {
                "patient_id": self.id,
                "injected_on": sim.day,
                "product": PRODUCT_CODES[sim.product],
                "product_other": None,
                "total_units": Decimal(sim.units),
                "injector": self.clinic.clinician_name,
                "lot": None,
                "note": None,
                "effect_began_on": began,
                "best_effect_on": best,
                "wore_off_on": wore_off,
                "side_effects": ["tearing"] if number % 5 == 3 else [],
                **provenance(
                    self.id, self.clock.evening(entered_on, self.id), is_retrospective(sim.day, entered_on)
                ),
            }
            result.append((row, site_rows(sim.units, number)))
        return result

    def regimens(self) -> list[dict[str, Any]]:
        """Medication periods, stopped when the drug was stopped."""
        rows = []
        for sim in self.diary.regimens:
            if sim.start > self.clock.today:
                continue
            stopped = sim.stop if sim.stop and sim.stop <= self.clock.today else None
            rows.append({
                "patient_id": self.id,
                "drug": sim.drug,
                "drug_other": None,
                "strength": Decimal(sim.strength_mg),
                "unit": "mg",
                "doses_per_day": sim.doses_per_day,
                "times_of_day": ["08:00", "20:00"][: sim.doses_per_day],
                "started_on": sim.start,
                "stopped_on": stopped,
                "change_reason": "Started for the spasms",
                "stop_reason": "Little effect, drowsy" if stopped else None,
                "previous_regimen_id": None,
                **provenance(self.id, self.clock.evening(sim.start, self.id), False),
            })
        return rows

    def surgeries(self) -> list[dict[str, Any]]:
        """The MVD, entered by the patient a week later and verified by the clinic's surgeon."""
        day = self.diary.surgery
        if day is None or day > self.clock.today:
            return []
        entered_on = min(day + timedelta(days=7), self.clock.today)
        verified_on = day + timedelta(days=42)
        verified = verified_on <= self.clock.today
        return [{
            "patient_id": self.id,
            "surgery_type": "mvd",
            "performed_on": day,
            "side": self.person.affected_side,
            "centre": self.clinic.clinic_name,
            "surgeon": self.clinic.clinician_name,
            "vessels": VESSELS[self.id % len(VESSELS)],
            "technique": "interposition",
            "implant": "teflon_felt",
            "complications": [],
            "house_brackmann_grade": None,
            "note": None,
            "verified_by_id": self.clinic.clinician_id if verified else None,
            "verified_at": self.clock.at(verified_on, 11 * 60) if verified else None,
            "is_reference": False,
            **provenance(self.id, self.clock.evening(entered_on, self.id), is_retrospective(day, entered_on)),
        }]

    def summary(
        self,
        check_ins: list[dict[str, Any]],
        episodes: list[dict[str, Any]],
        injections: list[dict[str, Any]],
    ) -> dict[str, Any]:
        """The summary row from the rows written, by the day rule of docs/decisions.md (A day's number of spasms) and the same maths.

        A day's number is the larger of its check-in and its count of episodes, as
        diary.progress.queries.daily_numbers computes it in SQL.
        """
        today = self.clock.today
        episode_counts = Counter(e["day"] for e in episodes if e["day"] <= today)
        diary = dict(episode_counts)
        for row in check_ins:
            if row["day"] <= today:
                diary[row["day"]] = max(row["spasm_count"], episode_counts.get(row["day"], 0))
        cycles = [
            ToxinCycle(i["injected_on"], i["wore_off_on"])
            for i in sorted(injections, key=lambda i: i["injected_on"])
        ]
        surgery = self.diary.surgery if self.diary.surgery and self.diary.surgery <= today else None
        values = summary_values(summarise(diary, today=today, surgery=surgery, cycles=cycles))
        changed = [r["updated_at"] for r in check_ins] + [e["updated_at"] for e in episodes]
        return {
            "patient_id": self.id,
            **values,
            "diary_changed_at": max(changed) if changed else None,
            "updated_at": self.clock.now,
        }

    def attention(self, summary: dict[str, Any], surgeries: list[dict[str, Any]]) -> dict[str, Any]:
        """The clinic list's stored row (diary.clinic.attention) from the summary and the
        surgeries written; the simulator's clinic keeps the default schedule."""
        unverified = any(s["verified_at"] is None for s in surgeries)
        return {
            "clinic_id": self.clinic.clinic_id,
            "patient_id": self.id,
            **attention_values(summary, None, unverified, self.clock.today),
        }


def regions_for(spasms: int) -> list[str]:
    """Spasms start at the lower lid and spread to cheek and mouth as they grow (docs/clinical.md, The condition)."""
    if spasms < 10:
        return ["eye"]
    if spasms < 40:
        return ["eye", "cheek"]
    return ["eye", "cheek", "mouth"]


def site_rows(units: int, number: int) -> list[dict[str, Any]]:
    """The session's units split over its sites, all on the affected side."""
    muscles = SITE_PATTERNS[number % len(SITE_PATTERNS)]
    share, rest = divmod(units, len(muscles))
    return [
        {
            "muscle": muscle.value,
            "side": SiteSide.AFFECTED.value,
            "units": Decimal(share + (rest if index == 0 else 0)),
        }
        for index, muscle in enumerate(muscles)
    ]
