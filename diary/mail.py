"""Outgoing email: SMTP when a server is configured, else .eml files in the instance outbox.

Only the subject and the Message-ID are ever logged: bodies carry sign-in links, and the
recipient is a person's address.

A send can fail in two ways that a caller must tell apart (docs/reminders.md): before the
message's data went out, when trying again cannot send it twice; and after, when the server
may have accepted it already (HandoffUncertain), when trying again might.
"""

from __future__ import annotations

import email.policy
import functools
import logging
import os
import secrets
import smtplib
import ssl
import time
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from flask import current_app

from diary.clock import utcnow

log = logging.getLogger(__name__)

# Headers the app sets are folded as usual; those added verbatim (_set_verbatim) are not.
_POLICY = email.policy.default.clone(refold_source="none")
_END_OF_DATA = b"\r\n.\r\n"


class HandoffUncertain(smtplib.SMTPException):
    """The connection failed after the message's data went out: it may have been accepted.

    A subclass of SMTPException, so that callers that treat every failure alike still
    catch it; callers that retry must not retry this one.
    """


class _HandoffTracking:
    """Mixed into an SMTP connection: notes when the message's data (its final dot) goes out."""

    handoff_started = False
    _in_data = False

    def data(self, msg):
        """Send the message, noting the moment its body leaves."""
        self._in_data = True
        try:
            return super().data(msg)
        finally:
            self._in_data = False

    def send(self, s):
        """From the body with its final dot on, the server may accept the message."""
        if self._in_data and isinstance(s, bytes) and s.endswith(_END_OF_DATA):
            self.handoff_started = True
        return super().send(s)


@functools.cache
def _tracking(smtp_class: type) -> type:
    """smtplib's connection class (looked up when sending) with handoff tracking mixed in."""
    return type(smtp_class.__name__, (_HandoffTracking, smtp_class), {})


def sender_domain(sender: str) -> str:
    """The domain of the sender's address, for Message-IDs (localhost when it has none)."""
    _, address = parseaddr(sender)
    return address.rpartition("@")[2] or "localhost"


def new_message_id(unique: str | None = None) -> str:
    """A Message-ID on the sender's domain; `unique` makes it deterministic (a delivery row)."""
    domain = sender_domain(current_app.config["MAIL_DEFAULT_SENDER"])
    if unique is None:
        return make_msgid(domain=domain)
    return f"<{unique}@{domain}>"


def _set_verbatim(message: EmailMessage, name: str, value: str) -> None:
    """Add or replace a header exactly as written, on one line however long.

    The email package folds a long header of one word (a URL) into RFC 2047 encoded words,
    which no mail client reads as a List-Unsubscribe URL; RFC 5322 allows lines of 998.
    """
    if not value.isascii() or any(ch in value for ch in "\r\n\0"):
        raise ValueError(f"header {name!r} must be one line of ASCII")
    del message[name]
    message.set_raw(name, value)


def build_message(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """A plain-text message with an optional HTML alternative, dated by the app clock."""
    message = EmailMessage(policy=_POLICY)
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id or new_message_id()
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        _set_verbatim(message, name, value)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send_email(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    message_id: str | None = None,
) -> str:
    """Send one message and return its Message-ID.

    `message_id` lets a caller that records deliveries choose the id (see new_message_id);
    `headers` adds or replaces headers such as List-Unsubscribe. SMTP errors propagate
    (smtplib.SMTPException, OSError) so the caller decides between retrying and giving up;
    HandoffUncertain says the message may have been accepted all the same.
    """
    message = build_message(to, subject, text, html, headers, message_id)
    if current_app.config.get("MAIL_SERVER"):
        _send_smtp(message)
        log.info("mail sent by SMTP: subject=%r message_id=%s", subject, message["Message-ID"])
    else:
        _write_outbox(message)
        log.info("mail written to outbox: subject=%r message_id=%s", subject, message["Message-ID"])
    return str(message["Message-ID"])


def _send_smtp(message: EmailMessage) -> None:
    """Hand the message to the configured SMTP server (implicit TLS, STARTTLS or plain)."""
    cfg = current_app.config
    host, port = cfg["MAIL_SERVER"], cfg["MAIL_PORT"]
    timeout = cfg["MAIL_TIMEOUT"]
    # Only when TLS is used: loading the CA certificates costs tens of milliseconds a message.
    context = ssl.create_default_context() if cfg.get("MAIL_USE_SSL") or cfg.get("MAIL_USE_TLS") else None
    if cfg.get("MAIL_USE_SSL"):
        connection = _tracking(smtplib.SMTP_SSL)(host, port, timeout=timeout, context=context)
    else:
        connection = _tracking(smtplib.SMTP)(host, port, timeout=timeout)
    failure: smtplib.SMTPException | OSError | None = None
    try:
        with connection:
            try:
                if cfg.get("MAIL_USE_TLS") and not cfg.get("MAIL_USE_SSL"):
                    connection.starttls(context=context)
                if cfg.get("MAIL_USERNAME"):
                    connection.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
                connection.send_message(message)
            except (smtplib.SMTPException, OSError) as error:
                failure = error
    except (smtplib.SMTPException, OSError):
        pass  # only the goodbye (QUIT) failed: what happened before it is in `failure`
    if failure is None:
        return
    # A reply that refuses the data proves nothing was accepted; any other failure after
    # the data went out leaves it open.
    if connection.handoff_started and not isinstance(failure, smtplib.SMTPDataError):
        raise HandoffUncertain(type(failure).__name__) from failure
    raise failure


def _write_outbox(message: EmailMessage) -> Path:
    """Write the message as an .eml file readable by the server's user only."""
    outbox = Path(current_app.config["MAIL_OUTBOX"])
    outbox.mkdir(mode=0o700, parents=True, exist_ok=True)
    # time_ns first so a listing sorts in sending order; the random part keeps names unique
    # across processes.
    name = f"{time.time_ns():020d}-{secrets.token_hex(4)}"
    # Written under another name and renamed: a reader of *.eml never sees half a message,
    # and a crash leaves no message that looks complete.
    partial = outbox / f".{name}.partial"
    path = outbox / f"{name}.eml"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(message.as_bytes())
    os.replace(partial, path)
    return path

