"""Staff sessions end: after 30 idle minutes, at deactivation, at a second-factor reset.

The idle limit is checked on every request against the last request's moment, both from the
frozen app clock: 29:59 after the last request the session is still open, at 30:00 it is
not. Patients are not logged out for idleness (docs/security.md).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from diary import policy
from diary.extensions import db
from diary.models import CareLink, User
from tests.clinic_support import confirm_membership
from tests.journal_helpers import login_as
from tests.route_matrix import SHARING_CLINIC, share_with_clinic
from tests.staff_support import code, enrol, password_step, stored

IDLE_MESSAGE = "You were logged out after 30 minutes without activity."


@pytest.mark.parametrize("role", ["clinician", "admin"])
def test_staff_are_logged_out_after_30_idle_minutes_exactly(app, client, make_user, clock, role):
    login_as(client, make_user("staff@example.org", role=role))

    clock.advance(minutes=29, seconds=59)
    assert client.get("/account").status_code == 200  # still in; the idle time starts again
    clock.advance(minutes=29, seconds=59)
    assert client.get("/account").status_code == 200
    clock.advance(minutes=30)
    response = client.get("/account")

    assert response.status_code == 302 and response.location == "/login"
    assert IDLE_MESSAGE in client.get("/login").get_data(as_text=True)
    assert client.get("/account").location.startswith("/login")  # the session is gone


def test_the_idle_time_counts_from_the_login_itself(app, client, make_user, clock):
    doctor = make_user("doc@example.org", role="clinician")
    secret, _ = enrol(app, doctor)
    clock.advance(minutes=1)
    password_step(client, "doc@example.org")
    client.post("/login/code", data={"code": code(app, secret)})

    clock.advance(minutes=30)

    assert client.get("/account").location == "/login"


def test_a_half_logged_in_session_is_also_ended_by_idleness(app, client, make_user, clock):
    make_user("doc@example.org", role="clinician")
    password_step(client, "doc@example.org")
    clock.advance(minutes=30)
    assert client.get("/login/second-factor/setup").location == "/login"


def test_the_limit_is_configurable(app, client, make_user, clock):
    app.config["IDLE_TIMEOUT_MINUTES"] = 5
    login_as(client, make_user("doc@example.org", role="clinician"))
    clock.advance(minutes=5)
    assert client.get("/account").location == "/login"
    assert "after 5 minutes without activity" in client.get("/login").get_data(as_text=True)


def test_patients_are_not_logged_out_for_idleness(client, patient, clock):
    clock.advance(hours=12)
    assert client.get("/account").status_code == 200


# Deactivation ------------------------------------------------------------------------------


@pytest.fixture
def clinic_team(app, make_user) -> dict[str, int]:
    """Two clinicians of the sharing clinic, a patient who shares with it, an admin."""
    ids = {
        "leaving": make_user("leaving@example.org", role="clinician", clinic=SHARING_CLINIC),
        "staying": make_user("staying@example.org", role="clinician", clinic=SHARING_CLINIC),
        "patient": make_user("pat@example.org"),
        "admin": make_user("root@example.org", role="admin"),
    }
    confirm_membership(app, ids["staying"], SHARING_CLINIC)
    share_with_clinic(app, ids["patient"], SHARING_CLINIC)
    return ids


def test_deactivation_ends_the_clinicians_session_at_once_and_the_clinic_keeps_its_patient(
    app, client, clinic_team
):
    login_as(client, clinic_team["leaving"])
    assert client.get("/account").status_code == 200
    admin = app.test_client()
    login_as(admin, clinic_team["admin"])

    response = admin.post(f"/admin/staff/{clinic_team['leaving']}/deactivate")

    assert response.status_code == 302
    assert client.get("/account").location.startswith("/login")
    assert password_step(client, "leaving@example.org").status_code == 200  # refused
    with app.app_context():
        links = db.session.scalars(sa.select(CareLink)).all()
        assert [(link.patient_id, link.revoked_at) for link in links] == [(clinic_team["patient"], None)]
        staying = db.session.get(User, clinic_team["staying"])
        leaving = db.session.get(User, clinic_team["leaving"])
        assert policy.can_view(staying, clinic_team["patient"])
        assert not policy.can_view(leaving, clinic_team["patient"])


def test_a_reactivated_clinician_sees_the_clinics_patients_again(app, clinic_team):
    admin = app.test_client()
    login_as(admin, clinic_team["admin"])
    admin.post(f"/admin/staff/{clinic_team['leaving']}/deactivate")
    admin.post(f"/admin/staff/{clinic_team['leaving']}/reactivate")
    with app.app_context():
        assert policy.can_view(db.session.get(User, clinic_team["leaving"]), clinic_team["patient"])


def test_an_admin_cannot_deactivate_an_admin_or_a_patient(app, clinic_team, make_user):
    admin = app.test_client()
    login_as(admin, clinic_team["admin"])
    other_admin = make_user("root2@example.org", role="admin")
    for target in (other_admin, clinic_team["admin"], clinic_team["patient"]):
        assert admin.post(f"/admin/staff/{target}/deactivate").status_code == 404
    assert stored(app, other_admin).active and stored(app, clinic_team["patient"]).active


def test_a_second_factor_reset_ends_the_sessions_and_asks_for_a_new_enrolment(app, client, clinic_team, clock):
    enrol(app, clinic_team["leaving"])
    login_as(client, clinic_team["leaving"])
    admin = app.test_client()
    login_as(admin, clinic_team["admin"])

    assert admin.post(f"/admin/staff/{clinic_team['leaving']}/reset-second-factor").status_code == 302

    assert client.get("/account").location.startswith("/login")
    user = stored(app, clinic_team["leaving"])
    assert (user.totp_secret, user.totp_enrolled_at, user.totp_last_step) == (None, None, None)
    password_step(client, "leaving@example.org")
    assert client.get("/login/code").location == "/login/second-factor/setup"
    # An administrator never resets their own second factor (they would lock themselves out).
    assert admin.post(f"/admin/staff/{clinic_team['admin']}/reset-second-factor").status_code == 404
