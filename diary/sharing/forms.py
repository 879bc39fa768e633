"""Sharing forms: the clinician's (a patient's share code, an invitation by email) and the
patient's share code request.

The clinician's forms offer a choice of clinic only to a clinician who is a member of several; with one
clinic the field is removed and that clinic is used.
"""

from __future__ import annotations

from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length

from diary.auth import rules
from diary.auth.forms import birth_date_field, check_birth_date
from diary.i18n import lazy_gettext
from diary.models import Clinic
from diary.sharing import codes
from diary.web.forms import TextForm


def _strip(value):
    """Surrounding spaces never matter."""
    return value.strip() if isinstance(value, str) else value


class ClinicChoice:
    """Mixin: the clinic field, filled with the clinician's clinics."""

    clinic = SelectField(lazy_gettext("For which clinic"), coerce=str, validate_choice=True)

    def offer(self, clinics: list[Clinic]) -> None:
        """Offer the clinics; with only one, drop the field and use that one."""
        self._clinic_ids = [c.id for c in clinics]
        if len(clinics) == 1:
            del self.clinic
        else:
            self.clinic.choices = [(str(c.id), c.name) for c in clinics]

    def chosen_clinic(self) -> int:
        """The clinic the form is for (validated against the offered choices)."""
        if "clinic" not in self._fields:
            return self._clinic_ids[0]
        return int(self.clinic.data)


class RedeemForm(ClinicChoice, TextForm):
    """A patient's share code, as the clinician types it."""

    code = StringField(
        lazy_gettext("Share code"),
        filters=[_strip],
        validators=[
            DataRequired(message=lazy_gettext("Enter the code the patient gave you.")),
            Length(max=codes.MAX_TYPED_LENGTH,
                   message=lazy_gettext("This code is not valid. Ask the patient for a new one.")),
        ],
    )


class InviteForm(ClinicChoice, TextForm):
    """A patient's email address, to invite them to share."""

    email = EmailField(
        lazy_gettext("Patient's email address"),
        filters=[_strip],
        validators=[
            DataRequired(message=lazy_gettext("Enter the patient's email address.")),
            Length(max=rules.EMAIL_MAX_LENGTH, message=lazy_gettext("This email address is too long.")),
            Email(message=lazy_gettext("Enter an email address such as name@example.org.")),
        ],
    )


class ShareCodeForm(TextForm):
    """The patient's share code request, with an optional date of birth for the clinic."""

    birth_date = birth_date_field()

    def __init__(self, *args, time_zone: str = rules.DEFAULT_TIME_ZONE, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._time_zone = time_zone

    def validate_birth_date(self, field) -> None:
        """Not in the future in the patient's zone, not before 1900."""
        check_birth_date(field, self._time_zone)
