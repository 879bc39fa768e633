"""Building treatment data in tests through the same services the app uses."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask

from diary.extensions import db
from diary.models import User
from diary.treatments import medication, services
from diary.treatments.entries import Confirmation
from diary.treatments.values import (
    DoseChangeValues,
    DoseValues,
    InjectionValues,
    RegimenValues,
    SiteValues,
    SurgeryValues,
)

# The frozen clock stands at 10 March 2026, 12:00 UTC: the same date in Europe/Berlin.
TODAY = date(2026, 3, 10)
CONFIRMED = Confirmation(save_anyway=True)


class TreatmentRecorder:
    """Records treatments for one patient through the services, confirming any warning."""

    def __init__(self, app: Flask, patient_id: int) -> None:
        self.app = app
        self.patient_id = patient_id

    def _as_patient(self, service, *args, **kwargs):
        with self.app.app_context():
            user = db.session.get(User, self.patient_id)
            return service(user, *args, **kwargs)

    def injection(
        self,
        injected_on: date = date(2026, 3, 1),
        product: str = "onabotulinumtoxinA",
        total_units: str | None = "20",
        sites: tuple[tuple[str, str, str | None], ...] = (),
        **extra: Any,
    ) -> int:
        """An injection; sites as (muscle, side, units)."""
        values = InjectionValues(
            injected_on=injected_on,
            product=product,
            total_units=Decimal(total_units) if total_units is not None else None,
            sites=tuple(
                SiteValues(m, s, Decimal(u) if u else None, row)
                for row, (m, s, u) in enumerate(sites)
            ),
            **extra,
        )
        saved = self._as_patient(
            services.save_injection, values, patient_id=self.patient_id, confirmation=CONFIRMED
        )
        return saved.entry_id

    def regimen(
        self,
        drug: str = "gabapentin",
        strength: str = "300",
        doses_per_day: int = 3,
        started_on: date = date(2026, 1, 5),
        unit: str = "mg",
        regimen_id: int | None = None,
        **extra: Any,
    ) -> int:
        """A medication regimen; with regimen_id, a correction of that one."""
        values = RegimenValues(
            drug=drug,
            strength=Decimal(strength),
            unit=unit,
            doses_per_day=doses_per_day,
            started_on=started_on,
            **extra,
        )
        target = {"regimen_id": regimen_id} if regimen_id else {"patient_id": self.patient_id}
        saved = self._as_patient(medication.save_regimen, values, confirmation=CONFIRMED, **target)
        return saved.entry_id

    def change(
        self, regimen_id: int, changed_on: date, strength: str, doses_per_day: int = 3, **extra
    ) -> int:
        """A dose change; returns the new regimen's id."""
        values = DoseChangeValues(
            changed_on=changed_on,
            strength=Decimal(strength),
            unit=extra.pop("unit", "mg"),
            doses_per_day=doses_per_day,
            **extra,
        )
        saved = self._as_patient(medication.change_dose, regimen_id, values, confirmation=CONFIRMED)
        return saved.entry_id

    def dose(self, regimen_id: int, day: date, status: str, count: int = 1) -> int:
        """A dose record."""
        return self._as_patient(medication.record_dose, regimen_id, DoseValues(day, status, count))

    def surgery(
        self,
        performed_on: date = date(2025, 6, 2),
        surgery_type: str = "mvd",
        side: str = "left",
        **extra: Any,
    ) -> int:
        """An operation."""
        values = SurgeryValues(
            surgery_type=surgery_type, performed_on=performed_on, side=side, **extra
        )
        return self._as_patient(services.save_surgery, values, patient_id=self.patient_id).entry_id

    def delete(self, kind: str, entry_id: int) -> None:
        """Delete an entry."""
        self._as_patient(services.delete_entry, kind, entry_id)

    def taken_as_planned(self, day: date = TODAY) -> list[int]:
        """The one-tap service the check-in can call."""
        with self.app.app_context():
            user = db.session.get(User, self.patient_id)
            return medication.record_doses_taken_as_planned(user, day)


def rows(app: Flask, model, **where) -> list:
    """Every row of a model matching the filters (deleted ones too), oldest first."""
    with app.app_context():
        query = sa.select(model).filter_by(**where).order_by(model.id)
        found = db.session.scalars(query).all()
        db.session.expunge_all()
        return list(found)


def text_of(response) -> str:
    """The page's visible text, roughly: tags dropped, whitespace collapsed."""
    page = response.get_data(as_text=True)
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()
