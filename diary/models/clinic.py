"""Clinics, their members, and the patient's consented link to a clinic."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm as so

from diary.extensions import db
from diary.orm import utc_now


class Clinic(db.Model):
    """A team of clinicians; patients share their diary with a clinic."""

    __tablename__ = "clinics"
    __table_args__ = (sa.CheckConstraint("length(name) BETWEEN 1 AND 120", name="name_length"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)


class ClinicMembership(db.Model):
    """A clinician's (or nurse's) membership of a clinic; inactive members see nothing."""

    __tablename__ = "clinic_memberships"
    __table_args__ = (
        sa.UniqueConstraint("clinic_id", "user_id"),
        sa.CheckConstraint("member_role IN ('clinician', 'nurse')", name="member_role_known"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    clinic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    member_role: so.Mapped[str] = so.mapped_column(sa.String(16), default="clinician")
    active: so.Mapped[bool] = so.mapped_column(sa.Boolean(create_constraint=True, name="active_bool"), default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)

    clinic: so.Mapped[Clinic] = so.relationship()


class CareLink(db.Model):
    """A patient's consent for a clinic to see the diary; revoking ends access at once."""

    __tablename__ = "care_links"
    __table_args__ = (sa.Index("ix_care_links_clinic_patient", "clinic_id", "patient_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    patient_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    clinic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    consented_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    revoked_at: so.Mapped[datetime | None]
