"""All models, imported here so Alembic and the app see every table."""

from diary.orm import Base, UTCDateTime
from diary.models.clinic import CareLink, Clinic, ClinicMembership
from diary.models.journal import CheckIn, EntryRevision, SpasmEpisode
from diary.models.user import LoginFailure, Role, Side, User

__all__ = [
    "Base",
    "CareLink",
    "CheckIn",
    "Clinic",
    "ClinicMembership",
    "EntryRevision",
    "LoginFailure",
    "Role",
    "Side",
    "SpasmEpisode",
    "User",
    "UTCDateTime",
]
