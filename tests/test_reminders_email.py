"""Reminder emails on the wire: a real SMTP server (aiosmtpd) on loopback receives them.

What arrives: a Message-ID derived from the delivery row, List-Unsubscribe and
List-Unsubscribe-Post (RFC 8058), a subject that does not name the condition, a plain-text
and an HTML part, and a link straight to the day's check-in. The unsubscribe link works
without logging in: a confirmation page, its button, and a mail client's one-click POST.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from diary.extensions import db
from diary.models import Reminder, User
from diary.reminders import services
from tests.reminders_support import (
    deliveries,
    dispatch,
    inbox,
    planned,
    save_reminder,
    states,
)

DUE = datetime(2026, 3, 10, 19, 0, tzinfo=UTC)
FORBIDDEN_IN_SUBJECTS = re.compile(r"spasm|hemifacial|hfs|botox|toxin|facial", re.IGNORECASE)


@pytest.fixture
def app_config(sink) -> dict:
    """The app mails through the sink; CSRF is on, as in production."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": sink.port, "WTF_CSRF_ENABLED": True}


def unsubscribe_path(message) -> str:
    """The path of the List-Unsubscribe URL."""
    match = re.fullmatch(r"<(https?://[^>]+)>", message["List-Unsubscribe"])
    assert match, message["List-Unsubscribe"]
    return urlsplit(match.group(1)).path


def test_the_server_receives_the_reminder_with_its_headers_and_both_parts(app, make_user, sink):
    patient = make_user("pat@example.org", display_name="Pat")

    dispatch(app, DUE)

    (message,) = sink.received
    (sent,) = [d for d in deliveries(app, patient) if d.state == "sent"]
    assert message["Message-ID"] == sent.message_id == f"<delivery-{sent.id}@localhost>"
    assert message["To"] == "pat@example.org"
    assert message["Subject"] == "Your diary for today"
    assert not FORBIDDEN_IN_SUBJECTS.search(message["Subject"])
    assert not FORBIDDEN_IN_SUBJECTS.search(message["From"])
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://127\.0\.0\.1:5000/unsubscribe/[\w.-]+>", message["List-Unsubscribe"])
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = "http://127.0.0.1:5000/checkin?day=2026-03-10"
    assert link in text and f'href="{link}"' in html
    assert "Hello Pat" in text and "Hello Pat" in html
    assert unsubscribe_path(message) in text and unsubscribe_path(message) in html


def test_every_kind_of_reminder_has_a_neutral_subject(app, make_user, sink, clock):
    from tests.treatments_support import TreatmentRecorder

    patient = make_user()
    now = clock()
    recorder = TreatmentRecorder(app, patient)
    recorder.injection(injected_on=date(2025, 12, 27))  # due 21 March, reminded on 14 March
    recorder.regimen(doses_per_day=2, times_of_day=("08:00", "20:00"))
    save_reminder(app, patient, "injection", now, enabled=True)
    save_reminder(app, patient, "medication", now, enabled=True)
    save_reminder(app, patient, "follow_up", now, enabled=True)
    with app.app_context():
        user = db.session.get(User, patient)
        services.add_visit(user, services.VisitValues(date(2026, 3, 12), 9 * 60, "Outpatients"))

    moment = now
    while moment < now + timedelta(days=8):
        dispatch(app, moment)
        moment += timedelta(hours=1)

    subjects = {m["Subject"] for m in sink.received}
    assert subjects >= {"Your diary for today", "A reminder about your next treatment",
                        "Your 08:00 reminder", "Your 20:00 reminder",
                        "Your appointment on Thursday, 12 March 2026"}
    assert not any(FORBIDDEN_IN_SUBJECTS.search(s) for s in subjects)
    assert len(sink.message_ids()) == len(set(sink.message_ids()))


def test_the_unsubscribe_link_asks_then_stops_the_emails(app, make_user, sink):
    patient = make_user()
    dispatch(app, DUE)
    path = unsubscribe_path(sink.received[0])
    client = app.test_client()  # not logged in

    page = client.get(path)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Stop these emails?" in body and "diary check-in reminder" in body
    assert "pat@example.org" not in body  # the page does not say whose reminder it is
    with app.app_context():
        assert db.session.scalar(sa.select(Reminder.by_email)) is True  # a GET changes nothing

    # The page's own button posts back to the same URL, without a CSRF token.
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})

    assert done.status_code == 200 and "Emails stopped" in done.get_data(as_text=True)
    dispatch(app, DUE + timedelta(days=1))
    assert len(sink.received) == 1  # no email the next day...
    assert states(app, patient) == ["sent", "sent"]  # ...but the inbox still has it
    assert len(inbox(app, patient)) == 2
    assert "not emailed to you any more" in client.get(path).get_data(as_text=True)


def test_a_mail_clients_one_click_post_stops_the_emails(app, make_user, sink):
    patient = make_user()
    save_reminder(app, patient, "check_in", DUE - timedelta(hours=1), in_app=False)
    dispatch(app, DUE)
    path = unsubscribe_path(sink.received[0])

    # RFC 8058: a POST with exactly this body, no cookie, no CSRF token.
    response = app.test_client().post(
        path, data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    with app.app_context():
        reminder = db.session.scalar(sa.select(Reminder))
        # Email was its only channel: the reminder is now off, with nothing planned.
        assert (reminder.by_email, reminder.enabled) == (False, False)
    assert planned(app, patient) is None
    again = app.test_client().post(path, data="List-Unsubscribe=One-Click",
                                   content_type="application/x-www-form-urlencoded")
    assert again.status_code == 200  # idempotent
    dispatch(app, DUE + timedelta(days=1))
    assert len(sink.received) == 1


@pytest.mark.parametrize("token", ["not-a-token", "eyJyIjoxLCJwIjoxfQ.forged", "x" * 600])
def test_a_forged_unsubscribe_link_changes_nothing(app, make_user, token):
    make_user()
    client = app.test_client()

    assert client.get(f"/unsubscribe/{token}").status_code == 404
    assert client.post(f"/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(Reminder.by_email)) is True


def test_a_token_names_one_reminder_of_one_patient(app, make_user, sink):
    first = make_user("a@example.org")
    second = make_user("b@example.org")
    dispatch(app, DUE)
    by_recipient = {m["To"]: unsubscribe_path(m) for m in sink.received}

    app.test_client().post(by_recipient["a@example.org"])

    with app.app_context():
        emails = dict(db.session.execute(sa.select(Reminder.patient_id, Reminder.by_email)).all())
    assert emails == {first: False, second: True}


def test_a_connection_lost_after_the_data_leaves_the_delivery_unknown_and_not_resent(
    app, make_user, sink
):
    patient = make_user()
    sink.drop_after_data = 1

    dispatch(app, DUE)
    dispatch(app, DUE + timedelta(hours=1))

    assert len(sink.received) == 1  # the server has it; the scheduler cannot know
    assert states(app, patient) == ["unknown"]
    assert [topic for topic, *_ in inbox(app, patient)] == ["reminder", "email_unknown"]


def test_a_temporary_refusal_before_the_data_is_retried_and_sent_once(app, make_user, sink):
    patient = make_user()
    sink.refuse_rcpt = "451 4.3.0 Try again later"

    dispatch(app, DUE)
    assert sink.received == [] and states(app, patient) == ["pending"]

    sink.refuse_rcpt = None
    dispatch(app, DUE + timedelta(minutes=1))
    dispatch(app, DUE + timedelta(minutes=30))

    assert len(sink.received) == 1 and states(app, patient) == ["sent"]
    (sent,) = [d for d in deliveries(app, patient) if d.state == "sent"]
    assert sent.attempts == 2 and sink.received[0]["Message-ID"] == f"<delivery-{sent.id}@localhost>"


def test_a_refused_data_reply_is_no_handoff_and_is_retried(app, make_user, sink, monkeypatch):
    patient = make_user()

    async def refuse(server, session, envelope):
        return "554 5.6.0 Message refused"

    monkeypatch.setattr(sink, "handle_DATA", refuse)
    dispatch(app, DUE)
    (row,) = [d for d in deliveries(app, patient) if d.attempts]

    assert (row.state, row.error) == ("pending", "SMTPDataError")
