"""Clinics, their members, the patient's consented link to a clinic, and the clinic's records.

A patient shares the diary with a clinic by a share code or by accepting the clinic's
invitation; either makes a CareLink, and revoking it ends every member's access at once. The
clinic's own records of a patient (follow-up assessments, a pre-operative baseline entered
after the fact) belong to the patient's record and go with the account (docs/decisions.md, Account deletion).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import orm as so
from sqlalchemy.ext.hybrid import hybrid_property

from diary.extensions import db
from diary.models.journal import _in
from diary.orm import utc_now
from diary.trajectory import rules

MAX_NOTE_LENGTH = 2000
# The suggested follow-up visits after surgery, as offsets: d(ays), w(eeks), m(onths), y(ears);
# after the last one, yearly. A clinic may change it (docs/clinical.md, Follow-up visits).
DEFAULT_FOLLOW_UP_SCHEDULE = "1w,1m,3m,6m,9m,12m"
MAX_SCHEDULE_LENGTH = 120


class MemberRole(enum.StrEnum):
    """What a member does in the clinic; both read the clinic's patients."""

    CLINICIAN = "clinician"
    NURSE = "nurse"


class LinkSource(enum.StrEnum):
    """How the patient gave the clinic access."""

    CODE = "code"
    INVITATION = "invitation"


class Hearing(enum.StrEnum):
    """Hearing on the operated side at a follow-up visit, as the clinician assessed it."""

    UNCHANGED = "unchanged"
    REDUCED = "reduced"
    LOST = "lost"


class Clinic(db.Model):
    """A team of clinicians; patients share their diary with a clinic."""

    __tablename__ = "clinics"
    __table_args__ = (
        sa.CheckConstraint("length(name) BETWEEN 1 AND 120", name="name_length"),
        sa.CheckConstraint(
            f"length(follow_up_schedule) BETWEEN 1 AND {MAX_SCHEDULE_LENGTH}",
            name="follow_up_schedule_length",
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    # Offsets from the surgery date, e.g. "1w,1m,3m,6m,9m,12m"; yearly after the last one.
    follow_up_schedule: so.Mapped[str] = so.mapped_column(
        sa.String(MAX_SCHEDULE_LENGTH), default=DEFAULT_FOLLOW_UP_SCHEDULE,
        server_default=DEFAULT_FOLLOW_UP_SCHEDULE,
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)


class ClinicMembership(db.Model):
    """A clinician's (or nurse's) membership of a clinic; inactive members see nothing.

    A membership an administrator adds is pending (`confirmed_at` empty) until a confirmed
    colleague of the clinic confirms it, and a pending member sees none of the clinic's
    patients: giving a person diary access takes two people (docs/security.md, Who can give
    diary access). `confirmed_by_id` stays empty for the exempt first member of a clinic
    without patients, for memberships older than the rule, and after a break-glass
    confirmation (the audit row names the operator's reason).
    """

    __tablename__ = "clinic_memberships"
    __table_args__ = (
        sa.UniqueConstraint("clinic_id", "user_id"),
        sa.CheckConstraint(
            _in("member_role", tuple(MemberRole), nullable=False), name="member_role_known"
        ),
        sa.CheckConstraint(
            "confirmed_by_id IS NULL OR confirmed_at IS NOT NULL", name="confirmed_by_when_confirmed"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    clinic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    member_role: so.Mapped[str] = so.mapped_column(sa.String(16), default="clinician")
    active: so.Mapped[bool] = so.mapped_column(sa.Boolean(create_constraint=True, name="active_bool"), default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    confirmed_at: so.Mapped[datetime | None]
    confirmed_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    clinic: so.Mapped[Clinic] = so.relationship()

    @classmethod
    def pending(cls) -> sa.ColumnElement[bool]:
        """In SQL: active and waiting for a colleague's confirmation (policy.grants_access is
        the other side: active and confirmed)."""
        return sa.and_(cls.active.is_(True), cls.confirmed_at.is_(None))

    @property
    def confirmed(self) -> bool:
        """Whether the membership grants access (with `active`); pending until confirmed."""
        return self.confirmed_at is not None


class CareLink(db.Model):
    """A patient's consent for a clinic to see the diary; revoking ends access at once."""

    __tablename__ = "care_links"
    __table_args__ = (
        sa.Index("ix_care_links_clinic_patient", "clinic_id", "patient_id"),
        # One live link per patient and clinic; a revoked one stays as history.
        sa.Index(
            "uq_care_links_live",
            "patient_id",
            "clinic_id",
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        ),
        sa.CheckConstraint(_in("source", tuple(LinkSource), nullable=False), name="source_known"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    patient_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    clinic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    consented_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    source: so.Mapped[str] = so.mapped_column(
        sa.String(12), default=LinkSource.CODE.value, server_default=LinkSource.CODE.value
    )
    revoked_at: so.Mapped[datetime | None]

    clinic: so.Mapped[Clinic] = so.relationship()

    @hybrid_property
    def live(self) -> bool:
        """The one definition of a live link: not revoked. On the class, the SQL condition
        (`CareLink.live`); on a link, whether it is live."""
        return self.revoked_at is None

    @live.inplace.expression
    @classmethod
    def _live_expression(cls) -> sa.ColumnElement[bool]:
        return cls.revoked_at.is_(None)


class ShareCode(db.Model):
    """A one-time code a patient gives a clinic: 8 characters, valid 7 days, single use.

    Only a hash of the code is stored; the patient sees the code once, when it is made.
    """

    __tablename__ = "share_codes"
    __table_args__ = (sa.CheckConstraint("expires_at > created_at", name="expires_after_created"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    patient_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    expires_at: so.Mapped[datetime]
    used_at: so.Mapped[datetime | None]
    # The clinic that redeemed it.
    clinic_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("clinics.id", ondelete="SET NULL")
    )


class ClinicInvitation(db.Model):
    """A clinic's invitation to share, sent to a patient's email; the patient accepts it."""

    __tablename__ = "clinic_invitations"
    __table_args__ = (
        sa.Index("ix_clinic_invitations_email", "email"),
        sa.CheckConstraint("expires_at > created_at", name="expires_after_created"),
        sa.CheckConstraint("length(email) BETWEEN 3 AND 254", name="email_length"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    clinic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    invited_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    expires_at: so.Mapped[datetime]
    accepted_at: so.Mapped[datetime | None]
    declined_at: so.Mapped[datetime | None]

    clinic: so.Mapped[Clinic] = so.relationship()

    @classmethod
    def still_open(cls, now: datetime) -> sa.ColumnElement[bool]:
        """In SQL: an invitation the patient may still answer: unexpired, neither accepted
        nor declined."""
        return sa.and_(cls.expires_at > now, cls.accepted_at.is_(None), cls.declined_at.is_(None))


class Assessment(db.Model):
    """A clinician's follow-up assessment at a visit, drawn as a marker on the chart."""

    __tablename__ = "assessments"
    __table_args__ = (
        sa.Index("ix_assessments_patient_day", "patient_id", "visit_on"),
        sa.CheckConstraint("smc_grade IS NULL OR smc_grade BETWEEN 1 AND 4", name="smc_grade_range"),
        sa.CheckConstraint(
            "house_brackmann_grade IS NULL OR house_brackmann_grade BETWEEN 1 AND 6",
            name="house_brackmann_range",
        ),
        sa.CheckConstraint(_in("hearing", tuple(Hearing)), name="hearing_known"),
        sa.CheckConstraint(_in("outcome", rules.CLASS_ORDER), name="outcome_known"),
        sa.CheckConstraint(
            f"note IS NULL OR length(note) <= {MAX_NOTE_LENGTH}", name="note_length"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    patient_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    clinic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    clinician_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    visit_on: so.Mapped[date]
    # Samsung Medical Center (SMC, Lee's) grade I-IV of the remaining spasm (docs/clinical.md, SMC grade).
    smc_grade: so.Mapped[int | None]
    house_brackmann_grade: so.Mapped[int | None]
    hearing: so.Mapped[str | None] = so.mapped_column(sa.String(12))
    # The outcome class as the clinician judges it (the classes of docs/decisions.md, Outcome class).
    outcome: so.Mapped[str | None] = so.mapped_column(sa.String(20))
    recurrence: so.Mapped[bool] = so.mapped_column(
        sa.Boolean(create_constraint=True, name="recurrence_bool"), default=False
    )
    note: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # The patient reads the note only when the clinician said so (docs/report.md, The patient's summary).
    note_visible_to_patient: so.Mapped[bool] = so.mapped_column(
        sa.Boolean(create_constraint=True, name="note_visible_to_patient_bool"),
        default=False,
        server_default=sa.false(),
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utc_now, onupdate=utc_now)


class ClinicianBaseline(db.Model):
    """A pre-operative baseline a clinician entered for a patient who enrolled after surgery."""

    __tablename__ = "clinician_baselines"
    __table_args__ = (
        sa.CheckConstraint(
            "spasms_per_day >= 0 AND spasms_per_day <= 5000", name="spasms_per_day_range"
        ),
        sa.CheckConstraint(
            "jrs_severity IS NULL OR jrs_severity BETWEEN 0 AND 4", name="jrs_severity_range"
        ),
        sa.CheckConstraint(
            "jrs_frequency IS NULL OR jrs_frequency BETWEEN 0 AND 4", name="jrs_frequency_range"
        ),
        sa.CheckConstraint("smc_grade IS NULL OR smc_grade BETWEEN 1 AND 4", name="smc_grade_range"),
    )

    patient_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    spasms_per_day: so.Mapped[float] = so.mapped_column(sa.Float)
    jrs_severity: so.Mapped[int | None]
    jrs_frequency: so.Mapped[int | None]
    smc_grade: so.Mapped[int | None]
    entered_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    entered_at: so.Mapped[datetime] = so.mapped_column(default=utc_now)


MRN_MAX_LENGTH = 32


class ClinicPatientRecord(db.Model):
    """What a clinic keeps about a patient beside the diary: its own hospital number (MRN).

    One row per clinic and patient, apart from the share link: a link is revoked and a new
    one made when the patient shares again, and the clinic's number must outlive that. Only
    members of a clinic the patient shares with see it (docs/security.md, Who sees the date
    of birth and the hospital number); it goes with the account (docs/data.md).
    """

    __tablename__ = "clinic_patient_records"
    __table_args__ = (
        sa.UniqueConstraint("clinic_id", "patient_id"),
        # One patient per hospital number within a clinic; a record without one is allowed.
        sa.Index(
            "uq_clinic_patient_records_mrn",
            "clinic_id",
            "mrn",
            unique=True,
            sqlite_where=sa.text("mrn IS NOT NULL"),
            postgresql_where=sa.text("mrn IS NOT NULL"),
        ),
        sa.CheckConstraint(
            f"mrn IS NULL OR (length(mrn) BETWEEN 1 AND {MRN_MAX_LENGTH})", name="mrn_length"
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    clinic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clinics.id", ondelete="CASCADE"))
    patient_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Stored normalised (diary/clinic/identity.py, normalise_mrn): upper case, no spaces.
    mrn: so.Mapped[str | None] = so.mapped_column(sa.String(MRN_MAX_LENGTH))
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utc_now, onupdate=utc_now)
