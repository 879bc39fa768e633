"""The staff forms fuzzed: the second-factor code, enrolment, and the administrator's forms.

Never a 5xx; a refused form (422) changes nothing but the login throttle's count; an accepted
one changes exactly what it describes. Examples share one database, put back to the same
state before each (docs/quality-bars.md, Reliability); how many run comes from conftest.py's profile.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from diary.auth import second_factor
from diary.extensions import db
from diary.models import AuditEvent, Clinic, ClinicMembership, RecoveryCode, ThrottleBucket, User
from tests.journal_helpers import login_as
from tests.route_matrix import row_counts
from tests.staff_support import code, enrol

FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
EDGES = ["", " ", "\x00", "000000", "123456", "1234567", "12345", " 12 34 56 ", "abcde-fghjk",
         "ABCDE FGHJK", "x" * 5000, "é" * 40, "\u202e", "<script>", "' OR 1=1 --", "٣٣٣٣٣٣",
         "nurse", "clinician", "admin", "doc@example.org", "new@example.org", "a@b", "@"]
typed = st.one_of(st.sampled_from(EDGES), st.text(st.characters(exclude_categories=("Cs",)), max_size=40))


def sent(values):
    """One value for a field, mostly; sometimes several, or none at all."""
    return st.one_of(values, values, st.lists(values, max_size=3))


def without_failures(app) -> None:
    """Forget the throttle's attempts, so an example never sees the one before's."""
    with app.app_context():
        db.session.execute(sa.delete(ThrottleBucket))
        db.session.commit()


def half_logged_in(app, user_id: int):
    """A client whose session has the password but not yet the second factor."""
    client = app.test_client()
    login_as(client, user_id, second_factor=False)
    return client


def code_state(app, user_id: int) -> tuple:
    with app.app_context():
        user = db.session.get(User, user_id)
        used = db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)
                                 .where(RecoveryCode.used_at.is_not(None)))
        return user.totp_secret, user.totp_enrolled_at, user.totp_last_step, used


@pytest.fixture
def enrolled(app, make_user, clock):
    """An enrolled clinician, a minute after enrolment; their secret and recovery codes."""
    user_id = make_user("doc@example.org", role="clinician")
    secret, codes = enrol(app, user_id)
    clock.advance(minutes=1)
    return user_id, secret, codes


@FUZZ
@given(form=st.fixed_dictionaries({}, optional={"code": sent(typed), "csrf_token": typed}))
@example(form={"code": "VALID"})
@example(form={"code": "RECOVERY"})
def test_fuzzed_code_form_opens_the_session_only_for_a_right_code(app, enrolled, form):
    user_id, secret, codes = enrolled
    valid, recovery = code(app, secret), codes[0]
    form = {k: ({"VALID": valid, "RECOVERY": recovery}.get(v, v) if isinstance(v, str) else v)
            for k, v in form.items()}
    without_failures(app)
    before = code_state(app, user_id)
    client = half_logged_in(app, user_id)

    response = client.post("/login/code", data=form)

    assert response.status_code in (302, 422), response.status_code
    given_code = form.get("code")
    right = isinstance(given_code, str | list) and (
        (given_code if isinstance(given_code, str) else (given_code or [""])[0]).strip()
        in (valid, recovery)
    )
    if response.status_code == 302:
        assert right and client.get("/account").status_code == 200
        with app.app_context():  # put the spent code back for the next example
            db.session.execute(sa.update(User).values(totp_last_step=before[2]))
            db.session.execute(sa.update(RecoveryCode).values(used_at=None))
            db.session.commit()
    else:
        assert code_state(app, user_id) == before
        assert client.get("/account").location == "/login/code"


@FUZZ
@given(form=st.fixed_dictionaries({}, optional={"code": sent(typed)}))
def test_fuzzed_enrolment_stores_nothing_for_a_wrong_code(app, make_user, form):
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == "new@example.org"))
    if user_id is None:
        user_id = make_user("new@example.org", role="clinician")
    without_failures(app)
    client = half_logged_in(app, user_id)
    assert client.get("/login/second-factor/setup").status_code == 200
    before = row_counts(app)

    response = client.post("/login/second-factor/setup", data=form)

    assert response.status_code == 422
    after = row_counts(app)
    # A wrong code counts once for the account, the address and the two together.
    assert after.pop("throttle_buckets") - before.pop("throttle_buckets") in (0, 3)
    assert after == before
    assert code_state(app, user_id)[:2] == (None, None)


# The administrator's forms -----------------------------------------------------------------


@pytest.fixture
def admin_client(app, make_user):
    """An administrator's client, a clinic with one clinician, and a spare clinician."""
    admin = make_user("root@example.org", role="admin")
    make_user("doc@example.org", role="clinician", clinic="North")
    make_user("spare@example.org", role="clinician", clinic="South")
    client = app.test_client()
    login_as(client, admin)
    with app.app_context():
        north = db.session.scalar(sa.select(Clinic.id).where(Clinic.name == "North"))
    return client, north


def admin_state(app) -> tuple:
    """Everything the admin forms change."""
    with app.app_context():
        clinics = db.session.execute(sa.select(Clinic.id, Clinic.name).order_by(Clinic.id)).all()
        members = db.session.execute(sa.select(ClinicMembership.clinic_id, ClinicMembership.user_id,
                                               ClinicMembership.member_role,
                                               ClinicMembership.active).order_by(ClinicMembership.id)).all()
        users = db.session.execute(sa.select(User.email, User.role).order_by(User.id)).all()
        return clinics, members, users


def undo_admin_writes(app, state) -> None:
    """Put clinics, memberships and accounts back as they were (audit rows go too)."""
    clinics, members, users = state
    with app.app_context():
        db.session.execute(sa.delete(AuditEvent))
        db.session.execute(sa.delete(ClinicMembership).where(
            ClinicMembership.id > len(members)))
        db.session.execute(sa.update(ClinicMembership).values(member_role="clinician", active=True))
        db.session.execute(sa.delete(User).where(User.id > len(users)))
        db.session.execute(sa.delete(Clinic).where(Clinic.id > len(clinics)))
        for clinic_id, name in clinics:
            db.session.execute(sa.update(Clinic).where(Clinic.id == clinic_id).values(name=name))
        db.session.commit()


NAMES = st.one_of(typed, st.sampled_from(["North", "South", " New clinic ", "C" * 120, "C" * 121]))


@FUZZ
@given(name=sent(NAMES), rename=st.booleans())
def test_fuzzed_clinic_names_create_or_rename_one_clinic_or_nothing(app, admin_client, name, rename):
    client, north = admin_client
    before = admin_state(app)
    url = f"/admin/clinics/{north}/rename" if rename else "/admin/clinics/new"

    response = client.post(url, data={"name": name})

    assert response.status_code in (302, 422)
    after = admin_state(app)
    text = (name if isinstance(name, str) else (name or [None])[0])
    if response.status_code == 422:
        assert after == before
    else:
        clean = text.strip()
        assert 1 <= len(clean) <= 120
        names = [n for _, n in after[0]]
        assert clean in names and len(set(names)) == len(names)
        assert len(after[0]) == len(before[0]) + (0 if rename else 1)
    undo_admin_writes(app, before)


MEMBER_FORMS = st.fixed_dictionaries({}, optional={
    "email": sent(st.one_of(typed, st.sampled_from(["spare@example.org", "doc@example.org",
                                                    "root@example.org", "fresh@example.org"]))),
    "display_name": sent(typed),
    "member_role": sent(st.one_of(typed, st.sampled_from(["clinician", "nurse"]))),
})


@FUZZ
@given(form=MEMBER_FORMS)
@example(form={"email": "spare@example.org", "member_role": "nurse"})
@example(form={"email": "fresh@example.org", "member_role": "clinician", "display_name": "Dr F"})
def test_fuzzed_member_form_adds_one_clinician_or_nothing(app, admin_client, form):
    client, north = admin_client
    before = admin_state(app)

    response = client.post(f"/admin/clinics/{north}/members", data=form)

    assert response.status_code in (302, 422)
    after = admin_state(app)
    if response.status_code == 422:
        assert after == before
    else:
        assert len(after[1]) == len(before[1]) + 1
        clinic_id, user_id, role, active = after[1][-1]
        assert clinic_id == north and role in ("clinician", "nurse") and active
        with app.app_context():
            assert db.session.get(User, user_id).role == "clinician"
    undo_admin_writes(app, before)


@FUZZ
@given(role=sent(typed | st.sampled_from(["clinician", "nurse"])))
def test_fuzzed_member_role_is_clinician_or_nurse(app, admin_client, role):
    client, north = admin_client
    before = admin_state(app)
    with app.app_context():
        membership = db.session.scalar(sa.select(ClinicMembership.id).where(ClinicMembership.clinic_id == north))

    response = client.post(f"/admin/memberships/{membership}/role", data={f"m{membership}-member_role": role})

    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert admin_state(app) == before
    else:
        assert {r for _, _, r, _ in admin_state(app)[1]} <= {"clinician", "nurse"}
    undo_admin_writes(app, before)


def test_the_code_helpers_agree_with_the_service(app):
    with app.app_context():
        secret = second_factor.new_secret()
        assert second_factor.matching_step(secret, code(app, secret), None) == second_factor.current_step()
