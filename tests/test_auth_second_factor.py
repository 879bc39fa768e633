"""The second factor of clinicians and administrators (docs/security.md, Second factor).

TOTP per RFC 6238 with 30-second steps and one step of drift either side, each code once;
ten single-use recovery codes; wrong codes count against the login throttle. A session that
has given the password but not the code reaches nothing but the second-factor pages and
logout. Patients are never asked. Every time step comes from the frozen app clock.
"""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from diary.extensions import db
from diary.models import RecoveryCode
from tests.route_matrix import ROUTES, answer_of, database_rows
from tests.staff_support import (
    RECOVERY_ON_PAGE,
    SECRET_ON_PAGE,
    code,
    enrol,
    password_step,
    stored,
)

DOCTOR = "doc@example.org"
WRONG = "The code is not right"


@pytest.fixture
def doctor(make_user) -> int:
    """A clinician who has not set up a second factor yet."""
    return make_user(DOCTOR, role="clinician", display_name="Dr Roth")


def recovery_rows(app, user_id: int) -> list[RecoveryCode]:
    with app.app_context():
        rows = db.session.scalars(sa.select(RecoveryCode).where(RecoveryCode.user_id == user_id)).all()
        db.session.expunge_all()
        return rows


# Enrolment ---------------------------------------------------------------------------------


def test_the_first_login_enrols_an_authenticator_app_and_shows_recovery_codes(app, client, doctor):
    response = password_step(client, DOCTOR)
    assert response.location == "/login/code"
    assert client.get("/login/code").location == "/login/second-factor/setup"

    page = client.get("/login/second-factor/setup").get_data(as_text=True)
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    assert 'src="data:image/svg+xml' in page  # the QR code, drawn on the server
    assert "<script" not in page.split("<main")[1] and "style=" not in page
    assert stored(app, doctor).totp_secret is None  # nothing stored before the confirmation

    refused = client.post("/login/second-factor/setup", data={"code": code(app, secret, steps=5)})
    assert refused.status_code == 422
    assert "This code is not right" in refused.get_data(as_text=True)
    assert stored(app, doctor).totp_enrolled_at is None

    shown = client.post("/login/second-factor/setup", data={"code": code(app, secret)})
    assert shown.status_code == 200
    codes = RECOVERY_ON_PAGE.findall(shown.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    user = stored(app, doctor)
    assert user.totp_secret == secret and user.totp_enrolled_at is not None
    rows = recovery_rows(app, doctor)
    assert sorted(r.code_hash for r in rows) == sorted(
        hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes
    )
    assert client.get("/account").status_code == 200  # the session is complete


def test_the_enrolment_page_writes_nothing_and_keeps_its_secret_until_confirmed(app, client, doctor):
    password_step(client, DOCTOR)
    before = database_rows(app)
    first = SECRET_ON_PAGE.search(client.get("/login/second-factor/setup").get_data(as_text=True))
    again = SECRET_ON_PAGE.search(client.get("/login/second-factor/setup").get_data(as_text=True))
    assert first.group(1) == again.group(1)
    assert database_rows(app) == before


def test_an_enrolled_account_is_not_offered_a_new_secret(app, client, doctor, clock):
    enrol(app, doctor)
    password_step(client, DOCTOR)
    assert client.get("/login/second-factor/setup").location == "/login/code"


# Later logins ------------------------------------------------------------------------------


def test_a_later_login_asks_for_the_code_and_then_opens_the_pages(app, client, doctor, clock):
    secret, _ = enrol(app, doctor)
    clock.advance(minutes=5)
    password_step(client, DOCTOR)
    assert client.get("/account").location == "/login/code"

    response = client.post("/login/code", data={"code": code(app, secret)})

    assert response.status_code == 302 and response.location == "/"
    assert client.get("/account").status_code == 200


def test_the_code_of_the_step_before_or_after_is_accepted_but_not_two_away(app, client, doctor, clock):
    secret, _ = enrol(app, doctor)
    clock.advance(minutes=5)
    password_step(client, DOCTOR)
    assert client.post("/login/code", data={"code": code(app, secret, -2)}).status_code == 422
    assert client.post("/login/code", data={"code": code(app, secret, +2)}).status_code == 422
    assert client.post("/login/code", data={"code": code(app, secret, -1)}).status_code == 302


def test_a_code_works_once(app, client, doctor, clock):
    secret, _ = enrol(app, doctor)
    clock.advance(minutes=5)
    used = code(app, secret)
    password_step(client, DOCTOR)
    assert client.post("/login/code", data={"code": used}).status_code == 302
    client.post("/logout")

    password_step(client, DOCTOR)
    replay = client.post("/login/code", data={"code": used})
    earlier = client.post("/login/code", data={"code": code(app, secret, -1)})

    assert replay.status_code == 422 and earlier.status_code == 422
    assert client.get("/account").location == "/login/code"
    clock.advance(seconds=30)
    assert client.post("/login/code", data={"code": code(app, secret)}).status_code == 302


def test_wrong_codes_are_refused_and_then_throttled(app, client, doctor, clock):
    secret, _ = enrol(app, doctor)
    clock.advance(minutes=5)
    password_step(client, DOCTOR)
    for wrong in ("000000", "12345", "abcdef", "99999999", "000001"):
        if wrong == code(app, secret):
            continue
        response = client.post("/login/code", data={"code": wrong})
        assert response.status_code == 422, wrong

    throttled = client.post("/login/code", data={"code": code(app, secret)})

    assert throttled.status_code == 429 and "Retry-After" in throttled.headers
    assert client.get("/account").location == "/login/code"
    clock.advance(seconds=60)  # the first wait has passed (diary/throttle.py)
    assert client.post("/login/code", data={"code": code(app, secret)}).status_code == 302


# Recovery codes ----------------------------------------------------------------------------


def test_a_recovery_code_logs_in_once(app, client, doctor, clock):
    _, codes = enrol(app, doctor)
    clock.advance(minutes=5)
    password_step(client, DOCTOR)

    response = client.post("/login/code", data={"code": f"  {codes[3].upper()} "})

    assert response.status_code == 302
    assert "9 recovery codes left" in client.get("/account").get_data(as_text=True)
    client.post("/logout")
    password_step(client, DOCTOR)
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 422
    assert client.post("/login/code", data={"code": codes[4].replace("-", "")}).status_code == 302
    used = [r for r in recovery_rows(app, doctor) if r.used_at is not None]
    assert len(used) == 2


def test_another_accounts_recovery_code_does_not_open_this_one(app, client, doctor, make_user, clock):
    other = make_user("other.doc@example.org", role="clinician")
    _, their_codes = enrol(app, other)
    enrol(app, doctor)
    clock.advance(minutes=5)
    password_step(client, DOCTOR)
    assert client.post("/login/code", data={"code": their_codes[0]}).status_code == 422


# What a half-logged-in session reaches ----------------------------------------------------


HALF_OPEN = {"auth.second_factor", "auth.enrol_second_factor", "auth.logout"}


@pytest.mark.parametrize("role", ["clinician", "admin"])
def test_before_the_code_a_staff_session_reaches_only_the_second_factor_and_logout(
    app, client, route_records, role
):
    """Every route of the matrix (so every route of the app), every method it accepts."""
    records = route_records
    email = {"clinician": "dr@example.org", "admin": "admin@example.org"}[role]
    assert password_step(client, email).location == "/login/code"
    before = database_rows(app)

    for endpoint, route in sorted(ROUTES.items()):
        if endpoint in HALF_OPEN:
            continue
        for url in route.urls(app, endpoint, records):
            for method in sorted(route.methods):
                response = client.open(url, method=method, data=route.form(records))
                if endpoint.startswith("api."):  # the JSON API answers 401, never a page
                    assert response.status_code == 401, f"{method} {url}: {answer_of(response)}"
                else:
                    assert response.status_code == 302 and response.location == "/login/code", (
                        f"{method} {url}: {answer_of(response)}"
                    )
    assert client.get("/no-such-page").location == "/login/code"
    page = client.get("/login/code").get_data(as_text=True)
    assert 'href="/account"' not in page and 'href="/admin/"' not in page  # the nav waits too
    assert database_rows(app) == before
    assert client.post("/logout").location == "/login"
    assert client.get("/login/code").location.startswith("/login?")


def test_an_admin_lands_on_the_admin_pages(app, client, make_user, clock):
    admin = make_user("root@example.org", role="admin")
    secret, _ = enrol(app, admin)
    clock.advance(minutes=1)
    password_step(client, "root@example.org")
    response = client.post("/login/code", data={"code": code(app, secret)})
    assert response.location == "/admin/"
    assert 'href="/admin/">Admin</a>' in client.get("/admin/").get_data(as_text=True)


def test_a_clinician_goes_where_the_login_page_was_asked_to_send_them(app, client, doctor, clock):
    secret, _ = enrol(app, doctor)
    clock.advance(minutes=1)
    client.post("/login?next=/account", data={"email": DOCTOR, "password": "correct horse battery staple"})
    assert client.post("/login/code", data={"code": code(app, secret)}).location == "/account"


def test_patients_are_never_asked_for_a_second_factor(client, patient):
    assert client.get("/account").status_code == 200
    assert client.get("/login/code").location == "/"
