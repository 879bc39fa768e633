"""Patient self-registration at /register."""

from __future__ import annotations

import html
import re
from zoneinfo import available_timezones

import pytest
import sqlalchemy as sa

from diary.extensions import db
from diary.models import ThrottleBucket, User
from tests.conftest import PASSWORD

VALID = {
    "email": "new@example.org",
    "password": PASSWORD,
    "password_repeat": PASSWORD,
    "display_name": "Nora",
    "timezone": "Europe/Berlin",
    "affected_side": "left",
    "symptoms_since_year": "2019",
}


def users(app) -> list[User]:
    """Every account in the database."""
    with app.app_context():
        return list(db.session.scalars(sa.select(User)))


def register(client, **changes):
    """Post the registration form with some fields changed (None leaves one out)."""
    environ = changes.pop("environ_base", {})
    data = {**VALID, **changes}
    return client.post("/register", data={k: v for k, v in data.items() if v is not None},
                       environ_base=environ)


def test_registration_page_has_the_labels_the_browser_tests_use(client):
    page = client.get("/register").get_data(as_text=True)
    for label in ("Email", "Password", "Repeat password", "Your name", "Time zone",
                  "Affected side", "Year the spasms began"):
        assert f">{label}</label>" in page
    assert ">Create account</button>" in page


def test_time_zone_select_lists_every_zone_sorted_with_utc_as_server_default(client):
    page = client.get("/register").get_data(as_text=True)
    select = page.split('<select', 2)[1].split("</select>")[0]
    assert 'data-default-timezone="UTC"' in select
    values = re.findall(r'<option (?:selected )?value="([^"]+)"', select)
    assert values == sorted(available_timezones() - {"localtime", "Factory"})
    assert '<option selected value="UTC">UTC</option>' in select
    assert 'value="America/New_York">America/New York</option>' in select


def test_registration_logs_in_at_once_and_mails_a_confirmation_link(app, client, mailbox):
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    (user,) = users(app)
    assert (user.email, user.display_name, user.timezone) == ("new@example.org", "Nora", "Europe/Berlin")
    assert (user.role, user.affected_side, user.symptoms_since_year) == ("patient", "left", 2019)
    assert user.email_verified_at is None
    assert client.get("/account").status_code == 200
    message = mailbox.last("new@example.org")
    assert message["Subject"] == "Confirm your email address"
    assert mailbox.link(message, "/verify/")


def test_registration_stores_the_email_in_lower_case_and_the_year_may_be_left_empty(app, client):
    assert register(client, email="  New@Example.ORG ", symptoms_since_year="").status_code == 302
    (user,) = users(app)
    assert user.email == "new@example.org"
    assert user.symptoms_since_year is None


def test_the_year_may_be_this_year_by_the_app_clock(app, client, clock):
    assert register(client, symptoms_since_year=str(clock().year)).status_code == 302


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": ""}, "email", "Enter your email address."),
        ({"email": "not-an-address"}, "email", "Enter an email address such as name@example.org."),
        ({"email": "a" * 250 + "@example.org"}, "email", "This email address is too long."),
        ({"password": "short", "password_repeat": "short"}, "password", "Use between 8 and 128 characters."),
        ({"password": "x" * 129, "password_repeat": "x" * 129}, "password", "Use between 8 and 128 characters."),
        ({"password_repeat": PASSWORD + "!"}, "password_repeat", "The two passwords are not the same."),
        ({"display_name": "   "}, "display_name", "Enter the name we should greet you with."),
        ({"display_name": "N" * 81}, "display_name", "Use at most 80 characters."),
        ({"display_name": "No\x00ra"}, "display_name", "Please use letters, digits and punctuation only."),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Choose a time zone from the list."),
        ({"timezone": "localtime"}, "timezone", "Choose a time zone from the list."),
        ({"affected_side": ""}, "affected_side", "Choose the side of your face with the spasms."),
        ({"affected_side": "top"}, "affected_side", "Choose the side of your face with the spasms."),
        ({"symptoms_since_year": "1899"}, "symptoms_since_year", "Enter a year between 1900 and 2026."),
        ({"symptoms_since_year": "2027"}, "symptoms_since_year", "Enter a year between 1900 and 2026."),
        ({"symptoms_since_year": "last year"}, "symptoms_since_year", "Enter a year as four digits, such as 2019."),
    ],
)
def test_each_invalid_field_is_explained_beside_it_and_nothing_is_created(
    app, client, changes, field, message
):
    response = register(client, **changes)
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    error_list = page.split(f'id="{field}-error"', 1)[1].split("</ul>", 1)[0]
    assert message in error_list
    assert users(app) == []
    # The other values are kept (passwords are never sent back).
    for name in ("email", "display_name", "symptoms_since_year"):
        if name != field and name not in changes:
            assert f'value="{VALID[name]}"' in page
    if field != "timezone":
        assert '<option selected value="Europe/Berlin">' in page
    if field != "affected_side":
        assert '<option selected value="left">' in page
    # The browser must not replace the zone the person chose with its own.
    assert 'data-user-chosen="true"' in page


def test_a_missing_field_is_an_error_not_a_crash(app, client):
    response = client.post("/register", data={"email": "new@example.org"})
    assert response.status_code == 200
    assert users(app) == []


def test_registering_a_taken_address_answers_neutrally_and_tells_the_owner(
    app, client, make_user, mailbox
):
    make_user("pat@example.org")
    response = register(client, email="PAT@example.org", display_name="Someone else")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Check your email" in page
    assert "already" not in page.lower()
    assert [u.display_name for u in users(app)] == ["Pat"]
    notice = mailbox.last("pat@example.org")
    assert notice["Subject"] == "Someone tried to create an account with your email address"
    assert "/verify/" not in mailbox.text(notice)
    # Not logged in as anyone.
    assert client.get("/account").status_code == 302


def test_every_registration_counts_for_its_email_and_its_address(app, client, make_user):
    make_user("pat@example.org")
    register(client, email="pat@example.org")
    register(app.test_client(), email="new@example.org")
    with app.app_context():
        counted = db.session.execute(sa.select(ThrottleBucket.scope, ThrottleBucket.attempts)).all()
    assert sorted(counted) == [("registration.address", 2), ("registration.email", 1),
                               ("registration.email", 1)]


def test_three_registrations_for_one_email_make_the_fourth_wait(app, make_user):
    make_user("pat@example.org")
    for n in range(3):
        register(app.test_client(), email="pat@example.org", environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})

    response = register(app.test_client(), email="pat@example.org")

    assert response.status_code == 429 and response.headers["Retry-After"] == "60"
    assert "Too many registrations were asked for" in response.get_data(as_text=True)
    assert register(app.test_client(), email="other@example.org").status_code == 302


def test_registration_from_a_throttled_address_answers_429_and_creates_nothing(app, client):
    app.config["THROTTLE_REGISTRATION_PER_ADDRESS"] = 2
    for n in range(2):
        register(app.test_client(), email=f"p{n}@example.org")
    response = register(client)
    assert response.status_code == 429
    assert sorted(user.email for user in users(app)) == ["p0@example.org", "p1@example.org"]


def test_a_logged_in_person_is_sent_home_from_the_registration_page(client, patient):
    assert client.get("/register").headers["Location"] == "/"
