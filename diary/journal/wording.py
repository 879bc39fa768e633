"""What the diary's choices are called, in the patient's words, and how entries read back.

One place for every label, so the form, the history and the changes view say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

# Dates are formatted in one place; re-exported here for the templates' filters.
from diary.i18n import clock_time, gettext, lazy_gettext, long_date, ngettext, short_date  # noqa: F401
from diary.models.journal import EntryMethod, Region, SpasmType, Trigger

# Typical length of one spasm: value in seconds -> label. Clonic twitches last under a second
# to a few seconds, tonic spasms seconds to minutes (docs/clinical.md, The condition). "Under a
# second" is stored as 1 because the column's CHECK allows 1-3600 seconds only.
DURATION_CHOICES: dict[int, Any] = {
    1: lazy_gettext("Under a second"),
    2: lazy_gettext("1-2 seconds"),
    5: lazy_gettext("About 5 seconds"),
    10: lazy_gettext("About 10 seconds"),
    30: lazy_gettext("About 30 seconds"),
    60: lazy_gettext("About a minute"),
    300: lazy_gettext("Several minutes"),
}

# Jankovic Rating Scale levels (docs/clinical.md, Jankovic Rating Scale (JRS)), in everyday words
# first. Self-rating is common but not validated for HFS, so the form says it is the patient's
# own rating.
JRS_SEVERITY: dict[int, Any] = {
    0: lazy_gettext("None"),
    1: lazy_gettext("More blinking, only with bright light, wind or reading"),
    2: lazy_gettext("Fluttering that comes by itself, noticeable, not disabling"),
    3: lazy_gettext("Clear spasms that get in the way a little"),
    4: lazy_gettext("Spasms that stop you doing things, may spread over the face"),
}
JRS_FREQUENCY: dict[int, Any] = {
    0: lazy_gettext("None"),
    1: lazy_gettext("Slightly more blinking than normal"),
    2: lazy_gettext("Fluttering, each time under a second"),
    3: lazy_gettext("Spasms over a second; the eye is open more than half the day"),
    4: lazy_gettext("The eye is shut by spasms more than half the day"),
}

# Regions of docs/clinical.md (Facial regions), with the muscle a clinician would name beside the plain word.
REGIONS: dict[str, tuple[Any, Any]] = {
    Region.EYE: (lazy_gettext("Eye"), lazy_gettext("Eyelids and the muscle around the eye (orbicularis oculi)")),
    Region.BROW: (lazy_gettext("Brow or forehead"), lazy_gettext("The forehead muscle (frontalis)")),
    Region.CHEEK: (lazy_gettext("Cheek"), lazy_gettext("The muscle that lifts the cheek (zygomaticus)")),
    Region.MOUTH: (lazy_gettext("Mouth corner"), lazy_gettext("Around the mouth and its corner (orbicularis oris, risorius)")),
    Region.CHIN: (lazy_gettext("Chin"), lazy_gettext("The chin muscle (mentalis)")),
    Region.NECK: (lazy_gettext("Neck"), lazy_gettext("The thin muscle at the front of the neck (platysma)")),
}

SIDES: dict[str, Any] = {
    "left": lazy_gettext("Left"),
    "right": lazy_gettext("Right"),
    "both": lazy_gettext("Both sides"),
}

SPASM_TYPES: dict[str, tuple[Any, Any]] = {
    SpasmType.CLONIC: (lazy_gettext("Twitches (clonic)"), lazy_gettext("Brief twitches")),
    SpasmType.TONIC: (
        lazy_gettext("Sustained (tonic)"),
        lazy_gettext("The eye or face stays pulled shut for seconds or longer"),
    ),
    SpasmType.BOTH: (lazy_gettext("Both"), lazy_gettext("Twitches and sustained spasms")),
}

TRIGGERS: dict[str, Any] = {
    Trigger.STRESS: lazy_gettext("Stress"),
    Trigger.FATIGUE: lazy_gettext("Tiredness"),
    Trigger.TALKING: lazy_gettext("Talking"),
    Trigger.CHEWING: lazy_gettext("Chewing"),
    Trigger.SMILING: lazy_gettext("Smiling"),
    Trigger.ANXIETY: lazy_gettext("Anxiety"),
    Trigger.BRIGHT_LIGHT: lazy_gettext("Bright light"),
}

ENTRY_METHODS: dict[str, Any] = {
    EntryMethod.FORM: lazy_gettext("Check-in"),
    EntryMethod.NO_SPASMS_TODAY: lazy_gettext("\"No spasms today\""),
    EntryMethod.NO_SPASMS_SINCE: lazy_gettext("\"No spasms since\""),
}


def spasms(count: int) -> str:
    """ "1 spasm", "3 spasms", "no spasms"."""
    if count == 0:
        return gettext("no spasms")
    return ngettext("%(num)d spasm", "%(num)d spasms", count)


def days(count: int) -> str:
    """ "1 day", "4 days"."""
    return ngettext("%(num)d day", "%(num)d days", count)


def duration_label(seconds: int | None) -> str | None:
    """The words for a typical length; other values (from a timer) as plain seconds."""
    if seconds is None:
        return None
    if seconds in DURATION_CHOICES:
        return str(DURATION_CHOICES[seconds])
    return seconds_label(seconds)


def seconds_label(seconds: int) -> str:
    """A measured length: "1 second", "45 seconds", "2 min 5 s"."""
    if seconds < 60:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    minutes, rest = divmod(seconds, 60)
    if rest:
        return gettext("%(minutes)d min %(seconds)d s", minutes=minutes, seconds=rest)
    return gettext("%(minutes)d min", minutes=minutes)


def _labels(values: list[str] | None, names: Mapping[str, Any]) -> str:
    """Known values by their label, unknown ones as they are."""
    out = []
    for value in values or []:
        name = names.get(value, value)
        out.append(str(name[0] if isinstance(name, tuple) else name))
    return ", ".join(out)


def describe_check_in(values: Mapping[str, Any]) -> list[str]:
    """A check-in (or a revision's snapshot of one) as short lines of text."""
    lines = [gettext("Number of spasms: %(count)s", count=values["spasm_count"])]
    if values.get("typical_duration_seconds") is not None:
        lines.append(gettext("Typical length: %(length)s",
                             length=duration_label(values["typical_duration_seconds"])))
    if values.get("jrs_severity") is not None:
        lines.append(gettext("Severity (self-rated): %(level)s of 4", level=values["jrs_severity"]))
    if values.get("jrs_frequency") is not None:
        lines.append(gettext("Frequency (self-rated): %(level)s of 4", level=values["jrs_frequency"]))
    if values.get("regions"):
        lines.append(gettext("Where: %(regions)s", regions=_labels(values["regions"], REGIONS)))
    if values.get("side"):
        lines.append(gettext("Side: %(side)s", side=str(SIDES.get(values["side"], values["side"]))))
    if values.get("spasm_type"):
        lines.append(gettext("Kind: %(kind)s", kind=_labels([values["spasm_type"]], SPASM_TYPES)))
    triggers = _labels(values.get("triggers"), TRIGGERS)
    if values.get("trigger_other"):
        triggers = ", ".join(t for t in (triggers, values["trigger_other"]) if t)
    if triggers:
        lines.append(gettext("Set off by: %(triggers)s", triggers=triggers))
    if values.get("note"):
        lines.append(gettext("Note: %(note)s", note=values["note"]))
    return lines


def describe_episode(values: Mapping[str, Any]) -> list[str]:
    """A spasm episode (or a revision's snapshot of one) as short lines of text."""
    occurred = values["occurred_at"]
    if isinstance(occurred, str):
        occurred = datetime.fromisoformat(occurred)
    moment = occurred.astimezone(ZoneInfo(values["timezone"]))
    lines = [gettext("Time: %(day)s, %(time)s", day=long_date(moment.date()), time=clock_time(moment))]
    if values.get("duration_seconds") is not None:
        lines.append(gettext("Length: %(length)s", length=seconds_label(values["duration_seconds"])))
    else:
        lines.append(gettext("Length: not given"))
    return lines


def entry_lines(entry: Any, entry_type: str | None = None) -> list[str]:
    """Lines of text for a check-in or episode: a view dataclass or a revision's snapshot.
    (A treatment's snapshot has its own filter, `treatment_lines`.)"""
    values = asdict(entry) if is_dataclass(entry) else entry
    kind = entry_type or ("check_in" if "spasm_count" in values else "spasm_episode")
    return describe_check_in(values) if kind == "check_in" else describe_episode(values)
