"""Flask CLI commands: `flask --app wsgi users create ...`, `members break-glass ...`,
`demo-data`, `scheduler`, `backup`."""

from __future__ import annotations

import secrets
import sys

import click
import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from diary import audit, memberships
from diary.auth import rules, second_factor
from diary.auth.services import AccountError, create_user, normalise_email
from diary.clock import utcnow
from diary.extensions import db
from diary.models import Clinic, ClinicMembership, Role
from diary.names import has_invisible_characters
from diary.records.backup import backup_command
from diary.reminders.delivery.scheduler import scheduler_command
from diary.simulator import demo

users = AppGroup("users", help="Manage accounts.")
members = AppGroup("members", help="Clinic memberships.")


def stdin_is_terminal() -> bool:
    """Whether a person is typing (prompt) or a pipe is feeding the password."""
    return sys.stdin.isatty()


def read_password() -> str:
    """A hidden prompt with confirmation, or the first line of standard input when piped."""
    if stdin_is_terminal():
        return click.prompt(
            "Password", hide_input=True, confirmation_prompt="Repeat password"
        )
    line = sys.stdin.readline()
    if not line:
        raise click.ClickException("No password on standard input (expected one line).")
    return line.rstrip("\r\n")


def check_email(email: str) -> str:
    """The address as stored, or a usage error."""
    if len(email) > rules.EMAIL_MAX_LENGTH:
        raise click.BadParameter("this email address is too long.", param_hint="EMAIL")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    return normalise_email(email)


def check_time_zone(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """An IANA zone name such as Europe/Berlin."""
    if not rules.is_time_zone(value):
        raise click.BadParameter(
            f"unknown time zone {value!r}; use an IANA name such as Europe/Berlin or UTC."
        )
    return value


def check_name(value: str, max_length: int, option: str) -> str:
    """A stripped name of 1..max_length printable characters (the table's CHECK)."""
    value = value.strip()
    if not 1 <= len(value) <= max_length or has_invisible_characters(value):
        raise click.BadParameter(f"use 1 to {max_length} printable characters.", param_hint=option)
    return value


@users.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(rules.ROLES), help="What the account is for.")
@click.option("--clinic", help="Clinicians only: the clinic to join (created when new).")
@click.option("--tz", "time_zone", default=rules.DEFAULT_TIME_ZONE, show_default=True,
              callback=check_time_zone, help="IANA time zone, e.g. Europe/Berlin.")
@click.option("--name", "display_name", help="Display name (default: the part before the @).")
def create_command(email: str, role: str, clinic: str | None, time_zone: str,
                   display_name: str | None) -> None:
    """Create an account; the password is asked for, or read from standard input."""
    email = check_email(email)
    default_name = email.partition("@")[0][: rules.DISPLAY_NAME_MAX_LENGTH]
    display_name = check_name(display_name or default_name, rules.DISPLAY_NAME_MAX_LENGTH, "--name")
    if clinic is not None:
        if role != Role.CLINICIAN:
            raise click.BadParameter("only clinicians belong to a clinic.", param_hint="--clinic")
        clinic = check_name(clinic, rules.CLINIC_NAME_MAX_LENGTH, "--clinic")
    password = read_password()
    problem = rules.password_problem(password)
    if problem:
        raise click.ClickException(f"Password refused: {problem}")
    try:
        user = create_user(email=email, password=password, role=role, display_name=display_name,
                           timezone=time_zone, clinic_name=clinic)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {role} account {user.email} (id {user.id}, name {user.display_name!r}, "
               f"time zone {user.timezone}).")
    clinic_rows = db.session.execute(
        sa.select(Clinic.name, ClinicMembership.confirmed_at).join(ClinicMembership)
        .where(ClinicMembership.user_id == user.id)
    ).all()
    for name, confirmed_at in clinic_rows:
        click.echo(f"Member of clinic {name!r}.")
        if confirmed_at is None:
            click.echo("The membership waits for a confirmed member of the clinic to confirm it "
                       "on the clinic's Members page; until then the account sees none of its "
                       "patients.")
    click.echo("The email address is not confirmed yet: a confirmation link can be sent from "
               "the account page after logging in.")
    if role in (Role.CLINICIAN, Role.ADMIN):
        click.echo("The second factor (TOTP) is enrolled at the first login: after the password, "
                   "the app shows a QR code for an authenticator app and ten recovery codes.")


@members.command("break-glass")
@click.argument("clinic")
@click.argument("email")
@click.option("--reason", required=True,
              help=f"Why nobody in the clinic can confirm, and who decided ("
                   f"{memberships.REASON_MIN_LENGTH}-{memberships.REASON_MAX_LENGTH} characters; "
                   "kept in the audit trail).")
def break_glass_command(clinic: str, email: str, reason: str) -> None:
    """Confirm a pending membership of a clinic whose last confirmed clinician is gone.

    Refused while the clinic has an active confirmed clinician: a colleague confirms then.
    """
    try:
        decision, user = memberships.break_glass(clinic.strip(), check_email(email), reason)
    except memberships.BreakGlassRefused as refused:
        raise click.ClickException(str(refused)) from None
    if decision.outcome is memberships.Outcome.GONE:
        raise click.ClickException(f"The membership of {user.email} was decided a moment ago; "
                                   "nothing was done.")
    click.echo(f"Confirmed {user.email} ({decision.display_name!r}) as a member of "
               f"{decision.clinic_name!r} without a colleague (break glass).")
    click.echo(f"Audited as {audit.MEMBER_BREAK_GLASS!r} with the reason: "
               f"{reason.strip()}")
    click.echo(f"{decision.patients_told} patient(s) sharing with the clinic were told in "
               "their inbox.")


@click.command("demo-data")
@click.option("--force", is_flag=True,
              help="Add the demo clinic to a database that holds other accounts; earlier demo "
                   "accounts and the demo clinic are replaced, other accounts are kept.")
@with_appcontext
def demo_data_command(force: bool) -> None:
    """Create a demo clinic: one clinician, six patients with realistic diaries for the tour,
    and a cohort of simulated patients for the cohort view."""
    if not sa.inspect(db.engine).has_table("users"):
        raise click.ClickException("The database has no tables yet: run `.venv/bin/flask --app wsgi db upgrade` (or `make migrate`).")
    others, earlier = demo.existing_accounts()
    if (others or earlier) and not force:
        raise click.ClickException(
            f"The database already holds {others + earlier} account(s). demo-data fills an empty "
            "database; use --force to add the demo clinic anyway (earlier demo accounts are "
            "replaced, other accounts are kept)."
        )
    if earlier:
        demo.remove_earlier_demo()
        click.echo(f"Replaced {earlier} earlier demo account(s) and the earlier demo clinic.")
    # One password for every demo account, made up now and shown once: nothing stores it.
    password = secrets.token_urlsafe(12)
    built = demo.build_demo(utcnow(), password, cohort_size=demo.DEMO_COHORT_SIZE)
    totp_secret = demo.enrol_demo_clinician()
    click.echo(f"Created {built.clinic.clinic_name!r}: 1 clinician and "
               f"{len(built.patients) + len(built.cohort)} patients who share their diaries "
               f"with the clinic: {len(built.patients)} for the tour (below) and "
               f"{len(built.cohort)} more with simulated courses, so that the cohort view "
               f"(/clinic/cohort) has enough patients for estimates (their addresses end in "
               f"@{demo.DEMO_COHORT_DOMAIN}).")
    click.echo("")
    click.echo("Log in at /login with any of these accounts:")
    width = max(len(e) for e in demo.DEMO_EMAILS)
    click.echo(f"  clinician  {demo.DEMO_CLINICIAN.email:<{width}}  {demo.DEMO_CLINICIAN.display_name}")
    for _, patient in built.patients:
        click.echo(f"  patient    {patient.person.email:<{width}}  {patient.person.display_name} "
                   f"({patient.person.timezone}): {patient.story}")
    click.echo("")
    click.echo(f"Password of every demo account (shown only now): {password}")
    click.echo("")
    click.echo("The clinician logs in with a second factor (TOTP) too. Add this secret to an "
               "authenticator app (time-based, 6 digits, 30 seconds), or open the URI on a phone:")
    click.echo(f"  TOTP secret: {totp_secret}")
    click.echo(f"  {second_factor.provisioning_uri(totp_secret, demo.DEMO_CLINICIAN.email)}")


def register_cli(app: Flask) -> None:
    """Attach the project's commands to the app."""
    app.cli.add_command(users)
    app.cli.add_command(members)
    app.cli.add_command(demo_data_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(backup_command)
