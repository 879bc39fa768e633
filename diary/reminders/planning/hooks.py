"""Keep planned reminders in step with what they depend on, in the writer's own transaction.

The injection reminder counts from the last injection and stops after an MVD; dose reminders
follow the regimens' times; follow-up reminders follow the visits, the patient's links to
clinics, those clinics' schedules and the reference surgery; every reminder follows the
patient's time zone and whether the account is active. Like the summary row
(progress/summary.py), the plans are derived rows, and they are refreshed the same way: each
service that writes one of those inputs calls the function below for it, inside its
write_transaction() block, after its change:

- `entry_changed(row)`: an injection, surgery, regimen, follow-up visit, care link or
  assessment (a recorded visit) was added, changed or removed (treatments/services.py,
  treatments/medication.py, treatments/entries.finish, clinic/services.py,
  reminders/services.py, sharing/services.py);
- `account_changed(patient_id)`: the account's time zone (auth/services.update_profile) or
  active flag (admin/services.deactivate, reactivate) changed;
- `schedule_changed(clinic_id)`: a clinic's follow-up schedule changed
  (clinic/services.save_schedule).

A write made behind the services' back (bulk inserts through Core, as the simulator's, or a
row changed by hand) replans nothing; the dispatcher's check on claiming each row
(plans.still_due) covers those.

Creating the default check-in reminder is an explicit call too (patient_created), made by
account creation.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from diary.clock import utcnow
from diary.extensions import db
from diary.models import (
    Assessment,
    CareLink,
    FollowUpVisit,
    Injection,
    MedicationRegimen,
    Reminder,
    Surgery,
    User,
)
from diary.models.reminder import ReminderKind
from diary.reminders.planning.plans import create_default_check_in, replan_patient

ALL_KINDS = frozenset(ReminderKind)
# Which reminder kinds a change to a row of each model can move. A surgery can change the
# reference surgery, which the injection reminder stops at and the clinic's schedule counts
# from; a care link (made or revoked) decides whose schedule suggests follow-up visits; an
# assessment's visit fulfils the suggested visit nearest to it (clinic.schedule.next_due).
_KINDS_OF = {
    Assessment: frozenset({ReminderKind.FOLLOW_UP}),
    Injection: frozenset({ReminderKind.INJECTION}),
    Surgery: frozenset({ReminderKind.INJECTION, ReminderKind.FOLLOW_UP}),
    MedicationRegimen: frozenset({ReminderKind.MEDICATION}),
    FollowUpVisit: frozenset({ReminderKind.FOLLOW_UP}),
    CareLink: frozenset({ReminderKind.FOLLOW_UP}),
}


def patient_created(patient: User, now: datetime) -> None:
    """A new patient's account exists (flushed, not committed): give it the default reminder."""
    create_default_check_in(patient, now)


def _replan(kinds_of_patients: dict[int, set[str]]) -> None:
    """Replan these patients' reminders of these kinds, reading the inputs as flushed now."""
    if not kinds_of_patients:
        return
    db.session.flush()
    now = utcnow()
    for patient_id, kinds in sorted(kinds_of_patients.items()):
        replan_patient(patient_id, now, kinds)


def entry_changed(*rows: object) -> None:
    """Rows of reminder inputs (added, changed or removed) in this transaction: replan the
    reminders that each can move, once per patient."""
    pending: dict[int, set[str]] = {}
    for row in rows:
        kinds = _KINDS_OF.get(type(row))
        if kinds is not None and row.patient_id is not None:
            pending.setdefault(row.patient_id, set()).update(kinds)
    _replan(pending)


def account_changed(patient_id: int) -> None:
    """The account's time zone or active flag changed: every reminder of it moves."""
    _replan({patient_id: set(ALL_KINDS)})


def schedule_changed(clinic_id: int) -> None:
    """A clinic's follow-up schedule changed: the follow-up reminders of its patients move."""
    db.session.flush()
    _replan({patient_id: {ReminderKind.FOLLOW_UP} for patient_id in _follow_up_patients_of({clinic_id})})


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
