"""Treatment rules on plain values: what is refused, what only earns a warning, which surgery counts.

No Flask and no database here: the services load what a rule needs and pass it in, and the
tests call the rules directly. A refusal is an impossible value (nothing is saved); a warning
is an unusual one, shown once and saved when the patient confirms.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol, TypeVar

from diary.i18n import gettext, lazy_gettext, ngettext
from diary.models.treatment import (
    MAX_DOSES_PER_DAY,
    MAX_STRENGTH,
    MAX_UNITS,
    Complication,
    DoseStatus,
    DoseUnit,
    Drug,
    Implant,
    InjectionMuscle,
    SiteSide,
    SurgerySide,
    SurgeryType,
    Technique,
    ToxinProduct,
    ToxinSideEffect,
    Vessel,
)
from diary.treatments.values import (
    DoseChangeValues,
    DoseValues,
    InjectionValues,
    OtherInjection,
    Period,
    RegimenValues,
    SurgeryValues,
)
from diary.treatments.wording import (
    PRODUCT_SHORT,
    amount,
    drug_name,
    product_name,
    treatment_date,
    units,
)

# No treatment in this diary predates this; an earlier year is a typing error.
EARLIEST_DAY = date(1900, 1, 1)

# A typical HFS session (docs/clinical.md, Doses): about 10-35 U of Botox (Xeomin ~1:1),
# Dysport roughly 25-100 U. Outside these a total earns a warning, never a refusal.
TYPICAL_SESSION_UNITS: dict[str, tuple[int, int]] = {
    ToxinProduct.BOTOX: (10, 35),
    ToxinProduct.XEOMIN: (10, 35),
    ToxinProduct.DYSPORT: (25, 100),
}
# Reinjection is conventionally no more often than every 12 weeks and the label limit counts
# 30 days (docs/clinical.md, Effect over time); an injection within 30 days of another is worth a second look.
CLOSE_INJECTION_DAYS = 30

# mg per day reported for HFS (docs/clinical.md, Oral drugs; weak evidence): a warning, never a
# refusal. (low, high); None where the source gives no bound.
DAILY_MG_RANGES: dict[str, tuple[Decimal | None, Decimal | None]] = {
    Drug.GABAPENTIN: (Decimal(900), Decimal(1600)),
    Drug.CARBAMAZEPINE: (None, Decimal(800)),
    Drug.CLONAZEPAM: (None, Decimal(1)),  # 0.5 mg twice daily
    Drug.LACOSAMIDE: (None, Decimal(400)),  # 200 mg twice daily
}
MG_PER_UNIT: dict[str, Decimal] = {
    DoseUnit.MG: Decimal(1),
    DoseUnit.MCG: Decimal("0.001"),
    DoseUnit.G: Decimal(1000),
}


def _known(choices: type[enum.StrEnum]) -> frozenset[str]:
    """The stored values of an enumeration (`in` on the enum itself warns on Python 3.11)."""
    return frozenset(member.value for member in choices)


# Read in the reader's language when a refusal is made (docs/wording.md, Strings).
FUTURE = lazy_gettext("This date is in the future: record a treatment once it has happened.")
TOO_EARLY = lazy_gettext("Please check the year.")


class Problems(dict[str, str]):
    """Refusals by form field name; the first message for a field wins."""

    def add(self, field: str, message: str) -> None:
        """Keep the message unless the field already has one: as plain text, so that a lazy
        message is translated now, in the reader's language (docs/wording.md, Strings)."""
        self.setdefault(field, str(message))

    def date(self, field: str, day: date | None, today: date) -> None:
        """Refuse a date in the future or before any plausible treatment."""
        if day is None:
            return
        if day > today:
            self.add(field, FUTURE)
        elif day < EARLIEST_DAY:
            self.add(field, TOO_EARLY)


# Injections ------------------------------------------------------------------------------


def units_in_range(value: Decimal | None) -> bool:
    """Possible toxin units: more than 0 and at most MAX_UNITS."""
    return value is None or (value.is_finite() and 0 < value <= MAX_UNITS)


UNITS_RANGE = lazy_gettext("Units must be more than 0 and at most %(max)s.", max=MAX_UNITS)


def injection_problems(values: InjectionValues, today: date) -> Problems:
    """Everything impossible about an injection, by field."""
    problems = Problems()
    problems.date("injected_on", values.injected_on, today)
    if values.product not in _known(ToxinProduct):
        problems.add("product", gettext("Choose the product, or “Not known”."))
    elif values.product == ToxinProduct.OTHER and not values.product_other:
        problems.add("product_other", gettext("Give the name of the other product."))
    if not units_in_range(values.total_units):
        problems.add("total_units", UNITS_RANGE)

    seen: set[tuple[str, str]] = set()
    for site in values.sites:
        prefix = f"sites-{site.row}"
        if site.muscle not in _known(InjectionMuscle):
            problems.add(f"{prefix}-muscle", gettext("Choose a muscle from the list."))
        elif (site.muscle, site.side) in seen:
            problems.add(f"{prefix}-muscle", gettext("This site is already listed above."))
        if site.side not in _known(SiteSide):
            problems.add(f"{prefix}-side", gettext("Choose the affected or the other side."))
        if not units_in_range(site.units):
            problems.add(f"{prefix}-units", UNITS_RANGE)
        seen.add((site.muscle, site.side))


    _effect_problems(values, today, problems)
    if any(effect not in _known(ToxinSideEffect) for effect in values.side_effects):
        problems.add("side_effects", gettext("Choose side effects from the list."))
    return problems


def _effect_problems(values: InjectionValues, today: date, problems: Problems) -> None:
    """The effect begins, peaks and wears off in that order, after the injection.

    Each refusal is one whole sentence, so that a translation can order its words
    (docs/wording.md, Strings)."""
    steps = [
        ("effect_began_on", values.effect_began_on),
        ("best_effect_on", values.best_effect_on),
        ("wore_off_on", values.wore_off_on),
    ]
    earlier: tuple[str, date] | None = None
    for field, day in steps:
        if day is None:
            continue
        problems.date(field, day, today)
        if day < values.injected_on:
            problems.add(field, _before_injection(field, treatment_date(values.injected_on)))
        elif earlier is not None and day < earlier[1]:
            problems.add(field, _before_earlier(field, earlier[0], treatment_date(earlier[1])))
        earlier = (field, day)


def _before_injection(field: str, day: str) -> str:
    """An effect's date before the injection's."""
    if field == "effect_began_on":
        return gettext("The effect cannot begin before the injection on %(day)s.", day=day)
    if field == "best_effect_on":
        return gettext("The best effect cannot come before the injection on %(day)s.", day=day)
    return gettext("The effect cannot wear off before the injection on %(day)s.", day=day)


def _before_earlier(field: str, earlier: str, day: str) -> str:
    """An effect's date before an earlier step's (`earlier` is that step's field)."""
    if field == "best_effect_on":
        return gettext("The best effect cannot come before it began (%(day)s).", day=day)
    if earlier == "effect_began_on":
        return gettext("The effect cannot wear off before it began (%(day)s).", day=day)
    return gettext("The effect cannot wear off before the best effect (%(day)s).", day=day)


def sites_disagree(total: Decimal | None, site_units: Iterable[Decimal | None]) -> Decimal | None:
    """The sites' units added up, when they disagree with the session's total; else None.

    Both numbers are kept as entered: neither is known to be the wrong one (docs/fhir.md,
    Injections). They disagree when every site has its units and these add up to another
    number than the total, or when the sites whose units are known already exceed it (a
    site without units may hold the rest of a larger total).
    """
    site_units = list(site_units)
    known = [u for u in site_units if u is not None]
    if total is None or not known:
        return None
    site_sum = sum(known, Decimal(0))
    every_site_known = len(known) == len(site_units)
    if site_sum > total or (every_site_known and site_sum != total):
        return site_sum
    return None


def injection_warnings(values: InjectionValues, others: Sequence[OtherInjection]) -> list[str]:
    """Unusual but possible: a total outside the product's typical range, a total that is not
    the sum of its sites, injections close together."""
    warnings = []
    # Only possible amounts are added up (the refusals come first): a sum of huge numbers
    # overflows the decimal context.
    site_sum = sites_disagree(values.total_units, [s.units for s in values.sites])
    if site_sum is not None:
        warnings.append(gettext(
            "The units per site add up to %(sites)s, not the total of %(total)s. Please check "
            "them: both are kept as you entered them.",
            sites=units(site_sum), total=units(values.total_units),
        ))
    session = values.session_units
    typical = TYPICAL_SESSION_UNITS.get(values.product)
    if session is not None and typical is not None:
        low, high = typical
        if not low <= session <= high:
            words = dict(units=units(session), low=low, high=high,
                         product=PRODUCT_SHORT[values.product])
            if session > high:
                warnings.append(gettext(
                    "%(units)s is more than the %(low)s–%(high)s U usually given in one session "
                    "with %(product)s. Please check the number and the product.", **words))
            else:
                warnings.append(gettext(
                    "%(units)s is less than the %(low)s–%(high)s U usually given in one session "
                    "with %(product)s. Please check the number and the product.", **words))
    close = [
        o for o in others if abs((o.injected_on - values.injected_on).days) <= CLOSE_INJECTION_DAYS
    ]
    if close:
        nearest = min(close, key=lambda o: abs((o.injected_on - values.injected_on).days))
        gap = abs((nearest.injected_on - values.injected_on).days)
        window = [(o.product, o.product_other, o.units) for o in close]
        window.append((values.product, values.product_other, session))
        totals = units_by_product(window)
        listed = ", ".join(gettext("%(units)s %(product)s", units=units(u), product=name)
                           for name, u in totals.items())
        warnings.append(_close_injection(treatment_date(nearest.injected_on), gap, listed))
    return warnings


def _close_injection(day: str, gap: int, listed: str) -> str:
    """The warning of an injection close to another: each variant one whole message, so that
    a translation can order its words (docs/wording.md, Strings)."""
    words = dict(day=day, days=CLOSE_INJECTION_DAYS, listed=listed)
    if gap == 0 and listed:
        return gettext(
            "Another injection is recorded on %(day)s (the same day). Injections are usually "
            "at least 12 weeks apart. Within these %(days)d days: %(listed)s.", **words)
    if gap == 0:
        return gettext(
            "Another injection is recorded on %(day)s (the same day). Injections are usually "
            "at least 12 weeks apart.", **words)
    if listed:
        return ngettext(
            "Another injection is recorded on %(day)s (%(num)d day apart). Injections are "
            "usually at least 12 weeks apart. Within these %(days)d days: %(listed)s.",
            "Another injection is recorded on %(day)s (%(num)d days apart). Injections are "
            "usually at least 12 weeks apart. Within these %(days)d days: %(listed)s.",
            gap, **words)
    return ngettext(
        "Another injection is recorded on %(day)s (%(num)d day apart). Injections are "
        "usually at least 12 weeks apart.",
        "Another injection is recorded on %(day)s (%(num)d days apart). Injections are "
        "usually at least 12 weeks apart.",
        gap, **words)


def units_by_product(
    doses: Iterable[tuple[str, str | None, Decimal | None]],
) -> dict[str, Decimal]:
    """Units summed per product name: units of different products are never added together.

    Botox and Dysport units are not interchangeable (about 1 : 2.5-3, docs/clinical.md, Products and units), so a sum
    across products would be a number with no meaning.
    """
    totals: dict[str, Decimal] = {}
    for product, product_other, value in doses:
        if value is None:
            continue
        name = product_name(product, product_other)
        totals[name] = totals.get(name, Decimal(0)) + value
    return totals


# Medication ------------------------------------------------------------------------------


def daily_mg(strength: Decimal, unit: str, doses_per_day: int) -> Decimal | None:
    """The day's amount in mg, when the unit is a weight."""
    factor = MG_PER_UNIT.get(unit)
    return None if factor is None else strength * factor * doses_per_day


def _dose_problems(
    problems: Problems, strength: Decimal, unit: str, doses: int, times: tuple[str, ...]
) -> None:
    """Strength, unit, doses per day and their times."""
    if not (strength.is_finite() and 0 < strength <= MAX_STRENGTH):
        problems.add("strength", gettext("The strength must be more than 0 and at most %(max)s.",
                                         max=MAX_STRENGTH))
    if unit not in _known(DoseUnit):
        problems.add("unit", gettext("Choose a unit from the list."))
    if not 1 <= doses <= MAX_DOSES_PER_DAY:
        problems.add("doses_per_day", gettext("Doses per day must be between 1 and %(max)d.",
                                              max=MAX_DOSES_PER_DAY))
    elif times and len(times) != doses:
        problems.add(
            "times_of_day",
            ngettext("Give one time for each dose: %(doses)d a day, %(num)d time given.",
                     "Give one time for each dose: %(doses)d a day, %(num)d times given.",
                     len(times), doses=doses),
        )


def regimen_problems(
    values: RegimenValues,
    today: date,
    *,
    previous: Period | None = None,
    following: Period | None = None,
) -> Problems:
    """Everything impossible about a regimen; `previous`/`following` are its dose-change neighbours."""
    problems = Problems()
    if values.drug not in _known(Drug):
        problems.add("drug", gettext("Choose the drug from the list, or “Another drug”."))
    elif values.drug == Drug.OTHER and not values.drug_other:
        problems.add("drug_other", gettext("Give the name of the other drug."))
    _dose_problems(
        problems, values.strength, values.unit, values.doses_per_day, values.times_of_day
    )
    problems.date("started_on", values.started_on, today)
    problems.date("stopped_on", values.stopped_on, today)
    if values.stopped_on is not None and values.stopped_on < values.started_on:
        problems.add(
            "stopped_on",
            gettext("The stop date cannot be before the start (%(day)s).",
                    day=treatment_date(values.started_on)),
        )

    drug = (values.drug, values.drug_other)
    neighbour = previous or following
    if neighbour is not None and drug != (neighbour.drug, neighbour.drug_other):
        problems.add(
            "drug",
            gettext("This dose continues %(drug)s through a dose change. To record another "
                    "drug, add a new medication.",
                    drug=drug_name(neighbour.drug, neighbour.drug_other)),
        )
    if previous is not None and values.started_on <= previous.started_on:
        problems.add(
            "started_on",
            gettext("A dose change must come after the previous dose began (%(day)s).",
                    day=treatment_date(previous.started_on)),
        )
    if following is not None:
        day_before = following.started_on - timedelta(days=1)
        if values.stopped_on != day_before:
            problems.add(
                "stopped_on",
                gettext("This dose ended on %(day)s, the day before the dose change. To move "
                        "that date, edit the change.", day=treatment_date(day_before)),
            )
    return problems


def dose_change_problems(current: RegimenValues, change: DoseChangeValues, today: date) -> Problems:
    """Everything impossible about changing the current regimen's dose."""
    problems = Problems()
    _dose_problems(
        problems, change.strength, change.unit, change.doses_per_day, change.times_of_day
    )
    problems.date("changed_on", change.changed_on, today)
    if change.changed_on <= current.started_on:
        problems.add(
            "changed_on",
            gettext("A dose change must come after this dose began (%(day)s). To correct the "
                    "dose itself, edit it.", day=treatment_date(current.started_on)),
        )
    elif current.stopped_on is not None and change.changed_on > current.stopped_on:
        problems.add(
            "changed_on",
            gettext("This medication was stopped on %(day)s. Add it again as a new "
                    "medication.", day=treatment_date(current.stopped_on)),
        )
    same = (
        change.strength == current.strength
        and change.unit == current.unit
        and change.doses_per_day == current.doses_per_day
        and (not change.times_of_day or change.times_of_day == current.times_of_day)
    )
    if same:
        problems.add(
            "strength",
            gettext("This is the current dose: change the strength, unit or doses per day."),
        )
    return problems


def regimen_warnings(drug: str, strength: Decimal, unit: str, doses_per_day: int) -> list[str]:
    """A day's amount outside the range reported for HFS: a warning, never a refusal."""
    low, high = DAILY_MG_RANGES.get(drug, (None, None))
    per_day = daily_mg(strength, unit, doses_per_day)
    if per_day is None or (low is None and high is None):
        return []
    if (low is None or per_day >= low) and (high is None or per_day <= high):
        return []
    # One whole sentence for each case (docs/wording.md, Strings).
    words = dict(per_day=amount(per_day), low=amount(low), high=amount(high))
    if high is not None and per_day > high and low is None:
        return [gettext(
            "%(per_day)s mg a day is more than the up to %(high)s mg a day reported for "
            "hemifacial spasm. Please check the strength and the doses per day (a dose being "
            "built up slowly can be right).", **words)]
    if high is not None and per_day > high:
        return [gettext(
            "%(per_day)s mg a day is more than the %(low)s–%(high)s mg a day reported for "
            "hemifacial spasm. Please check the strength and the doses per day (a dose being "
            "built up slowly can be right).", **words)]
    if low is None:
        return [gettext(
            "%(per_day)s mg a day is less than the up to %(high)s mg a day reported for "
            "hemifacial spasm. Please check the strength and the doses per day (a dose being "
            "built up slowly can be right).", **words)]
    return [gettext(
        "%(per_day)s mg a day is less than the %(low)s–%(high)s mg a day reported for "
        "hemifacial spasm. Please check the strength and the doses per day (a dose being "
        "built up slowly can be right).", **words)]


def dose_problems(values: DoseValues, regimen: Period, today: date) -> Problems:
    """Everything impossible about a dose record."""
    problems = Problems()
    problems.date("day", values.day, today)
    taking = regimen.started_on <= values.day and (
        regimen.stopped_on is None or values.day <= regimen.stopped_on
    )
    if "day" not in problems and not taking:
        problems.add(
            "day",
            gettext("%(drug)s was not being taken on %(day)s.",
                    drug=drug_name(regimen.drug, regimen.drug_other),
                    day=treatment_date(values.day)),
        )
    if values.status not in _known(DoseStatus):
        problems.add("status", gettext("Choose missed or extra."))
    if not 1 <= values.count <= MAX_DOSES_PER_DAY:
        problems.add("count", gettext("The number of doses must be between 1 and %(max)d.",
                                      max=MAX_DOSES_PER_DAY))
    return problems


# Surgery ---------------------------------------------------------------------------------


def surgery_problems(values: SurgeryValues, today: date) -> Problems:
    """Everything impossible about an operation."""
    problems = Problems()
    if values.surgery_type not in _known(SurgeryType):
        problems.add("surgery_type", gettext("Choose the kind of operation."))
    problems.date("performed_on", values.performed_on, today)
    if values.side not in _known(SurgerySide):
        problems.add("side", gettext("Choose the side that was operated on."))
    if any(v not in _known(Vessel) for v in values.vessels):
        problems.add("vessels", gettext("Choose vessels from the list."))
    elif Vessel.UNKNOWN in values.vessels and len(values.vessels) > 1:
        problems.add("vessels", gettext("“Not known” cannot go together with a named vessel."))
    if values.technique is not None and values.technique not in _known(Technique):
        problems.add("technique", gettext("Choose a technique from the list."))
    if values.implant is not None and values.implant not in _known(Implant):
        problems.add("implant", gettext("Choose an implant from the list."))
    if any(c not in _known(Complication) for c in values.complications):
        problems.add("complications", gettext("Choose complications from the list."))
    grade = values.house_brackmann_grade
    if grade is not None:
        if not 1 <= grade <= 6:
            problems.add("house_brackmann_grade", gettext("The House-Brackmann grade is I to VI."))
        elif Complication.FACIAL_WEAKNESS not in values.complications:
            problems.add(
                "house_brackmann_grade",
                gettext("Tick facial weakness to give its House-Brackmann grade."),
            )
    return problems


class SurgeryLike(Protocol):
    """What reference_surgery reads of an operation."""

    id: int
    surgery_type: str
    performed_on: date
    is_reference: bool


S = TypeVar("S", bound=SurgeryLike)


def reference_surgery(surgeries: Iterable[S]) -> S | None:
    """The operation the trajectory aligns on (docs/decisions.md, Reference surgery).

    The one a clinician marked; else the most recent MVD or redo MVD; else none. Other
    operations never become the reference by themselves. Ties on a date go to the later entry.
    """
    candidates = list(surgeries)
    marked = [s for s in candidates if s.is_reference]
    if marked:
        return max(marked, key=lambda s: (s.performed_on, s.id))
    mvds = [s for s in candidates if s.surgery_type in (SurgeryType.MVD, SurgeryType.REDO_MVD)]
    return max(mvds, key=lambda s: (s.performed_on, s.id)) if mvds else None


# Confirming warnings ---------------------------------------------------------------------


def warnings_token(warnings: Sequence[str]) -> str:
    """A fingerprint of the warnings shown, so that saving again confirms exactly those."""
    return hashlib.sha256("\n".join(warnings).encode()).hexdigest()[:16]
