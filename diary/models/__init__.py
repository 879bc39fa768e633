"""All models, imported here so Alembic and the app see every table."""

from diary.models.audit import AuditEvent
from diary.models.clinic import (
    Assessment,
    CareLink,
    Clinic,
    ClinicianBaseline,
    ClinicInvitation,
    ClinicMembership,
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
from diary.models.summary import PatientSummary
from diary.models.treatment import (
    DoseLog,
    Injection,
    InjectionSite,
    MedicationRegimen,
    Surgery,
)
from diary.models.user import LoginFailure, RecoveryCode, Role, Side, User
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
    "Delivery",
    "DoseLog",
    "EntryRevision",
    "FollowUpVisit",
    "InboxMessage",
    "Injection",
    "InjectionSite",
    "LoginFailure",
    "MedicationRegimen",
    "PatientSummary",
    "RecoveryCode",
    "Reminder",
    "Role",
    "SchedulerLease",
    "ShareCode",
    "Side",
    "SpasmEpisode",
    "Surgery",
    "User",
    "UTCDateTime",
]
