"""What the review page reads besides the trajectory: assessments, changes, treatments, schedule.

A fixed number of queries whatever the length of the diary. The caller obtained the patient
through policy.patient_or_404.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from diary import audit
from diary.clinic import schedule
from diary.extensions import db
from diary.i18n import gettext, lazy_gettext
from diary.models import (
    Assessment,
    AuditEvent,
    CheckIn,
    Clinic,
    ClinicianBaseline,
    EntryRevision,
    Injection,
    MedicationRegimen,
    SpasmEpisode,
    Surgery,
    User,
)
from diary.models.clinic import DEFAULT_FOLLOW_UP_SCHEDULE
from diary.progress.wording import class_label

# How many changed entries the page lists by name; the counts cover all of them.
LISTED_CHANGES = 10
EARLIEST = date(1900, 1, 1)
SMC_GRADES = {1: "I", 2: "II", 3: "III", 4: "IV"}
HB_GRADES = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}
# What the revisions and new entries are called on the page.
ENTRY_NAMES = {
    "check_in": lazy_gettext("Check-in"),
    "spasm_episode": lazy_gettext("Spasm"),
    "injection": lazy_gettext("Injection"),
    "medication_regimen": lazy_gettext("Medication"),
    "dose_log": lazy_gettext("Dose"),
    "surgery": lazy_gettext("Surgery"),
}


@dataclass(frozen=True, slots=True)
class Change:
    """One entry that changed since the last visit."""

    kind: str  # "created", "edited", "deleted" or "retrospective"
    entry: str
    day: date | None
    at: datetime


@dataclass(frozen=True, slots=True)
class LastLook:
    """The moment the clinic last had the diary before it: what "changed since" counts from."""

    at: datetime
    by: str  # "review": it last opened the review; "assessment": it recorded one


@dataclass(frozen=True, slots=True)
class Changes:
    """What changed in the diary since a moment: counts and the latest few."""

    since: datetime | None
    created: int
    edited: int
    retrospective: int
    latest: list[Change]


def assessments_of(patient_id: int, clinic_ids: list[int]) -> list[Assessment]:
    """The assessments of the viewer's clinics for a patient, newest visit first (one query)."""
    if not clinic_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Assessment)
            .where(Assessment.patient_id == patient_id, Assessment.clinic_id.in_(clinic_ids))
            .order_by(Assessment.visit_on.desc(), Assessment.created_at.desc(), Assessment.id.desc())
        )
    )


def assessment_markers(assessments: list[Assessment]) -> list[dict[str, Any]]:
    """The assessments as the chart draws them: a date and a short label, oldest first."""
    markers = []
    for a in sorted(assessments, key=lambda a: (a.visit_on, a.id)):
        parts = []
        if a.smc_grade:
            parts.append(f"SMC {SMC_GRADES[a.smc_grade]}")
        if a.outcome:
            parts.append(class_label(a.outcome))
        markers.append(
            {"date": a.visit_on.isoformat(), "label": ", ".join(parts) or gettext("Assessment")}
        )
    return markers


def last_opened(patient_id: int, clinic_ids: list[int]) -> datetime | None:
    """When one of these clinics last opened the patient's review, by the audit trail (1 query).

    Read before this page view is audited, so the view itself never counts (docs/clinic.md,
    Changed since the last visit).
    """
    if not clinic_ids:
        return None
    return db.session.scalar(
        sa.select(sa.func.max(AuditEvent.at)).where(
            AuditEvent.patient_id == patient_id,
            AuditEvent.action == audit.VIEW_REVIEW,
            AuditEvent.clinic_id.in_(clinic_ids),
        )
    )


def last_look(opened_at: datetime | None, assessments: list[Assessment]) -> LastLook | None:
    """The later of the clinic's last opening of the review and its latest assessment's
    recording; None when it has done neither (docs/clinic.md, Changed since the last visit)."""
    looks = [LastLook(a.created_at, "assessment") for a in assessments]
    if opened_at is not None:
        looks.append(LastLook(opened_at, "review"))
    return max(looks, key=lambda look: look.at, default=None)


def local_moment(moment: datetime, zone: str) -> datetime:
    """A moment on the patient's wall clock, for the page to write out in words."""
    return moment.astimezone(ZoneInfo(zone))


def changes_since(patient_id: int, since: datetime | None) -> Changes:
    """Entries created, edited or deleted after a moment (3 queries; none without one).

    Strictly after: what was entered before the clinic last looked is never a change.
    """
    if since is None:
        return Changes(None, 0, 0, 0, [])
    created = sa.union_all(
        *[
            sa.select(
                sa.literal(name).label("entry"),
                model.day.label("day"),
                model.created_at.label("at"),
                model.retrospective.label("retrospective"),
            ).where(model.patient_id == patient_id, model.created_at > since)
            for model, name in ((CheckIn, "check_in"), (SpasmEpisode, "spasm_episode"))
        ],
        *[
            sa.select(
                sa.literal(name).label("entry"),
                day.label("day"),
                model.created_at.label("at"),
                model.retrospective.label("retrospective"),
            ).where(model.patient_id == patient_id, model.created_at > since)
            for model, name, day in (
                (Injection, "injection", Injection.injected_on),
                (MedicationRegimen, "medication_regimen", MedicationRegimen.started_on),
                (Surgery, "surgery", Surgery.performed_on),
            )
        ],
    ).subquery()
    counts = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((created.c.retrospective.is_(True), 1), else_=0)), 0),
        ).select_from(created)
    ).one()
    newest = db.session.execute(
        sa.select(created).order_by(created.c.at.desc()).limit(LISTED_CHANGES)
    ).all()
    revisions = db.session.execute(
        sa.select(EntryRevision.entry_type, EntryRevision.action, EntryRevision.changed_at, EntryRevision.before)
        .where(EntryRevision.patient_id == patient_id, EntryRevision.changed_at > since)
        .order_by(EntryRevision.changed_at.desc())
    ).all()
    latest = [
        Change("retrospective" if row.retrospective else "created", ENTRY_NAMES[row.entry], row.day, row.at)
        for row in newest
    ] + [
        Change(
            "deleted" if row.action == "delete" else "edited",
            ENTRY_NAMES[row.entry_type],
            _day_of(row.before),
            row.changed_at,
        )
        for row in revisions[:LISTED_CHANGES]
    ]
    latest.sort(key=lambda c: c.at, reverse=True)
    return Changes(since, counts[0], len(revisions), int(counts[1]), latest[:LISTED_CHANGES])


def _day_of(before: dict[str, Any]) -> date | None:
    """The diary day a revision's old values name, if they name one."""
    for key in ("day", "injected_on", "started_on", "performed_on", "taken_on"):
        value = before.get(key) if isinstance(before, dict) else None
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                return None
    return None


def surgeries_of(patient_id: int) -> list[Surgery]:
    """The patient's live operations, newest first, with who verified them (one query)."""
    return list(
        db.session.scalars(
            sa.select(Surgery)
            .where(Surgery.patient_id == patient_id, Surgery.deleted_at.is_(None))
            .order_by(Surgery.performed_on.desc(), Surgery.id.desc())
        )
    )


def verifier_names(surgeries: list[Surgery]) -> dict[int, str]:
    """The names of the clinicians who verified the operations (one query at most)."""
    ids = {s.verified_by_id for s in surgeries if s.verified_by_id}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(ids))).all())


def clinician_baseline(patient_id: int) -> ClinicianBaseline | None:
    """The pre-operative baseline a clinician entered, if any (one query)."""
    return db.session.get(ClinicianBaseline, patient_id)


def suggested_visits(
    clinic: Clinic | None,
    surgery_on: date | None,
    today: date,
    assessments: Sequence[Assessment] = (),
) -> list[schedule.Visit]:
    """The clinic's follow-up schedule from the reference surgery, up to the next visit due.

    The visits of the assessments shown (the viewer's clinics') fulfil the suggestions they
    are nearest to (schedule.fulfilled_visits), so the next one due is the one after them.
    """
    if surgery_on is None:
        return []
    offsets = schedule.schedule_or_default(
        clinic.follow_up_schedule if clinic else None, DEFAULT_FOLLOW_UP_SCHEDULE
    )
    return schedule.visits_until(
        surgery_on, offsets, today, [a.visit_on for a in assessments],
        overdue_days=schedule.OVERDUE_DAYS,
    )
