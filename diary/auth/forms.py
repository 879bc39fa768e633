"""Account forms. Limits come from diary.auth.rules, which mirrors the users table's CHECKs."""

from __future__ import annotations

from wtforms import DateField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    ValidationError,
)

from diary.auth import rules
from diary.i18n import gettext, lazy_gettext
from diary.web.forms import TextForm, VisibleCharactersOnly

SIDE_CHOICES = [
    SelectChoice("", lazy_gettext("Choose a side")),
    SelectChoice("left", lazy_gettext("Left")),
    SelectChoice("right", lazy_gettext("Right")),
    SelectChoice("both", lazy_gettext("Both sides")),
]


def _strip(value):
    """Surrounding spaces never matter in these fields."""
    return value.strip() if isinstance(value, str) else value


def time_zone_choices() -> list[SelectChoice]:
    """Every zone, labelled with spaces for underscores so the list reads naturally."""
    return [SelectChoice(zone, zone.replace("_", " ")) for zone in rules.time_zones()]


class NewPassword:
    """A new password's rules (length, not only spaces)."""

    def __call__(self, form, field) -> None:
        """Raise with the reason when the password is refused."""
        problem = rules.password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class YearField(IntegerField):
    """A whole year, with a message people understand when it is not a number."""

    def process_formdata(self, valuelist):
        """Parse the year; explain what is wanted when it is not one."""
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(gettext("Enter a year as four digits, such as 2019.")) from error


class BirthDateField(DateField):
    """An optional date of birth: blank is "not given", anything else must be a real date."""

    def process_formdata(self, valuelist):
        """Blank is no value; a date that is not one is explained."""
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(gettext("Enter a date such as 1956-04-02 (year, month, day).")) from error


def birth_date_field() -> BirthDateField:
    """The one date-of-birth field (the account page, a share code)."""
    return BirthDateField(lazy_gettext("Date of birth"), validators=[Optional()])


def check_birth_date(field, time_zone: str) -> None:
    """Not in the future in the user's zone, not before 1900 (diary.auth.rules)."""
    if field.data is not None:
        problem = rules.birth_date_problem(field.data, time_zone)
        if problem:
            raise ValidationError(problem)


def email_field(label: str = lazy_gettext("Email")) -> EmailField:
    """The one email field of every form."""
    return EmailField(
        label,
        filters=[_strip],
        validators=[
            DataRequired(message=lazy_gettext("Enter your email address.")),
            Length(max=rules.EMAIL_MAX_LENGTH, message=lazy_gettext("This email address is too long.")),
            Email(message=lazy_gettext("Enter an email address such as name@example.org.")),
        ],
    )


def new_password_fields(label: str, repeat_label: str) -> tuple[PasswordField, PasswordField]:
    """A new password and its repetition."""
    return (
        PasswordField(label, validators=[DataRequired(message=lazy_gettext("Choose a password.")), NewPassword()]),
        PasswordField(
            repeat_label,
            validators=[
                DataRequired(message=lazy_gettext("Type the password a second time.")),
                EqualTo("password", message=lazy_gettext("The two passwords are not the same.")),
            ],
        ),
    )


class LoginForm(TextForm):
    """Email and password."""

    email = email_field()
    password = PasswordField(
        lazy_gettext("Password"),
        validators=[
            DataRequired(message=lazy_gettext("Enter your password.")),
            Length(max=rules.PASSWORD_MAX_LENGTH, message=lazy_gettext("The email or password is not right.")),
        ],
    )


class PersonalDetailsForm(TextForm):
    """Name, time zone and, for a patient, side and onset year."""

    display_name = StringField(
        lazy_gettext("Your name"),
        filters=[_strip],
        validators=[
            DataRequired(message=lazy_gettext("Enter the name we should greet you with.")),
            Length(
                max=rules.DISPLAY_NAME_MAX_LENGTH,
                message=lazy_gettext("Use at most %(max)d characters."),
            ),
            VisibleCharactersOnly(),
        ],
    )
    family_name = StringField(
        lazy_gettext("Surname"),
        filters=[_strip, lambda value: value or None],
        validators=[
            Optional(),
            Length(
                max=rules.FAMILY_NAME_MAX_LENGTH,
                message=lazy_gettext("Use at most %(max)d characters."),
            ),
            VisibleCharactersOnly(),
        ],
    )
    timezone = SelectField(
        lazy_gettext("Time zone"),
        choices=time_zone_choices,
        default=rules.DEFAULT_TIME_ZONE,
        invalid_choice_message=lazy_gettext("Choose a time zone from the list."),
    )
    affected_side = SelectField(
        lazy_gettext("Affected side"),
        choices=SIDE_CHOICES,
        default="",
        validate_choice=False,
        validators=[AnyOf(rules.SIDES, message=lazy_gettext("Choose the side of your face with the spasms."))],
    )
    symptoms_since_year = YearField(lazy_gettext("Year the spasms began"), validators=[Optional()])

    def validate_symptoms_since_year(self, field) -> None:
        """Between 1900 and this year in the chosen zone (the app clock)."""
        if field.data is None:  # not a number: process_formdata has said so
            return
        latest = rules.latest_symptom_year(self.timezone.data)
        if not rules.EARLIEST_SYMPTOM_YEAR <= field.data <= latest:
            raise ValidationError(gettext("Enter a year between %(earliest)d and %(latest)d.",
                                          earliest=rules.EARLIEST_SYMPTOM_YEAR, latest=latest))


class RegistrationForm(PersonalDetailsForm):
    """A registration's second step, from the emailed link: the address is the link's."""

    password, password_repeat = new_password_fields(lazy_gettext("Password"), lazy_gettext("Repeat password"))


class ProfileForm(PersonalDetailsForm):
    """The account page's details; clinicians and administrators have no surname, side, onset
    year or date of birth (the clinic's patient records need them, not the staff's)."""

    birth_date = birth_date_field()

    def __init__(self, *args, patient: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not patient:
            del self.family_name
            del self.affected_side
            del self.symptoms_since_year
            del self.birth_date

    def validate_birth_date(self, field) -> None:
        """Not in the future in the chosen zone, not before 1900."""
        check_birth_date(field, self.timezone.data)


class PasswordChangeForm(TextForm):
    """The current password, and a new one twice."""

    current_password = PasswordField(
        lazy_gettext("Current password"), validators=[DataRequired(message=lazy_gettext("Enter your current password."))]
    )
    password, password_repeat = new_password_fields(lazy_gettext("New password"), lazy_gettext("Repeat new password"))


class NewPasswordForm(TextForm):
    """A new password, twice (after a reset link)."""

    password, password_repeat = new_password_fields(lazy_gettext("New password"), lazy_gettext("Repeat new password"))


class EmailForm(TextForm):
    """One email address: registering, asking for a reset link or a new confirmation link."""

    email = email_field()


class CodeForm(TextForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField(
        lazy_gettext("Code"),
        filters=[_strip],
        validators=[
            DataRequired(message=lazy_gettext("Enter the 6-digit code from your authenticator app.")),
            Length(max=32, message=lazy_gettext("Enter the 6-digit code, or a recovery code such as abcde-fghjk.")),
        ],
    )


class DeleteAccountForm(TextForm):
    """Account deletion: the current password, as the only confirmation that counts."""

    password = PasswordField(
        lazy_gettext("Your password"),
        validators=[
            DataRequired(message=lazy_gettext("Enter your password to delete the account.")),
            Length(max=rules.PASSWORD_MAX_LENGTH, message=lazy_gettext("This password is not right.")),
        ],
    )
