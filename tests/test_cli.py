"""`flask users create`: accounts from the command line."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from diary import cli
from diary.auth.passwords import verify_password
from diary.extensions import db
from diary.models import Clinic, ClinicMembership, User
from tests.conftest import PASSWORD


def account(app, email: str) -> User | None:
    """The stored account, detached."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def clinics_of(app, user_id: int) -> list[str]:
    """The names of the clinics the account belongs to."""
    with app.app_context():
        return list(db.session.scalars(
            sa.select(Clinic.name).join(ClinicMembership).where(ClinicMembership.user_id == user_id)
        ))


def create(runner, *args: str, password: str | None = PASSWORD):
    """Run `users create` with the password on standard input (a pipe)."""
    return runner.invoke(args=["users", "create", *args],
                         input=None if password is None else password + "\n")


def test_a_patient_is_created_with_the_password_from_standard_input(app, runner):
    result = create(runner, "Pat@Example.org", "--role", "patient", "--tz", "Europe/Berlin", "--name", "Pat")
    assert result.exit_code == 0, result.output
    user = account(app, "pat@example.org")
    assert (user.role, user.timezone, user.display_name) == ("patient", "Europe/Berlin", "Pat")
    with app.app_context():
        assert verify_password(user.password_hash, PASSWORD)
    assert "Created patient account pat@example.org" in result.output
    assert "Europe/Berlin" in result.output


def test_only_the_first_line_of_standard_input_is_the_password(app, runner):
    result = runner.invoke(args=["users", "create", "a@example.org", "--role", "admin"],
                           input=PASSWORD + "\nsomething else\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert verify_password(account(app, "a@example.org").password_hash, PASSWORD)


def test_a_clinician_joins_the_named_clinic_creating_it_when_new(app, runner):
    assert create(runner, "dr1@example.org", "--role", "clinician", "--clinic", "North").exit_code == 0
    result = create(runner, "dr2@example.org", "--role", "clinician", "--clinic", "North")
    assert result.exit_code == 0, result.output
    assert "Member of clinic 'North'." in result.output
    assert clinics_of(app, account(app, "dr2@example.org").id) == ["North"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Clinic)) == 1


def test_a_clinician_without_a_clinic_gets_one_of_their_own(app, runner):
    result = create(runner, "solo@example.org", "--role", "clinician", "--name", "Dr Solo")
    assert result.exit_code == 0, result.output
    assert clinics_of(app, account(app, "solo@example.org").id) == ["Clinic of Dr Solo"]


def test_the_name_defaults_to_the_part_before_the_at(app, runner):
    create(runner, "admin.person@example.org", "--role", "admin")
    assert account(app, "admin.person@example.org").display_name == "admin.person"


def test_at_a_terminal_the_password_is_asked_twice_and_hidden(app, runner, monkeypatch):
    monkeypatch.setattr(cli, "stdin_is_terminal", lambda: True)
    result = runner.invoke(args=["users", "create", "t@example.org", "--role", "patient"],
                           input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Password:" in result.output and "Repeat password:" in result.output
    assert PASSWORD not in result.output
    assert account(app, "t@example.org") is not None


def test_at_a_terminal_a_mismatched_repeat_creates_nothing(app, runner, monkeypatch):
    monkeypatch.setattr(cli, "stdin_is_terminal", lambda: True)
    result = runner.invoke(args=["users", "create", "t@example.org", "--role", "patient"],
                           input=f"{PASSWORD}\nsomething else\n")
    assert result.exit_code != 0
    assert account(app, "t@example.org") is None


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["x@example.org", "--role", "surgeon"], PASSWORD, "'surgeon' is not one of"),
        (["x@example.org"], PASSWORD, "Missing option '--role'"),
        (["x@example.org", "--role", "patient", "--tz", "Mars/Base"], PASSWORD, "unknown time zone 'Mars/Base'"),
        (["not-an-email", "--role", "patient"], PASSWORD, "Invalid value for EMAIL"),
        (["x@example.org", "--role", "patient", "--clinic", "North"], PASSWORD, "only clinicians belong to a clinic"),
        (["x@example.org", "--role", "clinician", "--clinic", "C" * 121], PASSWORD, "use 1 to 120"),
        (["x@example.org", "--role", "patient", "--name", "N" * 81], PASSWORD, "use 1 to 80"),
        (["x@example.org", "--role", "patient"], "short", "Use between 8 and 128 characters."),
        (["x@example.org", "--role", "patient"], None, "No password on standard input"),
    ],
)
def test_bad_input_is_a_clear_error_without_traceback(app, runner, args, password, message):
    result = create(runner, *args, password=password)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert account(app, "x@example.org") is None


def test_an_existing_email_is_refused(app, runner, make_user):
    make_user("pat@example.org")
    result = create(runner, "PAT@example.org", "--role", "admin")
    assert result.exit_code == 1
    assert "An account with this email already exists." in result.output


@pytest.mark.parametrize("role", ["clinician", "admin"])
def test_a_staff_account_is_told_the_second_factor_comes_at_the_first_login(app, runner, role):
    result = create(runner, "staff@example.org", "--role", role)
    assert result.exit_code == 0, result.output
    assert "second factor (TOTP) is enrolled at the first login" in result.output
    user = account(app, "staff@example.org")
    assert (user.totp_secret, user.totp_enrolled_at) == (None, None)


def test_a_patient_is_not_told_about_a_second_factor(app, runner):
    result = create(runner, "pat@example.org", "--role", "patient")
    assert "second factor" not in result.output
