"""Patient self-registration in two steps: /register mails a link, the link makes the account.

Step one asks only for the address and answers the same whoever has it (docs/security.md,
Registration); tests/test_auth_registration_answers.py compares those answers byte for byte
on a real SMTP server. Step two, /register/finish/<token>, creates the account confirmed and
logged in, once.
"""

from __future__ import annotations

import html
import re
import threading
from zoneinfo import available_timezones

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from diary.auth import services, tokens
from diary.auth.passwords import verify_password
from diary.extensions import db
from diary.models import ThrottleBucket, User, UserSession
from tests.conftest import PASSWORD

EMAIL = "new@example.org"
DETAILS = {
    "password": PASSWORD,
    "password_repeat": PASSWORD,
    "display_name": "Nora",
    "timezone": "Europe/Berlin",
    "affected_side": "left",
    "symptoms_since_year": "2019",
}
ALREADY = "already has an account"
UNUSABLE = "This link does not work"


def users(app) -> list[User]:
    """Every account in the database."""
    with app.app_context():
        return list(db.session.scalars(sa.select(User)))


def registration_link(client, mailbox, email: str = EMAIL) -> str:
    """Step one through the form; the path of the link mailed to the (normalised) address."""
    assert client.post("/register", data={"email": email}).status_code == 200
    return mailbox.link(mailbox.last(email.strip().lower()), "/register/finish/")


def finish(client, path: str, **changes):
    """Post the second step's form with some fields changed (None leaves one out)."""
    data = {**DETAILS, **changes}
    return client.post(path, data={k: v for k, v in data.items() if v is not None})


def register(client, mailbox, email: str = EMAIL, **changes):
    """Both steps, as a person does them: the address, then the mailed link's form."""
    return finish(client, registration_link(client, mailbox, email), **changes)


# Step one: the address -----------------------------------------------------------------


def test_the_first_step_asks_only_for_the_email_address(client):
    page = client.get("/register").get_data(as_text=True)
    assert re.findall(r">([^<]+)</label>", page) == ["Email"]
    assert 'type="password"' not in page
    assert ">Send the link</button>" in page


def test_a_new_address_is_mailed_a_link_to_finish_and_nothing_is_created_yet(app, client, mailbox):
    response = client.post("/register", data={"email": EMAIL})

    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    assert users(app) == []
    assert client.get("/account").status_code == 302  # nobody is logged in
    (message,) = mailbox.messages()
    assert (message["To"], message["Subject"]) == (EMAIL, "Finish creating your account")
    assert mailbox.link(message, "/register/finish/")
    assert "The link works for 1 day." in mailbox.text(message)


def test_a_taken_address_mails_its_owner_the_notice_and_creates_nothing(
    app, client, make_user, mailbox
):
    make_user("pat@example.org")

    response = client.post("/register", data={"email": "PAT@example.org"})

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Check your email" in page
    assert "already" not in page.lower()
    assert [u.display_name for u in users(app)] == ["Pat"]
    (notice,) = mailbox.messages()
    assert notice["To"] == "pat@example.org"
    assert notice["Subject"] == "Someone tried to create an account with your email address"
    text = mailbox.text(notice)
    assert "/register/finish/" not in text and "/verify/" not in text
    assert client.get("/account").status_code == 302


def test_a_deactivated_accounts_address_is_mailed_nothing(app, client, make_user, mailbox):
    clinician = make_user("dr@example.org", role="clinician")
    with app.app_context():
        db.session.get(User, clinician).active = False
        db.session.commit()

    response = client.post("/register", data={"email": "dr@example.org"})

    assert response.status_code == 200
    assert mailbox.messages() == []
    assert len(users(app)) == 1


@pytest.mark.parametrize("state", ["new", "taken", "deactivated"])
def test_the_first_step_sets_no_cookie_whoever_has_the_address(app, client, make_user, state):
    if state != "new":
        user_id = make_user(EMAIL, role="clinician")
    if state == "deactivated":
        with app.app_context():
            db.session.get(User, user_id).active = False
            db.session.commit()

    response = client.post("/register", data={"email": EMAIL})

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_the_first_step_hashes_no_password_for_a_new_or_a_taken_address(
    app, client, make_user, monkeypatch
):
    make_user("pat@example.org")
    hashed = []
    monkeypatch.setattr(services, "hash_password", lambda password: hashed.append(password))
    monkeypatch.setattr("diary.auth.passwords.PasswordHasher.hash", lambda *a: hashed.append(a))

    for email in (EMAIL, "pat@example.org"):
        assert client.post("/register", data={"email": email}).status_code == 200

    assert hashed == []


@pytest.mark.parametrize("email", [EMAIL, "pat@example.org"])
def test_every_first_step_counts_for_its_email_and_its_address_new_or_taken(
    app, client, make_user, email
):
    make_user("pat@example.org")
    client.post("/register", data={"email": email})
    with app.app_context():
        counted = db.session.execute(sa.select(ThrottleBucket.scope, ThrottleBucket.attempts)).all()
    assert sorted(counted) == [("registration.address", 1), ("registration.email", 1)]


@pytest.mark.parametrize("email", [EMAIL, "pat@example.org"])
def test_three_first_steps_for_one_email_make_the_fourth_wait_new_or_taken(
    app, make_user, mailbox, email
):
    make_user("pat@example.org")
    for n in range(3):
        app.test_client().post("/register", data={"email": email},
                               environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})

    response = app.test_client().post("/register", data={"email": email})

    assert response.status_code == 429 and response.headers["Retry-After"] == "60"
    assert "Too many registrations were asked for" in response.get_data(as_text=True)
    assert len(mailbox.messages()) == 3  # the refused one mailed nothing
    assert app.test_client().post("/register", data={"email": "other@example.org"}).status_code == 200


def test_registration_from_a_throttled_address_answers_429_and_mails_nothing(
    app, client, mailbox
):
    app.config["THROTTLE_REGISTRATION_PER_ADDRESS"] = 2
    for n in range(2):
        client.post("/register", data={"email": f"p{n}@example.org"})
    response = client.post("/register", data={"email": EMAIL})
    assert response.status_code == 429
    assert [message["To"] for message in mailbox.messages()] == ["p0@example.org", "p1@example.org"]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your email address."),
        ("not-an-address", "Enter an email address such as name@example.org."),
        ("a" * 250 + "@example.org", "This email address is too long."),
    ],
)
def test_an_invalid_address_is_explained_and_nothing_is_mailed(app, client, mailbox, email, message):
    response = client.post("/register", data={"email": email})
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert message in page.split('id="email-error"', 1)[1].split("</ul>", 1)[0]
    assert mailbox.messages() == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ThrottleBucket)) == 0


def test_a_logged_in_person_is_sent_home_from_the_registration_page(client, patient):
    assert client.get("/register").headers["Location"] == "/"


# Step two: the link --------------------------------------------------------------------


def test_the_link_asks_for_the_rest_with_the_labels_the_browser_tests_use(client, mailbox):
    page = client.get(registration_link(client, mailbox)).get_data(as_text=True)
    assert re.findall(r">([^<]+)</label>", page) == [
        "Password", "Repeat password", "Your name", "Surname", "Time zone", "Affected side",
        "Year the spasms began",
    ]
    assert f"<strong>{EMAIL}</strong>" in page
    assert ">Create account</button>" in page


def test_time_zone_select_lists_every_zone_sorted_with_utc_as_server_default(client, mailbox):
    page = client.get(registration_link(client, mailbox)).get_data(as_text=True)
    select = page.split('<select', 2)[1].split("</select>")[0]
    assert 'data-default-timezone="UTC"' in select
    values = re.findall(r'<option (?:selected )?value="([^"]+)"', select)
    assert values == sorted(available_timezones() - {"localtime", "Factory"})
    assert '<option selected value="UTC">UTC</option>' in select
    assert 'value="America/New_York">America/New York</option>' in select


def test_the_link_creates_a_confirmed_patient_and_logs_it_in(app, client, clock, mailbox):
    response = register(client, mailbox)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    (user,) = users(app)
    assert (user.email, user.display_name, user.timezone) == (EMAIL, "Nora", "Europe/Berlin")
    assert (user.role, user.affected_side, user.symptoms_since_year) == ("patient", "left", 2019)
    assert user.email_verified_at == clock()
    with app.app_context():
        assert verify_password(user.password_hash, PASSWORD)
        assert db.session.scalars(sa.select(UserSession.user_id)).all() == [user.id]
    page = client.get("/account").get_data(as_text=True)
    assert "Not confirmed yet" not in page
    # No confirmation mail follows: the link was the confirmation.
    assert [m["Subject"] for m in mailbox.messages()] == ["Finish creating your account"]


def test_the_email_is_stored_in_lower_case_and_the_year_may_be_left_empty(app, client, mailbox):
    response = register(client, mailbox, email="  New@Example.ORG ", symptoms_since_year="")
    assert response.status_code == 302
    (user,) = users(app)
    assert user.email == EMAIL
    assert user.symptoms_since_year is None


def test_the_year_may_be_this_year_by_the_app_clock(app, client, clock, mailbox):
    assert register(client, mailbox, symptoms_since_year=str(clock().year)).status_code == 302


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
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
    app, client, mailbox, changes, field, message
):
    response = register(client, mailbox, **changes)
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    error_list = page.split(f'id="{field}-error"', 1)[1].split("</ul>", 1)[0]
    assert message in error_list
    assert users(app) == []
    # The other values are kept (passwords are never sent back).
    for name in ("display_name", "symptoms_since_year"):
        if name != field and name not in changes:
            assert f'value="{DETAILS[name]}"' in page
    if field != "timezone":
        assert '<option selected value="Europe/Berlin">' in page
    if field != "affected_side":
        assert '<option selected value="left">' in page
    # The browser must not replace the zone the person chose with its own.
    assert 'data-user-chosen="true"' in page


def test_a_missing_field_is_an_error_not_a_crash(app, client, mailbox):
    response = client.post(registration_link(client, mailbox), data={"password": PASSWORD})
    assert response.status_code == 200
    assert users(app) == []


def test_a_used_link_says_the_address_has_an_account_and_changes_nothing(app, client, mailbox):
    path = registration_link(client, mailbox)
    assert finish(client, path).status_code == 302
    (before,) = users(app)
    other = app.test_client()

    shown = other.get(path)
    sent = finish(other, path, password="another password", password_repeat="another password",
                  display_name="Someone else")

    for response in (shown, sent):
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert ALREADY in page
        assert 'href="/login"' in page and 'href="/password/forgot"' in page
    (after,) = users(app)
    assert (after.id, after.password_hash, after.display_name) == (
        before.id, before.password_hash, "Nora")
    assert other.get("/account").status_code == 302  # the second browser is not logged in


def test_a_link_for_an_address_registered_another_way_makes_no_second_account(
    app, client, make_user, mailbox
):
    path = registration_link(client, mailbox)
    make_user(EMAIL, display_name="First")  # e.g. by the CLI, before the link was opened

    response = finish(client, path)

    assert response.status_code == 200 and ALREADY in response.get_data(as_text=True)
    assert [u.display_name for u in users(app)] == ["First"]


def test_two_tabs_finishing_at_once_make_one_account_and_no_error(app, mailbox):
    path = registration_link(app.test_client(), mailbox)
    tabs = [app.test_client(), app.test_client()]
    barrier = threading.Barrier(len(tabs))
    statuses: list[int] = [0] * len(tabs)
    errors: list[BaseException] = []

    def send(index: int) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                statuses[index] = finish(tabs[index], path, display_name=f"Tab {index}").status_code
        except BaseException as error:  # reported in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(tabs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors, errors
    assert sorted(statuses) == [200, 302]
    assert len(users(app)) == 1


def test_when_the_unique_address_decides_the_race_the_loser_gets_the_friendly_page(
    app, client, make_user, mailbox, monkeypatch
):
    """Both tabs passed every check before either wrote; the database's constraint decides."""
    path = registration_link(client, mailbox)
    make_user(EMAIL, display_name="Winner")
    real = services.find_user_by_email
    calls = []

    def sees_nothing_at_first(email):
        calls.append(email)
        # The page's check and create_user's check both ran before the winner's commit.
        return None if len(calls) <= 2 else real(email)

    monkeypatch.setattr(services, "find_user_by_email", sees_nothing_at_first)

    response = finish(client, path, display_name="Loser")

    assert len(calls) == 3  # the third look, after the refused insert, found the winner
    assert response.status_code == 200 and ALREADY in response.get_data(as_text=True)
    assert [u.display_name for u in users(app)] == ["Winner"]


def test_the_link_works_until_its_age_limit_and_not_a_second_after(app, client, clock, mailbox):
    path = registration_link(client, mailbox)
    max_age = app.config["REGISTRATION_LINK_MAX_AGE"]
    assert max_age == 24 * 3600

    clock.advance(seconds=max_age)
    assert "Finish creating your account" in client.get(path).get_data(as_text=True)
    clock.advance(seconds=1)
    shown, sent = client.get(path), finish(client, path)

    for response in (shown, sent):
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert UNUSABLE in page and "Links work for 1 day" in page
        assert 'href="/register"' in page
    assert users(app) == []


def test_a_forged_link_is_refused_with_an_offer_to_start_again(app, client, make_user):
    user_id = make_user("pat@example.org", verified=False)
    with app.test_request_context():
        key = db.session.get(User, user_id).token_key
        verify_token = tokens.issue(tokens.VERIFY_EMAIL, key=key, email=EMAIL)
        reset_token = tokens.issue(tokens.RESET_PASSWORD, key=key, email=EMAIL)
        without_email = tokens.issue(tokens.REGISTER, address=EMAIL)
        not_a_text = tokens.issue(tokens.REGISTER, email=["new@example.org"])
    signed_with_another_key = URLSafeSerializer("other key", salt="diary.auth.register").dumps(
        {"email": EMAIL, "iat": 1773144000}
    )
    for token in ("forged", verify_token, reset_token, without_email, not_a_text,
                  signed_with_another_key, "y" * 3000):
        for response in (client.get(f"/register/finish/{token}"),
                         finish(client, f"/register/finish/{token}")):
            assert response.status_code == 200
            assert UNUSABLE in response.get_data(as_text=True)
    assert [u.email for u in users(app)] == ["pat@example.org"]


def test_a_logged_in_person_following_a_link_is_sent_home(app, client, patient, mailbox):
    path = registration_link(app.test_client(), mailbox)
    assert client.get(path).headers["Location"] == "/"
    assert finish(client, path).headers["Location"] == "/"
    assert len(users(app)) == 1
