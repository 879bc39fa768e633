"""What the treatment choices are called, and how treatments read back, in one place."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from diary.i18n import gettext, lazy_gettext, medium_date, ngettext
from diary.models.treatment import (
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


class LabelTable(dict):
    """A label table read in the reader's language: its values are `lazy_gettext` strings, and
    looking one up (`table[code]`, `table.get(code)`) gives a plain, translated `str`, which
    files and joins can use (docs/wording.md, Strings). Iterating `items()` keeps them lazy,
    for form choices built at import."""

    def __getitem__(self, key):
        return str(super().__getitem__(key))

    def get(self, key, default=None):
        return self[key] if key in self else default


PRODUCTS = LabelTable({
    ToxinProduct.BOTOX: lazy_gettext("Botox (onabotulinumtoxinA)"),
    ToxinProduct.DYSPORT: lazy_gettext("Dysport (abobotulinumtoxinA)"),
    ToxinProduct.XEOMIN: lazy_gettext("Xeomin (incobotulinumtoxinA)"),
    ToxinProduct.OTHER: lazy_gettext("Another product"),
    ToxinProduct.UNKNOWN: lazy_gettext("Not known"),
})
PRODUCT_SHORT = LabelTable({
    ToxinProduct.BOTOX: lazy_gettext("Botox"),
    ToxinProduct.DYSPORT: lazy_gettext("Dysport"),
    ToxinProduct.XEOMIN: lazy_gettext("Xeomin"),
    ToxinProduct.OTHER: lazy_gettext("another product"),
    ToxinProduct.UNKNOWN: lazy_gettext("product not known"),
})

# Everyday words first, the muscle's name second (docs/wording.md, Plain words first).
MUSCLES = LabelTable({
    InjectionMuscle.OO_PRETARSAL_UPPER: lazy_gettext(
        "Muscle around the eye, upper lid (orbicularis oculi, pretarsal)"),
    InjectionMuscle.OO_PRETARSAL_LOWER: lazy_gettext(
        "Muscle around the eye, lower lid (orbicularis oculi, pretarsal)"),
    InjectionMuscle.OO_PRESEPTAL_UPPER: lazy_gettext(
        "Muscle around the eye, between upper lid and brow (orbicularis oculi, preseptal)"),
    InjectionMuscle.OO_PRESEPTAL_LOWER: lazy_gettext(
        "Muscle around the eye, between lower lid and cheek (orbicularis oculi, preseptal)"),
    InjectionMuscle.ZYGOMATICUS: lazy_gettext("Cheek muscle that lifts the mouth corner (zygomaticus)"),
    InjectionMuscle.RISORIUS: lazy_gettext("Muscle that pulls the mouth corner outward (risorius)"),
    InjectionMuscle.ORBICULARIS_ORIS: lazy_gettext("Muscle around the mouth (orbicularis oris)"),
    InjectionMuscle.LEVATOR_LABII: lazy_gettext("Muscle that lifts the upper lip (levator labii)"),
    InjectionMuscle.MENTALIS: lazy_gettext("Chin muscle (mentalis)"),
    InjectionMuscle.FRONTALIS: lazy_gettext("Forehead muscle (frontalis)"),
    InjectionMuscle.CORRUGATOR: lazy_gettext("Muscle between the brows (corrugator)"),
    InjectionMuscle.PLATYSMA: lazy_gettext("Neck muscle (platysma)"),
})
SITE_SIDES = LabelTable({
    SiteSide.AFFECTED: lazy_gettext("Affected side"),
    SiteSide.OTHER: lazy_gettext("Other side"),
})
SIDE_EFFECTS = LabelTable({
    ToxinSideEffect.PTOSIS: lazy_gettext("Drooping eyelid"),
    ToxinSideEffect.TEARING: lazy_gettext("Tearing"),
    ToxinSideEffect.INCOMPLETE_EYE_CLOSURE: lazy_gettext("Eye not closing fully"),
    ToxinSideEffect.FACIAL_WEAKNESS: lazy_gettext("Facial weakness"),
    ToxinSideEffect.OTHER: lazy_gettext("Other"),
})

DRUGS = LabelTable({
    Drug.GABAPENTIN: lazy_gettext("Gabapentin"),
    Drug.CARBAMAZEPINE: lazy_gettext("Carbamazepine"),
    Drug.CLONAZEPAM: lazy_gettext("Clonazepam"),
    Drug.OXCARBAZEPINE: lazy_gettext("Oxcarbazepine"),
    Drug.LAMOTRIGINE: lazy_gettext("Lamotrigine"),
    Drug.BACLOFEN: lazy_gettext("Baclofen"),
    Drug.LEVETIRACETAM: lazy_gettext("Levetiracetam"),
    Drug.LACOSAMIDE: lazy_gettext("Lacosamide"),
    Drug.OTHER: lazy_gettext("Another drug"),
})
UNITS = LabelTable({
    DoseUnit.MG: lazy_gettext("mg"),
    DoseUnit.MCG: lazy_gettext("µg"),
    DoseUnit.G: lazy_gettext("g"),
    DoseUnit.ML: lazy_gettext("ml"),
})
DOSE_STATUSES = LabelTable({
    DoseStatus.TAKEN_AS_PLANNED: lazy_gettext("Taken as planned"),
    DoseStatus.MISSED: lazy_gettext("Missed"),
    DoseStatus.EXTRA: lazy_gettext("Extra dose"),
})

SURGERY_TYPES = LabelTable({
    SurgeryType.MVD: lazy_gettext("Microvascular decompression (MVD)"),
    SurgeryType.REDO_MVD: lazy_gettext("Redo MVD"),
    SurgeryType.OTHER: lazy_gettext("Other operation"),
})
SURGERY_SIDES = LabelTable({SurgerySide.LEFT: lazy_gettext("Left"), SurgerySide.RIGHT: lazy_gettext("Right")})
VESSELS = LabelTable({
    Vessel.AICA: lazy_gettext("AICA (anterior inferior cerebellar artery)"),
    Vessel.PICA: lazy_gettext("PICA (posterior inferior cerebellar artery)"),
    Vessel.VERTEBRAL_ARTERY: lazy_gettext("Vertebral artery"),
    Vessel.BASILAR_ARTERY: lazy_gettext("Basilar artery"),
    Vessel.SCA: lazy_gettext("SCA (superior cerebellar artery)"),
    Vessel.VEIN: lazy_gettext("A vein"),
    Vessel.OTHER: lazy_gettext("Other"),
    Vessel.UNKNOWN: lazy_gettext("Not known"),
})
TECHNIQUES = LabelTable({
    Technique.INTERPOSITION: lazy_gettext("A pad put between the vessel and the nerve (interposition)"),
    Technique.TRANSPOSITION: lazy_gettext("The vessel moved away from the nerve (transposition)"),
    Technique.OTHER: lazy_gettext("Other"),
})
IMPLANTS = LabelTable({
    Implant.TEFLON_FELT: lazy_gettext("Teflon felt"),
    Implant.IVALON_SPONGE: lazy_gettext("Ivalon sponge"),
    Implant.MUSCLE: lazy_gettext("A piece of muscle"),
    Implant.SLING: lazy_gettext("Sling"),
    Implant.OTHER: lazy_gettext("Other"),
})
COMPLICATIONS = LabelTable({
    Complication.FACIAL_WEAKNESS: lazy_gettext("Facial weakness"),
    Complication.HEARING_CHANGE: lazy_gettext("Change in hearing"),
    Complication.CSF_LEAK: lazy_gettext("Leak of the fluid around the brain (CSF leak)"),
    Complication.OTHER: lazy_gettext("Other"),
})
# House-Brackmann grades (docs/clinical.md, House-Brackmann grade).
HOUSE_BRACKMANN = LabelTable({
    1: lazy_gettext("I: normal"),
    2: lazy_gettext("II: slight weakness"),
    3: lazy_gettext("III: obvious weakness, the eye closes with effort"),
    4: lazy_gettext("IV: the eye does not close fully"),
    5: lazy_gettext("V: barely perceptible movement"),
    6: lazy_gettext("VI: no movement"),
})
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}


def treatment_date(day: date) -> str:
    """A date as a patient reads it in a list: "10 March 2026" (docs/wording.md, Dates)."""
    return medium_date(day)


def amount(value: Decimal | None) -> str:
    """A number without trailing zeros: 20, 2.5, 0.25."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def units(value: Decimal) -> str:
    """Toxin units: "20 U"."""
    return gettext("%(amount)s U", amount=amount(value))


def total_and_sites(total: Decimal, site_sum: Decimal) -> str:
    """A total that its sites do not add up to, both as entered: "25 U total, sites add up to 10 U"."""
    return gettext("%(total)s total, sites add up to %(sites)s", total=units(total), sites=units(site_sum))


def product_name(product: str, product_other: str | None) -> str:
    """The product as it is shown beside its units."""
    if product == ToxinProduct.OTHER and product_other:
        return product_other
    return PRODUCT_SHORT.get(product, product)


def drug_name(drug: str, drug_other: str | None) -> str:
    """The drug's name, the patient's own words for another drug."""
    if drug == Drug.OTHER and drug_other:
        return drug_other
    return DRUGS.get(drug, drug)


def dose(strength: Decimal, unit: str, doses_per_day: int) -> str:
    """A regimen's dose: "300 mg, 3 times a day"."""
    times = ngettext("once a day", "%(num)d times a day", doses_per_day)
    return gettext("%(strength)s %(unit)s, %(times)s", strength=amount(strength),
                   unit=UNITS.get(unit, unit), times=times)


def labels(values: list[str] | tuple[str, ...], names: dict[str, str]) -> str:
    """Known values by their label, unknown ones as they are."""
    return ", ".join(str(names.get(v, v)) for v in values)


# A treatment entry's earlier values (a revision's snapshot), as lines of text -------------


def describe_treatment(values: dict, entry_type: str) -> list[str]:
    """An injection, regimen, dose record or operation as it was before a change.

    The snapshot is plain JSON (models/treatment.py, snapshot()); numbers come back as
    numbers, so they are shown through Decimal like the entry's own page shows them.
    """
    if entry_type == "injection":
        name = product_name(values["product"], values.get("product_other"))
        lines = [gettext("Product: %(name)s", name=name)]
        if values.get("total_units") is not None:
            lines.append(gettext("Total: %(units)s", units=units(Decimal(str(values["total_units"])))))
        for site in values.get("sites") or []:
            where = MUSCLES.get(site["muscle"], site["muscle"])
            side = SITE_SIDES.get(site["side"], site["side"])
            amount_text = units(Decimal(str(site["units"]))) if site.get("units") is not None else ""
            # One message per side rather than a lowercased label (docs/wording.md, Strings).
            if site["side"] == SiteSide.AFFECTED:
                line = gettext("Site: %(where)s, affected side %(units)s", where=where,
                               units=amount_text)
            elif site["side"] == SiteSide.OTHER:
                line = gettext("Site: %(where)s, other side %(units)s", where=where,
                               units=amount_text)
            else:
                line = gettext("Site: %(where)s, %(side)s %(units)s", where=where,
                               side=side.lower(), units=amount_text)
            lines.append(line.rstrip())
    elif entry_type == "medication_regimen":
        strength = Decimal(str(values["strength"]))
        lines = [
            gettext("Medicine: %(name)s", name=drug_name(values["drug"], values.get("drug_other"))),
            gettext("Dose: %(dose)s", dose=dose(strength, values["unit"], values["doses_per_day"])),
        ]
        if values.get("stopped_on"):
            stopped = treatment_date(date.fromisoformat(values["stopped_on"]))
            lines.append(gettext("Stopped: %(day)s", day=stopped))
    elif entry_type == "dose_log":
        status = DOSE_STATUSES.get(values["status"], values["status"])
        lines = [gettext("Doses: %(status)s", status=status)]
    elif entry_type == "surgery":
        kind = SURGERY_TYPES.get(values["surgery_type"], values["surgery_type"])
        lines = [gettext("Operation: %(kind)s", kind=kind)]
        if values.get("side"):
            lines.append(gettext("Side: %(side)s", side=SURGERY_SIDES.get(values["side"], values["side"])))
        if values.get("surgeon") or values.get("centre"):
            who = ", ".join(v for v in (values.get("surgeon"), values.get("centre")) if v)
            lines.append(gettext("By: %(who)s", who=who))
    else:
        return []
    if values.get("note"):
        lines.append(gettext("Note: %(note)s", note=values["note"]))
    return lines
