"""Every form of the accounts and the diary, fuzzed: never a 5xx, a refusal saves nothing, and a
valid form saves exactly the row it describes (docs/quality-bars.md, Reliability).

Each example starts from a database holding one fresh account (emptied and refilled, or kept
when the example before proved it changed nothing), so examples never see each other's rows. How many examples run comes from the Hypothesis profile in conftest.py
(500 per form, 200 under CI). The treatment forms have their own tests/test_treatments_fuzz.py;
the trajectory's query strings are fuzzed here beside the diary's.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from diary.auth import rules, tokens
from diary.auth.passwords import verify_password
from diary.extensions import db
from diary.journal import services, wording
from diary.journal.forms import CONFIRM_YEARS_BACK, years_before
from diary.models import CheckIn, SpasmEpisode, User
from tests.conftest import DEFAULT_NOW, PASSWORD, clear_database
from tests.journal_helpers import TODAY, check_in, login_as, spasm_now
from tests.route_matrix import row_counts

FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

EMAIL = "pat@example.org"
ZONE = "Europe/Berlin"
NOW_HERE = DEFAULT_NOW.astimezone(ZoneInfo(ZONE))  # 13:00 on TODAY in the patient's zone
EARLIEST = date(1900, 1, 1)

# Values at and beyond every limit of the forms, and what browsers and people send by mistake.
EDGES = [
    "", " ", "\x00", "a\x00b", "\t", "\r\n", "-1", "0", "1", "7", " 7 ", "+5", "1.5", "1e3",
    "2000", "2001", "3600", "3601", "2147483647", "2147483648", "9223372036854775808",
    "9" * 400, "NaN", "inf", "0x10", "٣", "1_000", "0001-01-01", "9999-12-31", "10000-01-01",
    "2026-02-30", "2026-02-29", "2024-02-29", "2026-13-01", "1899-12-31", "1900-01-01",
    "2026-03-10", "2026-03-11", "2026-03-10T10:00", "10/03/2026", "00:00", "13:00", "23:59",
    "24:00", "10:00:60", "x" * 5000, "é" * 300, "\U0001f642" * 90, "\u202e", "<script>",
    "' OR 1=1 --", "left", "both", "eye", "on", "None", "null", "[]",
    # Numbers past the decimal context and ids past every integer column.
    "1e999999999", "-1e999999999", "9e999999", "1e-999999999", "2147483648" + "0" * 30,
]
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
# A file sent where text is expected (multipart `note=@file`): the test client uploads a
# (file, name) pair; the form reads the field as missing (see first()).
uploaded = st.builds(lambda text: (io.BytesIO(text.encode()), "field.txt"),
                     st.one_of(st.sampled_from(EDGES), any_text))
typed = st.one_of(
    st.sampled_from(EDGES),
    any_text,
    st.integers(-3, 4000).map(str),
    st.integers().map(str),
    st.dates().map(date.isoformat),
    st.times().map(time.isoformat),
    uploaded,
)


def sent(values: st.SearchStrategy[str]) -> st.SearchStrategy[str | list[str]]:
    """One value for a field, mostly; sometimes several (a list for a single field), or none."""
    return st.one_of(values, values, st.lists(values, max_size=3))


def noisy(*fields: str, **likely: list[str]) -> st.SearchStrategy[dict]:
    """A form with any of the fields, each holding plausible values, edges or noise."""
    return st.fixed_dictionaries(
        {},
        optional={
            name: sent(st.one_of(st.sampled_from(likely[name]), typed) if name in likely else typed)
            for name in (*fields, *likely)
        },
    )


def valid_or_noisy(valid: st.SearchStrategy, noise: st.SearchStrategy) -> st.SearchStrategy:
    """(form, expected) from the valid strategy, or (form, None) from the noisy one."""
    return st.one_of(valid, noise.map(lambda form: (form, None)))


def is_upload(value) -> bool:
    """Whether a generated value is a file (a form never reads it as text)."""
    return isinstance(value, tuple)


def first(form: dict, name: str) -> str | None:
    """The value a single-value field reads: the first text sent (files are not text)."""
    value = form.get(name)
    values = value if isinstance(value, list) else [value]
    texts = [v for v in values if v is not None and not is_upload(v)]
    return texts[0] if texts else None


# Rows every diary write recomputes beside the entry (docs/decisions.md, Per-patient summary): a save
# may add the patient's one summary row; a refusal must leave it as it was, like every table.
DERIVED_TABLES = frozenset({"patient_summaries"})


def changes(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Row counts that moved, by table."""
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}


def entries(moved: dict[str, int]) -> dict[str, int]:
    """The moved counts of the tables a form writes itself (summaries aside)."""
    return {name: n for name, n in moved.items() if name not in DERIVED_TABLES}


def location(response) -> str:
    """A redirect's target."""
    return response.headers.get("Location", "")


class Sandbox:
    """One app whose database is emptied and refilled with a fresh account for every example.

    Emptying costs more than most requests, so an example that has checked that it changed
    nothing says so (untouched()), and the next one asking for the same account (and the same
    variant of what the test then sets up, idempotently) starts from the same database.
    """

    def __init__(self, app, make_user) -> None:
        self.app = app
        self.make_user = make_user
        self.outbox = Path(app.config["MAIL_OUTBOX"])
        self.user_id: int | None = None
        self._account: str | None = None
        self._reusable_for: str | None = None

    def fresh(self, *, signed_in: bool = True, variant: object = None, **account):
        """A new client (logged in unless told) on a database holding only the account."""
        self._account = repr((sorted(account.items()), variant))
        if self._reusable_for != self._account:
            with self.app.app_context():
                clear_database()
            self.user_id = self.make_user(EMAIL, timezone=ZONE, **account)
        self._reusable_for = None
        client = self.app.test_client()
        if signed_in:
            login_as(client, self.user_id)
        return client, self.user_id

    def untouched(self) -> None:
        """The example checked that it changed nothing: the next may reuse the database."""
        self._reusable_for = self._account

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return row_counts(self.app)

    def user(self, user_id: int) -> User:
        """The account as stored."""
        return self.row(User, user_id)

    def row(self, model, row_id: int):
        """One row, detached for reading."""
        with self.app.app_context():
            found = db.session.get(model, row_id)
            db.session.expunge_all()
            return found

    def newest(self, model):
        """The row of a model with the highest id."""
        with self.app.app_context():
            found = db.session.scalar(sa.select(model).order_by(model.id.desc()).limit(1))
            db.session.expunge_all()
            return found

    def opens(self, user: User, password: str | None) -> bool:
        """Whether the password opens the account as stored."""
        with self.app.app_context():
            return password is not None and verify_password(user.password_hash, password)

    def mails(self) -> int:
        """How many messages the app has written to its outbox so far."""
        return len(list(self.outbox.glob("*.eml"))) if self.outbox.exists() else 0


@pytest.fixture
def sandbox(app, make_user) -> Sandbox:
    """The per-example database reset for this test's app."""
    return Sandbox(app, make_user)


def account_values(user: User) -> tuple:
    """What the account forms change."""
    return (user.email, user.password_hash, user.display_name, user.timezone,
            user.affected_side, user.symptoms_since_year, user.token_key)


# Account values ---------------------------------------------------------------------------

# Well-formed addresses as people type them: any case, stray spaces around.
emails = st.builds(
    lambda local, domain, case, pad: f"{pad}{case(local + '@' + domain)}{pad}",
    st.from_regex(r"[a-z0-9]{1,20}(\+[a-z0-9]{1,8})?", fullmatch=True),
    st.sampled_from(["example.org", "example.com", "hospital.example.org", "mail.de"]),
    st.sampled_from([str.lower, str.upper, str.title]),
    st.sampled_from(["", " ", "  "]),
)
passwords = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), min_size=8, max_size=40),
    st.integers(rules.PASSWORD_MAX_LENGTH - 2, rules.PASSWORD_MAX_LENGTH).map(lambda n: "p" * n),
    st.just("12345678"),
).filter(lambda p: p.strip())
# Names a person may have: any visible text, and the joiners a script needs (format
# characters otherwise are refused, see diary/web/forms.py).
names = st.one_of(
    st.text(st.characters(exclude_categories=("Cs", "Cc", "Cf")), min_size=1, max_size=30),
    st.just("N" * rules.DISPLAY_NAME_MAX_LENGTH),
    st.just("  Zoë Ñúñez-O'Brien 李  "),
    st.just("Mehr\u200cdad"),
).filter(lambda n: n.strip())
zones = st.sampled_from(rules.time_zones())
sides = st.sampled_from(rules.SIDES)
years = st.one_of(st.none(), st.integers(rules.EARLIEST_SYMPTOM_YEAR, TODAY.year))
ACCOUNT_LIKELY = {
    "email": ["pat@example.org", "PAT@Example.org", "new@example.org", "a@b", "@example.org"],
    "password": [PASSWORD, "short", "        ", "p" * 128, "p" * 129],
    "password_repeat": [PASSWORD, "p" * 128],
    "current_password": [PASSWORD, "wrong password"],
    "display_name": ["Nora", "N" * 80, "N" * 81, "a\tb", "  "],
    "timezone": ["Europe/Berlin", "UTC", "localtime", "Factory", "Mars/Olympus"],
    "affected_side": ["left", "right", "both", "", "up"],
    "symptoms_since_year": ["2019", "1899", "1900", "2026", "2027", "2100", ""],
}


def account_form(*fields: str) -> st.SearchStrategy[dict]:
    """A noisy account form."""
    return noisy(**{name: ACCOUNT_LIKELY[name] for name in fields})


@st.composite
def valid_details(draw) -> tuple[dict, dict]:
    """Personal details the account forms accept, and what is stored."""
    name, zone, side, year = draw(names), draw(zones), draw(sides), draw(years)
    form = {"display_name": name, "timezone": zone, "affected_side": side,
            "symptoms_since_year": "" if year is None else str(year)}
    return form, {"display_name": name.strip(), "timezone": zone, "affected_side": side,
                  "symptoms_since_year": year}


def new_password_pair(password: str) -> dict:
    """A new password, repeated."""
    return {"password": password, "password_repeat": password}


# Registration, login and the email-only forms --------------------------------------------


@st.composite
def valid_registrations(draw) -> tuple[dict, dict]:
    """The second step's form as it is accepted, and what is stored."""
    details, stored = draw(valid_details())
    password = draw(passwords)
    return {**details, **new_password_pair(password)}, {**stored, "password": password}


@FUZZ
@given(form=st.one_of(
    st.builds(lambda email: {"email": email}, st.one_of(emails, st.sampled_from([EMAIL, " PAT@example.org"]))),
    account_form("email"),
))
def test_fuzzed_first_step_of_registration_answers_alike_and_only_mails(sandbox, form):
    client, _ = sandbox.fresh(signed_in=False)
    before, mails = sandbox.counts(), sandbox.mails()

    response = client.post("/register", data=form)

    moved = changes(before, sandbox.counts())
    assert response.status_code == 200, response.status_code
    assert "Set-Cookie" not in response.headers
    if "Check your email" in response.get_data(as_text=True):
        # Taken or not, the attempt counts for the email and the address and one message
        # goes out: the notice to the owner, or the link to a new address. No account, no
        # session.
        assert moved == {"throttle_buckets": 2}
        assert sandbox.mails() - mails == 1
    else:
        # The form again, with its errors.
        assert moved == {} and sandbox.mails() == mails
        sandbox.untouched()


@FUZZ
@given(
    case=valid_or_noisy(valid_registrations(), account_form(
        "password", "password_repeat", "display_name", "timezone", "affected_side",
        "symptoms_since_year")),
    email=st.one_of(emails, st.just(EMAIL)),
)
def test_fuzzed_second_step_of_registration_creates_one_confirmed_account_or_none(
    sandbox, case, email
):
    form, expected = case
    client, _ = sandbox.fresh(signed_in=False)
    address = email.strip().lower()
    with sandbox.app.app_context():
        token = tokens.issue(tokens.REGISTER, email=address)
    before = sandbox.counts()

    response = client.post(f"/register/finish/{token}", data=form)

    moved = changes(before, sandbox.counts())
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        # The new patient's daily diary reminder comes with the account, planned.
        assert location(response) == "/"
        assert moved == {"users": 1, "reminders": 1, "reminder_deliveries": 1, "user_sessions": 1}
        user = sandbox.newest(User)
        assert user.email == address != EMAIL
        assert (user.role, user.email_verified_at) == ("patient", DEFAULT_NOW)
        if expected:
            assert account_values(user)[2:6] == (
                expected["display_name"], expected["timezone"], expected["affected_side"],
                expected["symptoms_since_year"],
            )
            assert sandbox.opens(user, expected["password"])
    else:
        # The form again, or (for the existing account's address) "already has an account".
        assert moved == {}
        sandbox.untouched()
    if expected:
        assert response.status_code == (200 if address == EMAIL else 302)


# The account's address as people type it, or another one; its password, or near misses.
LOGINS = st.fixed_dictionaries({
    "email": st.builds(
        lambda email, pad: f"{pad}{email}{pad}",
        st.sampled_from([EMAIL, EMAIL.upper(), "Pat@Example.Org", "someone@example.org"]),
        st.sampled_from(["", " ", "\t"]),
    ),
    "password": st.one_of(
        st.just(PASSWORD), st.sampled_from([f" {PASSWORD}", PASSWORD.upper(), "x" * 129, ""]),
        passwords,
    ),
})


@FUZZ
@given(form=st.one_of(LOGINS, account_form("email", "password")))
def test_fuzzed_login_opens_the_account_only_for_its_credentials(sandbox, form):
    client, _ = sandbox.fresh(signed_in=False)
    before = sandbox.counts()
    right = (first(form, "email") or "").strip().lower() == EMAIL and first(form, "password") == PASSWORD

    response = client.post("/login", data=form)

    moved = changes(before, sandbox.counts())
    assert response.status_code == (302 if right else 200), response.status_code
    # The right credentials open one session; a refused form writes nothing; a wrong password
    # counts for the account, the address and the two together.
    if right:
        assert moved == {"user_sessions": 1}
    else:
        assert moved in ({}, {"throttle_buckets": 3})
    if not (right or moved):
        sandbox.untouched()


@pytest.mark.parametrize(
    ("url", "mails_the_owner"),
    [("/password/forgot", True), ("/resend-verification", False)],  # the address is confirmed
)
@FUZZ
@given(form=st.one_of(emails.map(lambda e: {"email": e}), account_form("email")))
def test_fuzzed_email_forms_save_nothing_and_mail_only_the_owner(sandbox, url, mails_the_owner, form):
    client, _ = sandbox.fresh(signed_in=False)
    before, mails = sandbox.counts(), sandbox.mails()

    response = client.post(url, data=form)

    assert response.status_code in (200, 302), response.status_code
    assert sandbox.counts() == before
    owner = (first(form, "email") or "").strip().lower() == EMAIL
    assert sandbox.mails() - mails == (1 if owner and mails_the_owner and response.status_code == 302 else 0)
    sandbox.untouched()


@FUZZ
@given(case=valid_or_noisy(
    passwords.map(lambda p: (new_password_pair(p), p)), account_form("password", "password_repeat")
))
def test_fuzzed_new_password_after_a_reset_link(sandbox, case):
    form, password = case
    client, user_id = sandbox.fresh(signed_in=False)
    with sandbox.app.app_context():
        token = tokens.issue(tokens.RESET_PASSWORD, key=sandbox.user(user_id).token_key)
    assert client.get(f"/reset/{token}").status_code == 302
    before, stored = sandbox.counts(), account_values(sandbox.user(user_id))

    response = client.post("/password/new", data=form)

    user = sandbox.user(user_id)
    moved = changes(before, sandbox.counts())
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        # Logged in: one session, on this browser; the link's key is replaced (single use).
        assert location(response) == "/" and moved == {"user_sessions": 1}
        assert user.token_key != stored[-1]
        assert sandbox.opens(user, first(form, "password"))
    else:
        assert not moved and account_values(user) == stored
        sandbox.untouched()
    if password is not None:
        assert response.status_code == 302


# The account page -------------------------------------------------------------------------


@FUZZ
@given(case=valid_or_noisy(valid_details(), account_form(
    "display_name", "timezone", "affected_side", "symptoms_since_year")))
def test_fuzzed_profile_is_saved_whole_or_not_at_all(sandbox, case):
    form, expected = case
    client, user_id = sandbox.fresh(affected_side="left", symptoms_since_year=2019)
    before, stored = sandbox.counts(), account_values(sandbox.user(user_id))

    response = client.post("/account/profile", data=form)

    values = account_values(sandbox.user(user_id))
    assert sandbox.counts() == before
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert values == stored
        sandbox.untouched()
    else:
        assert location(response) == "/account"
        assert values[:2] == stored[:2] and values[-1] == stored[-1]
        assert 1 <= len(values[2]) <= rules.DISPLAY_NAME_MAX_LENGTH
        assert rules.is_time_zone(values[3]) and values[4] in rules.SIDES
    if expected:
        assert response.status_code == 302
        assert values[2:6] == (expected["display_name"], expected["timezone"],
                               expected["affected_side"], expected["symptoms_since_year"])


@FUZZ
@given(case=valid_or_noisy(
    passwords.map(lambda p: ({"current_password": PASSWORD, **new_password_pair(p)}, p)),
    account_form("current_password", "password", "password_repeat"),
))
def test_fuzzed_password_change_needs_the_current_password(sandbox, case):
    form, password = case
    client, user_id = sandbox.fresh()
    before, stored = sandbox.counts(), account_values(sandbox.user(user_id))

    response = client.post("/account/password", data=form)

    moved = changes(before, sandbox.counts())
    user = sandbox.user(user_id)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        # Every session of the account ended and this browser got a new one; the emailed
        # links' key was replaced.
        assert location(response) == "/account" and set(moved) <= {"user_sessions"}
        assert sandbox.counts()["user_sessions"] == 1
        assert first(form, "current_password") == PASSWORD and user.token_key != stored[-1]
        assert sandbox.opens(user, first(form, "password"))
    else:
        assert account_values(user) == stored
        assert moved in ({}, {"throttle_buckets": 3})
        assert not moved or first(form, "current_password") != PASSWORD
        if not moved:
            sandbox.untouched()
    if password is not None:
        assert response.status_code == 302


@FUZZ
@given(verified=st.booleans(), form=noisy("csrf_token", "email", "next"))
def test_fuzzed_account_resend_mails_only_an_unconfirmed_address(sandbox, verified, form):
    client, _ = sandbox.fresh(verified=verified)
    before, mails = sandbox.counts(), sandbox.mails()

    response = client.post("/account/resend-verification", data=form)

    assert (response.status_code, location(response)) == (302, "/account")
    assert sandbox.counts() == before
    assert sandbox.mails() - mails == (0 if verified else 1)
    sandbox.untouched()


# The daily check-in -----------------------------------------------------------------------

DIARY_LIKELY = {
    "day": ["2026-03-10", "2026-03-09", "2026-02-24", "2026-02-23", "2026-03-11", "1900-01-01"],
    "spasm_count": ["0", "3", "2000", "2001", "-1"],
    "typical_duration_seconds": ["", *map(str, wording.DURATION_CHOICES), "0", "4"],
    "jrs_severity": ["", "0", "4", "5"],
    "jrs_frequency": ["", "0", "4", "-1"],
    "regions": [*wording.REGIONS, "ear"],
    "side": ["", *wording.SIDES, "up"],
    "spasm_type": ["", *wording.SPASM_TYPES, "x"],
    "triggers": [*wording.TRIGGERS, "moon"],
    "trigger_other": ["t" * 200, "t" * 201, " \x00 "],
    "note": ["n" * 2000, "n" * 2001, "line\r\nline", "\x00"],
}


def cleaned(text: str) -> str | None:
    """Free text as stored: NUL dropped, Windows line ends made plain, trimmed, empty is None."""
    return text.replace("\x00", "").replace("\r\n", "\n").strip() or None


def free_text(limit: int) -> st.SearchStrategy[str]:
    """Free text within a limit once cleaned, the limit itself included."""
    return st.one_of(
        st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
        st.just("w" * limit), st.just(f"  {'w' * limit}\x00 "),
    )


def chosen(options: dict) -> st.SearchStrategy[list[str]]:
    """Ticked boxes, possibly twice and out of order."""
    return st.lists(st.sampled_from(list(options)), max_size=len(options) + 2)


@st.composite
def valid_check_ins(draw) -> tuple[dict, dict]:
    """A check-in the form accepts, and the row it must leave."""
    day = draw(st.dates(EARLIEST, TODAY))
    values = {
        "spasm_count": draw(st.integers(0, 2000)),
        "typical_duration_seconds": draw(st.sampled_from([None, *wording.DURATION_CHOICES])),
        "jrs_severity": draw(st.sampled_from([None, *wording.JRS_SEVERITY])),
        "jrs_frequency": draw(st.sampled_from([None, *wording.JRS_FREQUENCY])),
        "side": draw(st.sampled_from([None, *wording.SIDES])),
        "spasm_type": draw(st.sampled_from([None, *wording.SPASM_TYPES])),
    }
    regions, triggers = draw(chosen(wording.REGIONS)), draw(chosen(wording.TRIGGERS))
    trigger_other, note = draw(free_text(200)), draw(free_text(2000))
    form = {name: "" if value is None else str(value) for name, value in values.items()}
    form.update(day=day.isoformat(), regions=regions, triggers=triggers,
                trigger_other=trigger_other, note=note)
    if day < years_before(TODAY, CONFIRM_YEARS_BACK):
        form["confirm_day"] = "y"  # a day that long ago is saved once confirmed (docs/journal.md)
    expected = {
        **values,
        "day": day,
        "regions": [r for r in wording.REGIONS if r in regions],
        "triggers": [t for t in wording.TRIGGERS if t in triggers],
        "trigger_other": cleaned(trigger_other),
        "note": cleaned(note),
    }
    return form, expected


@FUZZ
@given(case=valid_or_noisy(valid_check_ins(), noisy(**DIARY_LIKELY)))
def test_fuzzed_check_in_saves_exactly_one_row_or_nothing(sandbox, case):
    form, expected = case
    client, user_id = sandbox.fresh(affected_side="both")  # so the form asks for the side too
    before = sandbox.counts()

    response = client.post("/checkin", data=form)

    moved = changes(before, sandbox.counts())
    assert response.status_code in (302, 422), response.status_code
    if response.status_code == 422:
        assert moved == {}
        sandbox.untouched()
    else:
        assert location(response) == "/" and entries(moved) == {"check_ins": 1}
        row = sandbox.newest(CheckIn)
        assert row.patient_id == user_id and EARLIEST <= row.day <= TODAY
    if expected:
        assert response.status_code == 302
        assert {name: getattr(row, name) for name in expected} == expected


TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")


@FUZZ
@given(token=st.one_of(
    sent(st.from_regex(TOKEN_PATTERN, fullmatch=True)),
    sent(st.sampled_from(["abcdefg", "a" * 64, "a" * 65, "a-valid-token\n", "tap tap tap"])),
    sent(typed),
    st.none(),
))
def test_fuzzed_spasm_now_logs_one_spasm_for_a_well_formed_token(sandbox, token):
    client, user_id = sandbox.fresh()
    before = sandbox.counts()
    form = {} if token is None else {"client_token": token}
    well_formed = TOKEN_PATTERN.fullmatch(first(form, "client_token") or "") is not None

    response = client.post("/episodes", data=form)

    moved = changes(before, sandbox.counts())
    assert response.status_code == 302
    if well_formed:
        episode = sandbox.newest(SpasmEpisode)
        assert entries(moved) == {"spasm_episodes": 1}
        assert (episode.patient_id, episode.client_token) == (user_id, first(form, "client_token"))
        assert location(response) == f"/episodes/{episode.id}"
    else:
        assert (location(response), moved) == ("/", {})
        sandbox.untouched()


# Correcting a spasm ------------------------------------------------------------------------

SECONDS_LIKELY = ["1", "3600", "0", "3601", "", "-5", "59.5"]


def episode_state(sandbox: Sandbox, episode_id: int) -> tuple:
    """What an episode correction may change."""
    row = sandbox.row(SpasmEpisode, episode_id)
    return (row.occurred_at, row.day, row.duration_seconds, row.retrospective, row.deleted_at)


@FUZZ
@given(case=valid_or_noisy(
    st.integers(1, 3600).map(lambda n: ({"duration_seconds": str(n)}, n)),
    noisy(duration_seconds=SECONDS_LIKELY),
))
def test_fuzzed_episode_length_is_saved_or_refused_whole(sandbox, case):
    form, seconds = case
    client, user_id = sandbox.fresh()
    episode_id = spasm_now(sandbox.app, user_id, "fuzzed-episode")
    before, stored = sandbox.counts(), episode_state(sandbox, episode_id)

    response = client.post(f"/episodes/{episode_id}", data=form)

    after = episode_state(sandbox, episode_id)
    assert sandbox.counts() == before
    assert response.status_code in (302, 422), response.status_code
    if response.status_code == 422:
        assert after == stored
        sandbox.untouched()  # the next example's spasm_now() finds the same episode
    else:
        assert location(response) == "/" and 1 <= after[2] <= 3600
    if seconds is not None:
        assert response.status_code == 302 and after[2] == seconds


@st.composite
def valid_episode_edits(draw) -> tuple[dict, dict]:
    """A correction the form accepts: a moment not after now, in the capture zone."""
    day = draw(st.dates(EARLIEST, TODAY))
    latest = NOW_HERE.time().replace(tzinfo=None) if day == TODAY else time(23, 59, 59)
    # fold=0: the form's "02:00" carries no fold, so a time in a spring-forward gap is read
    # with the offset before the change (it was drawn with fold=1 once and expected an hour off).
    moment = draw(st.times(max_value=latest).map(lambda t: t.replace(microsecond=0, fold=0)))
    with_seconds = draw(st.booleans())
    if not with_seconds:
        moment = moment.replace(second=0)
    seconds = draw(st.one_of(st.none(), st.integers(1, 3600)))
    form = {"day": day.isoformat(), "time": moment.strftime("%H:%M:%S" if with_seconds else "%H:%M"),
            "duration_seconds": "" if seconds is None else str(seconds)}
    occurred = datetime.combine(day, moment, tzinfo=ZoneInfo(ZONE)).astimezone(UTC)
    return form, {"day": day, "occurred_at": occurred, "duration_seconds": seconds}


@FUZZ
@given(case=valid_or_noisy(valid_episode_edits(), noisy(
    day=DIARY_LIKELY["day"], time=["10:00", "13:00", "13:01", "23:59", "24:00", "", "7"],
    duration_seconds=SECONDS_LIKELY)))
def test_fuzzed_episode_edit_is_saved_or_refused_whole(sandbox, case):
    form, expected = case
    client, user_id = sandbox.fresh()
    episode_id = spasm_now(sandbox.app, user_id, "fuzzed-episode")
    before, stored = sandbox.counts(), episode_state(sandbox, episode_id)

    response = client.post(f"/episodes/{episode_id}/edit", data=form)

    moved = changes(before, sandbox.counts())
    row = sandbox.row(SpasmEpisode, episode_id)
    assert response.status_code in (302, 422), response.status_code
    if response.status_code == 422:
        assert moved == {} and episode_state(sandbox, episode_id) == stored
        sandbox.untouched()
    else:
        assert location(response) == "/history"
        # The first length completes the quick log; a moved moment keeps the old one.
        assert entries(moved) == ({"entry_revisions": 1} if row.occurred_at != stored[0] else {})
        assert EARLIEST <= row.day <= TODAY and row.occurred_at <= DEFAULT_NOW
    if expected:
        assert response.status_code == 302
        assert {name: getattr(row, name) for name in expected} == expected


# One-tap entries ---------------------------------------------------------------------------

SINCE_DAYS = st.integers(0, services.NO_SPASMS_SINCE_MAX_DAYS)


@FUZZ
@given(case=valid_or_noisy(
    SINCE_DAYS.map(lambda n: ({"since": (TODAY - timedelta(days=n)).isoformat()}, n)),
    noisy(since=DIARY_LIKELY["day"]),
))
def test_fuzzed_no_spasms_since_writes_each_day_once_or_nothing(sandbox, case):
    form, days_back = case
    client, user_id = sandbox.fresh()
    before = sandbox.counts()

    response = client.post("/checkin/none-since", data=form)

    moved = changes(before, sandbox.counts())
    assert response.status_code in (302, 422), response.status_code
    if response.status_code == 422:
        assert moved == {}
        sandbox.untouched()
    else:
        assert location(response) == "/" and set(entries(moved)) == {"check_ins"}
        assert 1 <= moved["check_ins"] <= services.NO_SPASMS_SINCE_MAX_DAYS + 1
    if days_back is not None:
        assert response.status_code == 302
        with sandbox.app.app_context():
            days = db.session.execute(sa.select(CheckIn.day, CheckIn.spasm_count)).all()
        assert sorted(days) == [(TODAY - timedelta(days=n), 0) for n in range(days_back, -1, -1)]


@FUZZ
@given(logged=st.sampled_from([None, 0, 5]), form=noisy("csrf_token", "spasm_count", "day"))
def test_fuzzed_no_spasms_today_never_overwrites_a_logged_day(sandbox, logged, form):
    client, user_id = sandbox.fresh(variant=logged)
    if logged is not None:
        check_in(sandbox.app, user_id, TODAY, logged)  # the same again when the day is reused
    before = sandbox.counts()

    response = client.post("/checkin/none", data=form)

    assert (response.status_code, location(response)) == (302, "/")
    moved = changes(before, sandbox.counts())
    assert sandbox.newest(CheckIn).spasm_count == (logged or 0)
    if logged is None:
        assert entries(moved) == {"check_ins": 1}
    else:
        assert moved == {}
        sandbox.untouched()


# Links and query strings -------------------------------------------------------------------

query_value = sent(st.one_of(st.sampled_from(["1", "2", "0", "-1", "99999999999", "2026-03-09"]), typed))


@pytest.fixture
def diary(sandbox):
    """A client logged in as a patient with two pages of history, a spasm, an edit, a deletion."""
    client, user_id = sandbox.fresh()
    for n in range(32):
        check_in(sandbox.app, user_id, TODAY - timedelta(days=n), n % 4, note=f"day {n}")
    check_in(sandbox.app, user_id, TODAY, 9)
    spasm_now(sandbox.app, user_id, "query-episode")
    with sandbox.app.app_context():
        patient = db.session.get(User, user_id)
        services.delete_check_in(patient, db.session.scalar(sa.select(sa.func.min(CheckIn.id))))
    return client


@FUZZ
@given(page=query_value, day=query_value, extra=st.dictionaries(any_text, query_value, max_size=2))
def test_fuzzed_query_strings_always_show_the_page_and_change_nothing(sandbox, diary, page, day, extra):
    before = sandbox.counts()

    for url, params in [
        ("/history", {"page": page}),
        ("/history/changes", {"page": page}),
        ("/checkin", {"day": day}),
    ]:
        response = diary.get(url, query_string={**extra, **params})
        assert response.status_code == 200, (url, response.status_code)
    assert sandbox.counts() == before


DATES_LIKELY = ["", "2026-03-01", "2026-03-10", "2026-03-11", "2016-03-15", "2016-03-14",
                "0001-01-01", "0001-01-07", "9999-12-31", "2026-02-30"]


@FUZZ
@example(api={"to": "0001-01-01"}, page={})
@example(api={"from": "0001-01-01", "to": "0001-01-05"}, page={})
@given(
    api=noisy(**{"from": DATES_LIKELY, "to": DATES_LIKELY, "bucket": ["day", "week", "month", "year"]}),
    page=noisy(range=["3m", "6m", "1y", "all", "2y"], bucket=["day", "week", "month", "year"]),
)
def test_fuzzed_trajectory_queries_answer_a_page_or_a_json_error(sandbox, diary, api, page):
    before = sandbox.counts()

    answer = diary.get("/api/v1/me/trajectory", query_string=api)
    shown = diary.get("/trajectory", query_string=page)

    assert answer.status_code in (200, 400), answer.status_code
    if answer.status_code == 400:
        assert set(answer.get_json()["error"]) == {"code", "message", "fields"}
    assert shown.status_code == 200, shown.status_code
    assert sandbox.counts() == before


@FUZZ
@given(token=st.one_of(any_text, st.sampled_from(["", ".", "..", "x" * 600, "a.b.c", "%00"])))
def test_fuzzed_email_link_tokens_lead_somewhere_sensible(sandbox, token):
    client, _ = sandbox.fresh(signed_in=False, verified=False)
    before = sandbox.counts()
    segment = "".join(f"%{b:02X}" for b in token.encode()) or "x"

    verify = client.get(f"/verify/{segment}")
    reset = client.get(f"/reset/{segment}")
    choose = client.get("/password/new")
    finish = client.get(f"/register/finish/{segment}")

    # A "/" in the token makes another path: merged slashes answer 308, others 404.
    assert verify.status_code in (302, 308, 404) and reset.status_code in (302, 308, 404)
    assert (choose.status_code, location(choose)) == (302, "/password/forgot")
    # The registration link's page says the link does not work, and offers to start again.
    assert finish.status_code in (200, 308, 404)
    if finish.status_code == 200:
        assert "This link does not work" in finish.get_data(as_text=True)
    assert sandbox.counts() == before
    sandbox.untouched()
