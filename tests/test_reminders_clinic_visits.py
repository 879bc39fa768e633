"""The follow-up reminder announces the visits the clinic's schedule suggests after surgery.

The patient lives in Berlin and shares the diary with "Sharing clinic" (schedule
1w,1m,3m,6m,9m,12m); the MVD was on Friday, 20 February 2026, so the 1-month visit falls on
Friday, 20 March. The follow-up reminder is on with its defaults: 1 day's notice, at 18:00.
The clock stands at Tuesday, 10 March 2026, 12:00 UTC. Suggested dates are computed from the
schedule when the reminder is planned and again when it is sent, never stored, so a changed
schedule, a revoked link and another reference surgery all change what is sent.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from diary.extensions import db
from diary.models import CareLink, Clinic, FollowUpVisit, User
from diary.reminders import services
from diary.reminders.planning import plans
from diary.reminders.planning.visits import suggestions_from, without_own_days
from diary.sharing import services as sharing_services
from diary.sharing.services import Redeemed
from tests.clinic_support import share
from tests.journal_helpers import counted_queries, login_as, page_text
from tests.reminders_support import deliveries, dispatch, inbox, planned, save_reminder
from tests.sharing_support import new_code
from tests.treatments_support import TreatmentRecorder

MVD_DAY = date(2026, 2, 20)
# 18:00 in Berlin on the day before each visit (CET until 29 March, CEST after).
BEFORE_ONE_MONTH = datetime(2026, 3, 19, 17, 0, tzinfo=UTC)
BEFORE_TWO_MONTHS = datetime(2026, 4, 19, 16, 0, tzinfo=UTC)
BEFORE_THREE_MONTHS = datetime(2026, 5, 19, 16, 0, tzinfo=UTC)
ONE_MONTH_TEXT = (
    "Your clinic suggests a follow-up visit around 20 March 2026 (1 month after surgery). "
    "If it is not booked yet, contact Sharing clinic."
)


@pytest.fixture
def shared(app, make_user, clock) -> tuple[int, int]:
    """(patient, clinician): a shared patient with an MVD and the follow-up reminder on."""
    patient = make_user("ada@example.org", display_name="Ada")
    clinician = make_user("doc@example.org", role="clinician", clinic="Sharing clinic")
    share(app, patient)
    TreatmentRecorder(app, patient).surgery(performed_on=MVD_DAY)
    save_reminder(app, patient, "follow_up", clock(), enabled=True)
    return patient, clinician


def add_visit(app, patient_id: int, day: date, minute: int, place: str) -> None:
    """The patient enters an appointment, through the service the page uses."""
    with app.app_context():
        user = db.session.get(User, patient_id)
        services.add_visit(user, services.VisitValues(day, minute, place))


def run_until(app, clock, end: datetime, step: timedelta = timedelta(hours=1)) -> None:
    """The scheduler ticking from the clock's moment to `end`."""
    moment = clock()
    while moment <= end:
        clock.set(moment)
        dispatch(app, moment)
        moment += step


def follow_up_messages(app, patient_id: int) -> list[tuple[str, str]]:
    """The follow-up reminders in the inbox: (title, body)."""
    return [(title, body) for topic, title, body, link in inbox(app, patient_id)
            if link == "/reminders"]


def care_link_id(app, patient_id: int) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(CareLink.id).where(CareLink.patient_id == patient_id))


# The dates, on plain values ---------------------------------------------------------------


def test_suggestions_merge_clinics_by_date_and_start_from_the_given_day():
    schedules = [("A clinic", "1w,1m,3m"), ("B clinic", "1m,2m"), ("C clinic", "not a schedule")]

    found = suggestions_from(schedules, MVD_DAY, since=date(2026, 3, 1), ahead=2)

    assert [(s.day, s.label, s.clinics) for s in found] == [
        # C's unreadable schedule falls back to the default, as the clinic's pages do.
        (date(2026, 3, 20), "1 month", ("A clinic", "B clinic", "C clinic")),
        (date(2026, 4, 20), "2 months", ("B clinic",)),
        (date(2026, 5, 20), "3 months", ("A clinic", "C clinic")),
    ]
    assert found[0].around == "20 March 2026"
    assert found[0].contact == "A clinic or B clinic or C clinic"


def test_a_day_with_an_own_appointment_is_not_suggested_again():
    found = suggestions_from([("A clinic", "1m,3m")], MVD_DAY, since=MVD_DAY)

    kept = without_own_days(found, [date(2026, 3, 20)])

    assert [s.day for s in kept] == [date(2026, 5, 20), date(2027, 5, 20)]


# Planned and sent ---------------------------------------------------------------------------


def test_a_shared_patient_with_an_mvd_is_reminded_before_the_one_month_visit(app, shared, mailbox, clock):
    patient, _ = shared

    assert planned(app, patient, "follow_up").due_at == BEFORE_ONE_MONTH
    dispatch(app, BEFORE_ONE_MONTH)

    assert follow_up_messages(app, patient) == [("A follow-up visit around 20 March 2026", ONE_MONTH_TEXT)]
    (email,) = [m for m in mailbox.messages("ada@example.org") if "follow-up" in m["Subject"]]
    assert email["Subject"] == "A follow-up visit around 20 March 2026"
    text = mailbox.text(email)
    assert ONE_MONTH_TEXT in text and "it is not an appointment" in text
    # The next one is planned at once: the 3-month visit on 20 May.
    assert planned(app, patient, "follow_up").due_at == BEFORE_THREE_MONTHS


def test_after_the_clinic_changes_its_schedule_the_next_reminder_follows_it(app, client, shared, clock):
    patient, clinician = shared
    dispatch(app, BEFORE_ONE_MONTH)
    clock.set(BEFORE_ONE_MONTH + timedelta(days=1))
    login_as(client, clinician)

    assert client.post("/clinic/settings", data={"follow_up_schedule": "1w,1m,2m,6m"}).status_code == 302

    # Replanned in the clinic's own transaction: 2 months after surgery is 20 April.
    assert planned(app, patient, "follow_up").due_at == BEFORE_TWO_MONTHS
    run_until(app, clock, BEFORE_THREE_MONTHS)
    assert [body for _, body in follow_up_messages(app, patient)] == [
        ONE_MONTH_TEXT,
        "Your clinic suggests a follow-up visit around 20 April 2026 (2 months after surgery). "
        "If it is not booked yet, contact Sharing clinic.",
    ]


def test_after_revocation_no_clinic_suggested_reminder_is_sent(app, shared, clock):
    patient, _ = shared
    owner = app.test_client()
    login_as(owner, patient)

    assert owner.post(f"/sharing/clinics/{care_link_id(app, patient)}/stop").status_code == 302

    assert planned(app, patient, "follow_up") is None  # dropped in the revoking transaction
    run_until(app, clock, BEFORE_THREE_MONTHS + timedelta(days=1), step=timedelta(hours=6))
    assert follow_up_messages(app, patient) == []
    assert [d for d in deliveries(app, patient) if d.kind == "follow_up"] == []


def test_a_new_reference_surgery_moves_the_suggested_visits(app, shared):
    patient, _ = shared

    TreatmentRecorder(app, patient).surgery(performed_on=date(2026, 3, 2), surgery_type="redo_mvd")

    # One month after 2 March is 2 April: reminded at 18:00 CEST on 1 April.
    assert planned(app, patient, "follow_up").due_at == datetime(2026, 4, 1, 16, 0, tzinfo=UTC)


def test_the_clinic_marking_another_reference_surgery_moves_them_in_its_transaction(
    app, client, shared
):
    patient, clinician = shared
    earlier = TreatmentRecorder(app, patient).surgery(
        performed_on=date(2026, 1, 10), surgery_type="other"
    )
    login_as(client, clinician)

    response = client.post(f"/clinic/patients/{patient}/surgeries/{earlier}/reference")

    assert response.status_code == 302
    # 3 months after 10 January is 10 April (the 1-month visit on 10 February is past).
    assert planned(app, patient, "follow_up").due_at == datetime(2026, 4, 9, 16, 0, tzinfo=UTC)


def test_a_link_made_later_plans_the_clinics_visits_at_once(app, make_user, clock):
    patient = make_user("ada@example.org")
    make_user("doc@example.org", role="clinician", clinic="Sharing clinic")
    TreatmentRecorder(app, patient).surgery(performed_on=MVD_DAY)
    save_reminder(app, patient, "follow_up", clock(), enabled=True)
    assert planned(app, patient, "follow_up") is None

    share(app, patient)

    assert planned(app, patient, "follow_up").due_at == BEFORE_ONE_MONTH


def test_a_link_made_by_redeeming_a_code_plans_the_clinics_visits_at_once(app, make_user, clock):
    patient = make_user("ada@example.org")
    doctor = make_user("doc@example.org", role="clinician", clinic="Sharing clinic")
    TreatmentRecorder(app, patient).surgery(performed_on=MVD_DAY)
    save_reminder(app, patient, "follow_up", clock(), enabled=True)
    assert planned(app, patient, "follow_up") is None
    _, code = new_code(app, patient)

    with app.test_request_context():
        clinic = db.session.scalar(sa.select(Clinic.id).where(Clinic.name == "Sharing clinic"))
        redeemed = sharing_services.redeem_code(db.session.get(User, doctor), clinic, code, None)
        assert redeemed.outcome == Redeemed.LINKED

    assert planned(app, patient, "follow_up").due_at == BEFORE_ONE_MONTH


# Announced once ----------------------------------------------------------------------------


def test_an_own_appointment_on_the_suggested_day_is_announced_once_with_its_time_and_place(
    app, shared, mailbox, clock
):
    patient, _ = shared
    add_visit(app, patient, date(2026, 3, 20), 10 * 60, "Outpatients, room 4")

    run_until(app, clock, BEFORE_ONE_MONTH + timedelta(days=2))

    assert follow_up_messages(app, patient) == [(
        "Your appointment on Friday, 20 March 2026",
        "Your follow-up visit: Friday, 20 March 2026 at 10:00, Outpatients, room 4.",
    )]
    sent = [d for d in deliveries(app, patient) if d.kind == "follow_up" and d.state == "sent"]
    assert [d.due_at for d in sent] == [BEFORE_ONE_MONTH]
    emails = [m for m in mailbox.messages() if "20 March" in m["Subject"]]
    assert len(emails) == 1 and "suggests" not in mailbox.text(emails[0])


def test_two_clinics_suggesting_the_same_date_make_one_reminder_naming_both(app, shared, make_user, clock):
    patient, _ = shared
    make_user("other@example.org", role="clinician", clinic="Other clinic")
    with app.app_context():
        db.session.execute(sa.update(Clinic).where(Clinic.name == "Other clinic")
                           .values(follow_up_schedule="1m,2m"))
        db.session.commit()
    share(app, patient, "Other clinic")

    run_until(app, clock, BEFORE_TWO_MONTHS)

    assert [body for _, body in follow_up_messages(app, patient)] == [
        "Your clinics suggest a follow-up visit around 20 March 2026 (1 month after surgery). "
        "If it is not booked yet, contact Other clinic or Sharing clinic.",
        "Your clinic suggests a follow-up visit around 20 April 2026 (2 months after surgery). "
        "If it is not booked yet, contact Other clinic.",
    ]


def test_a_patient_who_shares_with_no_clinic_gets_only_own_appointments(app, make_user, clock):
    patient = make_user("ada@example.org")
    make_user("doc@example.org", role="clinician", clinic="Sharing clinic")
    TreatmentRecorder(app, patient).surgery(performed_on=MVD_DAY)
    save_reminder(app, patient, "follow_up", clock(), enabled=True)
    add_visit(app, patient, date(2026, 4, 2), 9 * 60, "Neurosurgery clinic")

    run_until(app, clock, BEFORE_THREE_MONTHS + timedelta(days=1), step=timedelta(hours=6))

    assert follow_up_messages(app, patient) == [(
        "Your appointment on Thursday, 2 April 2026",
        "Your follow-up visit: Thursday, 2 April 2026 at 09:00, Neurosurgery clinic.",
    )]


def test_a_shared_patient_without_a_reference_surgery_gets_no_suggestion(app, make_user, clock):
    patient = make_user("ada@example.org")
    make_user("doc@example.org", role="clinician", clinic="Sharing clinic")
    share(app, patient)
    TreatmentRecorder(app, patient).surgery(performed_on=MVD_DAY, surgery_type="other")
    save_reminder(app, patient, "follow_up", clock(), enabled=True)

    assert planned(app, patient, "follow_up") is None


# Computed at sending time ------------------------------------------------------------------


def test_a_schedule_changed_behind_the_apps_back_is_checked_when_the_row_comes_up(app, shared):
    """A bulk write replans nothing: the dispatcher moves the stale row, sends nothing."""
    patient, _ = shared
    with app.app_context():
        db.session.execute(sa.update(Clinic).values(follow_up_schedule="1w,2m"))
        db.session.commit()

    dispatch(app, BEFORE_ONE_MONTH)

    assert follow_up_messages(app, patient) == []
    assert planned(app, patient, "follow_up").due_at == BEFORE_TWO_MONTHS


def test_a_link_revoked_behind_the_apps_back_sends_nothing(app, shared):
    patient, _ = shared
    with app.app_context():
        db.session.execute(sa.update(CareLink).values(revoked_at=datetime(2026, 3, 11, tzinfo=UTC)))
        db.session.commit()

    dispatch(app, BEFORE_ONE_MONTH)

    assert follow_up_messages(app, patient) == []
    assert planned(app, patient, "follow_up") is None


# A fixed number of queries -----------------------------------------------------------------


def planning_statements(app, patient_id: int, now: datetime) -> list[str]:
    """The SQL one replan of the patient's follow-up reminder sends."""
    with counted_queries(app) as statements, app.app_context():
        plans.replan_patient(patient_id, now, {"follow_up"})
        db.session.commit()
    return statements


def test_planning_takes_the_same_number_of_queries_whatever_the_clinics_and_visits(
    app, shared, make_user, clock
):
    patient, _ = shared
    few = len(planning_statements(app, patient, clock()))

    for number in range(3):
        make_user(f"doc{number}@example.org", role="clinician", clinic=f"Clinic {number}")
        share(app, patient, f"Clinic {number}")
    recorder = TreatmentRecorder(app, patient)
    recorder.surgery(performed_on=date(2025, 11, 3), surgery_type="other")
    recorder.surgery(performed_on=date(2026, 1, 12), surgery_type="other")
    for offset in range(6):
        add_visit(app, patient, date(2026, 4, 1) + timedelta(days=offset), 9 * 60, "Outpatients")

    assert len(planning_statements(app, patient, clock())) == few


def test_the_settings_page_takes_the_same_number_of_queries_whatever_the_clinics(
    app, client, shared, make_user
):
    patient, _ = shared
    login_as(client, patient)
    client.get("/reminders")
    with counted_queries(app) as statements:
        client.get("/reminders")
    few = len(statements)

    for number in range(3):
        make_user(f"doc{number}@example.org", role="clinician", clinic=f"Clinic {number}")
        share(app, patient, f"Clinic {number}")
    add_visit(app, patient, date(2026, 4, 2), 9 * 60, "Outpatients")
    with counted_queries(app) as statements:
        client.get("/reminders")

    assert len(statements) == few


# The settings page -------------------------------------------------------------------------


def test_the_settings_page_lists_the_suggested_visits_beside_the_own_appointments(app, client, shared):
    patient, _ = shared
    add_visit(app, patient, date(2026, 5, 20), 11 * 60 + 30, "Outpatients, room 4")
    login_as(client, patient)

    text = page_text(client.get("/reminders"))

    assert "Wednesday, 20 May 2026 at 11:30 , Outpatients, room 4" in text
    assert ("From the follow-up schedule of Sharing clinic, counted from your operation on "
            "Friday, 20 February 2026.") in text
    assert "Around 20 March 2026 (1 month after surgery), suggested by Sharing clinic" in text
    # 20 May is the patient's own appointment: shown once, as that appointment.
    assert "Around 20 May 2026" not in text
    assert "Around 20 August 2026 (6 months after surgery)" in text
    assert "Next: Thursday, 19 March 2026 at 18:00" in text


def test_the_settings_page_says_where_suggested_visits_would_come_from(app, client, make_user):
    patient = make_user("ada@example.org")
    make_user("doc@example.org", role="clinician", clinic="Sharing clinic")
    login_as(client, patient)

    assert "You do not share your diary with a clinic" in page_text(client.get("/reminders"))

    share(app, patient)
    text = page_text(client.get("/reminders"))
    assert "The follow-up schedule of Sharing clinic counts from your operation" in text


def test_no_follow_up_visit_row_is_written_for_the_suggestions(app, shared):
    patient, _ = shared
    dispatch(app, BEFORE_ONE_MONTH)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUpVisit)) == 0
