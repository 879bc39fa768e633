"""The follow-up visits a reminder announces: the patient's appointments and the clinic's dates.

A patient who shares the diary with a clinic (a live CareLink) and has a reference surgery
gets the visits that clinic's schedule suggests (Clinic.follow_up_schedule, 1 week, 1 month,
3 months... after surgery, then yearly). They are computed here every time they are needed
(when the reminder is planned, when it is sent, when the settings page is shown), never
stored: a schedule the clinic changes, a link the patient revokes, or another reference
surgery changes them at once, and no row is left behind to go stale.

A visit the clinic recorded (an assessment's visit date, by any clinic the patient shares with
now) fulfils the suggested visit nearest to it, which is then not announced: the next one is
(clinic.schedule.next_due; docs/clinic.md, The follow-up schedule).

Two rules make each day announced once:
- several clinics suggesting the same date make one suggestion naming all of them;
- a day on which the patient has an appointment of their own is announced as that
  appointment (with its time and place), not as a suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from diary.clinic import schedule as clinic_schedule
from diary.clinic import wording as clinic_wording
from diary.extensions import db
from diary.models import Assessment, CareLink, Clinic
from diary.models.clinic import DEFAULT_FOLLOW_UP_SCHEDULE
from diary.reminders.planning import schedule
from diary.treatments.queries import reference_surgery_of

# How many of each clinic's next suggested visits planning looks at. The next one is what
# the reminder needs; the others let a replan step past a day whose reminder already went.
SUGGESTED_AHEAD = 3
# A suggested date has no time: its reminder may come at any moment of the day before the
# day ends ("0 days' notice" reminds on the day itself).
SUGGESTED_VISIT_MINUTE = schedule.MINUTES_PER_DAY - 1
# How many of the clinics' next suggested visits the settings page lists.
SUGGESTED_SHOWN = 3


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A follow-up visit a clinic's schedule suggests: its date, how long after surgery, who."""

    day: date
    label: str  # "3 months", as the clinic's schedule names it, in English
    clinics: tuple[str, ...]  # clinic names, in alphabetical order
    after: clinic_schedule.After | None = None  # the same as plain values

    @property
    def words(self) -> str:
        """How long after surgery, in the reader's language: "3 months"."""
        if self.after is None:
            return self.label
        return clinic_wording.after_words(self.after)

    @property
    def around(self) -> str:
        """The date as an approximate date reads: "1 June 2026" (no weekday)."""
        return plain_date(self.day)

    @property
    def contact(self) -> str:
        """Whom to contact: "Sharing clinic", or "A or B"."""
        return " or ".join(self.clinics)


def plain_date(day: date) -> str:
    """A date without its weekday, "1 June 2026": a suggested date is not an appointment."""
    return f"{day.day} {day:%B %Y}"


def clinic_schedules(patient_id: int) -> list[tuple[str, str]]:
    """(name, schedule text) of every clinic the patient shares with now: 1 query."""
    return [
        (name, text)
        for name, text in db.session.execute(
            sa.select(Clinic.name, Clinic.follow_up_schedule)
            .join(CareLink, CareLink.clinic_id == Clinic.id)
            .where(CareLink.patient_id == patient_id, CareLink.live)
            .order_by(Clinic.name)
        )
    ]


def recorded_visits(patient_id: int) -> list[date]:
    """The dates of the visits the clinics the patient shares with now recorded: 1 query."""
    return list(
        db.session.scalars(
            sa.select(Assessment.visit_on)
            .join(CareLink, CareLink.clinic_id == Assessment.clinic_id)
            .where(Assessment.patient_id == patient_id, CareLink.patient_id == patient_id, CareLink.live)
            .distinct()
        )
    )


def suggestions_from(
    schedules: Iterable[tuple[str, str]],
    surgery_on: date,
    since: date,
    ahead: int = SUGGESTED_AHEAD,
    recorded: Iterable[date] = (),
) -> list[Suggestion]:
    """Each clinic's next `ahead` suggested visits from `since` on, one per date, by date.

    Pure. The `recorded` visits fulfil the suggestions they are nearest to, which are left
    out (clinic.schedule.next_due). A clinic whose stored schedule cannot be read falls back
    to the default, as the clinic's own pages do (clinic.schedule.schedule_or_default).
    """
    recorded = tuple(recorded)
    by_day: dict[date, tuple[clinic_schedule.Visit, list[str]]] = {}
    for name, text in schedules:
        offsets = clinic_schedule.schedule_or_default(text, DEFAULT_FOLLOW_UP_SCHEDULE)
        day = since
        for _ in range(ahead):
            visit = clinic_schedule.next_due(surgery_on, offsets, day, recorded)
            _, names = by_day.setdefault(visit.due_on, (visit, []))
            if name not in names:
                names.append(name)
            day = visit.due_on + timedelta(days=1)
    return [
        Suggestion(day, visit.label, tuple(sorted(names)), visit.after)
        for day, (visit, names) in sorted(by_day.items())
    ]


def suggested_visits(patient_id: int, since: date, ahead: int = SUGGESTED_AHEAD) -> list[Suggestion]:
    """The clinics' suggested visits from `since` on: 1 query, 3 when the patient shares.

    Nothing without a live link or without a reference surgery (the schedule counts from it).
    """
    schedules = clinic_schedules(patient_id)
    if not schedules:
        return []
    surgery = reference_surgery_of(patient_id)
    if surgery is None:
        return []
    return suggestions_from(schedules, surgery.performed_on, since, ahead, recorded_visits(patient_id))


def without_own_days(suggestions: Iterable[Suggestion], own_days: Iterable[date]) -> list[Suggestion]:
    """The suggestions on days without an appointment of the patient's own (announced instead)."""
    own = set(own_days)
    return [s for s in suggestions if s.day not in own]


def as_schedule_visits(suggestions: Iterable[Suggestion]) -> tuple[schedule.Visit, ...]:
    """Suggestions as the planner's visits: a date, at the end of that day."""
    return tuple(schedule.Visit(s.day, SUGGESTED_VISIT_MINUTE) for s in suggestions)


@dataclass(frozen=True)
class ScheduleView:
    """What the settings page says of the clinics' schedules: whose, from when, the next dates.

    `clinics` are the clinics the patient shares with now (empty: none); `surgery_on` the
    reference surgery their schedules count from (None: no reference surgery yet).
    """
    clinics: tuple[str, ...]
    surgery_on: date | None
    suggested: list[Suggestion]


def schedule_view(patient_id: int, today: date, own_days: set[date]) -> ScheduleView:
    """The next visits the shared clinics' schedules suggest, as the reminder announces them.

    At most 3 queries (the links; the reference surgery and the recorded visits only when
    there are some). A day with an appointment of the patient's own is shown as that
    appointment, as the reminder does.
    """

    schedules = clinic_schedules(patient_id)
    names = tuple(name for name, _ in schedules)
    surgery = reference_surgery_of(patient_id) if schedules else None
    if surgery is None:
        return ScheduleView(names, None, [])
    suggested = without_own_days(
        suggestions_from(
            schedules, surgery.performed_on, today, SUGGESTED_SHOWN, recorded_visits(patient_id)
        ),
        own_days,
    )
    return ScheduleView(names, surgery.performed_on, suggested[:SUGGESTED_SHOWN])
