"""Nothing on the account, sharing, records, error and inbox pages, nor in their mail, is left
hard-coded in English (docs/wording.md, Strings).

The proof is a pseudo-translation: every msgid the sources hold now, extracted as
`make translations` does, is compiled into a catalogue for a locale no clinic uses
(Esperanto, "eo"), where each translation is the msgid inside ⟦…⟧. Flask-Babel's own machinery
loads it (BABEL_TRANSLATION_DIRECTORIES, OFFERED_LOCALES); a page asked for in that locale
must show every sentence inside the marks. What is left outside them may only be what is
never translated: names, addresses, numbers, codes, dates (in <time>), language names.
"""

from __future__ import annotations

import html
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from diary.extensions import db
from diary.models import User
from tests.journal_helpers import login_as
from tests.pseudo_locale import (
    CLOSE,
    OPEN,
    PSEUDO,
    PSEUDO_HEADERS,
    mark,
    pseudo_config,
    write_catalogues,
)
from tests.reminders_support import dispatch, save_reminder
from tests.sharing_support import new_code
from tests.staff_support import enrol

# Words a page may show outside the marks: the accounts' and clinics' names made below, the
# product's name and the language switch's names of languages, each in its own language.
NAMES = {"Pat", "Nora", "Sam", "North", "Clinic", "Spasm", "Diary", "Esperanto", "English",
         "United", "Kingdom", "UTC"}


@pytest.fixture(scope="session")
def pseudo_translations(tmp_path_factory) -> Path:
    """eo/LC_MESSAGES/messages.mo in a temporary folder: every msgid marked."""
    return write_catalogues(tmp_path_factory.mktemp("pseudo") / "translations")


@pytest.fixture
def app_config(pseudo_translations) -> dict:
    """The pseudo-locale offered beside English, its catalogue read by Flask-Babel."""
    return pseudo_config(pseudo_translations)


def _unmarked(text: str) -> str:
    """The text with every marked span taken out, innermost first (a sentence may hold a
    marked word, such as a reminder's kind)."""
    pattern = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
    while True:
        shorter = pattern.sub(" ", text)
        if shorter == text:
            return text
        text = shorter


def _leftover_words(text: str, allowed: set[str]) -> list[str]:
    """Words outside the marks that are not names, addresses, numbers or codes."""
    text = _unmarked(text)
    text = re.sub(r"\S+@\S+", " ", text)  # email addresses
    text = re.sub(r"https?://\S+", " ", text)  # links in mail
    words = re.findall(r"[^\W\d_]{2,}", text)
    return [word for word in words if word not in NAMES | allowed]


def unmarked_on_page(page: str, allowed: set[str] = frozenset()) -> list[str]:
    """The words of the page's own content (<main>) and title, and of the attributes a person
    reads there, that no translation went through."""
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    main = re.search(r"<main\b.*?</main>", page, re.S).group(0)
    main = re.sub(r"<(script|style|code|time)\b.*?</\1>", " ", main, flags=re.S)
    main = re.sub(r'<select[^>]*\bid="timezone".*?</select>', " ", main, flags=re.S)  # zone names
    main = re.sub(r'<p class="share-code"[^>]*>[^<]*</p>', " ", main)  # the code itself
    readable = re.findall(r'\b(?:title|aria-label|alt|placeholder)="([^"]*)"', main)
    text = re.sub(r"<[^>]+>", " ", main)
    # The switch names each language in its own language (docs/wording.md, Languages).
    text = html.unescape(" ".join([title.replace("· Spasm Diary", ""), text, *readable]))
    return _leftover_words(text, set(allowed))


def get(client, path: str, status: int = 200) -> str:
    response = client.get(path, headers=PSEUDO_HEADERS)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def set_locale(app, user_id: int, locale: str | None) -> None:
    with app.app_context():
        db.session.get(User, user_id).locale = locale
        db.session.commit()


def test_the_pseudo_catalogue_is_read(client):
    assert mark("Log in") in get(client, "/login")
    assert "⟦" not in client.get("/login").get_data(as_text=True)  # English stays English


@pytest.mark.parametrize("path", ["/login", "/register", "/password/forgot",
                                  "/resend-verification", "/register/finish/not-a-token",
                                  "/no-such-page"])
def test_a_visitors_pages_are_all_translated(client, path):
    status = 404 if path == "/no-such-page" else 200
    assert unmarked_on_page(get(client, path, status)) == []


def test_a_visitors_answers_are_translated(client, make_user):
    make_user("pat@example.org")
    for form in ({"email": "new@example.org"}, {"email": "pat@example.org"}):
        answer = client.post("/register", data=form, headers=PSEUDO_HEADERS)
        assert unmarked_on_page(answer.get_data(as_text=True)) == []
    client.post("/password/forgot", data={"email": "pat@example.org"}, headers=PSEUDO_HEADERS)
    assert unmarked_on_page(get(client, "/login")) == []  # the flash
    wrong = client.post("/login", data={"email": "pat@example.org", "password": "wrong"},
                        headers=PSEUDO_HEADERS)
    assert unmarked_on_page(wrong.get_data(as_text=True)) == []
    empty = client.post("/register", data={"email": ""}, headers=PSEUDO_HEADERS)
    assert unmarked_on_page(empty.get_data(as_text=True)) == []  # the validator's message


def test_the_account_mail_is_translated(client, make_user, mailbox):
    make_user("pat@example.org", verified=False)
    client.post("/register", data={"email": "new@example.org"}, headers=PSEUDO_HEADERS)
    client.post("/register", data={"email": "pat@example.org"}, headers=PSEUDO_HEADERS)
    client.post("/resend-verification", data={"email": "pat@example.org"},
                headers=PSEUDO_HEADERS)
    messages = mailbox.messages()
    assert len(messages) >= 3
    for message in messages:
        assert _leftover_words(message["Subject"], set()) == [], message["Subject"]
        assert _leftover_words(mailbox.text(message), set()) == [], mailbox.text(message)


def test_the_pages_behind_the_mailed_links_are_translated(client, make_user, mailbox):
    make_user("pat@example.org")
    client.post("/register", data={"email": "new@example.org"}, headers=PSEUDO_HEADERS)
    finish = mailbox.link(mailbox.last("new@example.org"), "/register/finish/")
    assert unmarked_on_page(get(client, finish)) == []
    short = client.post(finish, data={"password": "short", "password_repeat": "other"},
                        headers=PSEUDO_HEADERS)
    assert unmarked_on_page(short.get_data(as_text=True)) == []  # the validators' messages

    client.post("/password/forgot", data={"email": "pat@example.org"}, headers=PSEUDO_HEADERS)
    reset = mailbox.link(mailbox.last("pat@example.org"), "/reset/")
    client.get(reset)
    assert unmarked_on_page(get(client, "/password/new")) == []


def test_a_patients_pages_are_all_translated(app, client, make_user, clock):
    patient = make_user("pat@example.org", family_name="Doe")
    clinician = make_user("nora@example.org", role="clinician", display_name="Nora",
                          clinic="North Clinic")
    set_locale(app, patient, PSEUDO)
    _, code = new_code(app, patient)
    with app.test_request_context():
        from diary.sharing import services
        services.redeem_code(db.session.get(User, clinician),
                             _clinic_of(clinician), code, "198.51.100.20")
    login_as(client, patient)
    allowed = {"Doe"}
    for path in ["/account", "/account/delete", "/sharing", "/sharing/access-log", "/export",
                 "/inbox"]:
        assert unmarked_on_page(get(client, path), allowed) == [], path
    link_id = re.search(r'/sharing/clinics/(\d+)/stop', get(client, "/sharing")).group(1)
    assert unmarked_on_page(get(client, f"/sharing/clinics/{link_id}/stop"), allowed) == []
    made = client.post("/sharing/codes", data={"birth_date": "1956-04-02"},
                       headers=PSEUDO_HEADERS)
    assert unmarked_on_page(made.get_data(as_text=True), allowed) == []
    saved = client.post("/account/profile", data={"display_name": "", "timezone": "Nowhere"},
                        headers=PSEUDO_HEADERS)
    assert unmarked_on_page(saved.get_data(as_text=True), allowed) == []  # validators


def _clinic_of(user_id: int) -> int:
    from diary.models import ClinicMembership
    return db.session.scalar(
        db.select(ClinicMembership.clinic_id).where(ClinicMembership.user_id == user_id))


def test_the_reminders_mail_inbox_and_unsubscribe_pages_are_translated(app, client, make_user,
                                                                       clock, mailbox):
    from diary.models import Reminder
    from diary.reminders import services
    from diary.reminders.delivery.notices import unsubscribe_token

    patient = make_user("pat@example.org")
    set_locale(app, patient, PSEUDO)
    now = clock()
    save_reminder(app, patient, "follow_up", now, enabled=True, in_app=True)
    with app.app_context():
        user = db.session.get(User, patient)
        services.add_visit(user, services.VisitValues(date(2026, 3, 12), 9 * 60, "Ambulanz"))
        token = unsubscribe_token(db.session.scalar(
            db.select(Reminder).where(Reminder.patient_id == patient,
                                      Reminder.kind == "follow_up")))
    moment = now
    while moment < now + timedelta(days=3):
        dispatch(app, moment)
        moment += timedelta(hours=1)
    reminders = [m for m in mailbox.messages() if "List-Unsubscribe" in m]
    assert reminders, "no reminder was mailed"
    for message in reminders:
        # The visit's place is the patient's own words; the date is the day in words.
        allowed = {"Ambulanz", *re.findall(r"[^\W\d_]{2,}", _day_words(app))}
        assert _leftover_words(message["Subject"], allowed) == [], message["Subject"]
        assert _leftover_words(mailbox.text(message), allowed) == [], mailbox.text(message)

    assert unmarked_on_page(get(client, f"/unsubscribe/{token}")) == []
    invalid = client.get("/unsubscribe/not-a-token", headers=PSEUDO_HEADERS)
    assert unmarked_on_page(invalid.get_data(as_text=True)) == []
    login_as(client, patient)
    inbox = get(client, "/inbox")
    assert "message-" in inbox
    assert unmarked_on_page(inbox, {"Ambulanz"}) == []


def _day_words(app) -> str:
    from diary import i18n
    with app.test_request_context("/", headers=PSEUDO_HEADERS):
        return i18n.long_date(date(2026, 3, 12))


def test_a_clinicians_second_factor_pages_are_translated(client, make_user):
    clinician = make_user("nora@example.org", role="clinician", display_name="Nora",
                          clinic="North Clinic")
    login_as(client, clinician, second_factor=False)
    page = get(client, "/login/second-factor/setup")
    assert unmarked_on_page(page) == []
    enrol(client.application, clinician)
    assert unmarked_on_page(get(client, "/login/code")) == []


def test_the_language_switch_shows_when_languages_are_offered(client):
    for path in ("/login", "/register"):
        page = get(client, path)
        assert 'action="/language"' in page
        assert '>Esperanto</button>' in page and '>English (United Kingdom)</button>' in page
        assert 'name="csrf_token"' in page and f'name="next" value="{path}"' in page
    answer = client.post("/language", data={"locale": PSEUDO, "next": "/register"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/register"
    assert mark("Create an account") in client.get("/register").get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{}])
def test_the_language_switch_hides_with_one_language(client):
    for path in ("/login", "/register"):
        assert 'action="/language"' not in client.get(path).get_data(as_text=True)

