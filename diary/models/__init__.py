"""All models, imported here so Alembic and the app see every table."""

from diary.models.clinic import CareLink, Clinic, ClinicMembership
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
from diary.models.user import LoginFailure, Role, Side, User
from diary.orm import Base, UTCDateTime

__all__ = [
    "Base",
    "CareLink",
    "CheckIn",
    "Clinic",
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
    "Reminder",
    "Role",
    "SchedulerLease",
    "Side",
    "SpasmEpisode",
    "Surgery",
    "User",
    "UTCDateTime",
]
