"""Reminder forms: validation that mirrors the CHECK constraints of diary/models/reminder.py.

Each reminder's form has a prefix (check_in-, injection-, ...) because the settings page
shows them all at once, and field ids must stay unique on a page.
"""

from __future__ import annotations

from datetime import date

from wtforms import BooleanField, HiddenField, RadioField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Length, ValidationError

from diary.i18n import gettext, lazy_gettext, ngettext
from diary.journal.forms import (
    DAY_MESSAGE,
    LocalDateField,
    MultiCheckboxField,
    WholeNumberField,
    WholeNumberRange,
    clean_text,
    present,
)
from diary.models.reminder import (
    MAX_NOTICE_DAYS,
    MAX_PLACE_LENGTH,
    MAX_WEEKS_AFTER_INJECTION,
    MIN_WEEKS_AFTER_INJECTION,
    Cadence,
    ReminderKind,
)
from diary.reminders.services import ReminderValues, ReminderView, VisitValues
from diary.web.forms import TextForm

CHOOSE_FROM_LIST = lazy_gettext("Choose one of the options shown.")
TIME_MESSAGE = lazy_gettext("Enter a time like 20:00.")
CHANNEL_MESSAGE = lazy_gettext("Choose email, the inbox or both, or switch this reminder off.")
DAY_NAMES = (
    lazy_gettext("Monday"), lazy_gettext("Tuesday"), lazy_gettext("Wednesday"),
    lazy_gettext("Thursday"), lazy_gettext("Friday"), lazy_gettext("Saturday"),
    lazy_gettext("Sunday"),
)
CHANNELS = (("email", lazy_gettext("By email")), ("in_app", lazy_gettext("In the app’s inbox")))


def _options(pairs) -> list[SelectChoice]:
    """Choices as WTForms wants them (tuples are deprecated)."""
    return [SelectChoice(value, label) for value, label in pairs]
# The URL's name of each kind, and back.
SLUGS = {
    ReminderKind.CHECK_IN: "check-in",
    ReminderKind.INJECTION: "injection",
    ReminderKind.FOLLOW_UP: "follow-up",
    ReminderKind.MEDICATION: "medication",
}
KINDS = {slug: kind for kind, slug in SLUGS.items()}
WEEKS_MESSAGE = lazy_gettext(
    "Enter a number of weeks from %(low)d to %(high)d.",
    low=MIN_WEEKS_AFTER_INJECTION, high=MAX_WEEKS_AFTER_INJECTION,
)
NOTICE_MESSAGE = lazy_gettext("Enter a number of days from 0 to %(high)d.", high=MAX_NOTICE_DAYS)


def minute_of_time(value) -> int:
    """A datetime.time as minutes after midnight."""
    return value.hour * 60 + value.minute


class ClockField(TimeField):
    """A local time of day, "HH:MM" (browsers' time inputs send that; seconds are allowed)."""

    def __init__(self, label: str, **kwargs) -> None:
        super().__init__(
            label,
            format=["%H:%M", "%H:%M:%S"],
            validators=[present(TIME_MESSAGE)],
            invalid_value_message=TIME_MESSAGE,
            **kwargs,
        )

    def process_formdata(self, valuelist):
        """A blank entry is no value (the validator then asks for one)."""
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class ReminderForm(TextForm):
    """On or off, and where to: what every reminder has."""

    enabled = BooleanField(lazy_gettext("Send me this reminder"))
    channels = MultiCheckboxField(
        lazy_gettext("How to remind you"), choices=_options(CHANNELS), invalid_choice_message=CHOOSE_FROM_LIST
    )

    def validate_channels(self, field) -> None:
        """A reminder that is on goes somewhere (ck_reminders_channel_chosen)."""
        if self.enabled.data and not field.data:
            raise ValidationError(CHANNEL_MESSAGE)

    def channel_values(self) -> dict:
        """The on/off and channel settings as service values."""
        chosen = set(self.channels.data or [])
        return {
            "enabled": bool(self.enabled.data),
            "by_email": "email" in chosen,
            "in_app": "in_app" in chosen,
        }

    def values(self) -> ReminderValues:
        """The validated input as plain values for the service."""
        return ReminderValues(**self.channel_values())


class CheckInReminderForm(ReminderForm):
    """The diary reminder: a time, and the days (daily) or the day (weekly) it comes."""

    send_time = ClockField(lazy_gettext("Time"))
    weekdays = MultiCheckboxField(
        lazy_gettext("Days"),
        choices=_options((str(n), name) for n, name in enumerate(DAY_NAMES)),
        invalid_choice_message=CHOOSE_FROM_LIST,
    )
    weekly_day = RadioField(
        lazy_gettext("Day of the week"),
        choices=_options((str(n), name) for n, name in enumerate(DAY_NAMES)),
        # One day, no more (ck_reminders_weekly_one_day): a radio button can only send one.
        invalid_choice_message=lazy_gettext("Choose the day of the week."),
    )

    def __init__(self, *args, cadence: str, **kwargs) -> None:
        """A daily reminder asks for days; a weekly one for its day."""
        self.cadence = cadence
        super().__init__(*args, **kwargs)
        if cadence == Cadence.WEEKLY:
            del self.weekdays
        else:
            del self.weekly_day

    def validate_weekdays(self, field) -> None:
        """At least one day (ck_reminders_weekdays_range)."""
        if not field.data:
            raise ValidationError(gettext("Choose at least one day, or switch this reminder off."))

    def values(self) -> ReminderValues:
        """Time and days as minutes and a weekday mask."""
        if self.cadence == Cadence.WEEKLY:
            mask = 1 << int(self.weekly_day.data)
        else:
            mask = sum(1 << int(day) for day in set(self.weekdays.data))
        return ReminderValues(
            **self.channel_values(),
            send_minute=minute_of_time(self.send_time.data),
            weekdays=mask,
        )


class InjectionReminderForm(ReminderForm):
    """Weeks after the last injection, days of notice, and the time of day."""

    weeks_after = WholeNumberField(
        lazy_gettext("Weeks after the last injection"),
        validators=[
            present(WEEKS_MESSAGE),
            WholeNumberRange(MIN_WEEKS_AFTER_INJECTION, MAX_WEEKS_AFTER_INJECTION, WEEKS_MESSAGE),
        ],
        invalid_value_message=WEEKS_MESSAGE,
    )
    notice_days = WholeNumberField(
        lazy_gettext("Days of notice"),
        validators=[present(NOTICE_MESSAGE), WholeNumberRange(0, MAX_NOTICE_DAYS, NOTICE_MESSAGE)],
        invalid_value_message=NOTICE_MESSAGE,
    )
    send_time = ClockField(lazy_gettext("Time"))

    def values(self) -> ReminderValues:
        """The validated input as plain values for the service."""
        return ReminderValues(
            **self.channel_values(),
            send_minute=minute_of_time(self.send_time.data),
            weeks_after=self.weeks_after.data,
            notice_days=self.notice_days.data,
        )


class FollowUpReminderForm(ReminderForm):
    """How many days before a visit, and at what time."""

    notice_days = WholeNumberField(
        lazy_gettext("Days before the visit"),
        validators=[present(NOTICE_MESSAGE), WholeNumberRange(0, MAX_NOTICE_DAYS, NOTICE_MESSAGE)],
        invalid_value_message=NOTICE_MESSAGE,
    )
    send_time = ClockField(lazy_gettext("Time"))

    def values(self) -> ReminderValues:
        """The validated input as plain values for the service."""
        return ReminderValues(
            **self.channel_values(),
            send_minute=minute_of_time(self.send_time.data),
            notice_days=self.notice_days.data,
        )


class MedicationReminderForm(ReminderForm):
    """Dose reminders come at the regimens' own times: only on/off and channels here."""


FORMS: dict[str, type[ReminderForm]] = {
    ReminderKind.CHECK_IN: CheckInReminderForm,
    ReminderKind.INJECTION: InjectionReminderForm,
    ReminderKind.FOLLOW_UP: FollowUpReminderForm,
    ReminderKind.MEDICATION: MedicationReminderForm,
}


def reminder_form(kind: str, *, cadence: str, **kwargs) -> ReminderForm:
    """The settings form of a kind, with its prefix."""
    form_class = FORMS[kind]
    prefix = kind
    if form_class is CheckInReminderForm:
        return form_class(prefix=prefix, cadence=cadence, **kwargs)
    return form_class(prefix=prefix, **kwargs)


class CadenceForm(TextForm):
    """One button: switch the diary reminder to weekly, or back to daily."""

    cadence = HiddenField(validators=[AnyOf(tuple(Cadence), message=CHOOSE_FROM_LIST)])


class VisitForm(TextForm):
    """A follow-up visit: date, time and place (ck_follow_up_visits_*)."""

    visit_on = LocalDateField(
        lazy_gettext("Date of the visit"),
        validators=[present(lazy_gettext("Enter the date of the visit."))],
        invalid_value_message=DAY_MESSAGE,
    )
    visit_time = ClockField(lazy_gettext("Time of the visit"))
    place = StringField(
        lazy_gettext("Place"),
        filters=[clean_text],
        validators=[
            present(lazy_gettext("Enter where the visit is, for example the clinic's name.")),
            Length(max=MAX_PLACE_LENGTH, message=lazy_gettext("Please keep this under %(num)d characters.", num=MAX_PLACE_LENGTH)),
        ],
    )

    def __init__(self, *args, first_day: date, last_day: date, **kwargs) -> None:
        """Bind the dates a visit may take: today (the patient's) to two years ahead."""
        self.first_day, self.last_day = first_day, last_day
        super().__init__(*args, prefix="visit", **kwargs)

    def validate_visit_on(self, field) -> None:
        """A visit still to come, within two years."""
        if field.data is None:
            return
        if field.data < self.first_day:
            raise ValidationError(gettext("Enter a date from today on: this visit has passed."))
        if field.data > self.last_day:
            raise ValidationError(gettext("Enter a date within the next two years."))

    def values(self) -> VisitValues:
        """The validated input as plain values for the service."""
        return VisitValues(
            day=self.visit_on.data,
            minute=minute_of_time(self.visit_time.data),
            place=self.place.data,
        )


# The settings page's one line per reminder (docs/reminders.md, The settings page) -------


class SwitchForm(TextForm):
    """One tap in a reminder's line: switch it on or off, its other settings kept."""

    enabled = HiddenField(validators=[AnyOf(("on", "off"), message=CHOOSE_FROM_LIST)])

    @property
    def switch_on(self) -> bool:
        """The reminder is to be on."""
        return self.enabled.data == "on"


WHAT = {
    ReminderKind.CHECK_IN: lazy_gettext("Diary reminder"),
    ReminderKind.INJECTION: lazy_gettext("Injection due"),
    ReminderKind.FOLLOW_UP: lazy_gettext("Follow-up visits"),
    ReminderKind.MEDICATION: lazy_gettext("Medication doses"),
}
SHORT_DAY_NAMES = (
    lazy_gettext("Mon"), lazy_gettext("Tue"), lazy_gettext("Wed"), lazy_gettext("Thu"),
    lazy_gettext("Fri"), lazy_gettext("Sat"), lazy_gettext("Sun"),
)


def channel_words(reminder: ReminderView) -> str:
    """Where a reminder goes: "by email and in the inbox"."""
    if reminder.by_email and reminder.in_app:
        return gettext("by email and in the inbox")
    if reminder.by_email:
        return gettext("by email")
    if reminder.in_app:
        return gettext("in the inbox")
    return gettext("nowhere yet")


def when_words(reminder: ReminderView) -> str:
    """When a reminder comes, in a few words: "20:00, every day"."""
    kind = reminder.kind
    if kind == ReminderKind.CHECK_IN:
        days = reminder.days
        if reminder.weekly:
            return gettext("once a week, %(day)s at %(time)s",
                           day=DAY_NAMES[days[0]], time=reminder.send_time)
        if len(days) == 7:
            return gettext("%(time)s, every day", time=reminder.send_time)
        names = ", ".join(str(SHORT_DAY_NAMES[n]) for n in days)
        return gettext("%(time)s on %(days)s", time=reminder.send_time, days=names)
    if kind == ReminderKind.INJECTION:
        weeks = ngettext("%(num)d week", "%(num)d weeks", reminder.weeks_after)
        return gettext("%(weeks)s after an injection, at %(time)s", weeks=weeks,
                       time=reminder.send_time)
    if kind == ReminderKind.FOLLOW_UP:
        if reminder.notice_days == 0:
            return gettext("on the day of a visit, at %(time)s", time=reminder.send_time)
        days_before = ngettext("%(num)d day", "%(num)d days", reminder.notice_days)
        return gettext("%(days)s before a visit, at %(time)s", days=days_before,
                       time=reminder.send_time)
    return gettext("at the times of your medication")


def reminder_line(reminder: ReminderView) -> str:
    """A reminder's state in one line: "On: 20:00, every day, by email and in the inbox"."""
    if not reminder.enabled:
        return gettext("Off")
    return gettext("On: %(when)s, %(where)s", when=when_words(reminder),
                   where=channel_words(reminder))
