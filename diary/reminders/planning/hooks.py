"""Keep planned reminders in step with what they depend on, in the writer's own transaction.

The injection reminder counts from the last injection and stops after an MVD; dose reminders
follow the regimens' times; follow-up reminders follow the visits, the patient's links to
clinics, those clinics' schedules and the reference surgery; every reminder follows the
patient's time zone. Rather than ask every writer of those rows (the treatment pages,
the account page, the CLI, the API) to remember the reminders, one listener on the session
notes which patients' inputs changed in a flush and replans their reminders just before the
transaction commits. Bulk inserts through Core (the simulator) bypass it; the dispatcher's
check on claiming each row (plans.still_due) covers those.

Creating the default check-in reminder is an explicit call instead (patient_created), made
by account creation: it is a decision about a new account, not a consequence of a change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from diary.clock import utcnow
from diary.extensions import db
from diary.models import (
    CareLink,
    Clinic,
    FollowUpVisit,
    Injection,
    MedicationRegimen,
    Reminder,
    Surgery,
    User,
)
from diary.models.reminder import ReminderKind
from diary.reminders.planning.plans import create_default_check_in, replan_patient

_PENDING = "diary.reminders.replan"
_PENDING_CLINICS = "diary.reminders.replan_clinics"
ALL_KINDS = frozenset(ReminderKind)
# Which reminder kinds a change to a row of each model can move. A surgery can change the
# reference surgery, which the injection reminder stops at and the clinic's schedule counts
# from; a care link (made or revoked) decides whose schedule suggests follow-up visits.
_KINDS_OF = {
    Injection: frozenset({ReminderKind.INJECTION}),
    Surgery: frozenset({ReminderKind.INJECTION, ReminderKind.FOLLOW_UP}),
    MedicationRegimen: frozenset({ReminderKind.MEDICATION}),
    FollowUpVisit: frozenset({ReminderKind.FOLLOW_UP}),
    CareLink: frozenset({ReminderKind.FOLLOW_UP}),
}
# Account fields the reminders read: the zone of every due time, and whether it is active.
_USER_FIELDS = ("timezone", "active")


def patient_created(patient: User, now: datetime) -> None:
    """A new patient's account exists (flushed, not committed): give it the default reminder."""
    create_default_check_in(patient, now)


def _changed_user(user: User) -> bool:
    """Whether a persistent account's zone or active flag changed in this flush."""
    state = inspect(user)
    return state.persistent and any(
        state.attrs[name].history.has_changes() for name in _USER_FIELDS
    )


def _changed_schedule(clinic: Clinic) -> bool:
    """Whether a persistent clinic's follow-up schedule changed in this flush."""
    state = inspect(clinic)
    return state.persistent and state.attrs.follow_up_schedule.history.has_changes()


def _note(session: Session, objects: Iterable[object]) -> None:
    """Remember the patients (or clinics) whose reminder inputs these objects change."""
    pending: dict[int, set[str]] = session.info.setdefault(_PENDING, {})
    for obj in objects:
        if isinstance(obj, Clinic):
            if _changed_schedule(obj):
                session.info.setdefault(_PENDING_CLINICS, set()).add(obj.id)
            continue
        kinds = _KINDS_OF.get(type(obj))
        if kinds is not None:
            patient_id = obj.patient_id
        elif isinstance(obj, User) and _changed_user(obj):
            patient_id, kinds = obj.id, ALL_KINDS
        else:
            continue
        if patient_id is not None:
            pending.setdefault(patient_id, set()).update(kinds)


def _before_flush(session: Session, _context, _instances) -> None:
    """Note the inputs about to be written."""
    _note(session, session.new)
    _note(session, session.dirty)
    _note(session, session.deleted)


def _before_commit(session: Session) -> None:
    """Replan the noted patients' reminders inside the transaction about to commit."""
    # before_commit comes before commit's own flush: flush now, so that the writer's rows
    # are noted (before_flush) and written, and the inputs read below are current.
    session.flush()
    pending = session.info.pop(_PENDING, None) or {}
    clinics = session.info.pop(_PENDING_CLINICS, None)
    if clinics:
        for patient_id in _follow_up_patients_of(clinics):
            pending.setdefault(patient_id, set()).add(ReminderKind.FOLLOW_UP)
    if not pending:
        return
    now = utcnow()
    for patient_id, kinds in sorted(pending.items()):
        replan_patient(patient_id, now, kinds)
    # Replanning writes only reminders and deliveries, which note nothing: this stays empty.
    session.info.pop(_PENDING, None)


def _follow_up_patients_of(clinic_ids: set[int]) -> list[int]:
    """Patients sharing with these clinics whose follow-up reminder is on: 1 query.

    A changed schedule moves only their reminders; the others have nothing planned.
    """
    return list(
        db.session.scalars(
            sa.select(CareLink.patient_id)
            .join(Reminder, Reminder.patient_id == CareLink.patient_id)
            .where(
                CareLink.clinic_id.in_(sorted(clinic_ids)),
                CareLink.live,
                Reminder.kind == ReminderKind.FOLLOW_UP,
                Reminder.enabled.is_(True),
            )
            .distinct()
            .order_by(CareLink.patient_id)
        )
    )


def _forget(session: Session, *_args) -> None:
    """A rolled-back transaction changed nothing to replan for."""
    session.info.pop(_PENDING, None)
    session.info.pop(_PENDING_CLINICS, None)


def install() -> None:
    """Listen on the app's session (once per process; create_app may run many times)."""
    if event.contains(db.session, "before_flush", _before_flush):
        return
    event.listen(db.session, "before_flush", _before_flush)
    event.listen(db.session, "before_commit", _before_commit)
    event.listen(db.session, "after_soft_rollback", _forget)
