"""Which language a person is spoken to in: the account's choice, else the browser's, else
English; the scheduler's mail in the patient's own (docs/wording.md, Languages).

The words of a second language come with its catalogue; dates and numbers come from Babel's
CLDR data, so these tests offer German and read its dates.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from diary import i18n
from diary.extensions import db
from diary.models import User
from tests.conftest import PASSWORD
from tests.reminders_support import dispatch, save_reminder

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
DAY = date(2026, 3, 10)


@pytest.fixture
def app_config(sink) -> dict:
    """German offered beside English; mail through a real SMTP server."""
    return {"OFFERED_LOCALES": ("en_GB", "de_DE"), "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": sink.port}


def locale_of(app, user_id: int) -> str | None:
    with app.app_context():
        return db.session.scalar(sa.select(User.locale).where(User.id == user_id))


def set_locale(app, user_id: int, locale: str | None) -> None:
    with app.app_context():
        db.session.get(User, user_id).locale = locale
        db.session.commit()


def test_the_browser_language_chooses_for_a_visitor(app):
    with app.test_request_context("/", headers=GERMAN):
        assert i18n.long_date(DAY) == "Dienstag, 10. März 2026"
        assert i18n.html_lang() == "de-DE"
    with app.test_request_context("/", headers={"Accept-Language": "en-US,en;q=0.8"}):
        assert i18n.long_date(DAY) == "Tuesday, 10 March 2026"
    with app.test_request_context("/", headers={"Accept-Language": "fr-FR"}):
        assert i18n.long_date(DAY) == "Tuesday, 10 March 2026"  # not offered: English


def test_a_regional_variant_takes_the_offered_language(app):
    with app.test_request_context("/", headers={"Accept-Language": "de-AT"}):
        assert i18n.browser_locale() == "de_DE"
    with app.test_request_context("/", headers={"Accept-Language": "fr-FR, de;q=0.7"}):
        assert i18n.browser_locale() == "de_DE"
        assert i18n.browser_first_choice() is None


def test_the_page_declares_its_language(client):
    assert '<html lang="de-DE">' in client.get("/login", headers=GERMAN).get_data(as_text=True)
    assert '<html lang="en-GB">' in client.get("/login").get_data(as_text=True)


def test_the_accounts_choice_wins_over_the_browser(app, client, make_user, auth):
    patient = make_user("pat@example.org")
    set_locale(app, patient, "en_GB")
    auth.login()
    page = client.get("/", headers=GERMAN).get_data(as_text=True)
    assert '<html lang="en-GB">' in page
    set_locale(app, patient, "de_DE")
    assert '<html lang="de-DE">' in client.get("/").get_data(as_text=True)


def test_a_login_stores_the_browsers_language_once(app, client, make_user):
    patient = make_user("pat@example.org")
    set_locale(app, patient, None)  # an account from before languages were stored
    client.post("/login", data={"email": "pat@example.org", "password": PASSWORD},
                headers=GERMAN)
    assert locale_of(app, patient) == "de_DE"
    client.post("/logout")
    client.post("/login", data={"email": "pat@example.org", "password": PASSWORD},
                headers={"Accept-Language": "en-GB"})
    assert locale_of(app, patient) == "de_DE"  # a choice, once stored, is the account's


@pytest.mark.parametrize("app_config", [{"OFFERED_LOCALES": ("en_GB",)}])
def test_a_language_not_offered_yet_is_not_stored(app, client, make_user):
    """Storing English, the browser's second language, would keep a German reader in English
    once German is offered."""
    patient = make_user("pat@example.org")
    set_locale(app, patient, None)
    client.post("/login", data={"email": "pat@example.org", "password": PASSWORD},
                headers=GERMAN)
    assert locale_of(app, patient) is None


def test_outside_a_request_the_default_applies_and_nothing_fails(app):
    with app.app_context():
        assert i18n.select_locale() == "en_GB"
        assert i18n.long_date(DAY) == "Tuesday, 10 March 2026"


def test_speaking_to_a_person_needs_an_application_context(app):
    class Reader:
        locale = "de_DE"

    with app.app_context(), i18n.speaking_to(Reader()):
        assert i18n.long_date(DAY) == "Dienstag, 10. März 2026"
    with pytest.raises(RuntimeError, match="application context"):
        with i18n.speaking_to(Reader()):
            pass


def test_the_scheduler_mails_each_patient_in_their_language(app, make_user, sink, clock):
    from diary.reminders import services

    german = make_user("greta@example.org", display_name="Greta")
    english = make_user("ann@example.org", display_name="Ann")
    set_locale(app, german, "de_DE")
    set_locale(app, english, "en_GB")
    now = clock()
    for patient in (german, english):
        save_reminder(app, patient, "follow_up", now, enabled=True)
        with app.app_context():
            user = db.session.get(User, patient)
            services.add_visit(user, services.VisitValues(date(2026, 3, 12), 9 * 60, "Ambulanz"))

    moment = now
    while moment < now + timedelta(days=3):
        dispatch(app, moment)
        moment += timedelta(hours=1)

    subjects = {m["To"]: m["Subject"] for m in sink.received if "appointment" in m["Subject"]}
    assert "Donnerstag, 12. März 2026" in subjects["greta@example.org"]
    assert "Thursday, 12 March 2026" in subjects["ann@example.org"]


def test_a_visitor_switches_the_language_and_keeps_it_at_login(app, client, make_user):
    patient = make_user("pat@example.org")
    set_locale(app, patient, None)
    answer = client.post("/language", data={"locale": "de_DE", "next": "/login"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/login"
    assert '<html lang="de-DE">' in client.get("/login").get_data(as_text=True)

    client.post("/login", data={"email": "pat@example.org", "password": PASSWORD},
                headers={"Accept-Language": "en-GB"})
    assert locale_of(app, patient) == "de_DE"  # the switch, not the browser


def test_an_account_switch_follows_the_account(app, client, make_user, auth):
    patient = make_user("pat@example.org")
    set_locale(app, patient, "en_GB")
    auth.login()
    client.post("/language", data={"locale": "de_DE", "next": "/"})
    assert locale_of(app, patient) == "de_DE"


@pytest.mark.parametrize("form", [
    {"locale": "fr_FR"}, {"locale": ""}, {}, {"locale": "de_DE" * 1000},
])
def test_a_language_not_offered_is_refused_and_nothing_changes(app, client, make_user, auth, form):
    patient = make_user("pat@example.org")
    set_locale(app, patient, "en_GB")
    auth.login()
    assert client.post("/language", data=form).status_code == 400
    assert locale_of(app, patient) == "en_GB"


def test_the_switch_never_redirects_off_the_site(client):
    answer = client.post("/language", data={"locale": "en_GB", "next": "//evil.example/"})
    assert answer.headers["Location"] == "/"


@pytest.mark.parametrize("path", ["/login", "/register"])
def test_a_visitor_finds_the_language_switch_when_german_is_offered(client, path):
    """One button per language, named in its own language, posting to /language with the
    page to come back to; a plain form, so it works without JavaScript."""
    page = client.get(path, headers=GERMAN).get_data(as_text=True)
    switch = page[page.index('action="/language"'):]
    switch = switch[:switch.index("</form>")]
    assert 'name="csrf_token"' in switch and f'name="next" value="{path}"' in switch
    assert 'value="de_DE" lang="de-DE" aria-current="true">Deutsch (Deutschland)</button>' in switch
    assert 'value="en_GB" lang="en-GB">English (United Kingdom)</button>' in switch


@pytest.mark.parametrize("app_config", [{}])
@pytest.mark.parametrize("path", ["/login", "/register"])
def test_with_one_language_there_is_no_switch(client, path):
    assert 'action="/language"' not in client.get(path).get_data(as_text=True)
