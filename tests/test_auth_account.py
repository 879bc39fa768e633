"""The account page: personal details, all or nothing, and never a 500 for bad input."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diary.extensions import db
from diary.models import User
from tests.journal_helpers import login_as

DETAILS = {
    "display_name": "Patricia",
    "timezone": "America/New_York",
    "affected_side": "right",
    "symptoms_since_year": "2015",
}


def account_of(app, user_id: int) -> User:
    """The account as stored."""
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def test_account_page_shows_address_status_details_and_password_form(client, patient):
    page = client.get("/account").get_data(as_text=True)
    assert "pat@example.org" in page
    assert "Confirmed" in page
    assert '<option selected value="Europe/Berlin">' in page
    for label in ("Your name", "Time zone", "Affected side", "Year the spasms began",
                  "Current password", "New password", "Repeat new password"):
        assert f">{label}</label>" in page
    # The zone is the person's own choice here: the browser must not replace it.
    assert "data-default-timezone" not in page


def test_details_are_saved(app, client, patient):
    response = client.post("/account/profile", data=DETAILS)
    assert response.headers["Location"] == "/account"
    user = account_of(app, patient)
    assert (user.display_name, user.timezone, user.affected_side, user.symptoms_since_year) == (
        "Patricia", "America/New_York", "right", 2015
    )
    assert "Your details are saved." in client.get("/account").get_data(as_text=True)


def test_the_onset_year_can_be_cleared(app, client, patient):
    client.post("/account/profile", data=DETAILS)
    client.post("/account/profile", data={**DETAILS, "symptoms_since_year": ""})
    assert account_of(app, patient).symptoms_since_year is None


def test_one_wrong_field_saves_nothing_and_keeps_the_other_values(app, client, patient):
    response = client.post("/account/profile", data={**DETAILS, "symptoms_since_year": "3000"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Enter a year between 1900 and 2026." in page.split('id="symptoms_since_year-error"')[1]
    assert 'value="Patricia"' in page
    assert '<option selected value="America/New_York">' in page
    assert '<option selected value="right">' in page
    user = account_of(app, patient)
    assert (user.display_name, user.timezone) == ("Pat", "Europe/Berlin")


def test_a_clinician_has_no_patient_fields(app, client, make_user, auth):
    user_id = make_user("dr@example.org", role="clinician")
    login_as(client, user_id)  # the staff login itself: tests/test_auth_second_factor.py
    page = client.get("/account").get_data(as_text=True)
    assert "Affected side" not in page
    response = client.post("/account/profile", data={"display_name": "Dr Who", "timezone": "UTC",
                                                      "affected_side": "left"})
    assert response.status_code == 302
    user = account_of(app, user_id)
    assert (user.display_name, user.timezone, user.affected_side) == ("Dr Who", "UTC", None)


def test_the_account_page_needs_login(client):
    assert client.get("/account").status_code == 302
    assert client.post("/account/profile", data=DETAILS).status_code == 302


text = st.text(max_size=300)
fields = st.fixed_dictionaries(
    {},
    optional={
        "display_name": text,
        "timezone": st.one_of(text, st.sampled_from(["UTC", "Europe/Berlin"])),
        "affected_side": st.one_of(text, st.sampled_from(["left", "right", "both"])),
        "symptoms_since_year": st.one_of(text, st.integers().map(str)),
        "current_password": text,
        "password": text,
        "password_repeat": text,
        "email": text,
    },
)
FUZZ = settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(data=fields)
def test_fuzzed_account_forms_never_answer_500(client, patient, data):
    for path in ("/account/profile", "/account/password"):
        assert client.post(path, data=data).status_code in (200, 302, 429)


@FUZZ
@given(data=fields)
def test_fuzzed_public_forms_never_answer_500(app, data):
    client = app.test_client()
    for path in ("/register", "/login", "/password/forgot", "/resend-verification"):
        assert client.post(path, data=data).status_code in (200, 302, 429)
