"""The outcome classes and the time-to-remission groups as a person reads them.

diary/trajectory is pure (it may not import diary.i18n, docs/architecture.md, Pure modules):
its English names in `rules.CLASS_LABELS` and `rules.TIME_GROUPS` stay the keys and the words
of the files (CSV, FHIR). Pages, mail and the JSON a page reads take these tables instead,
translated when read (docs/wording.md, Strings).
"""

from __future__ import annotations

from typing import Any

from diary.i18n import lazy_gettext
from diary.trajectory import rules

CLASS_LABELS: dict[str, Any] = {
    rules.SPASM_FREE: lazy_gettext("Spasm-free"),
    rules.REDUCED_90: lazy_gettext("At least 90% fewer"),
    rules.REDUCED_50: lazy_gettext("At least 50% fewer"),
    rules.UNCHANGED_OR_WORSE: lazy_gettext("Less than 50% fewer or worse"),
    rules.BASELINE_SUPPRESSED: lazy_gettext("Uncertain: baseline under toxin"),
    rules.NO_BASELINE: lazy_gettext("No baseline before surgery"),
    rules.NO_SURGERY: lazy_gettext("No surgery to measure against"),
    rules.NOT_ENOUGH_DATA: lazy_gettext("Not enough diary"),
}

TIME_GROUP_LABELS: dict[str, Any] = {
    "under_7_days": lazy_gettext("Under 7 days"),
    "7_days_to_1_month": lazy_gettext("7 days to 1 month"),
    "1_to_3_months": lazy_gettext("1 to 3 months"),
    "3_to_6_months": lazy_gettext("3 to 6 months"),
    "6_to_12_months": lazy_gettext("6 to 12 months"),
    "over_12_months": lazy_gettext("Over 12 months"),
}


def class_label(outcome: str) -> str:
    """An outcome class in the reader's language (an unknown key as it is)."""
    return str(CLASS_LABELS.get(outcome, outcome))


def time_group_label(key: str) -> str:
    """A time-to-remission group in the reader's language (an unknown key as it is)."""
    return str(TIME_GROUP_LABELS.get(key, key))
