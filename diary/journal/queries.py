"""Diary reads: a day's number of spasms, the home page, history and changes, as plain data.

Callers pass a patient id they have authorised through diary.policy (the journal routes get
it from policy.patient_or_404); lookups by entry id go through policy here. Each function
runs a fixed number of queries, however many days or entries it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from diary import policy
from diary.extensions import db
from diary.i18n import gettext, lazy_gettext
from diary.models import CheckIn, EntryRevision, SpasmEpisode, User
from diary.progress.queries import daily_numbers

STRIP_DAYS = 14
# "No spasms today" becomes the home page's main button once this many days before today are
# each logged without a spasm (docs/journal.md, The home page).
SPASM_FREE_DAYS = 7


@dataclass(frozen=True, slots=True)
class DayNumber:
    """A logged day's number of spasms: the larger of the check-in's and the episodes' count."""

    day: date
    spasms: int
    check_in_count: int | None
    episode_count: int


@dataclass(frozen=True, slots=True)
class StripDay:
    """One day of the home page's strip; spasms is None for a missing day (never zero)."""

    day: date
    spasms: int | None
    is_today: bool
    # The check-in's own number, which the home page's count box shows (None without one).
    check_in_count: int | None = None

    @property
    def missing(self) -> bool:
        """Nothing was logged for this day."""
        return self.spasms is None


@dataclass(frozen=True, slots=True)
class HomeView:
    """What the patient's home page shows."""

    today: date
    today_number: DayNumber | None
    strip: list[StripDay]

    @property
    def spasm_free(self) -> bool:
        """Each of the SPASM_FREE_DAYS days before today is logged with no spasms, and today
        has none so far: "No spasms today" is then the likely entry."""
        before = self.strip[-SPASM_FREE_DAYS - 1 : -1]
        today_spasms = self.today_number.spasms if self.today_number else 0
        return today_spasms == 0 and all(d.spasms == 0 for d in before)


@dataclass(frozen=True, slots=True)
class CheckInView:
    """A live check-in as a page shows it."""

    id: int
    day: date
    spasm_count: int
    typical_duration_seconds: int | None
    jrs_severity: int | None
    jrs_frequency: int | None
    regions: list[str]
    side: str | None
    spasm_type: str | None
    triggers: list[str]
    trigger_other: str | None
    note: str | None
    entry_method: str
    retrospective: bool
    edited: bool

    def form_data(self) -> dict[str, Any]:
        """The values that prefill the check-in form."""
        return {
            "day": self.day,
            "spasm_count": self.spasm_count,
            "typical_duration_seconds": self.typical_duration_seconds,
            "jrs_severity": self.jrs_severity,
            "jrs_frequency": self.jrs_frequency,
            "regions": list(self.regions),
            "side": self.side,
            "spasm_type": self.spasm_type,
            "triggers": list(self.triggers),
            "trigger_other": self.trigger_other,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class EpisodeView:
    """A live spasm episode; occurred_at is in the zone where it was captured."""

    id: int
    day: date
    occurred_at: datetime
    timezone: str
    duration_seconds: int | None
    retrospective: bool
    edited: bool


@dataclass(frozen=True, slots=True)
class HistoryDay:
    """One logged day of the history: its number and every live entry."""

    number: DayNumber
    check_in: CheckInView | None
    episodes: list[EpisodeView]

    @property
    def day(self) -> date:
        """The diary day."""
        return self.number.day


@dataclass(frozen=True, slots=True)
class Page:
    """Where a paginated list stands."""

    number: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        """There is a newer page."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """There is an older page."""
        return self.number < self.pages


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """A page of the history, newest day first."""

    days: list[HistoryDay]
    page: Page


# Where each kind of entry keeps its day in a revision's snapshot, and what the page calls it.
REVISION_DAY_KEYS = {
    "injection": "injected_on", "medication_regimen": "started_on", "surgery": "performed_on",
}
REVISION_KINDS = {
    "check_in": lazy_gettext("Check-in"), "spasm_episode": lazy_gettext("Spasm"),
    "injection": lazy_gettext("Injection"), "medication_regimen": lazy_gettext("Medication"),
    "dose_log": lazy_gettext("Doses"), "surgery": lazy_gettext("Operation"),
}


@dataclass(frozen=True, slots=True)
class RevisionView:
    """The previous values of an entry, kept when it was edited or deleted."""

    entry_type: str
    entry_id: int
    action: str
    changed_at: datetime  # in the patient's zone
    before: dict[str, Any]

    @property
    def day(self) -> date | None:
        """The day the entry was for before the change (an injection's, an operation's...)."""
        value = self.before.get(REVISION_DAY_KEYS.get(self.entry_type, "day"))
        return date.fromisoformat(value) if isinstance(value, str) else None

    @property
    def kind(self) -> str:
        """What the entry was, as the page names it."""
        return str(REVISION_KINDS.get(self.entry_type) or gettext("Entry"))


@dataclass(frozen=True, slots=True)
class ChangesPage:
    """A page of revisions, newest first."""

    revisions: list[RevisionView]
    page: Page


def day_numbers(patient_id: int, start: date, end: date) -> list[DayNumber]:
    """Each logged day between two dates (inclusive) with its number, oldest first.

    One aggregate query (docs/decisions.md, A day's number of spasms): the larger of the check-in's
    count and the number of live episodes; a day with neither is absent, never zero.
    """
    daily = daily_numbers(patient_id, start, end)
    rows = db.session.execute(
        sa.select(daily.c.day, daily.c.spasms, daily.c.check_in_count, daily.c.episode_count)
        .order_by(daily.c.day)
    )
    return [
        DayNumber(day=day, spasms=int(n), check_in_count=c, episode_count=int(e))
        for day, n, c, e in rows
    ]


def home_view(patient_id: int, today: date) -> HomeView:
    """Today's state and the strip of the last 14 days (one query)."""
    start = today - timedelta(days=STRIP_DAYS - 1)
    numbers = {n.day: n for n in day_numbers(patient_id, start, today)}
    strip = []
    for offset in range(STRIP_DAYS):
        day = start + timedelta(days=offset)
        number = numbers.get(day)
        strip.append(
            StripDay(
                day,
                number.spasms if number else None,
                day == today,
                number.check_in_count if number else None,
            )
        )
    return HomeView(today=today, today_number=numbers.get(today), strip=strip)


def check_in_on(patient_id: int, day: date) -> CheckInView | None:
    """The patient's live check-in for a day, if any."""
    row = db.session.execute(_live_check_ins(patient_id, CheckIn.day == day)).first()
    return _check_in_view(*row) if row else None


def check_in_view(viewer: User, check_in_id: int, *, for_edit: bool = False) -> CheckInView:
    """A live check-in the viewer may see (or change), else 404."""
    check_in = _authorised(viewer, CheckIn, check_in_id, for_edit)
    return _check_in_view(check_in, _edited("check_in", check_in))


def episode_view(viewer: User, episode_id: int, *, for_edit: bool = False) -> EpisodeView:
    """A live spasm episode the viewer may see (or change), else 404."""
    episode = _authorised(viewer, SpasmEpisode, episode_id, for_edit)
    return _episode_view(episode, _edited("spasm_episode", episode))


def history_page(patient_id: int, page: int, per_page: int) -> HistoryPage:
    """Logged days, newest first, with their numbers and entries (five queries a page)."""
    daily = daily_numbers(patient_id)
    days = sa.select(daily.c.day).order_by(daily.c.day.desc())
    pagination = db.paginate(days, page=page, per_page=per_page, error_out=False)
    page_days: list[date] = list(pagination.items)
    info = _page_of(pagination)
    if not page_days:
        return HistoryPage(days=[], page=info)
    first, last = min(page_days), max(page_days)
    numbers = day_numbers(patient_id, first, last)
    check_ins = {
        c.day: _check_in_view(c, edited)
        for c, edited in db.session.execute(
            _live_check_ins(patient_id, CheckIn.day.between(first, last))
        )
    }
    episodes: dict[date, list[EpisodeView]] = {}
    for episode, edited in db.session.execute(
        sa.select(SpasmEpisode, _has_revisions("spasm_episode", SpasmEpisode))
        .where(
            SpasmEpisode.patient_id == patient_id,
            SpasmEpisode.deleted_at.is_(None),
            SpasmEpisode.day.between(first, last),
        )
        .order_by(SpasmEpisode.occurred_at)
    ):
        episodes.setdefault(episode.day, []).append(_episode_view(episode, edited))
    return HistoryPage(
        days=[
            HistoryDay(number=n, check_in=check_ins.get(n.day), episodes=episodes.get(n.day, []))
            for n in reversed(numbers)
        ],
        page=info,
    )


def entry_revisions(viewer: User, entry_type: str, entry_id: int, zone: str) -> list[RevisionView]:
    """The revisions of one live entry the viewer may see, newest first, else 404."""
    model = CheckIn if entry_type == "check_in" else SpasmEpisode
    entry = _authorised(viewer, model, entry_id, for_edit=False)
    rows = db.session.scalars(
        sa.select(EntryRevision)
        .where(
            EntryRevision.patient_id == entry.patient_id,
            EntryRevision.entry_type == entry_type,
            EntryRevision.entry_id == entry.id,
        )
        .order_by(EntryRevision.changed_at.desc(), EntryRevision.id.desc())
    )
    return [_revision_view(r, zone) for r in rows]


def changes_page(patient_id: int, zone: str, page: int, per_page: int) -> ChangesPage:
    """Every revision of the patient's diary, deletions included, newest first."""
    statement = (
        sa.select(EntryRevision)
        .where(EntryRevision.patient_id == patient_id)
        .order_by(EntryRevision.changed_at.desc(), EntryRevision.id.desc())
    )
    pagination = db.paginate(statement, page=page, per_page=per_page, error_out=False)
    return ChangesPage(
        revisions=[_revision_view(r, zone) for r in pagination.items],
        page=_page_of(pagination),
    )


def _page_of(pagination) -> Page:
    """Where a Flask-SQLAlchemy pagination stands, as plain data."""
    return Page(number=pagination.page, pages=max(pagination.pages, 1), total=pagination.total or 0)


def _live_check_ins(patient_id: int, *conditions: sa.ColumnElement[bool]) -> sa.Select:
    """The patient's live check-ins matching the conditions, each with its "edited" flag."""
    return sa.select(CheckIn, _has_revisions("check_in", CheckIn)).where(
        CheckIn.patient_id == patient_id, CheckIn.deleted_at.is_(None), *conditions
    )


def _authorised(viewer: User, model: type, entry_id: int, for_edit: bool):
    """Load an entry through the one policy: 404 for what is not the viewer's to see."""
    if for_edit:
        return policy.editable_or_404(viewer, model, entry_id)
    return policy.viewable_or_404(viewer, model, entry_id)


def _has_revisions(entry_type: str, model: type[CheckIn] | type[SpasmEpisode]) -> sa.Label:
    """Whether each entry was ever edited: a correlated EXISTS on its revisions."""
    return _revised(entry_type, model.patient_id, model.id).label("edited")


def _revised(entry_type: str, patient_id: Any, entry_id: Any) -> sa.Exists:
    """EXISTS a revision of this entry."""
    return sa.exists().where(
        EntryRevision.patient_id == patient_id,
        EntryRevision.entry_type == entry_type,
        EntryRevision.entry_id == entry_id,
    )


def _edited(entry_type: str, entry: CheckIn | SpasmEpisode) -> bool:
    """Whether one entry has revisions."""
    return bool(db.session.scalar(sa.select(_revised(entry_type, entry.patient_id, entry.id))))


def _check_in_view(check_in: CheckIn, edited: bool) -> CheckInView:
    """A check-in row as plain data."""
    return CheckInView(
        id=check_in.id,
        day=check_in.day,
        spasm_count=check_in.spasm_count,
        typical_duration_seconds=check_in.typical_duration_seconds,
        jrs_severity=check_in.jrs_severity,
        jrs_frequency=check_in.jrs_frequency,
        regions=list(check_in.regions or []),
        side=check_in.side,
        spasm_type=check_in.spasm_type,
        triggers=list(check_in.triggers or []),
        trigger_other=check_in.trigger_other,
        note=check_in.note,
        entry_method=check_in.entry_method,
        retrospective=check_in.retrospective,
        edited=bool(edited),
    )


def _episode_view(episode: SpasmEpisode, edited: bool) -> EpisodeView:
    """An episode row as plain data, its moment in the zone where it was captured."""
    return EpisodeView(
        id=episode.id,
        day=episode.day,
        occurred_at=episode.occurred_at.astimezone(ZoneInfo(episode.timezone)),
        timezone=episode.timezone,
        duration_seconds=episode.duration_seconds,
        retrospective=episode.retrospective,
        edited=bool(edited),
    )


def _revision_view(revision: EntryRevision, zone: str) -> RevisionView:
    """A revision row as plain data, its time in the patient's zone."""
    return RevisionView(
        entry_type=revision.entry_type,
        entry_id=revision.entry_id,
        action=revision.action,
        changed_at=revision.changed_at.astimezone(ZoneInfo(zone)),
        before=dict(revision.before),
    )
