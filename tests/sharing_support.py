"""Helpers for the sharing tests: codes and links made through the app's own services."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from diary.extensions import db
from diary.models import AuditEvent, CareLink, Clinic, ShareCode, User
from diary.sharing import services
from tests.journal_helpers import rows

CODE_ON_PAGE = re.compile(r'id="share-code"[^>]*>([A-Z0-9-]+)<')


def new_code(app: Flask, patient_id: int) -> tuple[int, str]:
    """A share code for the patient, through the service: its row id and its text."""
    with app.test_request_context():
        row, code = services.create_code(db.session.get(User, patient_id))
        return row.id, code


def code_from_page(response) -> str:
    """The code the "Create a share code" answer shows."""
    match = CODE_ON_PAGE.search(response.get_data(as_text=True))
    assert match, "no share code on the page"
    return match.group(1)


def clinic_id(app: Flask, name: str) -> int:
    """A clinic's id by name."""
    with app.app_context():
        return db.session.scalar(sa.select(Clinic.id).where(Clinic.name == name))


def live_links(app: Flask, patient_id: int) -> list[tuple[str, str]]:
    """The patient's live links as (clinic name, source)."""
    with app.app_context():
        return [tuple(r) for r in db.session.execute(
            sa.select(Clinic.name, CareLink.source)
            .join(Clinic, Clinic.id == CareLink.clinic_id)
            .where(CareLink.patient_id == patient_id, CareLink.live)
            .order_by(Clinic.name)
        )]


def share_codes(app: Flask, **where) -> list[ShareCode]:
    """Share code rows."""
    return rows(app, ShareCode, **where)


def audit_actions(app: Flask, **where) -> list[tuple]:
    """Audit rows as (action, patient_id, clinic_id, actor_id), oldest first."""
    return [(e.action, e.patient_id, e.clinic_id, e.actor_id) for e in rows(app, AuditEvent, **where)]
