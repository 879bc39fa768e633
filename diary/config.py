"""Settings read from environment variables, with safe defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import current_app

_REQUIRED: Any = object()


def setting(name: str, default: Any = _REQUIRED) -> Any:
    """The one way a core reads a setting: the running app's value of `name`.

    Works wherever an app context is (a request, the CLI, the scheduler, a test); a core
    never imports flask for it. Without `default`, a missing setting is a KeyError.
    """
    if default is _REQUIRED:
        return current_app.config[name]
    return current_app.config.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    """Read a whole-number environment variable."""
    return int(os.environ.get(name, str(default)))


def load_secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once and kept in instance/."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
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


def public_base_url() -> str:
    """Where emailed links point: PUBLIC_BASE_URL, else SERVER_NAME, else the dev server."""
    explicit = os.environ.get("PUBLIC_BASE_URL")
    if explicit:
        return explicit.rstrip("/")
    server_name = os.environ.get("SERVER_NAME")
    if server_name:
        return f"{os.environ.get('PREFERRED_URL_SCHEME', 'http')}://{server_name}"
    return "http://127.0.0.1:5000"


def from_environment(instance_path: Path) -> dict:
    """Build the configuration mapping from the environment."""
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'diary.sqlite3'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return {
        "SECRET_KEY": load_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "SESSION_COOKIE_SECURE": env_bool("SESSION_COOKIE_SECURE", False),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": env_bool("SESSION_COOKIE_SECURE", False),
        "PREFERRED_URL_SCHEME": os.environ.get("PREFERRED_URL_SCHEME", "http"),
        "SERVER_NAME": os.environ.get("SERVER_NAME") or None,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": env_bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": env_bool("MAIL_USE_SSL", False),
        # The sender's name stays neutral: an inbox glance must not reveal the condition.
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Your diary <no-reply@localhost>"),
        "MAIL_OUTBOX": os.environ.get("MAIL_OUTBOX") or str(instance_path / "outbox"),
        # Links in emails are absolute: no request tells the scheduler where the app lives.
        "PUBLIC_BASE_URL": public_base_url(),
        # The reminder scheduler (docs/reminders.md): how often it looks for due reminders,
        # how many it sends per look, and how long a claim on one send holds.
        "REMINDER_TICK_SECONDS": int(os.environ.get("REMINDER_TICK_SECONDS", "30")),
        "REMINDER_BATCH_SIZE": int(os.environ.get("REMINDER_BATCH_SIZE", "500")),
        "REMINDER_LEASE_SECONDS": int(os.environ.get("REMINDER_LEASE_SECONDS", "600")),
        # The throttle (docs/security.md, Throttling): attempts that pass at once per kind and
        # key; from the last of them on each attempt waits the first delay, then twice as
        # long, up to the longest; a key without an attempt for the forget-after time starts
        # again from zero.
        "THROTTLE_LOGIN_PER_ACCOUNT_AND_ADDRESS": env_int("THROTTLE_LOGIN_PER_ACCOUNT_AND_ADDRESS", 5),
        "THROTTLE_LOGIN_PER_ACCOUNT": env_int("THROTTLE_LOGIN_PER_ACCOUNT", 20),
        "THROTTLE_LOGIN_PER_ADDRESS": env_int("THROTTLE_LOGIN_PER_ADDRESS", 30),
        "THROTTLE_SHARE_CODE_PER_ACCOUNT": env_int("THROTTLE_SHARE_CODE_PER_ACCOUNT", 10),
        "THROTTLE_SHARE_CODE_PER_ADDRESS": env_int("THROTTLE_SHARE_CODE_PER_ADDRESS", 30),
        "THROTTLE_INVITATION_PER_ACCOUNT": env_int("THROTTLE_INVITATION_PER_ACCOUNT", 20),
        "THROTTLE_INVITATION_PER_ADDRESS": env_int("THROTTLE_INVITATION_PER_ADDRESS", 60),
        "THROTTLE_REGISTRATION_PER_EMAIL": env_int("THROTTLE_REGISTRATION_PER_EMAIL", 3),
        "THROTTLE_REGISTRATION_PER_ADDRESS": env_int("THROTTLE_REGISTRATION_PER_ADDRESS", 10),
        "THROTTLE_FIRST_DELAY_SECONDS": env_int("THROTTLE_FIRST_DELAY_SECONDS", 60),
        "THROTTLE_LONGEST_DELAY_SECONDS": env_int("THROTTLE_LONGEST_DELAY_SECONDS", 15 * 60),
        "THROTTLE_FORGET_AFTER_MINUTES": env_int("THROTTLE_FORGET_AFTER_MINUTES", 60),
        # Clinicians and administrators are logged out after this many idle minutes.
        "IDLE_TIMEOUT_MINUTES": int(os.environ.get("IDLE_TIMEOUT_MINUTES", "30")),
        # A patient's session ends this many days after its last use (docs/security.md).
        "SESSION_LIFETIME_DAYS": int(os.environ.get("SESSION_LIFETIME_DAYS", "30")),
        "PASSWORD_RESET_MAX_AGE": 3600,
        # An invited clinician's set-password link lasts longer than a reset link.
        "STAFF_INVITATION_MAX_AGE": 7 * 24 * 3600,
        "EMAIL_VERIFY_MAX_AGE": 7 * 24 * 3600,
        # The emailed link that finishes a registration (docs/security.md, Registration).
        "REGISTRATION_LINK_MAX_AGE": int(os.environ.get("REGISTRATION_LINK_MAX_AGE", str(24 * 3600))),
        "HISTORY_PAGE_SIZE": 30,
        # The largest request body accepted; a larger one answers 413 before it is read.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(1024 * 1024))),
        "WTF_CSRF_TIME_LIMIT": None,
    }
