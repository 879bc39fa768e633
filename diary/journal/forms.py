"""Diary forms: server-side validation that mirrors the CHECK constraints of the models."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from diary.i18n import gettext, lazy_gettext
from diary.journal import wording
from diary.journal.services import (
    CHECK_IN_VALUE_COLUMNS,
    FUTURE_DAY,
    NO_SPASMS_SINCE_MAX_DAYS,
    CheckInValues,
)
from diary.models.journal import MAX_NOTE_LENGTH, MAX_SPASM_SECONDS, MAX_SPASMS_PER_DAY
from diary.web.forms import TextForm

# The same lower bound as the year symptoms began (users.symptoms_since_year).
EARLIEST_DAY = date(1900, 1, 1)
MAX_TRIGGER_OTHER_LENGTH = 200
# The note's limit as the message writes it ("2,000"); outside the call, where pybabel would
# warn about an f-string (docs/wording.md, Translating).
NOTE_LIMIT = format(MAX_NOTE_LENGTH, ",")
CHOOSE_FROM_LIST = lazy_gettext("Choose one of the options shown.")
DAY_MESSAGE = lazy_gettext("Enter a date like 2026-03-10.")
# A day further back than this asks to be confirmed (docs/journal.md, Days long ago).
CONFIRM_YEARS_BACK = 10
COUNT_REQUIRED = lazy_gettext("Enter the number of spasms; 0 if there were none.")
COUNT_RANGE = lazy_gettext("Enter a number from 0 to %(most)s.", most=MAX_SPASMS_PER_DAY)
COUNT_NOT_A_NUMBER = lazy_gettext("Enter a whole number, like 12.")


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def optional_int(value: str | int | None) -> int | None:
    """Coerce a submitted choice: empty means "not answered"."""
    if value is None or value == "":
        return None
    return int(value)


def optional_str(value: str | None) -> str | None:
    """Coerce a submitted choice: empty means "not answered"."""
    return value or None


def clean_text(value: str | None) -> str | None:
    """Trim, normalise line ends, drop NUL (PostgreSQL refuses it); empty becomes None."""
    if value is None:
        return None
    value = value.replace("\x00", "").replace("\r\n", "\n").strip()
    return value or None


def present(message: str):
    """A validator: the field has a value (a field that could not be read already says so)."""

    def check(form, field) -> None:
        if field.process_errors:
            raise StopValidation()
        if field.data is None:
            raise StopValidation(message)

    return check


class WholeNumberRange:
    """A validator: a whole number from low to high (and min/max on the input, as NumberRange).

    WTForms' NumberRange calls math.isnan() on the value, which raises OverflowError for an
    integer beyond a float's range: a 400-digit number typed into a form answered 500.
    """

    def __init__(self, low: int, high: int, message: str) -> None:
        self.low, self.high, self.message = low, high, message
        self.field_flags = {"min": low, "max": high}

    def __call__(self, form, field) -> None:
        """Raise unless the value is a number within the range."""
        if field.data is None or not self.low <= field.data <= self.high:
            raise ValidationError(self.message)


def not_future(form, field) -> None:
    """A validator: the date is not after the form's `today` (the patient's), nor before 1900."""
    if field.data is None:
        return
    if field.data > form.today:
        raise ValidationError(str(FUTURE_DAY))
    if field.data < EARLIEST_DAY:
        raise ValidationError(gettext("Enter a date after 1900."))


class LocalDateField(DateField):
    """A date field where a blank entry is "no value", not a format error."""

    def process_formdata(self, valuelist):
        """Treat an empty string as no value."""
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class WholeNumberField(IntegerField):
    """An integer field where a blank entry is "no value", not a format error."""

    def process_formdata(self, valuelist):
        """Treat an empty string as no value."""
        if valuelist and not valuelist[0].strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (rendered by the choices() macro)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(labels: dict, blank: str | None = None) -> list[SelectChoice]:
    """SelectChoice objects from a value -> label (or (label, description)) mapping."""
    out = [SelectChoice("", blank)] if blank else []
    for value, label in labels.items():
        out.append(SelectChoice(str(value), label[0] if isinstance(label, tuple) else label))
    return out


def _descriptions(labels: dict) -> dict[str, str]:
    """The per-choice descriptions of a mapping, keyed by the submitted value."""
    return {str(v): label[1] for v, label in labels.items() if isinstance(label, tuple)}


def _jrs_choices(levels: dict[int, str]) -> list[SelectChoice]:
    """JRS levels labelled by their number; the wording goes beside as a description."""
    return [SelectChoice("", lazy_gettext("Not rated"))] + [SelectChoice(str(n), str(n)) for n in levels]


def spasm_count_field() -> WholeNumberField:
    """The day's number of spasms, as the check-in and the home page's count box both ask it."""
    return WholeNumberField(
        lazy_gettext("Number of spasms"),
        validators=[present(COUNT_REQUIRED), WholeNumberRange(0, MAX_SPASMS_PER_DAY, COUNT_RANGE)],
        invalid_value_message=COUNT_NOT_A_NUMBER,
    )


class CheckInForm(TextForm):
    """The daily check-in: only the number of spasms is required; the rest is detail."""

    day = LocalDateField(
        lazy_gettext("Date"),
        validators=[present(lazy_gettext("Enter the date of the day you are logging.")), not_future],
        invalid_value_message=DAY_MESSAGE,
    )
    spasm_count = spasm_count_field()
    # Asked only when the day lies before the spasms began or more than ten years back.
    confirm_day = BooleanField(lazy_gettext("Yes, this date is right"))
    typical_duration_seconds = SelectField(
        lazy_gettext("How long did one spasm usually last?"),
        coerce=optional_int,
        choices=_choices(wording.DURATION_CHOICES, blank=lazy_gettext("Not sure")),
        invalid_value_message=CHOOSE_FROM_LIST,
        invalid_choice_message=CHOOSE_FROM_LIST,
    )
    jrs_severity = RadioField(
        lazy_gettext("How strong were the spasms? (Jankovic severity)"),
        coerce=optional_int,
        choices=_jrs_choices(wording.JRS_SEVERITY),
        invalid_value_message=CHOOSE_FROM_LIST,
        invalid_choice_message=CHOOSE_FROM_LIST,
    )
    jrs_frequency = RadioField(
        lazy_gettext("How often did they come? (Jankovic frequency)"),
        coerce=optional_int,
        choices=_jrs_choices(wording.JRS_FREQUENCY),
        invalid_value_message=CHOOSE_FROM_LIST,
        invalid_choice_message=CHOOSE_FROM_LIST,
    )
    regions = MultiCheckboxField(
        lazy_gettext("Where on your face?"),
        choices=_choices(wording.REGIONS),
        invalid_choice_message=CHOOSE_FROM_LIST,
    )
    side = RadioField(
        lazy_gettext("Which side?"),
        coerce=optional_str,
        choices=_choices(wording.SIDES, blank=lazy_gettext("Not sure")),
        invalid_choice_message=CHOOSE_FROM_LIST,
    )
    spasm_type = RadioField(
        lazy_gettext("What were they like? (clonic or tonic)"),
        coerce=optional_str,
        choices=_choices(wording.SPASM_TYPES, blank=lazy_gettext("Not sure")),
        invalid_choice_message=CHOOSE_FROM_LIST,
    )
    triggers = MultiCheckboxField(
        lazy_gettext("What set them off?"),
        choices=_choices(wording.TRIGGERS),
        invalid_choice_message=CHOOSE_FROM_LIST,
    )
    trigger_other = StringField(
        lazy_gettext("Something else that set them off"),
        filters=[clean_text],
        validators=[
            Length(
                max=MAX_TRIGGER_OTHER_LENGTH,
                message=lazy_gettext("Please keep this under 200 characters."),
            )
        ],
    )
    note = TextAreaField(
        lazy_gettext("Note"),
        filters=[clean_text],
        validators=[
            Length(
                max=MAX_NOTE_LENGTH,
                message=lazy_gettext("Please keep the note under %(most)s characters.", most=NOTE_LIMIT),
            )
        ],
    )

    # The optional detail, folded behind one disclosure (docs/journal.md, The check-in).
    # Every value of a check-in but its count (and how it was entered, which is no field).
    DETAIL_FIELDS = tuple(
        name for name in CHECK_IN_VALUE_COLUMNS if name not in ("spasm_count", "entry_method")
    )

    # Wording beside each choice, keyed by field name, for the choices() macro.
    descriptions = {
        "jrs_severity": {str(k): v for k, v in wording.JRS_SEVERITY.items()},
        "jrs_frequency": {str(k): v for k, v in wording.JRS_FREQUENCY.items()},
        "regions": _descriptions(wording.REGIONS),
        "spasm_type": _descriptions(wording.SPASM_TYPES),
    }

    def __init__(
        self, *args, today: date, ask_side: bool, onset_year: int | None = None, **kwargs
    ) -> None:
        """Bind the patient's local today (for future dates), whether to ask for a side and
        the year the spasms began (for days long ago)."""
        self.today = today
        self.onset_year = onset_year
        self.asks_confirmation = False
        super().__init__(*args, **kwargs)
        if not ask_side:
            del self.side

    def validate_day(self, field) -> None:
        """A day before the spasms began, or more than ten years back, is saved only once the
        patient confirms it (a second submission with the box ticked)."""
        if field.data is None or field.errors:
            return
        reason = self.unusual_day(field.data)
        if reason is None:
            return
        self.asks_confirmation = True
        if not self.confirm_day.data:
            raise ValidationError(reason)

    def unusual_day(self, day: date) -> str | None:
        """Why a day needs confirming, in the patient's words, or None."""
        if self.onset_year is not None and day.year < self.onset_year:
            return gettext(
                "%(day)s is before %(year)s, the year your spasms began. "
                "Check the date, or tick the box below and save again.",
                day=wording.long_date(day),
                year=self.onset_year,
            )
        if day < years_before(self.today, CONFIRM_YEARS_BACK):
            return gettext(
                "%(day)s is more than ten years ago. "
                "Check the date, or tick the box below and save again.",
                day=wording.long_date(day),
            )
        return None

    @property
    def detail_open(self) -> bool:
        """The detail disclosure starts open when a detail field holds a value or an error."""
        for name in self.DETAIL_FIELDS:
            if name not in self:
                continue
            field = self[name]
            if field.errors or field.data not in (None, "", []):
                return True
        return False

    def values(self) -> CheckInValues:
        """The validated input as plain values for the service."""
        return CheckInValues(
            day=self.day.data,
            spasm_count=self.spasm_count.data,
            typical_duration_seconds=self.typical_duration_seconds.data,
            jrs_severity=self.jrs_severity.data,
            jrs_frequency=self.jrs_frequency.data,
            regions=_in_choice_order(self.regions),
            side=self.side.data if "side" in self else None,
            spasm_type=self.spasm_type.data,
            triggers=_in_choice_order(self.triggers),
            trigger_other=self.trigger_other.data,
            note=self.note.data,
        )


def _in_choice_order(field: MultiCheckboxField) -> list[str]:
    """Ticked values once each, in the order the form lists them."""
    ticked = set(field.data or [])
    return [c.value for c in field.choices if c.value in ticked]


SECONDS_MESSAGE = lazy_gettext(
    "Enter the number of seconds, from 1 to %(most)s (an hour).", most=MAX_SPASM_SECONDS
)


class DayCountForm(TextForm):
    """The home page's count box: a number of spasms for today or a day of the strip."""

    day = LocalDateField(
        lazy_gettext("Date"),
        validators=[present(lazy_gettext("The page had no date: choose a day again.")), not_future],
        invalid_value_message=DAY_MESSAGE,
    )
    spasm_count = spasm_count_field()

    def __init__(self, *args, today: date, earliest: date, **kwargs) -> None:
        """Bind the patient's local today and the first day of the home page's strip."""
        self.today, self.earliest = today, earliest
        super().__init__(*args, **kwargs)

    def validate_day(self, field) -> None:
        """Only the days the home page shows; an older day has the check-in form."""
        if field.data is not None and not field.errors and field.data < self.earliest:
            raise ValidationError(
                gettext("Log days before %(day)s with the check-in form.", day=wording.long_date(self.earliest))
            )


class SpasmNowForm(TextForm):
    """One tap: the token generated with the page makes a double tap insert once."""

    client_token = HiddenField(
        validators=[
            present(lazy_gettext("The page had expired.")),
            Length(min=8, max=64),
            # \Z, not $: "$" also matches before a final newline, which let "token\n" in.
            Regexp(r"^[A-Za-z0-9_-]+\Z"),
        ]
    )

    # Filled by the home page's timer (static/js/spasm-timer.js); absent without JavaScript.
    duration_seconds = WholeNumberField(
        validators=[Optional(), WholeNumberRange(1, MAX_SPASM_SECONDS, SECONDS_MESSAGE)],
        invalid_value_message=SECONDS_MESSAGE,
        widget=HiddenInput(),
    )

    @classmethod
    def fresh(cls) -> SpasmNowForm:
        """The form for a page being rendered, with a token of its own."""
        return cls(formdata=None, data={"client_token": secrets.token_urlsafe(16)})


class NoSpasmsTodayForm(TextForm):
    """One tap, no fields: only the CSRF token."""


class NoSpasmsSinceForm(TextForm):
    """Explicit zero days from a date up to today."""

    since = LocalDateField(
        lazy_gettext("No spasms since"),
        validators=[present(lazy_gettext("Enter the first day without spasms.")), not_future],
        invalid_value_message=DAY_MESSAGE,
    )

    def __init__(self, *args, today: date, **kwargs) -> None:
        """Bind the patient's local today."""
        self.today = today
        super().__init__(*args, **kwargs)

    def validate_since(self, field) -> None:
        """At most 14 days back: longer gaps are better logged day by day."""
        if field.data is not None and field.data < self.earliest:
            raise ValidationError(
                gettext("You can go back at most %(most)s days, to %(day)s.",
                        most=NO_SPASMS_SINCE_MAX_DAYS, day=wording.long_date(self.earliest))
            )

    @property
    def earliest(self) -> date:
        """The first day this form accepts."""
        return self.today - timedelta(days=NO_SPASMS_SINCE_MAX_DAYS)


class EpisodeLengthForm(TextForm):
    """How long the spasm just logged lasted."""

    duration_seconds = WholeNumberField(
        lazy_gettext("How long did it last (seconds)?"),
        validators=[
            present(SECONDS_MESSAGE),
            WholeNumberRange(1, MAX_SPASM_SECONDS, SECONDS_MESSAGE),
        ],
        invalid_value_message=SECONDS_MESSAGE,
    )


class EpisodeEditForm(TextForm):
    """Correct the time (in the zone where it was captured) and the length of a spasm."""

    day = LocalDateField(
        lazy_gettext("Date"),
        validators=[present(lazy_gettext("Enter the date of the spasm.")), not_future],
        invalid_value_message=DAY_MESSAGE,
    )
    time = TimeField(
        lazy_gettext("Time"),
        validators=[present(lazy_gettext("Enter the time, like 14:05."))],
        format=["%H:%M", "%H:%M:%S"],
        invalid_value_message=lazy_gettext("Enter the time, like 14:05."),
    )
    duration_seconds = WholeNumberField(
        lazy_gettext("How long did it last (seconds)?"),
        validators=[Optional(), WholeNumberRange(1, MAX_SPASM_SECONDS, SECONDS_MESSAGE)],
        invalid_value_message=SECONDS_MESSAGE,
    )

    def __init__(self, *args, today: date, **kwargs) -> None:
        """Bind today's date in the zone the spasm was captured in."""
        self.today = today
        super().__init__(*args, **kwargs)
