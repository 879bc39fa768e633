"""The throttle (diary/throttle.py, docs/security.md "Throttling").

Every guessable form claims an attempt before it checks anything; the claim and the count are
one locked step, so parallel requests cannot all pass a count from before any of them. A few
attempts pass at once; after them each attempt waits a growing not-before time, answered 429
with Retry-After and never slept on the server. A guesser at one address is held back without
the owner elsewhere being locked out, and a password reset ends a login wait at once.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests
import sqlalchemy as sa

from diary import security, throttle
from diary.app import create_app
from diary.extensions import db
from diary.models import ThrottleBucket
from diary.sharing.codes import ALPHABET
from tests.conftest import PASSWORD
from tests.journal_helpers import login_as, page_text
from tests.serving import serving
from tests.sharing_support import new_code
from tests.staff_support import code, enrol

OWNER = "pat@example.org"
WRONG = "not the password"
RIGHT_BUT_WAITING = "Too many wrong passwords or codes were tried for this account."


def from_address(app, address: str):
    """A test client whose requests come from the given address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def log_in(client, password: str = PASSWORD, email: str = OWNER):
    return client.post("/login", data={"email": email, "password": password})


def buckets(app) -> dict[str, list[int]]:
    """Each scope's attempt counts, smallest first."""
    with app.app_context():
        found: dict[str, list[int]] = {}
        for row in db.session.execute(
            sa.select(ThrottleBucket.scope, ThrottleBucket.attempts).order_by(ThrottleBucket.key)
        ):
            found.setdefault(row.scope, []).append(row.attempts)
        return {scope: sorted(counts) for scope, counts in found.items()}


# What counts ---------------------------------------------------------------------------------


def test_a_wrong_password_counts_for_the_account_the_address_and_the_two_together(app, make_user):
    make_user()
    log_in(from_address(app, "192.0.2.7"), WRONG)

    assert buckets(app) == {"login.pair": [1], "login.account": [1], "login.address": [1]}


def test_the_table_holds_no_email_or_address_in_clear(app, make_user):
    make_user()
    log_in(from_address(app, "192.0.2.7"), WRONG)

    with app.app_context():
        keys = " ".join(db.session.scalars(sa.select(ThrottleBucket.key)))
    assert "pat" not in keys and "example" not in keys and "192.0.2.7" not in keys


def test_a_right_password_gives_its_attempt_back(app, make_user):
    make_user()
    client = from_address(app, "192.0.2.7")
    log_in(client, WRONG)

    assert log_in(client).status_code == 302
    assert buckets(app) == {"login.pair": [1], "login.account": [1], "login.address": [1]}


def test_an_invalid_form_is_not_an_attempt(app):
    response = app.test_client().post("/login", data={"email": "not-an-address", "password": "x"})

    assert response.status_code == 200
    assert buckets(app) == {}


# Waits ---------------------------------------------------------------------------------------


def test_five_wrong_passwords_from_one_address_make_that_address_wait_a_minute(app, make_user, clock):
    make_user()
    guesser = from_address(app, "192.0.2.7")
    for _ in range(5):
        assert log_in(guesser, WRONG).status_code == 200

    refused = log_in(guesser)  # even the right password is not checked now

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    text = page_text(refused)
    assert RIGHT_BUT_WAITING in text and "Please wait 1 minute before trying again." in text
    assert 'href="/password/forgot"' in refused.get_data(as_text=True)
    assert buckets(app)["login.pair"] == [5]  # a refusal counts nothing
    clock.advance(seconds=60)
    assert log_in(guesser).status_code == 302


def test_the_owner_at_another_address_is_not_held_back_by_a_guesser(app, make_user):
    make_user()
    guesser = from_address(app, "192.0.2.7")
    for _ in range(5):
        log_in(guesser, WRONG)
    assert log_in(guesser).status_code == 429

    assert log_in(from_address(app, "198.51.100.1")).status_code == 302


def test_each_wait_doubles_up_to_fifteen_minutes_and_nothing_sleeps(app, make_user, clock):
    make_user()
    guesser = from_address(app, "192.0.2.7")
    for _ in range(5):
        log_in(guesser, WRONG)
    waits = []
    for _ in range(7):
        refused = log_in(guesser, WRONG)
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        clock.advance(seconds=waits[-1])
        assert log_in(guesser, WRONG).status_code == 200  # its wait is over: checked, wrong

    assert waits == [60, 120, 240, 480, 900, 900, 900]


def test_guesses_from_many_addresses_slow_the_account_only_after_twenty(app, make_user, clock):
    make_user()
    for n in range(20):
        assert log_in(from_address(app, f"10.0.0.{n}"), WRONG).status_code == 200

    owner = from_address(app, "198.51.100.1")
    refused = log_in(owner)

    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    clock.advance(seconds=60)
    assert log_in(owner).status_code == 302


def test_one_address_trying_many_accounts_waits_after_thirty(app, make_user):
    make_user()
    sprayer = from_address(app, "192.0.2.7")
    for n in range(30):
        assert log_in(sprayer, WRONG, email=f"user{n}@example.org").status_code == 200

    assert log_in(sprayer).status_code == 429
    assert log_in(from_address(app, "198.51.100.1")).status_code == 302


def test_a_password_reset_ends_the_accounts_wait_at_every_address(app, make_user, mailbox):
    make_user()
    guesser = from_address(app, "192.0.2.7")
    for _ in range(5):
        log_in(guesser, WRONG)
    for n in range(15):
        log_in(from_address(app, f"10.0.0.{n}"), WRONG)
    assert log_in(guesser).status_code == 429
    assert log_in(from_address(app, "198.51.100.1")).status_code == 429  # the account waits too

    owner = from_address(app, "192.0.2.7")  # the same shared address, e.g. a clinic's proxy
    owner.post("/password/forgot", data={"email": OWNER})
    owner.get(mailbox.link(mailbox.last(OWNER), "/reset/"))
    owner.post("/password/new", data={"password": "a new password", "password_repeat": "a new password"})

    assert log_in(from_address(app, "192.0.2.7"), "a new password").status_code == 302
    assert buckets(app)["login.pair"] == [0] and buckets(app)["login.account"] == [0]


def test_a_key_without_attempts_for_an_hour_starts_again_from_zero(app, make_user, clock):
    make_user()
    guesser = from_address(app, "192.0.2.7")
    for _ in range(5):
        log_in(guesser, WRONG)
    clock.advance(minutes=61)

    assert log_in(guesser, WRONG).status_code == 200
    assert buckets(app)["login.pair"] == [1]


def test_a_claim_prunes_only_forgotten_buckets_of_its_own_scopes(app, make_user, clock):
    make_user()
    log_in(from_address(app, "192.0.2.7"), WRONG)
    with app.test_request_context():
        throttle.claim_share_code("clinician-key", "192.0.2.7")
    clock.advance(minutes=61)

    log_in(from_address(app, "198.51.100.1"), WRONG)

    assert buckets(app) == {"login.pair": [1], "login.account": [1], "login.address": [1],
                            "share_code.account": [1], "share_code.address": [1]}
    with app.app_context():
        assert throttle.prune() == 2  # the scheduler's tick takes the share rows
    assert sorted(buckets(app)) == ["login.account", "login.address", "login.pair"]


def test_the_count_is_shared_by_every_process_through_the_database(app, make_user):
    make_user()
    other_worker = create_app(dict(app.config))  # another gunicorn worker on the same database
    for n in range(5):
        log_in(from_address(app if n % 2 else other_worker, "192.0.2.7"), WRONG)

    assert log_in(from_address(other_worker, "192.0.2.7")).status_code == 429
    with other_worker.app_context():
        db.engine.dispose()


def test_the_numbers_are_settings_with_the_documented_defaults(app):
    config = app.config
    assert [config[rule.free_attempts_setting] for rule in throttle.RULES] == [5, 20, 30, 10, 30, 20, 60, 3, 10]
    assert (config["THROTTLE_FIRST_DELAY_SECONDS"], config["THROTTLE_LONGEST_DELAY_SECONDS"],
            config["THROTTLE_FORGET_AFTER_MINUTES"]) == (60, 900, 60)


# Parallel requests at a real server ------------------------------------------------------------


def fire(url: str, path: str, forms: list[dict], cookies: dict | None = None) -> list[requests.Response]:
    """POST every form at once, each on its own connection."""

    def post(form: dict) -> requests.Response:
        return requests.post(url + path, data=form, cookies=cookies, allow_redirects=False, timeout=60)

    with ThreadPoolExecutor(max_workers=len(forms)) as pool:
        return list(pool.map(post, forms))


def statuses(answers: list[requests.Response]) -> dict[int, int]:
    found: dict[int, int] = {}
    for answer in answers:
        found[answer.status_code] = found.get(answer.status_code, 0) + 1
    return found


def test_forty_parallel_wrong_passwords_check_no_more_than_five(app, make_user):
    make_user()
    with serving(app) as url:
        answers = fire(url, "/login", [{"email": OWNER, "password": f"guess {n}"} for n in range(40)])

    assert statuses(answers) == {200: 5, 429: 35}  # 200: checked and refused as wrong
    assert buckets(app)["login.pair"] == [5]


def test_sixty_parallel_second_factor_codes_check_no_more_than_five(app, make_user, clock):
    doctor = make_user("doc@example.org", role="clinician", display_name="Dr Roth")
    secret, _ = enrol(app, doctor)
    clock.advance(minutes=5)
    right = code(app, secret)
    wrong = [f"{n:06d}" for n in range(100) if f"{n:06d}" != right][:60]
    with serving(app) as url:
        half = requests.post(url + "/login", data={"email": "doc@example.org", "password": PASSWORD},
                             allow_redirects=False, timeout=60)
        assert half.headers["Location"] == "/login/code"
        answers = fire(url, "/login/code", [{"code": c} for c in wrong], cookies=half.cookies.get_dict())

    assert statuses(answers) == {422: 5, 429: 55}  # 422: checked and refused as wrong
    assert buckets(app)["login.pair"] == [0, 5]  # the enrolment's, given back; this address's


def test_forty_parallel_share_codes_check_no_more_than_ten(app, make_user):
    patient = make_user(OWNER, display_name="Pat Jones")
    clinician = make_user("dr@example.org", role="clinician", clinic="Neurosurgery North")
    new_code(app, patient)
    signed_in = app.test_client()
    login_as(signed_in, clinician)
    cookie = signed_in.get_cookie(app.config["SESSION_COOKIE_NAME"])
    with serving(app) as url:
        wrong = [f"WXYZ-WX{a}{b}" for a in ALPHABET[:8] for b in ALPHABET[:5]]
        answers = fire(url, "/clinic/add-patient", [{"code": c} for c in wrong],
                       cookies={cookie.key: cookie.value})

    assert statuses(answers) == {422: 10, 429: 30}
    assert buckets(app)["share_code.account"] == [10]


def test_a_proxy_the_app_is_not_told_about_is_logged_once(app, caplog):
    assert app.config["TRUSTED_PROXIES"] == 0
    app.extensions.pop(security.PROXY_WARNED, None)  # the worker's app may have warned before
    client = app.test_client()

    client.get("/login")
    for _ in range(2):
        client.get("/login", headers={"X-Forwarded-For": "203.0.113.5"})

    warnings = [r.getMessage() for r in caplog.records if r.name == "diary.security"]
    assert len(warnings) == 1
    assert "TRUSTED_PROXIES is 0" in warnings[0] and "127.0.0.1" in warnings[0]
