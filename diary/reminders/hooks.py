"""Keep planned reminders in step with what they depend on, in the writer's own transaction.

The injection reminder counts from the last injection and stops after an MVD; dose reminders
follow the regimens' times; follow-up reminders follow the visits; every reminder follows
the patient's time zone. Rather than ask every writer of those rows (the treatment pages,
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

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from diary.extensions import db
from diary.models import FollowUpVisit, Injection, MedicationRegimen, Surgery, User
from diary.models.reminder import ReminderKind

_PENDING = "diary.reminders.replan"
ALL_KINDS = frozenset(ReminderKind)
# Which reminder kinds a change to a row of each model can move.
_KINDS_OF = {
    Injection: frozenset({ReminderKind.INJECTION}),
    Surgery: frozenset({ReminderKind.INJECTION}),
    MedicationRegimen: frozenset({ReminderKind.MEDICATION}),
    FollowUpVisit: frozenset({ReminderKind.FOLLOW_UP}),
}
# Account fields the reminders read: the zone of every due time, and whether it is active.
_USER_FIELDS = ("timezone", "active")


def patient_created(patient: User, now: datetime) -> None:
    """A new patient's account exists (flushed, not committed): give it the default reminder."""
    from diary.reminders.plans import create_default_check_in

    create_default_check_in(patient, now)


def _changed_user(user: User) -> bool:
    """Whether a persistent account's zone or active flag changed in this flush."""
    state = inspect(user)
    return state.persistent and any(
        state.attrs[name].history.has_changes() for name in _USER_FIELDS
    )


def _note(session: Session, objects: Iterable[object]) -> None:
    """Remember the patients whose reminder inputs these objects change."""
    pending: dict[int, set[str]] = session.info.setdefault(_PENDING, {})
    for obj in objects:
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
    from diary.clock import utcnow
    from diary.reminders.plans import replan_patient

    # before_commit comes before commit's own flush: flush now, so that the writer's rows
    # are noted (before_flush) and written, and the inputs read below are current.
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    now = utcnow()
    for patient_id, kinds in sorted(pending.items()):
        replan_patient(patient_id, now, kinds)
    # Replanning writes only reminders and deliveries, which note nothing: this stays empty.
    session.info.pop(_PENDING, None)


def _forget(session: Session, *_args) -> None:
    """A rolled-back transaction changed nothing to replan for."""
    session.info.pop(_PENDING, None)


def install() -> None:
    """Listen on the app's session (once per process; create_app may run many times)."""
    if event.contains(db.session, "before_flush", _before_flush):
        return
    event.listen(db.session, "before_flush", _before_flush)
    event.listen(db.session, "before_commit", _before_commit)
    event.listen(db.session, "after_soft_rollback", _forget)
