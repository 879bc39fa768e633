"""Every setting of the app, its type, its default and where it comes from: one place.

`SETTINGS` lists them. A setting with an environment variable is read from it when it is set
(the README's Configuration table names each one, and a test holds the two together); the
others are fixed here and only tests change them. `from_environment()` builds the app's
configuration from the list, and `setting(NAME)` is how a core reads a value
(docs/architecture.md, What a core may use).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import argon2
from flask import current_app


@dataclass(frozen=True)
class Setting:
    """One setting: its configuration key, its default (a value, or a function of the
    instance folder), and the environment variable it is read from, if any, with the
    function that turns the variable's text into the value."""

    key: str
    default: Any
    env: str | None = None
    parse: Callable[[str], Any] = str

    def value(self, instance_path: Path) -> Any:
        """The environment's value when its variable is set, else the default."""
        if self.env is not None:
            text = os.environ.get(self.env)
            if text is not None and text != "":
                return self.parse(text)
        return self.default(instance_path) if callable(self.default) else self.default


def setting(name: str) -> Any:
    """The one way a core reads a setting: the running app's value of `name`, which must be
    one of SETTINGS (a KeyError names a typo at once).

    Works wherever an app context is (a request, the CLI, the scheduler, a test); a core
    never imports flask for it.
    """
    if name not in KEYS:
        raise KeyError(f"{name} is not a setting of diary/config.py")
    return current_app.config[name]


def yes_or_no(text: str) -> bool:
    """A yes/no environment variable: 1, true, yes or on mean yes."""
    return text.strip().lower() in {"1", "true", "yes", "on"}


def load_secret_key(instance_path: Path) -> str:
    """A key generated once and kept in instance/ (SECRET_KEY's default)."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # O_EXCL: two processes starting together must not both write a key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def public_base_url(_instance_path: Path) -> str:
    """PUBLIC_BASE_URL's default: from SERVER_NAME, else the dev server."""
    server_name = os.environ.get("SERVER_NAME")
    if server_name:
        return f"{os.environ.get('PREFERRED_URL_SCHEME', 'http')}://{server_name}"
    return "http://127.0.0.1:5000"


def database_url(text: str) -> str:
    """DATABASE_URL as SQLAlchemy wants it: PostgreSQL URLs use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if text.startswith(prefix):
            return "postgresql+psycopg://" + text.removeprefix(prefix)
    return text


def _optional(text: str) -> str | None:
    """A text setting whose empty value means unset."""
    return text or None


DAY = 24 * 3600

SETTINGS: tuple[Setting, ...] = (
    Setting("SECRET_KEY", load_secret_key, "SECRET_KEY"),
    Setting("SQLALCHEMY_DATABASE_URI", lambda folder: f"sqlite:///{folder / 'diary.sqlite3'}",
            "DATABASE_URL", database_url),
    Setting("SQLALCHEMY_ENGINE_OPTIONS", lambda _folder: {}),
    Setting("TRUSTED_PROXIES", 0, "TRUSTED_PROXIES", int),
    Setting("SESSION_COOKIE_SECURE", False, "SESSION_COOKIE_SECURE", yes_or_no),
    Setting("SESSION_COOKIE_HTTPONLY", True),
    Setting("SESSION_COOKIE_SAMESITE", "Lax"),
    Setting("REMEMBER_COOKIE_HTTPONLY", True),
    Setting("REMEMBER_COOKIE_SAMESITE", "Lax"),
    Setting("REMEMBER_COOKIE_SECURE", False, "SESSION_COOKIE_SECURE", yes_or_no),
    Setting("PREFERRED_URL_SCHEME", "http", "PREFERRED_URL_SCHEME"),
    Setting("SERVER_NAME", None, "SERVER_NAME", _optional),
    Setting("MAIL_SERVER", None, "MAIL_SERVER", _optional),
    Setting("MAIL_PORT", 25, "MAIL_PORT", int),
    Setting("MAIL_USERNAME", None, "MAIL_USERNAME", _optional),
    Setting("MAIL_PASSWORD", None, "MAIL_PASSWORD", _optional),
    Setting("MAIL_USE_TLS", False, "MAIL_USE_TLS", yes_or_no),
    Setting("MAIL_USE_SSL", False, "MAIL_USE_SSL", yes_or_no),
    # Seconds an SMTP connection may take before the send counts as failed (and is retried).
    Setting("MAIL_TIMEOUT", 20, "MAIL_TIMEOUT", int),
    # The sender's name stays neutral: an inbox glance must not reveal the condition.
    Setting("MAIL_DEFAULT_SENDER", "Your diary <no-reply@localhost>", "MAIL_DEFAULT_SENDER"),
    Setting("MAIL_OUTBOX", lambda folder: str(folder / "outbox"), "MAIL_OUTBOX"),
    # Links in emails are absolute: no request tells the scheduler where the app lives.
    Setting("PUBLIC_BASE_URL", public_base_url, "PUBLIC_BASE_URL", lambda text: text.rstrip("/")),
    # The reminder scheduler (docs/reminders.md): how often it looks for due reminders,
    # how many it sends per look, and how long a claim on one send holds.
    Setting("REMINDER_TICK_SECONDS", 30, "REMINDER_TICK_SECONDS", int),
    Setting("REMINDER_BATCH_SIZE", 500, "REMINDER_BATCH_SIZE", int),
    Setting("REMINDER_LEASE_SECONDS", 600, "REMINDER_LEASE_SECONDS", int),
    # The throttle (docs/security.md, Throttling): attempts that pass at once per kind and
    # key; from the last of them on each attempt waits the first delay, then twice as long,
    # up to the longest; a key without an attempt for the forget-after time starts again.
    *(Setting(name, default, name, int) for name, default in (
        ("THROTTLE_LOGIN_PER_ACCOUNT_AND_ADDRESS", 5),
        ("THROTTLE_LOGIN_PER_ACCOUNT", 20),
        ("THROTTLE_LOGIN_PER_ADDRESS", 30),
        ("THROTTLE_SHARE_CODE_PER_ACCOUNT", 10),
        ("THROTTLE_SHARE_CODE_PER_ADDRESS", 30),
        ("THROTTLE_INVITATION_PER_ACCOUNT", 20),
        ("THROTTLE_INVITATION_PER_ADDRESS", 60),
        ("THROTTLE_REGISTRATION_PER_EMAIL", 3),
        ("THROTTLE_REGISTRATION_PER_ADDRESS", 10),
        ("THROTTLE_FIRST_DELAY_SECONDS", 60),
        ("THROTTLE_LONGEST_DELAY_SECONDS", 15 * 60),
        ("THROTTLE_FORGET_AFTER_MINUTES", 60),
    )),
    # Clinicians and administrators are logged out after this many idle minutes.
    Setting("IDLE_TIMEOUT_MINUTES", 30, "IDLE_TIMEOUT_MINUTES", int),
    # A patient's session ends this many days after its last use (docs/security.md).
    Setting("SESSION_LIFETIME_DAYS", 30, "SESSION_LIFETIME_DAYS", int),
    Setting("PASSWORD_RESET_MAX_AGE", 3600),
    # An invited clinician's set-password link lasts longer than a reset link.
    Setting("STAFF_INVITATION_MAX_AGE", 7 * DAY),
    Setting("EMAIL_VERIFY_MAX_AGE", 7 * DAY),
    # The emailed link that finishes a registration (docs/security.md, Registration).
    Setting("REGISTRATION_LINK_MAX_AGE", DAY, "REGISTRATION_LINK_MAX_AGE", int),
    Setting("HISTORY_PAGE_SIZE", 30),
    # The largest request body accepted; a larger one answers 413 before it is read.
    Setting("MAX_CONTENT_LENGTH", 1024 * 1024, "MAX_CONTENT_LENGTH", int),
    Setting("WTF_CSRF_TIME_LIMIT", None),
    # argon2id's cost (docs/security.md): the library's defaults; tests lower them.
    Setting("ARGON2_TIME_COST", argon2.DEFAULT_TIME_COST),
    Setting("ARGON2_MEMORY_COST", argon2.DEFAULT_MEMORY_COST),
    Setting("ARGON2_PARALLELISM", argon2.DEFAULT_PARALLELISM),
    # The app's clock: None is the system's; tests and the screenshots inject a fixed one
    # (diary/clock.py).
    Setting("CLOCK", None),
)
KEYS = frozenset(s.key for s in SETTINGS)
# The environment variables the app reads, each once, in the order of SETTINGS.
ENVIRONMENT_VARIABLES = tuple(dict.fromkeys(s.env for s in SETTINGS if s.env))


def from_environment(instance_path: Path) -> dict:
    """The app's configuration: every setting, from the environment or its default."""
    instance_path.mkdir(parents=True, exist_ok=True)
    return {s.key: s.value(instance_path) for s in SETTINGS}
