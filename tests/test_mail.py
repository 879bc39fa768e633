"""The mail layer: outbox files without SMTP, SMTP with it, and what is logged."""

from __future__ import annotations

import logging
import os
import smtplib
import stat

import pytest

from diary.mail import send_email


class FakeSMTP:
    """Records what the mail layer asks of an SMTP connection."""

    instances: list[FakeSMTP] = []

    def __init__(self, host, port, timeout=None, context=None):
        self.host, self.port, self.context = host, port, context
        self.calls: list[tuple] = []
        self.sent = []
        FakeSMTP.instances.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.calls.append(("quit",))

    def starttls(self, context=None):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        self.sent.append(message)


@pytest.fixture
def fake_smtp(monkeypatch):
    """Replace smtplib's classes; returns the list of connections made."""
    FakeSMTP.instances = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(smtplib, "SMTP_SSL", type("FakeSMTP_SSL", (FakeSMTP,), {}))
    return FakeSMTP.instances


def test_without_smtp_the_message_is_an_eml_file_only_the_server_can_read(app, outbox, mailbox):
    with app.app_context():
        message_id = send_email("pat@example.org", "Hello", "Plain words", "<p>HTML words</p>")
    (path,) = outbox.glob("*.eml")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(outbox).st_mode) == 0o700
    message = mailbox.last()
    assert message["Message-ID"] == message_id
    assert message["To"] == "pat@example.org"
    assert message["Subject"] == "Hello"
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().strip() == "Plain words"
    assert message.get_body(("html",)).get_content().strip() == "<p>HTML words</p>"


def test_the_date_header_comes_from_the_app_clock(app, mailbox, clock):
    with app.app_context():
        send_email("pat@example.org", "Hello", "Plain words")
    assert mailbox.last()["Date"].datetime == clock()


def test_a_text_only_message_has_one_part(app, mailbox):
    with app.app_context():
        send_email("pat@example.org", "Hello", "Plain words")
    message = mailbox.last()
    assert message.get_content_type() == "text/plain"


def test_a_caller_can_choose_the_message_id_and_add_headers(app, mailbox):
    with app.app_context():
        message_id = send_email(
            "pat@example.org",
            "Time for your diary",
            "text",
            headers={
                "List-Unsubscribe": "<https://diary.example/unsubscribe/abc>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
            message_id="<delivery-42@diary.example>",
        )
    message = mailbox.last()
    assert message_id == message["Message-ID"] == "<delivery-42@diary.example>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_header_injection_is_refused(app):
    with app.app_context(), pytest.raises(ValueError):
        send_email("pat@example.org", "Hello\nBcc: victim@example.org", "text")


def test_only_the_subject_and_message_id_are_logged(app, caplog):
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        message_id = send_email("pat@example.org", "Hello", "secret link https://x/verify/abc")
    (record,) = [r for r in caplog.records if r.name == "diary.mail"]
    text = record.getMessage()
    assert "Hello" in text and message_id in text
    assert "pat@example.org" not in text and "/verify/" not in text


@pytest.mark.parametrize(
    ("settings", "connection", "calls"),
    [
        ({}, "FakeSMTP", []),
        ({"MAIL_USE_TLS": True}, "FakeSMTP", [("starttls",)]),
        ({"MAIL_USE_SSL": True}, "FakeSMTP_SSL", []),
        ({"MAIL_USE_TLS": True, "MAIL_USERNAME": "u", "MAIL_PASSWORD": "p"}, "FakeSMTP",
         [("starttls",), ("login", "u", "p")]),
    ],
)
def test_with_a_server_the_message_goes_by_smtp(app, outbox, fake_smtp, settings, connection, calls):
    app.config.update({"MAIL_SERVER": "smtp.example.org", "MAIL_PORT": 587, **settings})
    with app.app_context():
        send_email("pat@example.org", "Hello", "Plain words", "<p>HTML</p>")
    (smtp,) = fake_smtp
    assert type(smtp).__name__ == connection
    assert (smtp.host, smtp.port) == ("smtp.example.org", 587)
    assert smtp.calls == [*calls, ("quit",)]
    assert smtp.sent[0]["To"] == "pat@example.org"
    assert not outbox.exists() or not list(outbox.glob("*.eml"))


def test_a_real_smtp_server_receives_the_message(app):
    """End to end on the wire, against aiosmtpd on loopback."""
    import socket

    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update({"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port})
        with app.app_context():
            send_email("pat@example.org", "Hello", "Plain words")
    finally:
        controller.stop()
    (envelope,) = received
    assert envelope.rcpt_tos == ["pat@example.org"]
    assert b"Subject: Hello" in envelope.content


def test_account_email_subjects_never_name_the_condition(app, make_user, mailbox):
    make_user("pat@example.org")
    # A new address is sent the link to finish; a taken one's owner the notice.
    for email in ("new@example.org", "pat@example.org"):
        app.test_client().post("/register", data={"email": email})
    app.test_client().post("/password/forgot", data={"email": "pat@example.org"})
    subjects = [m["Subject"] for m in mailbox.messages()]
    assert len(subjects) == 3
    for subject in subjects:
        for word in ("spasm", "hemifacial", "facial", "botox", "toxin", "surgery", "mvd"):
            assert word not in subject.lower()
