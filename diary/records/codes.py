"""Every code system the FHIR export uses, and every code it may send from each.

The one list that docs/fhir.md documents and the tests check a Bundle against: a code that
is not here is a bug, whether in the Bundle or in the docs. Where no standard code truly fits
(a self-counted number of facial spasms has no LOINC code), the code comes from a system of
the app's own, under a stable URL that never changes meaning.
"""

from __future__ import annotations

from diary.models.clinic import Hearing
from diary.models.treatment import DoseUnit, Drug, InjectionMuscle, SurgeryType, ToxinProduct
from diary.trajectory import rules

APP_BASE = "https://spasm-diary.example/fhir/CodeSystem"

# External systems.
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
UCUM = "http://unitsofmeasure.org"
ATC = "http://www.whocc.no/atc"

# The app's own systems.
DIARY = f"{APP_BASE}/diary"
TOXIN_PRODUCT = f"{APP_BASE}/toxin-product"
DRUG = f"{APP_BASE}/drug"
INJECTION_SITE = f"{APP_BASE}/injection-site"
SURGERY_TYPE = f"{APP_BASE}/surgery-type"
OUTCOME_CLASS = f"{APP_BASE}/outcome-class"
BASELINE_SOURCE = f"{APP_BASE}/baseline-source"
HEARING = f"{APP_BASE}/hearing"

# Extensions of the app's own: the units an injection's sites add up to, sent beside a
# total they disagree with (docs/fhir.md, Injections).
SITE_UNITS_SUM = "https://spasm-diary.example/fhir/StructureDefinition/site-units-sum"

# Identifier systems (not code systems): the account number inside this installation.
ACCOUNT_IDENTIFIER = "https://spasm-diary.example/fhir/NamingSystem/account"
# A clinic's hospital numbers: this prefix, the clinic's id, "/mrn" (docs/fhir.md, Patient).
CLINIC_MRN_SYSTEM_PREFIX = "https://spasm-diary.example/fhir/NamingSystem/clinic"

# Codes of the app's "diary" system, with their meaning (the docs print these).
DIARY_CODES = {
    "check-in": "Daily diary check-in of hemifacial spasm",
    "spasm-count": "Number of spasms on the diary day, counted by the patient",
    "diary-day": "A logged diary day: its number of spasms by the day rule",
    "check-in-spasm-count": "Number of spasms the patient gave in the check-in",
    "episode-count": "Number of single spasms logged with \"Spasm now\" that day",
    "spasm-episode": "One spasm logged as it happened (\"Spasm now\")",
    "spasm-duration": "How long this one spasm lasted",
    "typical-duration": "Typical duration of one spasm that day",
    "jrs-severity-self-rated": "Jankovic Rating Scale severity 0-4, rated by the patient",
    "jrs-frequency-self-rated": "Jankovic Rating Scale frequency 0-4, rated by the patient",
    "follow-up-assessment": "Clinician's follow-up assessment after treatment",
    "smc-grade": "Samsung Medical Center (SMC, Lee's) grade I-IV of remaining spasm (1-4)",
    "house-brackmann-grade": "House-Brackmann facial nerve grade I-VI (1-6)",
    "hearing": "Hearing on the operated side",
    "outcome-class": "Outcome class as judged by the clinician",
    "recurrence": "Spasms returned after a remission",
    "remission-summary": "The diary's remission summary, computed as the clinic's pages show it",
    "baseline-spasms-per-day": "Baseline change is measured against, spasms per logged day",
    "pre-op-window-spasms-per-day": "The 28 days before surgery, spasms per logged day, used or not",
    "pre-op-window-toxin-suppressed": "Botulinum toxin was still working in the 28 days before surgery",
    "last-28-days-spasms-per-day": "The last 28 days, spasms per logged day",
    "last-28-days-logged-days": "Logged days of the last 28",
    "percent-change": "Change from baseline in per cent (negative is fewer spasms)",
    "computed-outcome-class": "Outcome class computed from the diary",
}

# Where the baseline of a remission summary came from (docs/trajectory.md, Which baseline is used).
BASELINE_SOURCES = {
    "diary": "The 28 days before surgery",
    "untreated": "Toxin-free days of the six months before surgery",
    "clinician": "Entered by the clinic",
}

# ATC codes of the drugs the app knows (WHO ATC index); every toxin product is M03AX01.
ATC_CODES = {
    "M03AX01": "botulinum toxin",
    "N03AX12": "gabapentin",
    "N03AF01": "carbamazepine",
    "N03AE01": "clonazepam",
    "N03AF02": "oxcarbazepine",
    "N03AX09": "lamotrigine",
    "M03BX01": "baclofen",
    "N03AX14": "levetiracetam",
    "N03AX18": "lacosamide",
}
DRUG_ATC = {
    Drug.GABAPENTIN: "N03AX12",
    Drug.CARBAMAZEPINE: "N03AF01",
    Drug.CLONAZEPAM: "N03AE01",
    Drug.OXCARBAZEPINE: "N03AF02",
    Drug.LAMOTRIGINE: "N03AX09",
    Drug.BACLOFEN: "M03BX01",
    Drug.LEVETIRACETAM: "N03AX14",
    Drug.LACOSAMIDE: "N03AX18",
}
BOTULINUM_TOXIN_ATC = "M03AX01"

# UCUM codes for the diary's units (UCUM writes micrograms "ug" and millilitres "mL").
UCUM_FOR_UNIT = {DoseUnit.MG: "mg", DoseUnit.MCG: "ug", DoseUnit.G: "g", DoseUnit.ML: "mL"}
SECONDS = "s"
PER_DAY = "/d"
PERCENT = "%"

# The HL7 v2 identifier types (table 0203): a clinic's hospital number is a medical record
# number, "MR" (docs/fhir.md, Patient).
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
MEDICAL_RECORD_NUMBER = "MR"

# Every system, with every code the export may send from it.
SYSTEMS: dict[str, frozenset[str]] = {
    OBSERVATION_CATEGORY: frozenset({"survey", "exam"}),
    UCUM: frozenset({SECONDS, PER_DAY, PERCENT, *UCUM_FOR_UNIT.values()}),
    ATC: frozenset(ATC_CODES),
    DIARY: frozenset(DIARY_CODES),
    TOXIN_PRODUCT: frozenset(p.value for p in ToxinProduct),
    DRUG: frozenset(d.value for d in Drug),
    INJECTION_SITE: frozenset(m.value for m in InjectionMuscle),
    SURGERY_TYPE: frozenset(s.value for s in SurgeryType),
    OUTCOME_CLASS: frozenset(rules.OUTCOMES),
    BASELINE_SOURCE: frozenset(BASELINE_SOURCES),
    HEARING: frozenset(h.value for h in Hearing),
    IDENTIFIER_TYPE: frozenset({MEDICAL_RECORD_NUMBER}),
}


def coding(system: str, code: str, display: str | None = None) -> dict:
    """One FHIR Coding; refuses a code the system's list does not hold."""
    if code not in SYSTEMS[system]:
        raise ValueError(f"{code!r} is not a documented code of {system}")
    result = {"system": system, "code": code}
    if display:
        result["display"] = display
    return result


def concept(system: str, code: str, display: str | None = None, text: str | None = None) -> dict:
    """A CodeableConcept of one coding, with its text."""
    result = {"coding": [coding(system, code, display)]}
    if text or display:
        result["text"] = text or display
    return result
