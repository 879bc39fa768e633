"""The delivery state machine: claim, send, record; retries, downtime, crashes, time zones.

The clock stands at Tuesday, 10 March 2026, 12:00 UTC; the patient lives in Berlin (UTC+1
until 29 March), so the default 20:00 reminder is due at 19:00 UTC. Tests move time by
passing `now` to dispatch_due(), as the scheduler's tick does: nothing sleeps.
"""

from __future__ import annotations

import smtplib
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from diary.admin import services as admin_services
from diary.auth.services import update_profile
from diary.extensions import db
from diary.mail import HandoffUncertain
from diary.models import Delivery, PatientSummary, Reminder, User
from diary.reminders import services
from diary.reminders.delivery import dispatch as dispatch_module
from diary.reminders.delivery import notices
from diary.reminders.delivery.dispatch import claim_next, process_holder
from tests.journal_helpers import account, check_in
from tests.reminders_support import (
    deliveries,
    dispatch,
    free_port,
    inbox,
    planned,
    save_reminder,
    states,
)

DUE = datetime(2026, 3, 10, 19, 0, tzinfo=UTC)  # 20:00 in Berlin
TOMORROW = DUE + timedelta(days=1)


def at(*args: int) -> datetime:
    """An aware UTC moment."""
    return datetime(*args, tzinfo=UTC)


# A new patient's daily reminder ----------------------------------------------------------


def test_a_new_patient_gets_the_daily_reminder_on_at_2000(app, make_user):
    patient = make_user()

    row = planned(app, patient)

    assert row.due_at == DUE
    with app.app_context():
        reminder = db.session.scalar(sa.select(Reminder).where(Reminder.patient_id == patient))
        assert (reminder.kind, reminder.enabled, reminder.by_email, reminder.in_app) == (
            "check_in", True, True, True)
        assert (reminder.send_minute, reminder.weekdays, reminder.cadence) == (1200, 127, "daily")


def test_nothing_is_sent_before_it_is_due(app, make_user, mailbox):
    patient = make_user()

    report = dispatch(app, DUE - timedelta(seconds=1))

    assert report.claimed == 0 and mailbox.messages() == []
    assert planned(app, patient).due_at == DUE


def test_a_due_reminder_is_emailed_and_put_in_the_inbox_once(app, make_user, mailbox):
    patient = make_user()

    dispatch(app, DUE)
    dispatch(app, DUE)
    dispatch(app, DUE + timedelta(minutes=30))

    (message,) = mailbox.messages()
    (sent,) = [d for d in deliveries(app, patient) if d.state == "sent"]
    assert message["Message-ID"] == sent.message_id == f"<delivery-{sent.id}@localhost>"
    assert message["Subject"] == "Your diary for today"
    assert "/checkin?day=2026-03-10" in mailbox.text(message)
    assert inbox(app, patient) == [(
        "reminder", "Your diary for today",
        "How was Tuesday, 10 March 2026? Logging the day takes two taps.",
        "/checkin?day=2026-03-10",
    )]
    assert planned(app, patient).due_at == TOMORROW


def test_the_daily_reminder_is_skipped_when_the_day_is_already_logged(app, make_user, mailbox):
    patient = make_user()
    check_in(app, patient, date(2026, 3, 10), 0)

    dispatch(app, DUE)

    assert states(app, patient) == ["skipped"]
    assert mailbox.messages() == [] and inbox(app, patient) == []
    assert planned(app, patient).due_at == TOMORROW


def test_an_unconfirmed_address_gets_the_inbox_only(app, make_user, mailbox):
    patient = make_user(verified=False)

    dispatch(app, DUE)

    assert states(app, patient) == ["sent"]
    assert mailbox.messages() == [] and len(inbox(app, patient)) == 1


def test_email_only_to_an_unconfirmed_address_is_skipped(app, make_user, mailbox, clock):
    patient = make_user(verified=False)
    save_reminder(app, patient, "check_in", clock(), in_app=False)

    dispatch(app, DUE)

    assert states(app, patient) == ["skipped"]
    assert mailbox.messages() == [] and inbox(app, patient) == []
    assert [d.error for d in deliveries(app, patient) if d.state == "skipped"] == ["EmailNotVerified"]


def test_the_inbox_only_channel_sends_no_email(app, make_user, mailbox, clock):
    patient = make_user()
    save_reminder(app, patient, "check_in", clock(), by_email=False)

    dispatch(app, DUE)

    assert states(app, patient) == ["sent"] and mailbox.messages() == []
    assert len(inbox(app, patient)) == 1


def test_a_switched_off_reminder_has_nothing_planned(app, make_user, clock):
    patient = make_user()

    save_reminder(app, patient, "check_in", clock(), enabled=False)

    assert planned(app, patient) is None
    assert dispatch(app, DUE + timedelta(days=3)).claimed == 0


# Downtime -------------------------------------------------------------------------------


def test_after_downtime_a_reminder_due_within_six_hours_is_still_sent(app, make_user, mailbox):
    patient = make_user()

    dispatch(app, DUE + timedelta(hours=5, minutes=59))

    assert states(app, patient) == ["sent"] and len(mailbox.messages()) == 1


def test_after_downtime_an_older_reminder_is_recorded_as_missed(app, make_user, mailbox):
    patient = make_user()

    dispatch(app, DUE + timedelta(hours=6, minutes=1))

    assert states(app, patient) == ["missed"]
    assert mailbox.messages() == [] and inbox(app, patient) == []
    assert planned(app, patient).due_at == TOMORROW


def test_after_days_of_downtime_one_row_stands_for_the_gap_and_the_recent_one_is_sent(
    app, make_user, mailbox
):
    patient = make_user()

    dispatch(app, DUE + timedelta(days=3, hours=2))

    assert states(app, patient) == ["missed", "sent"]
    (message,) = mailbox.messages()
    assert "/checkin?day=2026-03-13" in mailbox.text(message)
    assert planned(app, patient).due_at == DUE + timedelta(days=4)


# Retries and failures --------------------------------------------------------------------


@pytest.fixture
def no_smtp_server(app) -> None:
    """An SMTP server setting that refuses connections: every send fails before its handoff."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=5)


def test_a_failed_send_is_retried_after_1_5_and_15_minutes_then_shown_as_failed(
    app, make_user, no_smtp_server
):
    patient = make_user()

    dispatch(app, DUE)
    (row,) = [d for d in deliveries(app, patient) if d.attempts]
    assert (row.state, row.attempts, row.attempt_at, row.error) == (
        "pending", 1, DUE + timedelta(minutes=1), "ConnectionRefusedError")

    assert dispatch(app, DUE + timedelta(seconds=59)).claimed == 0
    dispatch(app, DUE + timedelta(minutes=1))
    dispatch(app, DUE + timedelta(minutes=6))
    (row,) = [d for d in deliveries(app, patient) if d.attempts]
    assert (row.state, row.attempts, row.attempt_at) == ("pending", 3, DUE + timedelta(minutes=21))

    dispatch(app, DUE + timedelta(minutes=21))

    assert states(app, patient) == ["failed"]
    topics = [(topic, title) for topic, title, _, _ in inbox(app, patient)]
    assert topics == [("reminder", "Your diary for today"),
                      ("email_failed", "We could not email you a reminder")]
    assert "could not" in inbox(app, patient)[1][2]
    assert dispatch(app, DUE + timedelta(hours=2)).claimed == 0


def test_a_retry_that_works_sends_the_reminder_once(app, make_user, mailbox, no_smtp_server):
    patient = make_user()
    dispatch(app, DUE)

    app.config["MAIL_SERVER"] = None  # the server is back (here: the outbox)
    dispatch(app, DUE + timedelta(minutes=1))
    dispatch(app, DUE + timedelta(minutes=30))

    assert states(app, patient) == ["sent"]
    (message,) = mailbox.messages()
    (sent,) = [d for d in deliveries(app, patient) if d.state == "sent"]
    assert message["Message-ID"] == f"<delivery-{sent.id}@localhost>"
    assert [t for t, *_ in inbox(app, patient)] == ["reminder"]  # the inbox got it once


def test_a_retry_is_dropped_when_the_patient_stops_the_emails(app, make_user, no_smtp_server, clock):
    patient = make_user()
    dispatch(app, DUE)

    save_reminder(app, patient, "check_in", clock(), by_email=False)
    dispatch(app, DUE + timedelta(minutes=1))

    assert states(app, patient) == ["skipped"]


def test_a_send_that_may_have_reached_the_server_is_unknown_and_never_resent(
    app, make_user, mailbox, monkeypatch
):
    patient = make_user()

    def uncertain(*args, **kwargs):
        raise HandoffUncertain("SMTPServerDisconnected")

    monkeypatch.setattr(dispatch_module, "send_email", uncertain)
    dispatch(app, DUE)
    monkeypatch.undo()
    dispatch(app, DUE + timedelta(hours=1))

    assert states(app, patient) == ["unknown"]
    assert mailbox.messages() == []
    assert [t for t, *_ in inbox(app, patient)] == ["reminder", "email_unknown"]
    assert "will not send it again" in inbox(app, patient)[1][2]


# A scheduler that dies inside the send --------------------------------------------------


def test_a_scheduler_that_died_while_sending_leaves_unknown_after_its_lease(app, make_user, mailbox):
    patient = make_user()
    with app.app_context():
        # Claimed and leased, then the process died before recording anything.
        outcome, job = claim_next(dispatch_module._RunClock(DUE), "dead-host:1:x")
        assert outcome == "sending" and job is not None

    assert dispatch(app, DUE + timedelta(minutes=9)).claimed == 0  # its lease still holds
    assert states(app, patient) == ["sending"]

    report = dispatch(app, DUE + timedelta(minutes=11))

    assert report["unknown"] == 1
    assert states(app, patient) == ["unknown"] and mailbox.messages() == []
    assert [t for t, *_ in inbox(app, patient)] == ["reminder", "email_unknown"]
    dispatch(app, DUE + timedelta(hours=3))
    assert states(app, patient) == ["unknown"] and mailbox.messages() == []
    assert planned(app, patient).due_at == TOMORROW  # the next day goes on as usual


def test_a_row_that_cannot_be_handled_fails_alone(app, make_user, mailbox, monkeypatch):
    first, second = make_user("a@example.org"), make_user("b@example.org")
    build = notices.build_notice

    def broken_for_the_first(reminder, delivery, patient):
        if patient.id == first:
            raise RuntimeError("a template bug")
        return build(reminder, delivery, patient)

    monkeypatch.setattr(notices, "build_notice", broken_for_the_first)
    dispatch(app, DUE)

    assert states(app, first) == ["failed"] and states(app, second) == ["sent"]
    assert planned(app, first).due_at == TOMORROW
    assert len(mailbox.messages()) == 1


# Time zones and daylight saving --------------------------------------------------------


def test_a_change_of_time_zone_moves_the_planned_reminder(app, make_user, mailbox):
    patient = make_user()
    assert planned(app, patient).due_at == DUE

    with account(app, patient) as user:
        update_profile(user, display_name="Pat", timezone="America/Chicago")

    # 20:00 in Chicago (CDT since 8 March) is 01:00 UTC the next day.
    assert planned(app, patient).due_at == at(2026, 3, 11, 1, 0)
    dispatch(app, DUE)
    assert mailbox.messages() == []
    dispatch(app, at(2026, 3, 11, 1, 0))
    assert "/checkin?day=2026-03-10" in mailbox.text(mailbox.last())


def test_a_change_of_time_zone_through_the_account_page_replans(app, client, patient):
    response = client.post("/account/profile", data={
        "display_name": "Pat", "timezone": "Asia/Tokyo", "affected_side": "left",
    })

    assert response.status_code == 302
    # 20:00 in Tokyo on 10 March (11:00 UTC) has passed at noon UTC: the next is on 11 March.
    assert planned(app, patient).due_at == at(2026, 3, 11, 11, 0)


@pytest.mark.parametrize(
    ("zone", "start", "change_day", "expected_utc"),
    [
        ("Europe/Berlin", at(2026, 3, 27, 12), date(2026, 3, 29), at(2026, 3, 29, 1, 0)),
        ("Europe/Berlin", at(2026, 10, 23, 12), date(2026, 10, 25), at(2026, 10, 25, 0, 30)),
        ("America/Chicago", at(2026, 3, 6, 18), date(2026, 3, 8), at(2026, 3, 8, 8, 0)),
        ("America/Chicago", at(2026, 10, 30, 18), date(2026, 11, 1), at(2026, 11, 1, 8, 30)),
    ],
)
def test_a_0230_reminder_is_sent_once_per_day_across_a_change_of_clocks(
    app, make_user, mailbox, clock, zone, start, change_day, expected_utc
):
    clock.set(start)
    patient = make_user(timezone=zone)
    save_reminder(app, patient, "check_in", clock(), send_minute=150)

    # The scheduler ticks every half hour for four days.
    tick = timedelta(minutes=30)
    moment = start
    sent_at: list[datetime] = []
    while moment < start + timedelta(days=4):
        before = len(mailbox.messages())
        dispatch(app, moment)
        sent_at += [moment] * (len(mailbox.messages()) - before)
        moment += tick

    days = [row.due_at for row in deliveries(app, patient) if row.state == "sent"]
    assert len(days) == len(set(days)) == 4
    assert expected_utc in days
    assert len(mailbox.messages()) == 4
    links = [mailbox.text(m).split("checkin?day=")[1][:10] for m in mailbox.messages()]
    assert change_day.isoformat() in links and len(set(links)) == 4
    # Sent at the first tick at or after its due moment, never before.
    assert all(timedelta(0) <= s - d < tick for s, d in zip(sent_at, sorted(days), strict=True))


def test_a_time_zone_change_across_a_change_of_clocks_replans_the_0230_reminder(app, make_user, clock):
    clock.set(at(2026, 3, 28, 12))
    patient = make_user(timezone="Europe/Berlin")
    save_reminder(app, patient, "check_in", clock(), send_minute=150)
    assert planned(app, patient).due_at == at(2026, 3, 29, 1, 0)  # Berlin's gap: 03:00 CEST

    with account(app, patient) as user:
        update_profile(user, display_name="Pat", timezone="America/Chicago")

    assert planned(app, patient).due_at == at(2026, 3, 29, 7, 30)  # 02:30 CDT


# The weekly check-in ---------------------------------------------------------------------


def in_remission(app, patient_id: int, since: date) -> None:
    """Give the patient a summary with a remission that began on `since`."""
    with app.app_context():
        db.session.add(PatientSummary(patient_id=patient_id, computed_on=date(2026, 3, 10),
                                      remission_start=since))
        db.session.commit()


def test_a_long_remission_adds_the_weekly_offer_to_the_daily_email(app, make_user, mailbox):
    patient = make_user()
    in_remission(app, patient, date(2026, 1, 5))

    dispatch(app, DUE)

    assert "weekly reminder" in mailbox.text(mailbox.last())


def test_the_weekly_reminder_is_skipped_when_the_whole_week_is_logged(app, make_user, mailbox, clock):
    patient = make_user()
    with account(app, patient) as user:
        services.set_cadence(user, "weekly", clock())  # Sundays, at 20:00
    sunday = at(2026, 3, 15, 19, 0)
    assert planned(app, patient).due_at == sunday
    clock.set(sunday)
    for offset in range(7):
        check_in(app, patient, date(2026, 3, 9) + timedelta(days=offset), 0)

    dispatch(app, sunday)

    assert states(app, patient) == ["skipped"] and mailbox.messages() == []
    clock.set(sunday + timedelta(days=7))
    check_in(app, patient, date(2026, 3, 16), 0)
    dispatch(app, sunday + timedelta(days=7))
    assert states(app, patient) == ["skipped", "sent"]
    assert mailbox.last()["Subject"] == "Your diary for this week"


# Old patients ----------------------------------------------------------------------------


def test_a_patient_from_before_reminders_is_given_the_daily_reminder(app, make_user):
    patient = make_user()
    with app.app_context():
        db.session.execute(sa.delete(Reminder).where(Reminder.patient_id == patient))
        db.session.commit()

    report = dispatch(app, at(2026, 3, 10, 12))

    assert report.adopted == 1
    assert planned(app, patient).due_at == DUE
    assert dispatch(app, at(2026, 3, 10, 12)).adopted == 0


def test_clinicians_and_deactivated_patients_get_no_reminder(app, make_user, mailbox):
    make_user("dr@example.org", role="clinician")
    patient = make_user()
    with app.app_context():
        admin_services.deactivate(db.session.get(User, patient))

    assert planned(app, patient) is None
    report = dispatch(app, DUE)
    assert report.adopted == 0 and report.claimed == 0 and mailbox.messages() == []


def test_the_lease_holder_name_stays_the_same_within_a_process():
    assert process_holder() == process_holder()


def test_a_planned_row_is_unique_per_reminder(app, make_user):
    patient = make_user()
    with app.app_context():
        delivery = db.session.scalar(sa.select(Delivery))
        db.session.add(Delivery(reminder_id=delivery.reminder_id, due_at=TOMORROW,
                                attempt_at=TOMORROW, local_day=date(2026, 3, 11),
                                local_minute=1200))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert planned(app, patient).due_at == DUE


def test_smtp_errors_are_classified_before_and_after_the_handoff():
    # What deliver() relies on: HandoffUncertain is an SMTPException, so account mail that
    # catches every SMTPException still catches it.
    assert issubclass(HandoffUncertain, smtplib.SMTPException)
