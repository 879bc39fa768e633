"""What the treatment pages show: the timeline, the medication page, an entry to delete.

Reads for one patient whose id came through the authorisation policy; a fixed number of
queries per page. Text is composed here, so templates only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy import orm as so

from diary.extensions import db
from diary.i18n import gettext, ngettext
from diary.models import DoseLog, Injection, MedicationRegimen, Surgery
from diary.treatments import wording as w
from diary.treatments.rules import sites_disagree

# Same-day events read in the order they happened: a regimen stops before its successor starts.
KIND_ORDER = {"regimen_stop": 0, "dose_change": 1, "regimen_start": 2, "injection": 3, "surgery": 4}
RECENT_DOSE_DAYS = 14


@dataclass
class TimelineEvent:
    """One row of the timeline."""

    day: date
    kind: str  # injection, regimen_start, dose_change, regimen_stop, surgery
    title: str
    details: list[str] = field(default_factory=list)
    badges: list[str] = field(default_factory=list)
    entry_kind: str = ""  # as the URLs name it: injections, medication, surgeries
    entry_id: int = 0
    can_delete: bool = True

    @property
    def date_label(self) -> str:
        """The event's date as the patient reads it."""
        return w.treatment_date(self.day)

    @property
    def sort_key(self) -> tuple:
        """Newest first; same-day events in the order they happened, reversed."""
        return (self.day, KIND_ORDER[self.kind], self.entry_id)


def timeline(patient_id: int) -> list[TimelineEvent]:
    """Injections, regimen starts, dose changes, stops and surgeries, newest first: 4 queries."""
    injections = db.session.scalars(
        sa.select(Injection)
        .options(so.selectinload(Injection.sites))
        .where(Injection.patient_id == patient_id, Injection.deleted_at.is_(None))
    ).all()
    regimens = _regimens(patient_id)
    surgeries = db.session.scalars(
        sa.select(Surgery).where(Surgery.patient_id == patient_id, Surgery.deleted_at.is_(None))
    ).all()
    events = [_injection_event(i) for i in injections]
    events += _regimen_events(regimens)
    events += [_surgery_event(s) for s in surgeries]
    return sorted(events, key=lambda e: e.sort_key, reverse=True)


def _regimens(patient_id: int) -> list[MedicationRegimen]:
    """The patient's live regimens, oldest first."""
    return list(
        db.session.scalars(
            sa.select(MedicationRegimen)
            .where(
                MedicationRegimen.patient_id == patient_id,
                MedicationRegimen.deleted_at.is_(None),
            )
            .order_by(MedicationRegimen.started_on, MedicationRegimen.id)
        )
    )


def _provenance_badges(entry) -> list[str]:
    """Badges every entry may carry."""
    return [gettext("entered later")] if entry.retrospective else []


def _site(site) -> str:
    """One injection site: "Chin muscle (mentalis) (other side): 5 U"."""
    muscle = w.MUSCLES.get(site.muscle, site.muscle)
    other = site.side == "other"
    if site.units is None:
        return gettext("%(muscle)s (other side)", muscle=muscle) if other else muscle
    if other:
        return gettext("%(muscle)s (other side): %(units)s", muscle=muscle,
                       units=w.units(site.units))
    return gettext("%(muscle)s: %(units)s", muscle=muscle, units=w.units(site.units))


def _effect_step(step: str, day: str) -> str:
    """One step of an injection's effect with its date: "effect began 10 March 2026"."""
    if step == "began":
        return gettext("effect began %(day)s", day=day)
    if step == "best":
        return gettext("best %(day)s", day=day)
    return gettext("wore off %(day)s", day=day)


def _injection_event(injection: Injection) -> TimelineEvent:
    """An injection with its units, sites and the cycle of its effect."""
    name = w.product_name(injection.product, injection.product_other)
    # Whole phrases, never pieces joined, so that a translation can order its words
    # (docs/wording.md, Strings).
    site_sum = sites_disagree(injection.total_units, [s.units for s in injection.sites])
    if site_sum is not None:
        title = gettext("Injection: %(name)s, %(units)s", name=name,
                        units=w.total_and_sites(injection.total_units, site_sum))
    elif injection.total_units is not None:
        title = gettext("Injection: %(name)s, %(units)s", name=name,
                        units=w.units(injection.total_units))
    else:
        title = gettext("Injection: %(name)s", name=name)
    details = []
    if injection.sites:
        sites = [_site(s) for s in injection.sites]
        details.append(gettext("Sites: %(sites)s", sites="; ".join(sites)))
    cycle = [
        (label, day)
        for label, day in (
            ("began", injection.effect_began_on),
            ("best", injection.best_effect_on),
            ("wore_off", injection.wore_off_on),
        )
        if day is not None
    ]
    if cycle:
        effect = ", ".join(_effect_step(label, w.treatment_date(day)) for label, day in cycle)
        details.append(gettext("Effect: %(effect)s", effect=effect))
    if injection.side_effects:
        details.append(gettext("Side effects: %(names)s",
                               names=w.labels(injection.side_effects, w.SIDE_EFFECTS)))
    if injection.injector:
        details.append(gettext("Injected by: %(name)s", name=injection.injector))
    if injection.lot:
        details.append(gettext("Lot: %(lot)s", lot=injection.lot))
    if injection.note:
        details.append(gettext("Note: %(note)s", note=injection.note))
    return TimelineEvent(
        day=injection.injected_on,
        kind="injection",
        title=title,
        details=details,
        badges=_provenance_badges(injection),
        entry_kind="injections",
        entry_id=injection.id,
    )


def _regimen_events(regimens: list[MedicationRegimen]) -> list[TimelineEvent]:
    """A start for each chain, a dose change for each link, a stop where the chain ends."""
    by_id = {r.id: r for r in regimens}
    continued = {r.previous_regimen_id for r in regimens if r.previous_regimen_id in by_id}
    events = []
    for regimen in regimens:
        name = w.drug_name(regimen.drug, regimen.drug_other)
        dose = w.dose(regimen.strength, regimen.unit, regimen.doses_per_day)
        previous = by_id.get(regimen.previous_regimen_id)
        details = []
        if regimen.times_of_day:
            details.append(gettext("Times: %(times)s", times=", ".join(regimen.times_of_day)))
        if regimen.change_reason:
            details.append(gettext("Reason: %(reason)s", reason=regimen.change_reason))
        if previous is not None:
            was = w.dose(previous.strength, previous.unit, previous.doses_per_day)
            kind, title = "dose_change", gettext("Dose change: %(name)s %(dose)s", name=name, dose=dose)
            details.insert(0, gettext("Before: %(dose)s", dose=was))
        else:
            kind, title = "regimen_start", gettext("Started %(name)s: %(dose)s", name=name, dose=dose)
        events.append(
            TimelineEvent(
                day=regimen.started_on,
                kind=kind,
                title=title,
                details=details,
                badges=_provenance_badges(regimen),
                entry_kind="medication",
                entry_id=regimen.id,
                # A regimen that was changed afterwards goes after its change.
                can_delete=regimen.id not in continued,
            )
        )
        if regimen.stopped_on is not None and regimen.id not in continued:
            events.append(
                TimelineEvent(
                    day=regimen.stopped_on,
                    kind="regimen_stop",
                    title=gettext("Stopped %(name)s (was %(dose)s)", name=name, dose=dose),
                    details=[gettext("Reason: %(reason)s", reason=regimen.stop_reason)]
                    if regimen.stop_reason else [],
                    entry_kind="medication",
                    entry_id=regimen.id,
                    can_delete=False,
                )
            )
    return events


def _surgery_event(surgery: Surgery) -> TimelineEvent:
    """An operation with its findings; patient-reported until a clinician verifies it."""
    operation = w.SURGERY_TYPES.get(surgery.surgery_type, surgery.surgery_type)
    # One message per side rather than a lowercased label: a language's case and word order
    # are its own (docs/wording.md, Strings).
    if surgery.side == "left":
        title = gettext("%(operation)s, left side", operation=operation)
    elif surgery.side == "right":
        title = gettext("%(operation)s, right side", operation=operation)
    else:
        title = gettext("%(operation)s, %(side)s side", operation=operation,
                        side=w.SURGERY_SIDES.get(surgery.side, surgery.side).lower())
    details = []
    where = ", ".join(x for x in (surgery.surgeon, surgery.centre) if x)
    if where:
        details.append(gettext("By: %(who)s", who=where))
    if surgery.vessels:
        details.append(gettext("Vessels: %(names)s", names=w.labels(surgery.vessels, w.VESSELS)))
    if surgery.technique:
        details.append(gettext("Technique: %(name)s",
                               name=w.TECHNIQUES.get(surgery.technique, surgery.technique)))
    if surgery.implant:
        details.append(gettext("Implant: %(name)s", name=w.IMPLANTS.get(surgery.implant, surgery.implant)))
    if surgery.complications:
        text = w.labels(surgery.complications, w.COMPLICATIONS)
        if surgery.house_brackmann_grade:
            text += f" (House-Brackmann {w.ROMAN[surgery.house_brackmann_grade]})"
        details.append(gettext("Complications: %(names)s", names=text))
    if surgery.note:
        details.append(gettext("Note: %(note)s", note=surgery.note))
    badges = _provenance_badges(surgery)
    if surgery.patient_reported:
        badges.insert(0, gettext("patient-reported"))
    elif surgery.verified_at is not None:
        badges.insert(0, gettext("verified by the clinic"))
    if surgery.is_reference:
        badges.append(gettext("reference surgery"))
    return TimelineEvent(
        day=surgery.performed_on,
        kind="surgery",
        title=title,
        details=details,
        badges=badges,
        entry_kind="surgeries",
        entry_id=surgery.id,
    )


# The medication page ---------------------------------------------------------------------


@dataclass
class RegimenRow:
    """A regimen on the medication page."""

    id: int
    name: str
    dose: str
    since: str
    until: str | None
    times: str
    can_change: bool
    can_delete: bool


@dataclass
class DoseRow:
    """A dose record on the medication page."""

    id: int
    day: str
    name: str
    status: str
    count: int
    note: str | None


@dataclass
class MedicationPage:
    """Current and past regimens, and the recent dose records."""

    current: list[RegimenRow]
    past: list[RegimenRow]
    doses: list[DoseRow]
    taken_today: bool

    @property
    def current_choices(self) -> list[tuple[int, str]]:
        """The regimens a dose can be recorded for today, as form choices."""
        return [(r.id, f"{r.name} {r.dose}") for r in self.current]


def medication_page(patient_id: int, today: date) -> MedicationPage:
    """The medication page of a patient on their local today: 2 queries."""
    regimens = _regimens(patient_id)
    continued = {r.previous_regimen_id for r in regimens}
    names = {r.id: w.drug_name(r.drug, r.drug_other) for r in regimens}
    current, past = [], []
    for regimen in reversed(regimens):
        row = RegimenRow(
            id=regimen.id,
            name=names[regimen.id],
            dose=w.dose(regimen.strength, regimen.unit, regimen.doses_per_day),
            since=w.treatment_date(regimen.started_on),
            until=w.treatment_date(regimen.stopped_on) if regimen.stopped_on else None,
            times=", ".join(regimen.times_of_day or []),
            can_change=regimen.id not in continued,
            can_delete=regimen.id not in continued,
        )
        taking = regimen.started_on <= today and (
            regimen.stopped_on is None or regimen.stopped_on >= today
        )
        (current if taking else past).append(row)
    logs = db.session.scalars(
        sa.select(DoseLog)
        .join(MedicationRegimen, MedicationRegimen.id == DoseLog.regimen_id)
        .where(
            DoseLog.patient_id == patient_id,
            DoseLog.deleted_at.is_(None),
            MedicationRegimen.deleted_at.is_(None),
            DoseLog.day > today - timedelta(days=RECENT_DOSE_DAYS),
        )
        .order_by(DoseLog.day.desc(), DoseLog.id.desc())
    ).all()
    doses = [
        DoseRow(
            id=log.id,
            day=w.treatment_date(log.day),
            name=names.get(log.regimen_id, ""),
            status=w.DOSE_STATUSES.get(log.status, log.status),
            count=log.count,
            note=log.note,
        )
        for log in logs
    ]
    taken_ids = {
        log.regimen_id for log in logs if log.day == today and log.status == "taken_as_planned"
    }
    taken_today = bool(current) and all(r.id in taken_ids for r in current)
    return MedicationPage(current=current, past=past, doses=doses, taken_today=taken_today)


def describe(entry) -> tuple[str, list[str]]:
    """A title and lines for the delete confirmation page."""
    if isinstance(entry, Injection):
        event = _injection_event(entry)
    elif isinstance(entry, MedicationRegimen):
        name = w.drug_name(entry.drug, entry.drug_other)
        dose = w.dose(entry.strength, entry.unit, entry.doses_per_day)
        since = w.treatment_date(entry.started_on)
        if entry.stopped_on:
            line = gettext("From %(since)s to %(until)s", since=since,
                           until=w.treatment_date(entry.stopped_on))
        else:
            line = gettext("From %(since)s", since=since)
        return gettext("%(name)s: %(dose)s", name=name, dose=dose), [line]
    elif isinstance(entry, Surgery):
        event = _surgery_event(entry)
    else:
        regimen = db.session.get(MedicationRegimen, entry.regimen_id)
        name = w.drug_name(regimen.drug, regimen.drug_other)
        doses = ngettext("%(num)d dose", "%(num)d doses", entry.count)
        status = w.DOSE_STATUSES.get(entry.status, entry.status)
        return gettext("%(name)s: %(status)s, %(doses)s", name=name, status=status.lower(),
                       doses=doses), [w.treatment_date(entry.day)]
    return gettext("%(title)s, %(day)s", title=event.title, day=event.date_label), event.details
