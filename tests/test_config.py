"""The settings module: every setting from the environment when it is set, else its default,
parsed to its type; and `setting()` reads only settings that exist."""

from __future__ import annotations

import pytest

from diary import config
from diary.config import SETTINGS, from_environment, setting


@pytest.fixture
def clean_environment(monkeypatch):
    for variable in config.ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_without_the_environment_every_setting_has_its_default(clean_environment, tmp_path):
    values = from_environment(tmp_path)
    assert set(values) == {s.key for s in SETTINGS}
    assert values["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'diary.sqlite3'}"
    assert values["MAIL_PORT"] == 25 and values["MAIL_TIMEOUT"] == 20
    assert values["IDLE_TIMEOUT_MINUTES"] == 30 and values["SESSION_LIFETIME_DAYS"] == 30
    assert values["MAIL_SERVER"] is None and values["SESSION_COOKIE_SECURE"] is False
    assert values["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    assert len(values["SECRET_KEY"]) == 64 and (tmp_path / "secret_key").read_text() == values["SECRET_KEY"]


def test_the_environment_sets_a_setting_parsed_to_its_type(clean_environment, tmp_path):
    clean_environment.setenv("DATABASE_URL", "postgresql://db.example/diary")
    clean_environment.setenv("MAIL_TIMEOUT", "7")
    clean_environment.setenv("SESSION_COOKIE_SECURE", "yes")
    clean_environment.setenv("PUBLIC_BASE_URL", "https://diary.example/")
    clean_environment.setenv("MAIL_SERVER", "")
    values = from_environment(tmp_path)
    assert values["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db.example/diary"
    assert values["MAIL_TIMEOUT"] == 7
    assert values["SESSION_COOKIE_SECURE"] is True and values["REMEMBER_COOKIE_SECURE"] is True
    assert values["PUBLIC_BASE_URL"] == "https://diary.example"
    assert values["MAIL_SERVER"] is None  # empty means unset


def test_each_setting_is_declared_once():
    keys = [s.key for s in SETTINGS]
    assert len(keys) == len(set(keys))


def test_an_unknown_setting_is_an_error_not_a_silent_default(app):
    with app.app_context():
        assert setting("IDLE_TIMEOUT_MINUTES") == app.config["IDLE_TIMEOUT_MINUTES"]
        with pytest.raises(KeyError, match="IDLE_TIMEOUT_MINUTE is not a setting"):
            setting("IDLE_TIMEOUT_MINUTE")
