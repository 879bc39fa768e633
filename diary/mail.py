"""Outgoing email: SMTP when a server is configured, else .eml files in the instance outbox.

Only the subject and the Message-ID are ever logged: bodies carry sign-in links, and the
recipient is a person's address.
"""

from __future__ import annotations

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

SMTP_TIMEOUT_SECONDS = 20


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


def build_message(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """A plain-text message with an optional HTML alternative, dated by the app clock."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id or new_message_id()
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        if name in message:
            message.replace_header(name, value)
        else:
            message[name] = value
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
    (smtplib.SMTPException, OSError) so the caller decides between retrying and giving up.
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
    timeout = cfg.get("MAIL_TIMEOUT", SMTP_TIMEOUT_SECONDS)
    context = ssl.create_default_context()
    if cfg.get("MAIL_USE_SSL"):
        connection: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
    with connection:
        if cfg.get("MAIL_USE_TLS") and not cfg.get("MAIL_USE_SSL"):
            connection.starttls(context=context)
        if cfg.get("MAIL_USERNAME"):
            connection.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD") or "")
        connection.send_message(message)


def _write_outbox(message: EmailMessage) -> Path:
    """Write the message as an .eml file readable by the server's user only."""
    outbox = Path(current_app.config["MAIL_OUTBOX"])
    outbox.mkdir(mode=0o700, parents=True, exist_ok=True)
    # time_ns first so a listing sorts in sending order; the random part keeps names unique
    # across processes.
    path = outbox / f"{time.time_ns():020d}-{secrets.token_hex(4)}.eml"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(message.as_bytes())
    return path

