"""All models, imported here so Alembic and the app see every table."""

from diary.models.audit import AuditEvent
from diary.models.clinic import (
    Assessment,
    CareLink,
    Clinic,
    ClinicianBaseline,
    ClinicInvitation,
    ClinicMembership,
    ClinicPatientRecord,
    ShareCode,
)
from diary.models.journal import CheckIn, EntryRevision, SpasmEpisode
from diary.models.reminder import (
    Delivery,
    FollowUpVisit,
    InboxMessage,
    Reminder,
    SchedulerLease,
)
from diary.models.summary import PatientAttention, PatientSummary
from diary.models.treatment import (
    DoseLog,
    Injection,
    InjectionSite,
    MedicationRegimen,
    Surgery,
)
from diary.models.user import RecoveryCode, Role, Side, ThrottleBucket, User, UserSession
from diary.orm import Base, UTCDateTime

__all__ = [
    "Assessment",
    "AuditEvent",
    "Base",
    "CareLink",
    "CheckIn",
    "Clinic",
    "ClinicianBaseline",
    "ClinicInvitation",
    "ClinicMembership",
    "ClinicPatientRecord",
    "Delivery",
    "DoseLog",
    "EntryRevision",
    "FollowUpVisit",
    "InboxMessage",
    "Injection",
    "InjectionSite",
    "MedicationRegimen",
    "PatientAttention",
    "PatientSummary",
    "RecoveryCode",
    "Reminder",
    "Role",
    "SchedulerLease",
    "ShareCode",
    "Side",
    "ThrottleBucket",
    "SpasmEpisode",
    "Surgery",
    "User",
    "UserSession",
    "UTCDateTime",
]

# No id is ever handed out twice: on SQLite a table with a plain INTEGER PRIMARY KEY reuses the
# largest id after a delete, so that a link, an export or an audit row naming a deleted row
# would name the next one. AUTOINCREMENT forbids that (SQLite applies it to single integer
# primary keys that are not foreign keys; PostgreSQL's sequences never go back anyway).
# docs/security.md, The identity model.
for _table in Base.metadata.tables.values():
    _table.dialect_options["sqlite"]["autoincrement"] = True
