"""Treatment forms: they read what was typed into rule values; the rules judge the values.

Parsing problems (not a date, not a number) are reported here, next to the field; what is
impossible or unusual about the values is decided by diary.treatments.rules, so the services
refuse the same things whether a form or a test calls them.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from diary.i18n import gettext, lazy_gettext
from diary.journal.forms import clean_text
from diary.models.journal import MAX_NOTE_LENGTH
from diary.models.treatment import MAX_NAME_LENGTH, DoseStatus, SiteSide
from diary.treatments import wording as w
from diary.treatments.entries import Confirmation
from diary.treatments.values import (
    DoseChangeValues,
    DoseValues,
    InjectionValues,
    RegimenValues,
    SiteValues,
    SurgeryValues,
)
from diary.web.forms import TextForm, VisibleCharactersOnly

# Sites come one line at a time: one to begin with, "Add a site" for the next (with
# JavaScript in place, without it by sending the form back: docs/clinical.md, Injection
# sites). 12 muscles on two sides at most.
SITE_ROWS = 1
MAX_SITE_ROWS = 24
# The placeholders of the blank site line the page keeps for its script to copy.
ROW_INDEX, ROW_NUMBER = "__index__", "__number__"
TIME_OF_DAY = re.compile(r"^([01]?\d|2[0-3])[:.h]([0-5]\d)$")


def _choices(names: dict, blank: str | None = None) -> list[SelectChoice]:
    """Form choices from a label table, optionally after a blank "not answered" one."""
    first = [SelectChoice("", blank)] if blank is not None else []
    return first + [SelectChoice(str(value), label) for value, label in names.items()]


class NumberField(DecimalField):
    """A decimal number that accepts a decimal comma and refuses NaN, infinity and extra places.

    A text input with a decimal keyboard: a number input would refuse "2,5" in an English page.
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, max_places: int = 2, **kwargs) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.max_places = max_places

    def process_formdata(self, valuelist) -> None:
        """Read "2,5" as 2.5."""
        if valuelist:
            valuelist = [valuelist[0].strip().replace(",", ".")]
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            # WTForms' own words, in the app's catalogue (docs/wording.md, Strings).
            raise ValueError(gettext("Not a valid decimal value.")) from error

    def pre_validate(self, form) -> None:
        """Only plain finite numbers with at most max_places decimals."""
        if self.data is None:
            return
        try:
            finite = self.data.is_finite()
            places = -self.data.as_tuple().exponent if finite else 0
        except (InvalidOperation, TypeError):
            finite = False
        if not finite:
            raise StopValidation(gettext("Give a number, for example 20 or 2.5."))
        if places > self.max_places:
            raise StopValidation(gettext("Give at most %(places)d decimal places.",
                                          places=self.max_places))

    def _value(self) -> str:
        """Show what was typed, or the stored number without trailing zeros."""
        if self.raw_data:
            return self.raw_data[0]
        return w.amount(self.data) if isinstance(self.data, Decimal) else ""


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ConfirmingForm(TextForm):
    """A form whose unusual values are confirmed by "Save anyway" or by saving again."""

    save_anyway = BooleanField(lazy_gettext("Save anyway"))
    warnings_seen = HiddenField()

    def confirmation(self) -> Confirmation:
        """How the user answered the warnings shown last time."""
        return Confirmation(bool(self.save_anyway.data), self.warnings_seen.data or None)


def optional_date(label: str) -> DateField:
    """A date that may stay empty."""
    return DateField(label, validators=[Optional()])


def required_date(label: str, message: str) -> DateField:
    """A date that must be given."""
    return DateField(label, validators=[InputRequired(message)])


# Injections ------------------------------------------------------------------------------


class SiteForm(Form):
    """One line of the sites table: muscle, side, units."""

    muscle = SelectField(lazy_gettext("Muscle"), choices=_choices(w.MUSCLES, blank=lazy_gettext("No site")), default="")
    side = SelectField(lazy_gettext("Side"), choices=_choices(w.SITE_SIDES), default=SiteSide.AFFECTED.value)
    units = NumberField(lazy_gettext("Units"), validators=[Optional()])

    def validate_units(self, field) -> None:
        """Units belong to a muscle."""
        if field.data is not None and not self.muscle.data:
            raise ValidationError(gettext("Choose the muscle for these units."))


def label_site(entry: SiteForm, number: int | str) -> None:
    """Number a site line's labels: "Site 2: muscle"."""
    entry.muscle.label.text = gettext("Site %(number)s: muscle", number=number)
    entry.side.label.text = gettext("Site %(number)s: side", number=number)
    entry.units.label.text = gettext("Site %(number)s: units", number=number)


class InjectionForm(ConfirmingForm):
    """A botulinum-toxin injection and the cycle of its effect."""

    injected_on = required_date(lazy_gettext("Date of the injection"), lazy_gettext("Give the date of the injection."))
    # A list, not five radio buttons: the form's Save stays on a phone's first two screens.
    product = SelectField(
        lazy_gettext("Product"),
        choices=_choices(w.PRODUCTS, blank=lazy_gettext("Choose the product")),
        validators=[InputRequired(lazy_gettext("Choose the product, or “Not known”."))],
        default="",
    )
    product_other = StringField(
        lazy_gettext("Name of the other product"),
        validators=[Length(max=MAX_NAME_LENGTH), VisibleCharactersOnly()],
        filters=[clean_text],
    )
    total_units = NumberField(lazy_gettext("Total units"), validators=[Optional()])
    sites = FieldList(FormField(SiteForm), min_entries=SITE_ROWS, max_entries=MAX_SITE_ROWS)
    add_site = SubmitField(lazy_gettext("Add a site"))
    injector = StringField(
        lazy_gettext("Injected by"), validators=[Length(max=MAX_NAME_LENGTH), VisibleCharactersOnly()],
        filters=[clean_text],
    )
    lot = StringField(lazy_gettext("Lot number"), validators=[Length(max=60)], filters=[clean_text])
    effect_began_on = optional_date(lazy_gettext("The effect began on"))
    best_effect_on = optional_date(lazy_gettext("The best effect was on"))
    wore_off_on = optional_date(lazy_gettext("The effect wore off on"))
    side_effects = CheckboxesField(lazy_gettext("Side effects"), choices=_choices(w.SIDE_EFFECTS))
    note = TextAreaField(lazy_gettext("Note"), validators=[Length(max=MAX_NOTE_LENGTH)], filters=[clean_text])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for number, entry in enumerate(self.sites, start=1):
            label_site(entry, number)

    @property
    def wants_another_site(self) -> bool:
        """The form came back through "Add a site" (a page without JavaScript): show it again
        with one more line, save nothing."""
        return self.is_submitted() and bool(self.add_site.data)

    @property
    def can_add_site(self) -> bool:
        """Another site line fits."""
        return len(self.sites) < MAX_SITE_ROWS

    def add_site_row(self) -> None:
        """One more blank site line after the ones sent, the values typed kept."""
        if self.can_add_site:
            label_site(self.sites.append_entry(), len(self.sites))

    def blank_site(self) -> SiteForm:
        """The blank line the page's script copies for "Add a site", with placeholders for its
        index and number (static/js/sites.js)."""
        entry = SiteForm(prefix=f"{self.sites.name}-{ROW_INDEX}-")
        label_site(entry, ROW_NUMBER)
        return entry

    def has_any(self, *names: str) -> bool:
        """A value or an error in one of these fields: its folded part of the page opens."""
        fields = [self[name] for name in names]
        return any(field.data or field.errors for field in fields)

    def values(self) -> InjectionValues:
        """What was entered, as rule values; empty site lines are left out."""
        sites = tuple(
            SiteValues(entry.muscle.data, entry.side.data, entry.units.data, row)
            for row, entry in enumerate(self.sites)
            if entry.muscle.data
        )
        return InjectionValues(
            injected_on=self.injected_on.data,
            product=self.product.data,
            product_other=self.product_other.data,
            total_units=self.total_units.data,
            sites=sites,
            injector=self.injector.data,
            lot=self.lot.data,
            note=self.note.data,
            effect_began_on=self.effect_began_on.data,
            best_effect_on=self.best_effect_on.data,
            wore_off_on=self.wore_off_on.data,
            side_effects=tuple(self.side_effects.data or ()),
        )

    @staticmethod
    def data_of(injection) -> dict:
        """A stored injection as form data."""
        return {
            "injected_on": injection.injected_on,
            "product": injection.product,
            "product_other": injection.product_other,
            "total_units": injection.total_units,
            "sites": [
                {"muscle": s.muscle, "side": s.side, "units": s.units} for s in injection.sites
            ],
            "injector": injection.injector,
            "lot": injection.lot,
            "effect_began_on": injection.effect_began_on,
            "best_effect_on": injection.best_effect_on,
            "wore_off_on": injection.wore_off_on,
            "side_effects": list(injection.side_effects or []),
            "note": injection.note,
        }


# Medication ------------------------------------------------------------------------------


def parse_times(text: str | None) -> tuple[str, ...]:
    """ "8:00, 20.00" as ("08:00", "20:00"); ValueError for anything else."""
    if not text:
        return ()
    times = []
    for part in re.split(r"[,;\s]+", text.strip()):
        match = TIME_OF_DAY.match(part)
        if not match:
            raise ValueError(part)
        times.append(f"{int(match.group(1)):02d}:{match.group(2)}")
    return tuple(times)


class DoseFields(ConfirmingForm):
    """Strength, unit, doses per day and their times: the dose of a regimen."""

    strength = NumberField(
        lazy_gettext("Strength of one dose"),
        validators=[InputRequired(lazy_gettext("Give the strength of one dose."))],
        max_places=3,
    )
    unit = SelectField(lazy_gettext("Unit"), choices=_choices(w.UNITS), default="mg")
    doses_per_day = IntegerField(
        lazy_gettext("Doses per day"), validators=[InputRequired(lazy_gettext("Give the number of doses a day."))], default=1
    )
    times_of_day = StringField(
        lazy_gettext("Times of day (optional)"), validators=[Length(max=200)], filters=[clean_text]
    )

    def validate_times_of_day(self, field) -> None:
        """Times like 08:00, separated by commas."""
        try:
            parse_times(field.data)
        except ValueError as error:
            raise ValidationError(
                gettext("“%(text)s” is not a time of day: write times like 08:00, 20:00.",
                        text=str(error))
            ) from None

    @property
    def times(self) -> tuple[str, ...]:
        """The times of day, parsed."""
        return parse_times(self.times_of_day.data)


class RegimenForm(DoseFields):
    """A drug at a dose from a start date, optionally to a stop date."""

    drug = SelectField(
        lazy_gettext("Drug"),
        choices=_choices(w.DRUGS, blank=lazy_gettext("Choose a drug")),
        validators=[InputRequired(lazy_gettext("Choose the drug."))],
    )
    drug_other = StringField(
        lazy_gettext("Name of the other drug"), validators=[Length(max=MAX_NAME_LENGTH), VisibleCharactersOnly()],
        filters=[clean_text],
    )
    started_on = required_date(lazy_gettext("Started on"), lazy_gettext("Give the day you started."))
    stopped_on = optional_date(lazy_gettext("Stopped on (optional)"))
    change_reason = StringField(
        lazy_gettext("Why you started (optional)"), validators=[Length(max=200)], filters=[clean_text]
    )
    stop_reason = StringField(
        lazy_gettext("Why you stopped (optional)"), validators=[Length(max=200)], filters=[clean_text]
    )

    def values(self) -> RegimenValues:
        """What was entered, as rule values."""
        return RegimenValues(
            drug=self.drug.data,
            drug_other=self.drug_other.data,
            strength=self.strength.data,
            unit=self.unit.data,
            doses_per_day=self.doses_per_day.data,
            times_of_day=self.times,
            started_on=self.started_on.data,
            stopped_on=self.stopped_on.data,
            change_reason=self.change_reason.data,
            stop_reason=self.stop_reason.data,
        )

    @staticmethod
    def data_of(regimen) -> dict:
        """A stored regimen as form data."""
        return {
            "drug": regimen.drug,
            "drug_other": regimen.drug_other,
            "strength": regimen.strength,
            "unit": regimen.unit,
            "doses_per_day": regimen.doses_per_day,
            "times_of_day": ", ".join(regimen.times_of_day or []),
            "started_on": regimen.started_on,
            "stopped_on": regimen.stopped_on,
            "change_reason": regimen.change_reason,
            "stop_reason": regimen.stop_reason,
        }


class DoseChangeForm(DoseFields):
    """The new dose of the same drug, from a day."""

    changed_on = required_date(lazy_gettext("New dose from"), lazy_gettext("Give the day the new dose began."))
    change_reason = StringField(
        lazy_gettext("Reason for the change (optional)"), validators=[Length(max=200)], filters=[clean_text]
    )

    def values(self) -> DoseChangeValues:
        """What was entered, as rule values."""
        return DoseChangeValues(
            changed_on=self.changed_on.data,
            strength=self.strength.data,
            unit=self.unit.data,
            doses_per_day=self.doses_per_day.data,
            times_of_day=self.times,
            change_reason=self.change_reason.data,
        )


class TakenForm(TextForm):
    """One tap: today's doses were taken as planned."""


class DoseForm(TextForm):
    """A missed or an extra dose."""

    @staticmethod
    def regimen_choices(regimens: list[tuple[int, str]]) -> list[SelectChoice]:
        """The regimens a dose can be recorded for."""
        return [SelectChoice(regimen_id, label) for regimen_id, label in regimens]

    regimen_id = SelectField(lazy_gettext("Medication"), coerce=int, validate_choice=True)
    status = RadioField(
        lazy_gettext("What happened"),
        choices=_choices(
            {DoseStatus.MISSED: lazy_gettext("I missed a dose"),
             DoseStatus.EXTRA: lazy_gettext("I took an extra dose")}
        ),
        validators=[InputRequired(lazy_gettext("Choose missed or extra."))],
    )
    count = IntegerField(
        lazy_gettext("Number of doses"), validators=[InputRequired(lazy_gettext("Give the number of doses."))], default=1
    )
    day = required_date(lazy_gettext("Day"), lazy_gettext("Give the day."))
    note = StringField(lazy_gettext("Note (optional)"), validators=[Length(max=200)], filters=[clean_text])

    def values(self) -> DoseValues:
        """What was entered, as rule values."""
        return DoseValues(self.day.data, self.status.data, self.count.data, self.note.data)


# Surgery ---------------------------------------------------------------------------------


def optional_choice(value: str | None) -> str | None:
    """An unanswered choice is None."""
    return value or None


class SurgeryForm(TextForm):
    """An operation for HFS and what was found and done."""

    surgery_type = RadioField(
        lazy_gettext("Operation"),
        choices=_choices(w.SURGERY_TYPES),
        validators=[InputRequired(lazy_gettext("Choose the kind of operation."))],
    )
    performed_on = required_date(lazy_gettext("Date of the operation"), lazy_gettext("Give the date of the operation."))
    side = RadioField(
        lazy_gettext("Side operated on"),
        choices=_choices(w.SURGERY_SIDES),
        validators=[InputRequired(lazy_gettext("Choose the side."))],
    )
    centre = StringField(
        lazy_gettext("Hospital or centre"), validators=[Length(max=MAX_NAME_LENGTH), VisibleCharactersOnly()],
        filters=[clean_text],
    )
    surgeon = StringField(lazy_gettext("Surgeon"), validators=[Length(max=MAX_NAME_LENGTH), VisibleCharactersOnly()],
                          filters=[clean_text])
    vessels = CheckboxesField(lazy_gettext("Vessels found pressing on the nerve"), choices=_choices(w.VESSELS))
    technique = RadioField(lazy_gettext("Technique"), choices=_choices(w.TECHNIQUES), validators=[Optional()])
    implant = RadioField(lazy_gettext("Implant"), choices=_choices(w.IMPLANTS), validators=[Optional()])
    complications = CheckboxesField(lazy_gettext("Complications"), choices=_choices(w.COMPLICATIONS))
    house_brackmann_grade = SelectField(
        lazy_gettext("House-Brackmann grade of the facial weakness"),
        choices=_choices(w.HOUSE_BRACKMANN, blank=lazy_gettext("Not given")),
        default="",
    )
    note = TextAreaField(lazy_gettext("Note"), validators=[Length(max=MAX_NOTE_LENGTH)], filters=[clean_text])

    def values(self) -> SurgeryValues:
        """What was entered, as rule values."""
        grade = self.house_brackmann_grade.data
        return SurgeryValues(
            surgery_type=self.surgery_type.data,
            performed_on=self.performed_on.data,
            side=self.side.data,
            centre=self.centre.data,
            surgeon=self.surgeon.data,
            vessels=tuple(self.vessels.data or ()),
            technique=optional_choice(self.technique.data),
            implant=optional_choice(self.implant.data),
            complications=tuple(self.complications.data or ()),
            house_brackmann_grade=int(grade) if grade else None,
            note=self.note.data,
        )

    @staticmethod
    def data_of(surgery) -> dict:
        """A stored operation as form data."""
        return {
            "surgery_type": surgery.surgery_type,
            "performed_on": surgery.performed_on,
            "side": surgery.side,
            "centre": surgery.centre,
            "surgeon": surgery.surgeon,
            "vessels": list(surgery.vessels or []),
            "technique": surgery.technique,
            "implant": surgery.implant,
            "complications": list(surgery.complications or []),
            "house_brackmann_grade": str(surgery.house_brackmann_grade or ""),
            "note": surgery.note,
        }


class DeleteForm(TextForm):
    """The confirmation of a deletion: a POST with its CSRF token."""
