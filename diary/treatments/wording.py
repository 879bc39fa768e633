"""What the treatment choices are called, and how treatments read back, in one place."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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

PRODUCTS: dict[str, str] = {
    ToxinProduct.BOTOX: "Botox (onabotulinumtoxinA)",
    ToxinProduct.DYSPORT: "Dysport (abobotulinumtoxinA)",
    ToxinProduct.XEOMIN: "Xeomin (incobotulinumtoxinA)",
    ToxinProduct.OTHER: "Another product",
    ToxinProduct.UNKNOWN: "Not known",
}
PRODUCT_SHORT: dict[str, str] = {
    ToxinProduct.BOTOX: "Botox",
    ToxinProduct.DYSPORT: "Dysport",
    ToxinProduct.XEOMIN: "Xeomin",
    ToxinProduct.OTHER: "another product",
    ToxinProduct.UNKNOWN: "product not known",
}

MUSCLES: dict[str, str] = {
    InjectionMuscle.OO_PRETARSAL_UPPER: "Upper eyelid, near the lashes (orbicularis oculi, pretarsal)",
    InjectionMuscle.OO_PRETARSAL_LOWER: "Lower eyelid, near the lashes (orbicularis oculi, pretarsal)",
    InjectionMuscle.OO_PRESEPTAL_UPPER: "Upper eyelid, towards the brow (orbicularis oculi, preseptal)",
    InjectionMuscle.OO_PRESEPTAL_LOWER: "Lower eyelid, towards the cheek (orbicularis oculi, preseptal)",
    InjectionMuscle.ZYGOMATICUS: "Cheek (zygomaticus)",
    InjectionMuscle.RISORIUS: "Mouth corner, outward (risorius)",
    InjectionMuscle.ORBICULARIS_ORIS: "Around the mouth (orbicularis oris)",
    InjectionMuscle.LEVATOR_LABII: "Upper lip (levator labii)",
    InjectionMuscle.MENTALIS: "Chin (mentalis)",
    InjectionMuscle.FRONTALIS: "Forehead (frontalis)",
    InjectionMuscle.CORRUGATOR: "Between the brows (corrugator)",
    InjectionMuscle.PLATYSMA: "Neck (platysma)",
}
SITE_SIDES: dict[str, str] = {
    SiteSide.AFFECTED: "Affected side",
    SiteSide.OTHER: "Other side",
}
SIDE_EFFECTS: dict[str, str] = {
    ToxinSideEffect.PTOSIS: "Drooping eyelid",
    ToxinSideEffect.TEARING: "Tearing",
    ToxinSideEffect.INCOMPLETE_EYE_CLOSURE: "Eye not closing fully",
    ToxinSideEffect.FACIAL_WEAKNESS: "Facial weakness",
    ToxinSideEffect.OTHER: "Other",
}

DRUGS: dict[str, str] = {
    Drug.GABAPENTIN: "Gabapentin",
    Drug.CARBAMAZEPINE: "Carbamazepine",
    Drug.CLONAZEPAM: "Clonazepam",
    Drug.OXCARBAZEPINE: "Oxcarbazepine",
    Drug.LAMOTRIGINE: "Lamotrigine",
    Drug.BACLOFEN: "Baclofen",
    Drug.LEVETIRACETAM: "Levetiracetam",
    Drug.LACOSAMIDE: "Lacosamide",
    Drug.OTHER: "Another drug",
}
UNITS: dict[str, str] = {
    DoseUnit.MG: "mg",
    DoseUnit.MCG: "µg",
    DoseUnit.G: "g",
    DoseUnit.ML: "ml",
}
DOSE_STATUSES: dict[str, str] = {
    DoseStatus.TAKEN_AS_PLANNED: "Taken as planned",
    DoseStatus.MISSED: "Missed",
    DoseStatus.EXTRA: "Extra dose",
}

SURGERY_TYPES: dict[str, str] = {
    SurgeryType.MVD: "Microvascular decompression (MVD)",
    SurgeryType.REDO_MVD: "Redo MVD",
    SurgeryType.OTHER: "Other operation",
}
SURGERY_SIDES: dict[str, str] = {SurgerySide.LEFT: "Left", SurgerySide.RIGHT: "Right"}
VESSELS: dict[str, str] = {
    Vessel.AICA: "AICA (anterior inferior cerebellar artery)",
    Vessel.PICA: "PICA (posterior inferior cerebellar artery)",
    Vessel.VERTEBRAL_ARTERY: "Vertebral artery",
    Vessel.BASILAR_ARTERY: "Basilar artery",
    Vessel.SCA: "SCA (superior cerebellar artery)",
    Vessel.VEIN: "A vein",
    Vessel.OTHER: "Other",
    Vessel.UNKNOWN: "Not known",
}
TECHNIQUES: dict[str, str] = {
    Technique.INTERPOSITION: "Interposition",
    Technique.TRANSPOSITION: "Transposition",
    Technique.OTHER: "Other",
}
IMPLANTS: dict[str, str] = {
    Implant.TEFLON_FELT: "Teflon felt",
    Implant.IVALON_SPONGE: "Ivalon sponge",
    Implant.MUSCLE: "Muscle",
    Implant.SLING: "Sling",
    Implant.OTHER: "Other",
}
COMPLICATIONS: dict[str, str] = {
    Complication.FACIAL_WEAKNESS: "Facial weakness",
    Complication.HEARING_CHANGE: "Change in hearing",
    Complication.CSF_LEAK: "CSF leak",
    Complication.OTHER: "Other",
}
# House-Brackmann grades (docs/clinical.md, House-Brackmann grade).
HOUSE_BRACKMANN: dict[int, str] = {
    1: "I: normal",
    2: "II: slight weakness",
    3: "III: obvious weakness, the eye closes with effort",
    4: "IV: the eye does not close fully",
    5: "V: barely perceptible movement",
    6: "VI: no movement",
}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}


def treatment_date(day: date) -> str:
    """A date as a patient reads it: "10 March 2026"."""
    return f"{day.day} {day:%B %Y}"


def amount(value: Decimal | None) -> str:
    """A number without trailing zeros: 20, 2.5, 0.25."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def units(value: Decimal) -> str:
    """Toxin units: "20 U"."""
    return f"{amount(value)} U"


def total_and_sites(total: Decimal, site_sum: Decimal) -> str:
    """A total that its sites do not add up to, both as entered: "25 U total, sites add up to 10 U"."""
    return f"{units(total)} total, sites add up to {units(site_sum)}"


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
    times = "once a day" if doses_per_day == 1 else f"{doses_per_day} times a day"
    return f"{amount(strength)} {UNITS.get(unit, unit)}, {times}"


def labels(values: list[str] | tuple[str, ...], names: dict[str, str]) -> str:
    """Known values by their label, unknown ones as they are."""
    return ", ".join(names.get(v, v) for v in values)


# A treatment entry's earlier values (a revision's snapshot), as lines of text -------------


def describe_treatment(values: dict, entry_type: str) -> list[str]:
    """An injection, regimen, dose record or operation as it was before a change.

    The snapshot is plain JSON (models/treatment.py, snapshot()); numbers come back as
    numbers, so they are shown through Decimal like the entry's own page shows them.
    """
    if entry_type == "injection":
        lines = [f"Product: {product_name(values['product'], values.get('product_other'))}"]
        if values.get("total_units") is not None:
            lines.append(f"Total: {units(Decimal(str(values['total_units'])))}")
        for site in values.get("sites") or []:
            where = MUSCLES.get(site["muscle"], site["muscle"])
            side = SITE_SIDES.get(site["side"], site["side"])
            amount_text = units(Decimal(str(site["units"]))) if site.get("units") is not None else ""
            lines.append(f"Site: {where}, {side.lower()} {amount_text}".rstrip())
    elif entry_type == "medication_regimen":
        lines = [
            f"Medicine: {drug_name(values['drug'], values.get('drug_other'))}",
            f"Dose: {dose(Decimal(str(values['strength'])), values['unit'], values['doses_per_day'])}",
        ]
        if values.get("stopped_on"):
            lines.append(f"Stopped: {treatment_date(date.fromisoformat(values['stopped_on']))}")
    elif entry_type == "dose_log":
        lines = [f"Doses: {DOSE_STATUSES.get(values['status'], values['status'])}"]
    elif entry_type == "surgery":
        lines = [f"Operation: {SURGERY_TYPES.get(values['surgery_type'], values['surgery_type'])}"]
        if values.get("side"):
            lines.append(f"Side: {SURGERY_SIDES.get(values['side'], values['side'])}")
        if values.get("surgeon") or values.get("centre"):
            lines.append("By: " + ", ".join(v for v in (values.get("surgeon"), values.get("centre")) if v))
    else:
        return []
    if values.get("note"):
        lines.append(f"Note: {values['note']}")
    return lines
