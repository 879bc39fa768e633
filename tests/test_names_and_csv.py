"""Names show only what they hold, and no CSV cell runs as a formula.

A bidirectional override (U+202E) shows the text after it backwards, so "Anna\u202egnirT"
reads "AnnaTring" in a clinic's list: one patient can pass for another. Other format
characters hide text. Every
name field refuses them, except the joiners that Persian, Indic scripts and emoji need.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from diary.extensions import db
from diary.models import Clinic, User
from diary.records.csv_tables import cell
from tests.conftest import PASSWORD
from tests.journal_helpers import TODAY, check_in, login_as
from tests.test_auth_registration import registration_link
from tests.test_progress_pages import read_csv

REFUSED = "Please use letters, digits and punctuation only."
# A right-to-left override, a left-to-right isolate, a zero-width space, a soft hyphen, a BOM.
HIDDEN = ["Anna\u202egnirT", "Ben\u2066", "Car\u200bla", "Do\u00adra", "\ufeffEva"]
# Zero-width non-joiner (Persian), zero-width joiner (an emoji sequence).
SHOWN = ["Mehr\u200cdad", "Dr \U0001f469\u200d\u2695\ufe0f"]


@pytest.mark.parametrize("name", HIDDEN)
def test_registration_refuses_a_name_with_hidden_characters(client, mailbox, name):
    response = client.post(registration_link(client, mailbox), data={
        "password": PASSWORD, "password_repeat": PASSWORD,
        "display_name": name, "timezone": "Europe/Berlin", "affected_side": "left"})

    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)


@pytest.mark.parametrize("name", SHOWN)
def test_the_joiners_a_script_needs_are_kept(app, client, patient, name):
    response = client.post("/account/profile", data={"display_name": name, "timezone": "Europe/Berlin",
                                                     "affected_side": "left"})

    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, patient).display_name == name


@pytest.mark.parametrize("name", HIDDEN)
def test_the_account_page_refuses_a_name_with_hidden_characters(app, client, patient, name):
    response = client.post("/account/profile", data={"display_name": name, "timezone": "Europe/Berlin",
                                                     "affected_side": "left"})

    assert REFUSED in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, patient).display_name == "Pat"


@pytest.mark.parametrize("name", HIDDEN)
def test_an_administrator_cannot_name_a_clinic_with_hidden_characters(
        app, make_user, name):
    client = app.test_client()
    login_as(client, make_user("admin@example.org", role="admin"))

    clinic = client.post("/admin/clinics/new", data={"name": f"North {name}"})

    assert REFUSED in clinic.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Clinic)) == 0


@pytest.mark.parametrize("field", ["product_other", "injector"])
def test_treatment_names_refuse_hidden_characters(client, patient, field):
    form = {"injected_on": TODAY.isoformat(), "product": "other", "product_other": "Letybo",
            "total_units": "20", field: "Let\u202eybo"}

    response = client.post("/treatments/injections/new", data=form)

    assert response.status_code == 422 and REFUSED in response.get_data(as_text=True)


def test_the_command_line_refuses_a_name_with_hidden_characters(runner):
    result = runner.invoke(args=["users", "create", "dr@example.org", "--role", "clinician",
                                 "--clinic", "North\u202e clinic"], input=PASSWORD + "\n")

    assert result.exit_code != 0 and "printable characters" in result.output


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20"])
def test_csv_defuses_formulas_in_ascii_and_full_width(app, client, patient, prefix):
    check_in(app, patient, TODAY, 2, note=f"{prefix}HYPERLINK(\"http://x\")")

    rows = read_csv(client, "check_ins")

    assert rows[1][10] == f"'{prefix}HYPERLINK(\"http://x\")"
    assert cell("\uff21bc") == "\uff21bc"  # other full-width text stays as it is
