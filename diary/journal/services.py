"""Diary writes: check-ins, one-tap entries, spasm episodes, edits and deletions.

Every function here is one write transaction, a write_transaction() block (SQLite's write
lock up front), which keeps provenance (who, when, entered later) and the previous values of what
it changes as an EntryRevision, and commits once, so nothing is ever half saved.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from diary import policy
from diary.clock import local_today, utcnow
from diary.database import dialect_insert, lock_patient, write_transaction
from diary.errors import Refused
from diary.extensions import db
from diary.i18n import gettext, lazy_gettext
from diary.journal import queries
from diary.models import CheckIn, EntryRevision, SpasmEpisode, User
from diary.models.journal import EntryMethod
from diary.progress.summary import refresh_summary

# "No spasms since" reaches this many days back (docs/decisions.md, "No spasms since").
NO_SPASMS_SINCE_MAX_DAYS = 14

FUTURE_DAY = lazy_gettext("This day has not come yet: you can only log today or earlier days.")

# The fields a check-in form sets; the rest of the row is provenance.
CHECK_IN_VALUE_COLUMNS = (
    "spasm_count",
    "typical_duration_seconds",
    "jrs_severity",
    "jrs_frequency",
    "regions",
    "side",
    "spasm_type",
    "triggers",
    "trigger_other",
    "note",
    "entry_method",
)


class DiaryError(Refused, ValueError):
    """An entry cannot be saved as asked; the message says why, in the patient's words."""


@dataclass(frozen=True)
class CheckInValues:
    """What the patient says about one day; only the number of spasms is required."""

    day: date
    spasm_count: int
    typical_duration_seconds: int | None = None
    jrs_severity: int | None = None
    jrs_frequency: int | None = None
    regions: list[str] = field(default_factory=list)
    side: str | None = None
    spasm_type: str | None = None
    triggers: list[str] = field(default_factory=list)
    trigger_other: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class NoSpasmsToday:
    """The outcome of the one-tap "No spasms today"."""

    recorded: bool
    # Today's number of spasms when today was already logged (then nothing was written).
    already: int | None = None


@dataclass(frozen=True)
class NoSpasmsSince:
    """The outcome of "No spasms since": the zero days written and the days left as they were."""

    recorded: list[date]
    kept: list[date]


def is_retrospective(day: date, entered_on: date) -> bool:
    """An entry made more than a day after its diary day (docs/decisions.md, Provenance)."""
    return (entered_on - day).days > 1


def save_check_in(
    patient: User,
    author: User,
    values: CheckInValues,
    method: EntryMethod = EntryMethod.FORM,
    *,
    count_only: bool = False,
) -> None:
    """Create or edit the patient's check-in for a day.

    The patient's lock makes two simultaneous submissions leave one row: the second edits
    the first. Editing a live check-in keeps its previous values as a revision; a deleted one
    for that day is revived as a new entry. With count_only (the home page's count box) only
    the number changes: the detail of a live check-in that day stays as it was
    (docs/journal.md, The count box).
    """
    patient_id, zone, author_id = patient.id, patient.timezone, author.id
    with write_transaction():
        now = utcnow()
        today = local_today(zone, now)
        if values.day > today:
            raise DiaryError(str(FUTURE_DAY))
        lock_patient(patient_id)
        existing = db.session.scalar(
            sa.select(CheckIn).where(CheckIn.patient_id == patient_id, CheckIn.day == values.day)
        )
        if count_only and existing is not None and existing.deleted_at is None:
            values = _with_count(existing, values.spasm_count)
        row = _check_in_row(
            patient_id, values, method, author_id, now, is_retrospective(values.day, today)
        )
        if existing is None:
            # Under the patient's lock no other writer can add this day meanwhile, so a plain
            # INSERT does the upsert's work, and SQLAlchemy compiles it once instead of per save.
            db.session.connection().execute(_CHECK_IN_INSERT, row)
        else:
            if existing.deleted_at is None:
                before = existing.snapshot()
                if before != CheckIn(**row).snapshot():
                    _add_revision(patient_id, "check_in", existing.id, "update", before, author_id, now)
            _upsert_check_ins([row])
        refresh_summary(patient_id, now=now, zone=zone)


def _with_count(existing: CheckIn, count: int) -> CheckInValues:
    """A live check-in's values with another number of spasms."""
    kept = {name: getattr(existing, name) for name in CHECK_IN_VALUE_COLUMNS if name != "entry_method"}
    kept["regions"] = list(kept["regions"] or [])
    kept["triggers"] = list(kept["triggers"] or [])
    return CheckInValues(day=existing.day, **{**kept, "spasm_count": count})


def record_no_spasms_today(patient: User, author: User) -> NoSpasmsToday:
    """One tap: today had no spasms. Never overwrites a day that already has an entry."""
    patient_id, zone, author_id = patient.id, patient.timezone, author.id
    with write_transaction():
        now = utcnow()
        today = local_today(zone, now)
        lock_patient(patient_id)
        logged = queries.day_numbers(patient_id, today, today)
        if logged:
            db.session.rollback()
            return NoSpasmsToday(recorded=False, already=logged[0].spasms)
        _upsert_check_ins(
            [_zero_day(patient_id, today, EntryMethod.NO_SPASMS_TODAY, author_id, now, late=False)],
            revive_only=True,
        )
        refresh_summary(patient_id, now=now, zone=zone)
        return NoSpasmsToday(recorded=True)


def record_no_spasms_since(patient: User, author: User, since: date) -> NoSpasmsSince:
    """Explicit zero days from `since` to today, only where the day has no entry at all.

    docs/decisions.md ("No spasms since") marks these days as entered later: every one before today is retrospective.
    """
    patient_id, zone, author_id = patient.id, patient.timezone, author.id
    with write_transaction():
        now = utcnow()
        today = local_today(zone, now)
        if since > today or (today - since).days > NO_SPASMS_SINCE_MAX_DAYS:
            raise DiaryError(gettext("Choose a day from the last %(most)s days.",
                                     most=NO_SPASMS_SINCE_MAX_DAYS))
        lock_patient(patient_id)
        taken = {d.day for d in queries.day_numbers(patient_id, since, today)}
        all_days = [date.fromordinal(n) for n in range(since.toordinal(), today.toordinal() + 1)]
        free = [d for d in all_days if d not in taken]
        if free:
            _upsert_check_ins(
                [
                    _zero_day(patient_id, d, EntryMethod.NO_SPASMS_SINCE, author_id, now, late=d < today)
                    for d in free
                ],
                revive_only=True,
            )
            refresh_summary(patient_id, now=now, zone=zone)
        return NoSpasmsSince(recorded=free, kept=sorted(taken))


def record_spasm_now(
    patient: User, author: User, client_token: str, duration_seconds: int | None = None
) -> int | None:
    """Log one spasm at this moment on the patient's local date; returns the episode's id.

    The token comes from the page the tap was made on: a double tap sends it twice and the
    second insert does nothing. None when that token's episode has since been deleted. A
    length measured by the home page's timer is saved with it, and the spasm is placed at its
    start, that many seconds ago (docs/journal.md, Spasm now).
    """
    patient_id, zone, author_id = patient.id, patient.timezone, author.id
    with write_transaction():
        now = utcnow()
        began = now - timedelta(seconds=duration_seconds or 0)
        table = SpasmEpisode.__table__
        statement = dialect_insert(table).values(
            patient_id=patient_id,
            occurred_at=began,
            day=local_today(zone, began),
            timezone=zone,
            duration_seconds=duration_seconds,
            client_token=client_token,
            **_provenance(author_id, now, False),
        )
        db.session.execute(
            statement.on_conflict_do_nothing(index_elements=[table.c.patient_id, table.c.client_token])
        )
        episode_id = db.session.scalar(
            sa.select(SpasmEpisode.id).where(
                SpasmEpisode.patient_id == patient_id,
                SpasmEpisode.client_token == client_token,
                SpasmEpisode.deleted_at.is_(None),
            )
        )
        refresh_summary(patient_id, now=now, zone=zone)
        return episode_id


def edit_episode(
    viewer: User,
    episode_id: int,
    *,
    duration_seconds: int | None,
    day: date | None = None,
    at: time | None = None,
) -> None:
    """Change a spasm's length, and optionally its local date and time in its capture zone.

    Giving a length that was never given completes the quick log and is not kept as an edit;
    changing anything already recorded keeps the previous values as a revision.
    """
    viewer_id = viewer.id
    with write_transaction():
        episode = policy.editable_or_404(viewer, SpasmEpisode, episode_id)
        now = utcnow()
        before = episode.snapshot()
        if day is not None and at is not None:
            zone = ZoneInfo(episode.timezone)
            occurred = datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
            if occurred > now:
                raise DiaryError(gettext("That time has not come yet."))
            episode.occurred_at = occurred
            episode.day = day
            episode.retrospective = is_retrospective(day, episode.created_at.astimezone(zone).date())
        episode.duration_seconds = duration_seconds
        after = episode.snapshot()
        if any(old is not None and old != after[key] for key, old in before.items()):
            _add_revision(episode.patient_id, "spasm_episode", episode.id, "update", before, viewer_id, now)
        if after != before:
            episode.updated_by_id = viewer_id
            refresh_summary(episode.patient_id, now=now)


def delete_check_in(viewer: User, check_in_id: int) -> date:
    """Soft-delete a check-in, keeping its values as a revision; returns its day."""
    return _delete(viewer, CheckIn, "check_in", check_in_id)


def delete_episode(viewer: User, episode_id: int) -> date:
    """Soft-delete a spasm episode, keeping its values as a revision; returns its day."""
    return _delete(viewer, SpasmEpisode, "spasm_episode", episode_id)


def _delete(viewer: User, model: type, entry_type: str, entry_id: int) -> date:
    """Hide an entry from every view and count; the revision keeps what it said."""
    viewer_id = viewer.id
    with write_transaction():
        entry = policy.editable_or_404(viewer, model, entry_id)
        now = utcnow()
        _add_revision(entry.patient_id, entry_type, entry.id, "delete", entry.snapshot(), viewer_id, now)
        entry.deleted_at = now
        entry.updated_by_id = viewer_id
        day = entry.day
        refresh_summary(entry.patient_id, now=now)
        return day


def _provenance(author_id: int, now: datetime, retrospective: bool) -> dict[str, Any]:
    """The provenance columns of a new row."""
    return {
        "created_at": now,
        "updated_at": now,
        "created_by_id": author_id,
        "updated_by_id": author_id,
        "retrospective": retrospective,
        "deleted_at": None,
    }


def _check_in_row(
    patient_id: int,
    values: CheckInValues,
    method: EntryMethod,
    author_id: int,
    now: datetime,
    late: bool,
) -> dict[str, Any]:
    """A full check-in row: the patient's values and the provenance of a new entry."""
    return {
        "patient_id": patient_id,
        **asdict(values),
        "entry_method": method.value,
        **_provenance(author_id, now, late),
    }


def _zero_day(
    patient_id: int, day: date, method: EntryMethod, author_id: int, now: datetime, *, late: bool
) -> dict[str, Any]:
    """A check-in row that says: no spasms that day."""
    return _check_in_row(
        patient_id, CheckInValues(day=day, spasm_count=0), method, author_id, now, late
    )


_CHECK_IN_INSERT = sa.insert(CheckIn.__table__)


def _upsert_check_ins(rows: list[dict[str, Any]], *, revive_only: bool = False) -> None:
    """INSERT ... ON CONFLICT (patient_id, day) DO UPDATE: one row per patient and day.

    A live row keeps its creation provenance; a soft-deleted one is revived as a new entry.
    With revive_only, a live row is left exactly as it is.
    """
    statement = _check_in_upsert(db.engine.dialect.name, revive_only)
    db.session.execute(statement, rows[0] if len(rows) == 1 else rows)


@functools.cache
def _check_in_upsert(dialect: str, revive_only: bool) -> sa.Insert:
    """The check-in upsert, built once per dialect: the rows come as its parameters.

    Built per call with .values(rows), the statement was compiled anew on every save, which
    cost more than running it.
    """
    table = CheckIn.__table__
    statement = dialect_insert(table, dialect)
    new = statement.excluded
    live = table.c.deleted_at.is_(None)

    def keep_if_live(name: str):
        return sa.case((live, table.c[name]), else_=new[name])

    changes: dict[str, Any] = {name: new[name] for name in CHECK_IN_VALUE_COLUMNS}
    changes.update(
        updated_at=new.updated_at,
        updated_by_id=new.updated_by_id,
        deleted_at=None,
        created_at=keep_if_live("created_at"),
        created_by_id=keep_if_live("created_by_id"),
        retrospective=keep_if_live("retrospective"),
    )
    return statement.on_conflict_do_update(
        index_elements=[table.c.patient_id, table.c.day],
        set_=changes,
        where=~live if revive_only else None,
    )


def _add_revision(
    patient_id: int,
    entry_type: str,
    entry_id: int,
    action: str,
    before: dict[str, Any],
    changed_by_id: int,
    now: datetime,
) -> None:
    """Keep an entry's previous values, readable by the patient and the clinic."""
    db.session.add(
        EntryRevision(
            patient_id=patient_id,
            entry_type=entry_type,
            entry_id=entry_id,
            action=action,
            before=before,
            changed_at=now,
            changed_by_id=changed_by_id,
        )
    )
