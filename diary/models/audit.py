"""The audit trail: who did what to which patient's record, when, and from where.

A row never holds health data: the action, the record's kind and id, the actor and the
address. The patient is named by id while the account exists and always by a pseudonym, so
that the trail outlives an account deletion without saying who the patient was (docs/decisions.md, Account deletion).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from diary.extensions import db
from diary.orm import utc_now

MAX_ACTION_LENGTH = 40
MAX_SUBJECT_LENGTH = 80


class AuditEvent(db.Model):
    """One audited action."""

    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_patient_at", "patient_id", "at"),
        # The clinic's last opening of a review (docs/clinic.md, Changed since the last visit).
        sa.Index("ix_audit_events_patient_action_clinic_at", "patient_id", "action", "clinic_id", "at"),
        sa.Index("ix_audit_events_at", "at"),
        sa.CheckConstraint(
            f"length(action) BETWEEN 1 AND {MAX_ACTION_LENGTH}", name="action_length"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    actor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # The actor's role and a pseudonym, kept when the actor's account is gone.
    actor_role: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    actor_ref: so.Mapped[str | None] = so.mapped_column(sa.String(24))
    action: so.Mapped[str] = so.mapped_column(sa.String(MAX_ACTION_LENGTH))
    patient_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    patient_ref: so.Mapped[str | None] = so.mapped_column(sa.String(24), index=True)
    clinic_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("clinics.id", ondelete="SET NULL")
    )
    # The record acted on, e.g. "surgery 12" or "report"; never its contents.
    subject: so.Mapped[str | None] = so.mapped_column(sa.String(MAX_SUBJECT_LENGTH))
    address: so.Mapped[str | None] = so.mapped_column(sa.String(45))
