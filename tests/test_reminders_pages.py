"""The reminders page, follow-up visits and the inbox, through the test client.

The patient lives in Berlin; the clock stands at Tuesday, 10 March 2026, 12:00 UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from diary.extensions import db
from diary.models import FollowUpVisit, InboxMessage, PatientSummary, Reminder
from tests.journal_helpers import login_as
from tests.reminders_support import deliveries, dispatch, planned
from tests.route_matrix import database_rows
from tests.treatments_support import TreatmentRecorder, text_of

DUE = datetime(2026, 3, 10, 19, 0, tzinfo=UTC)
CHECK_IN = {
    "check_in-enabled": "y",
    "check_in-channels": ["email", "in_app"],
    "check_in-send_time": "07:30",
    "check_in-weekdays": ["0", "1", "2", "3", "4"],
}


def reminder(app, patient_id: int, kind: str = "check_in") -> Reminder:
    """The patient's reminder of a kind, detached for reading."""
    with app.app_context():
        row = db.session.scalar(
            sa.select(Reminder).where(Reminder.patient_id == patient_id, Reminder.kind == kind)
        )
        db.session.expunge_all()
        return row


# The settings page ----------------------------------------------------------------------


def test_a_patient_sees_the_daily_reminder_on_at_2000_and_when_it_comes_next(client, patient):
    page = client.get("/reminders")

    text = text_of(page)
    assert page.status_code == 200
    assert "Daily diary reminder" in text
    assert "Next: Tuesday, 10 March 2026 at 20:00" in text
    assert 'value="20:00"' in page.get_data(as_text=True)
    assert "Injection due" in text and "Follow-up visits" in text and "Medication doses" in text


def test_the_header_links_to_reminders_and_the_inbox_for_patients_only(app, client, patient, make_user):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/reminders"' in page and 'href="/inbox"' in page

    clinician = make_user("dr@example.org", role="clinician")
    other = app.test_client()
    login_as(other, clinician)
    page = other.get("/account").get_data(as_text=True)
    assert 'href="/reminders"' not in page and 'href="/inbox"' not in page


def test_saving_the_daily_reminder_replans_it(app, client, patient):
    response = client.post("/reminders/check-in", data=CHECK_IN)

    assert response.status_code == 302 and response.location == "/reminders#check-in"
    saved = reminder(app, patient)
    assert (saved.send_minute, saved.weekdays) == (7 * 60 + 30, 0b0011111)
    # Tuesday 07:30 has passed: Wednesday 07:30 in Berlin.
    assert planned(app, patient).due_at == datetime(2026, 3, 11, 6, 30, tzinfo=UTC)
    assert "Next: Wednesday, 11 March 2026 at 07:30" in text_of(client.get("/reminders"))


def test_a_reminder_that_goes_nowhere_is_refused_with_a_clear_message(app, client, patient):
    before = database_rows(app)

    response = client.post("/reminders/check-in", data={**CHECK_IN, "check_in-channels": []})

    assert response.status_code == 422
    assert "Choose email, the inbox or both, or switch this reminder off." in text_of(response)
    assert database_rows(app) == before
    # The other fields keep what was typed.
    assert 'value="07:30"' in response.get_data(as_text=True)


def test_a_time_that_cannot_be_read_is_refused(app, client, patient):
    before = database_rows(app)

    for bad in ("25:00", "7.30pm", "", "07:60"):
        response = client.post("/reminders/check-in", data={**CHECK_IN, "check_in-send_time": bad})
        assert response.status_code == 422
        assert "Enter a time like 20:00." in text_of(response)
    assert database_rows(app) == before


def test_a_daily_reminder_needs_a_day(app, client, patient):
    response = client.post("/reminders/check-in", data={**CHECK_IN, "check_in-weekdays": []})

    assert response.status_code == 422
    assert "Choose at least one day" in text_of(response)


def test_switching_a_reminder_off_keeps_its_settings_and_plans_nothing(app, client, patient):
    response = client.post("/reminders/check-in", data={**CHECK_IN, "check_in-enabled": ""})

    assert response.status_code == 302
    assert reminder(app, patient).enabled is False
    assert planned(app, patient) is None
    assert "Daily diary reminder Switch on Daily diary reminder Off" in text_of(client.get("/reminders"))


def test_the_injection_reminder_follows_the_last_injection(app, client, patient):
    TreatmentRecorder(app, patient).injection(injected_on=date(2026, 3, 1))

    response = client.post("/reminders/injection", data={
        "injection-enabled": "y", "injection-channels": "in_app",
        "injection-weeks_after": "10", "injection-notice_days": "3", "injection-send_time": "09:15",
    })

    assert response.status_code == 302
    # 1 March + 10 weeks - 3 days = 7 May, 09:15 in Berlin (CEST).
    assert planned(app, patient, "injection").due_at == datetime(2026, 5, 7, 7, 15, tzinfo=UTC)
    assert "Next: Thursday, 7 May 2026 at 09:15" in text_of(client.get("/reminders"))


def test_recording_an_injection_or_the_operation_replans_the_injection_reminder(app, client, patient):
    recorder = TreatmentRecorder(app, patient)
    client.post("/reminders/injection", data={
        "injection-enabled": "y", "injection-channels": "email",
        "injection-weeks_after": "12", "injection-notice_days": "7", "injection-send_time": "09:00",
    })
    assert planned(app, patient, "injection") is None  # no injection yet

    recorder.injection(injected_on=date(2026, 3, 1))
    assert planned(app, patient, "injection").due_at.date() == date(2026, 5, 17)

    recorder.surgery(performed_on=date(2026, 3, 5))  # an MVD: injections usually stop
    assert planned(app, patient, "injection") is None

    recorder.injection(injected_on=date(2026, 3, 9))  # ...unless they go on after it
    assert planned(app, patient, "injection").due_at.date() == date(2026, 5, 25)


def test_out_of_range_injection_settings_are_refused(app, client, patient):
    before = database_rows(app)
    for weeks, notice in (("3", "7"), ("53", "7"), ("12", "-1"), ("12", "29"), ("x", "7"), ("9" * 400, "1")):
        response = client.post("/reminders/injection", data={
            "injection-enabled": "y", "injection-channels": "email",
            "injection-weeks_after": weeks, "injection-notice_days": notice,
            "injection-send_time": "09:00",
        })
        assert response.status_code == 422, (weeks, notice)
    assert database_rows(app) == before


def test_medication_reminders_come_at_the_regimens_times(app, client, patient):
    TreatmentRecorder(app, patient).regimen(doses_per_day=2, times_of_day=("08:00", "20:00"))

    client.post("/reminders/medication", data={"medication-enabled": "y", "medication-channels": "in_app"})

    assert planned(app, patient, "medication").due_at == datetime(2026, 3, 10, 19, 0, tzinfo=UTC)
    text = text_of(client.get("/reminders"))
    assert "Gabapentin 300 mg: 08:00, 20:00" in text


# The weekly offer ------------------------------------------------------------------------


def test_after_eight_weeks_of_remission_a_weekly_reminder_is_offered(app, client, patient):
    assert "Switch to a weekly reminder" not in text_of(client.get("/reminders"))
    with app.app_context():
        db.session.add(PatientSummary(patient_id=patient, computed_on=date(2026, 3, 10),
                                      remission_start=date(2026, 1, 12)))
        db.session.commit()

    page = text_of(client.get("/reminders"))
    assert "No spasms for 8 weeks" in page

    response = client.post("/reminders/check-in/cadence", data={"cadence": "weekly"})

    assert response.status_code == 302
    saved = reminder(app, patient)
    assert (saved.cadence, saved.weekdays) == ("weekly", 1 << 6)
    assert planned(app, patient).due_at == datetime(2026, 3, 15, 19, 0, tzinfo=UTC)  # Sunday
    page = text_of(client.get("/reminders"))
    assert "Weekly diary reminder" in page and "Switch to a weekly reminder" not in page

    # The weekly form asks for one day.
    client.post("/reminders/check-in", data={
        "check_in-enabled": "y", "check_in-channels": "email", "check_in-send_time": "18:00",
        "check_in-weekly_day": "4",
    })
    assert reminder(app, patient).weekdays == 1 << 4
    assert planned(app, patient).due_at == datetime(2026, 3, 13, 17, 0, tzinfo=UTC)  # Friday

    client.post("/reminders/check-in/cadence", data={"cadence": "daily"})
    assert (reminder(app, patient).cadence, reminder(app, patient).weekdays) == ("daily", 127)


def test_a_cadence_that_is_not_offered_changes_nothing(app, client, patient):
    before = database_rows(app)

    response = client.post("/reminders/check-in/cadence", data={"cadence": "hourly"})

    assert response.status_code == 302
    assert database_rows(app) == before


# Follow-up visits -----------------------------------------------------------------------

VISIT = {"visit-visit_on": "2026-03-20", "visit-visit_time": "09:30", "visit-place": "Outpatients, room 4"}


def test_a_visit_is_added_shown_reminded_and_removed(app, client, patient):
    client.post("/reminders/follow-up", data={
        "follow_up-enabled": "y", "follow_up-channels": "email", "follow_up-notice_days": "2",
        "follow_up-send_time": "18:00",
    })
    response = client.post("/reminders/visits", data=VISIT)

    assert response.status_code == 302
    assert "Friday, 20 March 2026 at 09:30 , Outpatients, room 4" in text_of(client.get("/reminders"))
    assert planned(app, patient, "follow_up").due_at == datetime(2026, 3, 18, 17, 0, tzinfo=UTC)

    with app.app_context():
        visit_id = db.session.scalar(sa.select(FollowUpVisit.id))
    client.post(f"/reminders/visits/{visit_id}/delete")

    assert planned(app, patient, "follow_up") is None
    assert "No visit is booked" in text_of(client.get("/reminders"))


def test_a_visit_in_the_past_or_without_a_place_is_refused(app, client, patient):
    before = database_rows(app)

    for changed in ({"visit-visit_on": "2026-03-09"}, {"visit-place": "  "},
                    {"visit-visit_on": "2029-01-01"}, {"visit-visit_time": "9"},
                    {"visit-place": "x" * 121}):
        response = client.post("/reminders/visits", data={**VISIT, **changed})
        assert response.status_code == 422, changed
    assert database_rows(app) == before


def test_another_patients_visit_cannot_be_removed(app, client, patient, make_user):
    other = make_user("other@example.org")
    other_client = app.test_client()
    login_as(other_client, other)
    other_client.post("/reminders/visits", data=VISIT)
    with app.app_context():
        visit_id = db.session.scalar(sa.select(FollowUpVisit.id))

    assert client.post(f"/reminders/visits/{visit_id}/delete").status_code == 404
    with app.app_context():
        assert db.session.get(FollowUpVisit, visit_id) is not None


# The inbox ------------------------------------------------------------------------------


def test_the_inbox_shows_reminders_with_an_unread_count_and_marks_them_read(app, client, patient):
    assert "Inbox" in text_of(client.get("/")) and "unread" not in text_of(client.get("/"))
    dispatch(app, DUE)
    dispatch(app, DUE + timedelta(days=1))

    home = text_of(client.get("/"))
    assert "Inbox 2 unread" in home
    page = client.get("/inbox")
    text = text_of(page)
    assert page.get_data(as_text=True).count('class="message-title"') == 2
    assert "How was Wednesday, 11 March 2026?" in text
    assert 'href="/checkin?day=2026-03-11"' in page.get_data(as_text=True)

    with app.app_context():
        first = db.session.scalar(sa.select(InboxMessage.id).order_by(InboxMessage.id))
    response = client.post(f"/inbox/{first}/read")
    assert response.status_code == 302
    assert "Inbox 1 unread" in text_of(client.get("/"))

    client.post("/inbox/read")
    assert "unread" not in text_of(client.get("/inbox"))
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(InboxMessage.read_at.is_(None))) == 0


def test_another_patients_message_cannot_be_marked_read(app, client, patient, make_user):
    other = make_user("other@example.org")
    dispatch(app, DUE)
    with app.app_context():
        theirs = db.session.scalar(sa.select(InboxMessage.id).where(InboxMessage.patient_id == other))

    assert client.post(f"/inbox/{theirs}/read").status_code == 404
    # Only the patient's own message is listed.
    assert client.get("/inbox").get_data(as_text=True).count('class="message-title"') == 1
    with app.app_context():
        assert db.session.get(InboxMessage, theirs).read_at is None


def test_a_failed_email_is_shown_in_the_inbox_and_on_the_reminders_page(app, client, patient):
    from tests.reminders_support import free_port

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=5)
    for minutes in (0, 1, 6, 21):
        dispatch(app, DUE + timedelta(minutes=minutes))

    assert [d.state for d in deliveries(app, patient) if d.attempts] == ["failed"]
    assert "We could not email you a reminder" in text_of(client.get("/inbox"))
    assert "Could not be emailed" in text_of(client.get("/reminders"))


def test_the_inbox_pages_past_the_last_one_are_empty_not_errors(client, patient):
    assert client.get("/inbox?page=999").status_code == 200
    assert client.get("/inbox?page=-3").status_code == 200


def test_a_visit_from_the_clinics_schedule_cannot_be_removed_by_the_patient(app, client, patient):
    with app.app_context():
        visit = FollowUpVisit(patient_id=patient, visit_on=date(2026, 3, 20), visit_minute=600,
                              place="Neurosurgery", source="clinic")
        db.session.add(visit)
        db.session.commit()
        visit_id = visit.id

    page = client.get("/reminders")
    assert "Neurosurgery" in text_of(page)
    assert f"/reminders/visits/{visit_id}/delete" not in page.get_data(as_text=True)
    assert client.post(f"/reminders/visits/{visit_id}/delete").status_code == 404

