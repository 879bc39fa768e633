"""The administrator's forms; limits mirror the clinics and users tables' CHECKs."""

from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from diary.auth import rules
from diary.auth.forms import _strip, email_field
from diary.i18n import lazy_gettext
from diary.models.clinic import MemberRole
from diary.web.forms import TextForm, VisibleCharactersOnly

MEMBER_ROLE_CHOICES = [SelectChoice(MemberRole.CLINICIAN.value, lazy_gettext("Clinician")),
                       SelectChoice(MemberRole.NURSE.value, lazy_gettext("Nurse"))]


def member_role_field() -> SelectField:
    """What the member does in the clinic."""
    return SelectField(
        lazy_gettext("Role in the clinic"),
        choices=MEMBER_ROLE_CHOICES,
        default=MemberRole.CLINICIAN.value,
        invalid_choice_message=lazy_gettext("Choose clinician or nurse."),
    )


class ClinicForm(TextForm):
    """A clinic's name (new or renamed)."""

    name = StringField(
        lazy_gettext("Clinic name"),
        filters=[_strip],
        validators=[
            DataRequired(message=lazy_gettext("Enter the clinic's name.")),
            Length(max=rules.CLINIC_NAME_MAX_LENGTH,
                   message=lazy_gettext("Use at most %(num)d characters.",
                                        num=rules.CLINIC_NAME_MAX_LENGTH)),
            VisibleCharactersOnly(),
        ],
    )


class MemberForm(TextForm):
    """Add a clinician by email: an existing clinician account, or a new one invited by mail."""

    email = email_field(lazy_gettext("Email of the clinician"))
    display_name = StringField(
        lazy_gettext("Name (for a new account)"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(max=rules.DISPLAY_NAME_MAX_LENGTH,
                   message=lazy_gettext("Use at most %(num)d characters.",
                                        num=rules.DISPLAY_NAME_MAX_LENGTH)),
            VisibleCharactersOnly(),
        ],
    )
    member_role = member_role_field()


class MemberRoleForm(TextForm):
    """A member's role in one clinic."""

    member_role = member_role_field()
