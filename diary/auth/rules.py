"""What an account's fields may hold: one source for the forms and the CLI.

The limits mirror the CHECK constraints and column sizes of users (diary/models/user.py), so
what passes a form never fails in the database.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from zoneinfo import available_timezones

from diary.clock import local_today
from diary.i18n import gettext
from diary.models.user import ROLE_VALUES, SIDE_VALUES

EMAIL_MAX_LENGTH = 254  # users.email VARCHAR(254), the longest address SMTP carries
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
DISPLAY_NAME_MAX_LENGTH = 80  # ck_users_display_name_length: 1..80
FAMILY_NAME_MAX_LENGTH = 80  # ck_users_family_name_length: 1..80
EARLIEST_BIRTH_DATE = date(1900, 1, 1)  # ck_users_birth_date_range: 1900-01-01..2100-01-01
CLINIC_NAME_MAX_LENGTH = 120  # ck_clinics_name_length: 1..120
EARLIEST_SYMPTOM_YEAR = 1900  # ck_users_symptoms_since_year_range: 1900..2100
LATEST_SYMPTOM_YEAR_IN_SCHEMA = 2100
DEFAULT_TIME_ZONE = "UTC"

# "localtime" is this server's own zone under another name and "Factory" means "not set":
# neither says where a patient lives.
_NOT_A_PLACE = {"localtime", "Factory"}

ROLES = ROLE_VALUES
SIDES = SIDE_VALUES


@cache
def time_zones() -> tuple[str, ...]:
    """Every IANA zone this machine knows, sorted (read from disk once)."""
    return tuple(sorted(available_timezones() - _NOT_A_PLACE))


def is_time_zone(name: str | None) -> bool:
    """Whether the name is a zone a user may choose."""
    return name in time_zones()


def latest_symptom_year(time_zone: str) -> int:
    """This year in the user's zone by the app clock: spasms cannot have begun later."""
    zone = time_zone if is_time_zone(time_zone) else DEFAULT_TIME_ZONE
    return min(local_today(zone).year, LATEST_SYMPTOM_YEAR_IN_SCHEMA)


def birth_date_problem(born: date, time_zone: str) -> str | None:
    """Why a date of birth is refused: before 1900, or after today in the user's zone by the
    app clock (the schema's CHECK cannot read today; docs/data.md)."""
    zone = time_zone if is_time_zone(time_zone) else DEFAULT_TIME_ZONE
    if born > local_today(zone):
        return gettext("A date of birth cannot be in the future.")
    if born < EARLIEST_BIRTH_DATE:
        return gettext("Enter a date of birth after 1 January 1900.")
    return None


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        return gettext("Use between %(min)d and %(max)d characters.",
                       min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH)
    if not password.strip():
        return gettext("A password cannot be only spaces.")
    return None
