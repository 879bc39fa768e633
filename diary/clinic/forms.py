"""The clinic's forms: follow-up assessment, clinician baseline, schedule, and button forms.

Every choice is validated against its list, so a CHECK constraint never sees a value the
form let through; bad input is shown again next to its field (422), never a 500.
"""

from __future__ import annotations

from datetime import date

from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from diary.clinic import identity, schedule
from diary.clinic.review import HB_GRADES, SMC_GRADES
from diary.clinic.wording import schedule_problem
from diary.i18n import gettext, lazy_gettext
from diary.journal.forms import clean_text
from diary.models.clinic import MAX_NOTE_LENGTH, MAX_SCHEDULE_LENGTH, MRN_MAX_LENGTH, Hearing
from diary.progress.wording import CLASS_LABELS
from diary.trajectory import rules
from diary.treatments import wording as treatment_wording
from diary.treatments.forms import NumberField
from diary.web.forms import TextForm

EARLIEST_VISIT = date(1900, 1, 1)
MAX_SPASMS_PER_DAY = 5000  # the clinician_baselines CHECK
SMC_WORDING = {
    1: lazy_gettext("I: around the eye only"),
    2: lazy_gettext("II: spread to other muscles on that side"),
    3: lazy_gettext("III: frequent tonic spasm that interferes with vision"),
    4: lazy_gettext("IV: disfiguring asymmetry"),
}
# The same House-Brackmann words as the patient's surgery form (docs/clinical.md).
HB_WORDING = treatment_wording.HOUSE_BRACKMANN
JRS_SEVERITY = {
    0: lazy_gettext("0: none"),
    1: lazy_gettext("1: more blinking only when provoked"),
    2: lazy_gettext("2: spontaneous fluttering, not disabling"),
    3: lazy_gettext("3: clear spasm, mildly incapacitating"),
    4: lazy_gettext("4: incapacitating"),
}
JRS_FREQUENCY = {
    0: lazy_gettext("0: none"),
    1: lazy_gettext("1: slightly more blinking than normal"),
    2: lazy_gettext("2: fluttering episodes under 1 s"),
    3: lazy_gettext("3: spasms over 1 s, eyes open more than half the waking time"),
    4: lazy_gettext("4: eyes shut by spasm more than half the waking time"),
}
HEARING = {Hearing.UNCHANGED.value: lazy_gettext("Unchanged"),
           Hearing.REDUCED.value: lazy_gettext("Reduced"),
           Hearing.LOST.value: lazy_gettext("Lost")}
OUTCOMES = {key: CLASS_LABELS[key] for key in rules.CLASS_ORDER}

assert set(SMC_WORDING) == set(SMC_GRADES) and set(HB_WORDING) == set(HB_GRADES)


def _choices(names: dict, blank: str | None = None) -> list[SelectChoice]:
    """Select choices after a blank one ("Not assessed" unless told)."""
    blank = lazy_gettext("Not assessed") if blank is None else blank
    return [SelectChoice("", blank)] + [SelectChoice(str(k), v) for k, v in names.items()]


def optional_int(value: str | None) -> int | None:
    """A chosen grade as a number, or None."""
    return int(value) if value else None


class ButtonForm(TextForm):
    """A POST with nothing but its CSRF token: verify, mark as reference."""


class MrnForm(TextForm):
    """The clinic's hospital number of a patient; empty clears it (diary/clinic/identity.py)."""

    mrn = StringField(
        lazy_gettext("Hospital number (MRN)"),
        validators=[Length(max=2 * MRN_MAX_LENGTH,
                           message=lazy_gettext("Use at most %(num)d characters.", num=MRN_MAX_LENGTH))],
    )

    def validate_mrn(self, field) -> None:
        """The number's rule (letters, digits, separators; at most MRN_MAX_LENGTH). A field
        that was not sent as text (left out, or sent as a file) clears nothing."""
        if not field.raw_data:
            raise ValidationError(gettext("Enter the hospital number, or send the field empty to remove it."))
        problem = identity.mrn_problem(field.data)
        if problem:
            raise ValidationError(problem)


class AssessmentForm(TextForm):
    """The clinician's follow-up assessment at a visit."""

    visit_on = DateField(lazy_gettext("Visit date"),
                         validators=[InputRequired(lazy_gettext("Give the date of the visit."))])
    smc_grade = SelectField(lazy_gettext("SMC grade of the remaining spasm"), choices=_choices(SMC_WORDING),
                            default="")
    house_brackmann_grade = SelectField(
        lazy_gettext("House-Brackmann grade (facial nerve)"), choices=_choices(HB_WORDING), default=""
    )
    hearing = RadioField(lazy_gettext("Hearing on the operated side"), choices=[SelectChoice(k, v) for k, v in HEARING.items()],
                         validators=[Optional()])
    outcome = SelectField(lazy_gettext("Outcome class, as you judge it"), choices=_choices(OUTCOMES),
                          default="")
    recurrence = BooleanField(lazy_gettext("Recurrence: the spasms came back after remission"))
    note = TextAreaField(lazy_gettext("Note"), validators=[Length(max=MAX_NOTE_LENGTH)], filters=[clean_text])
    note_visible_to_patient = BooleanField(lazy_gettext("The patient may read this note"))

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_visit_on(self, field) -> None:
        """A visit that has happened: today at the latest."""
        if field.data is not None and not EARLIEST_VISIT <= field.data <= self.today:
            raise ValidationError(gettext("The visit date must be today or earlier."))

    def values(self) -> dict:
        """The assessment's columns."""
        return {
            "visit_on": self.visit_on.data,
            "smc_grade": optional_int(self.smc_grade.data),
            "house_brackmann_grade": optional_int(self.house_brackmann_grade.data),
            "hearing": self.hearing.data or None,
            "outcome": self.outcome.data or None,
            "recurrence": bool(self.recurrence.data),
            "note": self.note.data,
            # No note, nothing to show: the box means nothing without one.
            "note_visible_to_patient": bool(self.note_visible_to_patient.data and self.note.data),
        }


class BaselineForm(TextForm):
    """A pre-operative baseline for a patient who enrolled after surgery (docs/decisions.md, Baseline)."""

    spasms_per_day = NumberField(
        lazy_gettext("Estimated spasms per day before surgery"),
        validators=[InputRequired(lazy_gettext("Give the estimated number of spasms a day."))],
        max_places=1,
    )
    jrs_severity = SelectField(lazy_gettext("JRS severity (0-4)"),
                               choices=_choices(JRS_SEVERITY, lazy_gettext("Not rated")), default="")
    jrs_frequency = SelectField(lazy_gettext("JRS frequency (0-4)"),
                                choices=_choices(JRS_FREQUENCY, lazy_gettext("Not rated")), default="")
    smc_grade = SelectField(lazy_gettext("SMC grade before surgery"),
                            choices=_choices(SMC_WORDING, lazy_gettext("Not rated")), default="")

    def validate_spasms_per_day(self, field) -> None:
        """Zero to 5000 a day: beyond that the figure is a typing mistake."""
        if field.data is not None and not 0 <= field.data <= MAX_SPASMS_PER_DAY:
            raise ValidationError(gettext("Give a number from 0 to %(max)d.", max=MAX_SPASMS_PER_DAY))

    def values(self) -> dict:
        """The baseline's columns."""
        return {
            "spasms_per_day": float(self.spasms_per_day.data),
            "jrs_severity": optional_int(self.jrs_severity.data),
            "jrs_frequency": optional_int(self.jrs_frequency.data),
            "smc_grade": optional_int(self.smc_grade.data),
        }


class ScheduleForm(TextForm):
    """The clinic's follow-up schedule as offsets after surgery."""

    follow_up_schedule = StringField(
        lazy_gettext("Follow-up visits after surgery"),
        validators=[InputRequired(lazy_gettext("Give at least one visit.")),
                    Length(max=MAX_SCHEDULE_LENGTH)],
    )

    def validate_follow_up_schedule(self, field) -> None:
        """Offsets that parse and run forwards."""
        try:
            self.offsets = schedule.parse_schedule(field.data)
        except schedule.ScheduleError as error:
            raise ValidationError(schedule_problem(error)) from error

    def schedule_text(self) -> str:
        """The schedule as stored: normalised, "1w,1m,3m"."""
        return schedule.format_schedule(self.offsets)
