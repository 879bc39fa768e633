"""The clinic's reads: the patient list in a fixed number of queries, and the viewer's clinics.

Every read is scoped by the authorisation policy (policy.visible_patient_ids): a patient
outside it never reaches a row. The list sorts, filters and pages in SQL (ORDER BY, LIMIT,
OFFSET) on the summary row and the stored needs-attention row (clinic.attention); its order
is the one patient_list.sort_rows defines, which the tests hold it to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from diary import audit, policy
from diary.clinic.identity import normalise_mrn
from diary.clinic.patient_list import (
    COMPLETENESS_DAYS,
    DEFAULT_SORT,
    SORT_KEYS,
    PatientRow,
    changed_since,
    days_since,
    reasons_of,
    trusted_change,
)
from diary.clock import local_today, utcnow
from diary.extensions import db
from diary.models import (
    Assessment,
    AuditEvent,
    CareLink,
    CheckIn,
    Clinic,
    ClinicPatientRecord,
    FollowUpVisit,
    PatientAttention,
    PatientSummary,
    Role,
    SpasmEpisode,
    User,
)
from diary.names import has_invisible_characters, search_key
from diary.trajectory import rules

# A local date is the UTC date, the day before or the day after (UTC-12 to UTC+14): the list
# reads a figure for each of the three, and each patient's row takes the one of their today.
LOCAL_SHIFTS = (-1, 0, 1)
# Rows a page of the list shows (docs/clinic.md, The patient list).
PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class Listing:
    """What of the list to show: the sort column and direction, the filter, the page."""

    sort: str = "name"
    descending: bool = False
    attention_only: bool = False
    page: int = 1
    per_page: int | None = None  # None: every row
    search: str = ""  # name or hospital number (matching_search)


@dataclass(frozen=True, slots=True)
class PatientPage:
    """One page of the list and the counts the page names."""

    rows: list[PatientRow]
    total: int  # every patient the viewer sees
    attention: int  # those who need attention
    first: int  # those the list opens on: attention needed or a visit due
    matching: int  # those the filter keeps
    page: int
    pages: int


def clinics_sharing(viewer: User, patient_id: int) -> list[Clinic]:
    """The viewer's clinics the patient shares with, lowest id first (one query).

    The first one is the clinic the viewer acts for (policy.acting_clinic); the review shows
    the assessments of all of them.
    """
    links = policy.live_links(viewer).where(CareLink.patient_id == patient_id).subquery()
    return list(
        db.session.scalars(
            sa.select(Clinic).where(Clinic.id.in_(sa.select(links.c.clinic_id))).order_by(Clinic.id)
        )
    )


def possible_todays(utc_today: date) -> list[date]:
    """Every date that is someone's today while it is utc_today in UTC (see LOCAL_SHIFTS)."""
    return [utc_today + timedelta(days=shift) for shift in LOCAL_SHIFTS]


def patient_rows(
    viewer: User, now: datetime | None = None, listing: Listing | None = None
) -> list[PatientRow]:
    """The viewer's patients with the list's figures, in the listing's order and page (every
    row by name without one): two queries, whatever their number."""
    now = now or utcnow()
    listed = _ListQuery(viewer, now)
    return listed.rows(listing or Listing())


def patient_page(viewer: User, listing: Listing, now: datetime | None = None) -> PatientPage:
    """A page of the list with its counts: three queries, whatever the number of patients.

    A page past the last shows the last.
    """
    now = now or utcnow()
    listed = _ListQuery(viewer, now)
    total, attention, first, matching = listed.counts(listing)
    pages = max(1, math.ceil(matching / listing.per_page)) if listing.per_page else 1
    page = min(max(listing.page, 1), pages)
    rows = listed.rows(replace(listing, page=page))
    return PatientPage(rows, total, attention, first, matching, page, pages)


class _ListQuery:
    """The list's SELECT for one viewer at one moment, with its sort and filter expressions.

    A patient's today depends on their zone: the figures relative to today are read for
    each of LOCAL_SHIFTS and picked per zone, in SQL by a CASE over the zones of the
    viewer's patients (one query reads them), in Python by _row.
    """

    def __init__(self, viewer: User, now: datetime) -> None:
        self.now = now
        self.utc_today = now.astimezone(UTC).date()
        self.scope = policy.visible_patient_ids(viewer).subquery()
        zones = db.session.scalars(
            sa.select(User.timezone).join(self.scope, self.scope.c.id == User.id).distinct()
        ).all()
        self.shifts = {zone: _shift(local_today(zone, now), self.utc_today) for zone in zones}
        self.query = self._select(viewer)

    def _select(self, viewer: User) -> sa.Select:
        """Every row's columns, unordered and unpaged."""
        utc_today = self.utc_today
        scope = self.scope
        links = policy.live_links(viewer).subquery()
        # The clinic whose schedule counts: the one the viewer acts for (policy.acting_clinic).
        first_clinic = policy.acting_clinic_ids(viewer).subquery()
        assessed = (
            sa.select(Assessment.patient_id,
                      sa.func.max(Assessment.created_at).label("assessed_at"))
            .join(
                links,
                sa.and_(links.c.patient_id == Assessment.patient_id,
                        links.c.clinic_id == Assessment.clinic_id),
            )
            .group_by(Assessment.patient_id)
            .subquery()
        )
        # The viewer's clinics' last opening of each review (docs/clinic.md, Changed since
        # the last visit): one index seek per link (ix_audit_events_patient_action_clinic_at),
        # then the latest per patient. A join grouped by patient reads every matching row.
        opened = (
            sa.select(sa.func.max(AuditEvent.at))
            .where(
                AuditEvent.patient_id == links.c.patient_id,
                AuditEvent.action == audit.VIEW_REVIEW,
                AuditEvent.clinic_id == links.c.clinic_id,
                AuditEvent.at <= self.now,
            )
            .correlate(links)
            .scalar_subquery()
        )
        per_link = sa.select(links.c.patient_id, opened.label("opened_at")).subquery()
        reviewed = (
            sa.select(per_link.c.patient_id,
                      sa.func.max(per_link.c.opened_at).label("reviewed_at"))
            .group_by(per_link.c.patient_id)
            .subquery()
        )
        earliest = utc_today + timedelta(days=LOCAL_SHIFTS[0])
        visits = (
            sa.select(
                FollowUpVisit.patient_id,
                *[
                    sa.func.min(
                        sa.case((FollowUpVisit.visit_on >= day, FollowUpVisit.visit_on))
                    ).label(f"visit_{i}")
                    for i, day in enumerate(possible_todays(utc_today))
                ],
            )
            .where(FollowUpVisit.patient_id.in_(sa.select(scope.c.id)),
                   FollowUpVisit.visit_on >= earliest)
            .group_by(FollowUpVisit.patient_id)
            .subquery()
        )
        window_start = earliest - timedelta(days=COMPLETENESS_DAYS - 1)
        logged = sa.union_all(
            *[
                sa.select(model.patient_id.label("patient_id"), model.day.label("day")).where(
                    model.patient_id.in_(sa.select(scope.c.id)),
                    model.deleted_at.is_(None),
                    model.day >= window_start,
                )
                for model in (CheckIn, SpasmEpisode)
            ]
        ).subquery()
        completeness = (
            sa.select(
                logged.c.patient_id,
                *[
                    sa.func.count(
                        sa.distinct(
                            sa.case(
                                (
                                    logged.c.day.between(
                                        day - timedelta(days=COMPLETENESS_DAYS - 1), day
                                    ),
                                    logged.c.day,
                                )
                            )
                        )
                    ).label(f"logged_{i}")
                    for i, day in enumerate(possible_todays(utc_today))
                ],
            )
            .group_by(logged.c.patient_id)
            .subquery()
        )
        attention = PatientAttention.__table__
        self.visits, self.completeness, self.assessed = visits, completeness, assessed
        self.reviewed = reviewed
        self.first_clinic = first_clinic
        return (
            sa.select(
                User.id,
                User.display_name,
                User.timezone,
                User.affected_side,
                User.family_name,
                User.birth_date,
                ClinicPatientRecord.mrn,
                PatientSummary,
                attention.c.next_due_on,
                attention.c.next_due_label,
                attention.c.reasons,
                assessed.c.assessed_at,
                reviewed.c.reviewed_at,
                *[visits.c[f"visit_{i}"] for i in range(len(LOCAL_SHIFTS))],
                *[completeness.c[f"logged_{i}"] for i in range(len(LOCAL_SHIFTS))],
            )
            .join(scope, scope.c.id == User.id)
            .outerjoin(PatientSummary, PatientSummary.patient_id == User.id)
            .outerjoin(first_clinic, first_clinic.c.patient_id == User.id)
            .outerjoin(attention, sa.and_(attention.c.patient_id == User.id,
                                          attention.c.clinic_id == first_clinic.c.clinic_id))
            .outerjoin(ClinicPatientRecord, self._records_joined())
            .outerjoin(assessed, assessed.c.patient_id == User.id)
            .outerjoin(reviewed, reviewed.c.patient_id == User.id)
            .outerjoin(visits, visits.c.patient_id == User.id)
            .outerjoin(completeness, completeness.c.patient_id == User.id)
            .where(User.role == Role.PATIENT.value)
        )

    # Figures of the patient's today, in SQL ------------------------------------------------

    def _of_today(self, columns: list) -> sa.ColumnElement:
        """The one of three per-shift columns that holds for each patient's zone."""
        if not self.shifts:
            return columns[LOCAL_SHIFTS.index(0)]
        return sa.case(
            {zone: columns[shift] for zone, shift in self.shifts.items()},
            value=User.timezone, else_=columns[LOCAL_SHIFTS.index(0)],
        )

    def _today(self) -> sa.ColumnElement:
        """Each patient's today."""
        days = [sa.literal(day, sa.Date) for day in possible_todays(self.utc_today)]
        return self._of_today(days)

    def _next_due(self) -> sa.ColumnElement:
        """The next visit: the suggested one, or a booked one when it is earlier or the
        suggested one is overdue (_row)."""
        suggested = PatientAttention.__table__.c.next_due_on
        booked = self._of_today([self.visits.c[f"visit_{i}"] for i in range(len(LOCAL_SHIFTS))])
        earlier = sa.and_(
            booked.is_not(None),
            sa.or_(suggested.is_(None), booked < suggested, suggested < self._today()),
        )
        return sa.case((earlier, booked), else_=suggested)

    def _needs_attention(self) -> sa.ColumnElement[bool]:
        return sa.func.coalesce(PatientAttention.__table__.c.reasons, 0) != 0

    def _first(self) -> sa.ColumnElement[bool]:
        """The rows the list opens on (PatientRow.first)."""
        return sa.or_(self._needs_attention(), self._next_due() <= self._today())

    def sort_expression(self, key: str) -> tuple[sa.ColumnElement, bool]:
        """A sort key's SQL value, and whether it runs against the column's own order (a
        count of days since a date sorts by that date turned round)."""
        summary = PatientSummary
        logged = [self.completeness.c[f"logged_{i}"] for i in range(len(LOCAL_SHIFTS))]
        assessed_at, reviewed_at = self.assessed.c.assessed_at, self.reviewed.c.reviewed_at
        # The later of the two moments the clinic looked (patient_list.changed_since).
        looked = sa.case(
            (assessed_at.is_(None), reviewed_at),
            (reviewed_at.is_(None), assessed_at),
            (reviewed_at > assessed_at, reviewed_at),
            else_=assessed_at,
        )
        expressions = {
            "attention": (sa.case((self._first(), 0), else_=1), False),
            "name": (sa.func.lower(User.display_name), False),
            "side": (User.affected_side, False),
            "surgery": (summary.surgery_on, False),
            "since_surgery": (summary.surgery_on, True),
            "baseline": (summary.baseline_mean, False),
            "last_28": (summary.trailing_mean, False),
            "change": (sa.case(
                (sa.and_(summary.baseline_source == "diary", summary.baseline_suppressed), None),
                else_=summary.percent_change,
            ), False),
            "outcome": (sa.case(
                {outcome: i for i, outcome in enumerate(rules.OUTCOMES)},
                value=sa.func.coalesce(summary.outcome, rules.NOT_ENOUGH_DATA),
            ), False),
            "since_spasm": (summary.last_spasm, True),
            "last_entry": (summary.last_entry, False),
            "completeness": (sa.func.coalesce(self._of_today(logged), 0), False),
            "next_due": (self._next_due(), False),
            # patient_list.changed_since in SQL: None when the clinic never looked.
            "changed": (sa.case(
                (looked.is_(None), None),
                (sa.and_(summary.diary_changed_at.is_not(None),
                         summary.diary_changed_at > looked), 1),
                else_=0,
            ), False),
        }
        return expressions[key if key in expressions else DEFAULT_SORT]

    def _keeps(self, listing: Listing) -> sa.ColumnElement[bool] | None:
        """What the listing's filter and search keep, or None for every row."""
        kept = [clause for clause in (
            self._needs_attention() if listing.attention_only else None,
            matching_search(listing.search),
        ) if clause is not None]
        return sa.and_(*kept) if kept else None

    def _filtered(self, listing: Listing) -> sa.Select:
        kept = self._keeps(listing)
        return self.query if kept is None else self.query.where(kept)

    def rows(self, listing: Listing) -> list[PatientRow]:
        """The listing's rows: rows without a value last either way, then by name (sort_rows)."""
        key = listing.sort if listing.sort in SORT_KEYS else DEFAULT_SORT
        value, turned = self.sort_expression(key)
        descending = listing.descending != turned
        query = self._filtered(listing).order_by(
            value.is_(None), value.desc() if descending else value.asc(),
            sa.func.lower(User.display_name), User.id,
        )
        if listing.per_page:
            query = query.limit(listing.per_page).offset((listing.page - 1) * listing.per_page)
        return [_row(record, self.now, self.utc_today) for record in db.session.execute(query)]

    def counts(self, listing: Listing) -> tuple[int, int, int, int]:
        """Every patient, those who need attention, those the list opens on, those the
        filter and search keep: one query, joining only what they read."""
        attention = PatientAttention.__table__
        one = sa.literal(1)
        kept = self._keeps(listing)
        total, needing, first, matching = db.session.execute(
            sa.select(
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(sa.case((self._needs_attention(), one), else_=0)), 0),
                sa.func.coalesce(sa.func.sum(sa.case((self._first(), one), else_=0)), 0),
                sa.func.count() if kept is None
                else sa.func.coalesce(sa.func.sum(sa.case((kept, one), else_=0)), 0),
            )
            .select_from(User)
            .join(self.scope, self.scope.c.id == User.id)
            .outerjoin(self.first_clinic, self.first_clinic.c.patient_id == User.id)
            .outerjoin(attention, sa.and_(attention.c.patient_id == User.id,
                                          attention.c.clinic_id == self.first_clinic.c.clinic_id))
            .outerjoin(ClinicPatientRecord, self._records_joined())
            .outerjoin(self.visits, self.visits.c.patient_id == User.id)
            .where(User.role == Role.PATIENT.value)
        ).one()
        return total, needing, first, matching

    def _records_joined(self) -> sa.ColumnElement[bool]:
        """The hospital number of the clinic the viewer acts for (diary/clinic/identity.py)."""
        return sa.and_(ClinicPatientRecord.clinic_id == self.first_clinic.c.clinic_id,
                       ClinicPatientRecord.patient_id == User.id)


# Searching the list (docs/clinic.md, Searching the list) -----------------------------------

MAX_SEARCH_LENGTH = 100


def _like_escaped(text: str) -> str:
    """Text for a LIKE pattern, its wildcards taken literally (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matching_search(search: str) -> sa.ColumnElement[bool] | None:
    """The list's search as one WHERE clause, or None for an empty search.

    A patient matches when every word of the search is part of the name's search key
    (users.name_search: case-folded, without accents, so "jurgen" finds "Jürgen" on SQLite
    and PostgreSQL alike), or when the search, normalised as hospital numbers are, begins
    the acting clinic's hospital number. Needs the list query's join of ClinicPatientRecord.
    """
    # No name holds a control or format character (diary/names.py), and PostgreSQL refuses NUL.
    text = "".join(ch for ch in (search or "")[:MAX_SEARCH_LENGTH] if not has_invisible_characters(ch))
    words = search_key(text).split()
    if not words:
        return None
    by_name = sa.and_(*[
        User.name_search.like(f"%{_like_escaped(word)}%", escape="\\") for word in words
    ])
    mrn = normalise_mrn(text)
    if not mrn:
        return by_name
    by_mrn = ClinicPatientRecord.mrn.like(f"{_like_escaped(mrn)}%", escape="\\")
    return sa.or_(by_name, by_mrn)


def _shift(today: date, utc_today: date) -> int:
    """The index in LOCAL_SHIFTS of a patient's today."""
    return LOCAL_SHIFTS.index(max(-1, min(1, (today - utc_today).days)))


def _row(record, now: datetime, utc_today: date) -> PatientRow:
    """One list row from the query's record, with its figures relative to the patient's today."""
    summary: PatientSummary | None = record.PatientSummary
    today = local_today(record.timezone, now)
    shift = _shift(today, utc_today)
    surgery_on = summary.surgery_on if summary else None
    last_entry = summary.last_entry if summary else None
    percent_change = trusted_change(
        summary.percent_change, summary.baseline_source, summary.baseline_suppressed
    ) if summary else None
    # The suggested visit is stored (clinic.attention); a booked one wins when earlier or
    # when the suggested one is overdue: the patient has booked the visit it asks for.
    next_due, next_label = record.next_due_on, record.next_due_label
    booked = getattr(record, f"visit_{shift}")
    if booked is not None and (next_due is None or booked < next_due or next_due < today):
        next_due, next_label = booked, "booked visit"
    return PatientRow(
        patient_id=record.id,
        name=record.display_name,
        family_name=record.family_name,
        birth_year=record.birth_date.year if record.birth_date else None,
        mrn=record.mrn,
        affected_side=record.affected_side,
        surgery_on=surgery_on,
        days_since_surgery=days_since(surgery_on, today),
        baseline_mean=summary.baseline_mean if summary else None,
        baseline_source=summary.baseline_source if summary else None,
        window_mean=summary.window_mean if summary else None,
        baseline_suppressed=bool(summary and summary.baseline_suppressed),
        trailing_mean=summary.trailing_mean if summary else None,
        percent_change=percent_change,
        outcome=summary.outcome if summary else rules.NOT_ENOUGH_DATA,
        remission_start=summary.remission_start if summary else None,
        recurrence_on=summary.recurrence_on if summary else None,
        days_since_last_spasm=days_since(summary.last_spasm if summary else None, today),
        last_spasm=summary.last_spasm if summary else None,
        last_entry=last_entry,
        days_since_last_entry=days_since(last_entry, today),
        logged_days=getattr(record, f"logged_{shift}") or 0,
        next_due=next_due,
        next_due_label=next_label,
        changed_since_visit=changed_since(
            summary.diary_changed_at if summary else None, record.assessed_at,
            record.reviewed_at,
        ),
        reasons=reasons_of(record.reasons),
        visit_due=next_due is not None and next_due <= today,
        visit_overdue=next_due is not None and next_due < today,
    )
