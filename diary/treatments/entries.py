"""What every treatment write shares: refusals, confirmations, provenance and revisions.

The services call these inside their one write transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from diary import policy
from diary.errors import NotAllowed, Refused
from diary.extensions import db
from diary.models import EntryRevision, User
from diary.progress.summary import refresh_summary
from diary.reminders.planning import hooks as reminder_hooks
from diary.treatments.rules import warnings_token


class TreatmentRefused(Refused, ValueError):
    """Impossible values: nothing was saved; `errors` says why, by form field (one message
    each; `fields` holds the same as lists, as every Refused)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()), {name: [text] for name, text in errors.items()})
        self.errors = dict(errors)


@dataclass(frozen=True)
class Confirmation:
    """How the user answered warnings: "Save anyway" ticked, or the same warnings saved again."""

    save_anyway: bool = False
    seen: str | None = None

    def accepts(self, warnings: Sequence[str]) -> bool:
        """Whether these warnings may be saved past."""
        return not warnings or self.save_anyway or self.seen == warnings_token(warnings)


@dataclass(frozen=True)
class Saved:
    """The outcome of a save: the entry's id, or None while warnings await confirmation."""

    entry_id: int | None
    warnings: tuple[str, ...] = ()

    @property
    def pending(self) -> bool:
        """Nothing was saved: the warnings must be confirmed first."""
        return self.entry_id is None

    @property
    def token(self) -> str:
        """The fingerprint a second save sends back to confirm these warnings."""
        return warnings_token(self.warnings)


@dataclass(frozen=True)
class NewEntry:
    """A record about to be written, as the policy sees it."""

    patient_id: int


def load_for_write(viewer: User, model: type, entry_id: int | None, patient_id: int | None):
    """The entry to change (entry_id) or None for a new one, and its patient; 404 if not allowed."""
    if entry_id is not None:
        entry = policy.editable_or_404(viewer, model, entry_id)
        return entry, db.session.get(User, entry.patient_id)
    if patient_id is None:
        raise TypeError("a new entry needs the patient's id")
    patient = policy.patient_or_404(viewer, patient_id)
    if not policy.can_edit(viewer, NewEntry(patient.id)):
        raise NotAllowed(f"new entry of patient {patient_id}")
    return None, patient


def refuse(problems: dict[str, str]) -> None:
    """Raise when there is anything to refuse; the write transaction rolls back."""
    if problems:
        raise TreatmentRefused(problems)


def provenance(author_id: int, now: datetime) -> dict[str, Any]:
    """The provenance columns of a new entry."""
    return {
        "created_at": now,
        "updated_at": now,
        "created_by_id": author_id,
        "updated_by_id": author_id,
        "retrospective": False,
        "deleted_at": None,
    }


def open_entry(
    model: type, entry: Any, patient_id: int, author_id: int, now: datetime
) -> tuple[Any, dict | None]:
    """The entry to write: a new one with its provenance, or the existing one and its values before."""
    if entry is not None:
        return entry, entry.snapshot()
    entry = model(patient_id=patient_id, **provenance(author_id, now))
    db.session.add(entry)
    return entry, None


def mark_retrospective(entry: Any, day: date, zone: str, now: datetime) -> None:
    """Entered more than a day after its day (docs/decisions.md, Provenance); counted from creation."""
    entered_on = (entry.created_at or now).astimezone(ZoneInfo(zone)).date()
    entry.retrospective = (entered_on - day).days > 1


def finish(entry: Any, entry_type: str, before: dict | None, author_id: int, now: datetime) -> int:
    """Keep the revision of a changed entry, refresh the summary and replan the reminders it
    moves, and return the entry's id (the caller's write transaction commits)."""
    note_update(entry, entry_type, before, author_id, now)
    db.session.flush()
    entry_id = entry.id
    refresh_summary(entry.patient_id, now=now)
    reminder_hooks.entry_changed(entry)
    return entry_id


def note_update(entry: Any, entry_type: str, before: dict | None, author_id: int, now: datetime):
    """When an existing entry's values changed, keep the old ones as a revision."""
    if before is None or entry.snapshot() == before:
        return
    add_revision(entry, entry_type, "update", before, author_id, now)
    entry.updated_by_id = author_id
    entry.updated_at = now


def soft_delete(entry: Any, entry_type: str, author_id: int, now: datetime) -> None:
    """Hide an entry, keeping its values as a revision."""
    add_revision(entry, entry_type, "delete", entry.snapshot(), author_id, now)
    entry.deleted_at = now
    entry.updated_by_id = author_id


def add_revision(
    entry: Any, entry_type: str, action: str, before: dict, author_id: int, now: datetime
) -> None:
    """An entry's previous values, readable by the patient and the clinic."""
    db.session.add(
        EntryRevision(
            patient_id=entry.patient_id,
            entry_type=entry_type,
            entry_id=entry.id,
            action=action,
            before=before,
            changed_at=now,
            changed_by_id=author_id,
        )
    )


def lock_patient(patient_id: int) -> None:
    """Serialise one patient's dose writes on PostgreSQL; SQLite's BEGIN IMMEDIATE already does."""
    if db.session.get_bind().dialect.name != "sqlite":
        db.session.execute(sa.select(User.id).where(User.id == patient_id).with_for_update())
