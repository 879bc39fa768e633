"""Access follows the CareLink at once (docs/sharing.md; docs/decisions.md, Authorisation): once the
patient stops sharing, every member of the clinic gets, on every route, what a clinician of a
clinic the patient never shared with gets: 404 on anything about the patient."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from diary import audit, policy
from diary.extensions import db
from diary.models import CareLink, ClinicMembership, User
from tests.clinic_support import confirm_membership
from tests.journal_helpers import login_as, page_text, rows
from tests.route_matrix import (
    ROUTES,
    SHARING_CLINIC,
    Records,
    answer_of,
    matches,
    sign_in,
)
from tests.sharing_support import audit_actions, clinic_id, live_links


@pytest.fixture
def records(route_records) -> Records:
    """The route matrix's accounts and records: the owner shares with the sharing clinic."""
    return route_records


def can_view(app, viewer_id: int, patient_id: int) -> bool:
    """The policy's answer, as a request would get it."""
    with app.app_context():
        return policy.can_view(db.session.get(User, viewer_id), patient_id)


def visible(app, viewer_id: int) -> set[int]:
    """The patient ids in the viewer's scope (what every list is filtered by)."""
    with app.app_context():
        viewer = db.session.get(User, viewer_id)
        return set(db.session.scalars(policy.visible_patient_ids(viewer)))


def stop_sharing(app, records: Records) -> None:
    """The owner confirms "Stop sharing" on the sharing page."""
    owner = app.test_client()
    sign_in(owner, records, "owner")
    assert "Stop sharing with Sharing clinic?" in page_text(owner.get(f"/sharing/clinics/{records.care_link}/stop"))
    response = owner.post(f"/sharing/clinics/{records.care_link}/stop")
    assert (response.status_code, response.location) == (302, "/sharing")


def test_the_owner_sees_the_clinic_since_the_moment_of_consent_in_local_time(app, records):
    owner = app.test_client()
    sign_in(owner, records, "owner")

    page = page_text(owner.get("/sharing"))

    # Consent at 12:00 UTC is 13:00 in Berlin.
    assert "Sharing clinic Since Tuesday, 10 March 2026 at 13:00" in page
    assert "Stop sharing with Sharing clinic" in page


def test_stopping_takes_effect_at_once_and_is_audited(app, records):
    owner, team = records.users["owner"], records.users["care_team"]
    assert can_view(app, team, owner) and visible(app, team) == {owner}

    stop_sharing(app, records)

    assert not can_view(app, team, owner) and visible(app, team) == set()
    assert live_links(app, owner) == []
    (link,) = rows(app, CareLink)
    assert link.revoked_at is not None
    assert audit_actions(app, action=audit.LINK_REVOKED) == [
        (audit.LINK_REVOKED, owner, clinic_id(app, SHARING_CLINIC), owner)
    ]


def test_every_member_of_the_clinic_loses_access_not_only_one(app, records, make_user):
    colleague = make_user("nurse@example.org", role="clinician", clinic=SHARING_CLINIC)
    confirm_membership(app, colleague, SHARING_CLINIC)
    owner = records.users["owner"]
    assert can_view(app, colleague, owner)

    stop_sharing(app, records)

    assert not can_view(app, colleague, owner)


def test_after_stopping_the_care_team_gets_what_an_outside_clinician_gets_on_every_route(app, records):
    """Walks the route matrix: every request that changes nothing for an outside clinician
    (404 on the owner's records, the clinician's own pages) answers the care team the same."""
    stop_sharing(app, records)
    client = app.test_client()
    walked = 0

    for endpoint, route in sorted(ROUTES.items()):
        for method in sorted(route.methods):
            expected = route.expected(method, "clinician")
            if expected.writes or not route.about_the_owner:
                continue  # a form about the clinician's own clinic, not about the patient
            for url in route.urls(app, endpoint, records):
                sign_in(client, records, "care_team")  # a logout on the way must not count
                data = route.form(records) if method == "POST" else None
                response = client.open(url, method=method, data=data)
                assert matches(response, expected), (
                    f"care team after revocation: {method} {url} got {answer_of(response)}, "
                    f"an outside clinician gets {expected}"
                )
                walked += 1

    assert walked > 40


def test_a_clinician_of_a_clinic_never_shared_with_sees_nothing(app, records):
    outsider, owner = records.users["clinician"], records.users["owner"]

    assert not can_view(app, outsider, owner)
    assert visible(app, outsider) == set()


def test_sharing_again_needs_new_consent_and_restores_access(app, records):
    from tests.sharing_support import new_code

    stop_sharing(app, records)
    _, code = new_code(app, records.users["owner"])
    team = app.test_client()
    sign_in(team, records, "care_team")

    assert team.post("/clinic/add-patient", data={"code": code}).status_code == 302
    assert can_view(app, records.users["care_team"], records.users["owner"])
    assert len(rows(app, CareLink)) == 2  # the revoked link stays as history


def test_a_deactivated_membership_ends_only_that_members_access(app, records, make_user):
    colleague = make_user("nurse@example.org", role="clinician", clinic=SHARING_CLINIC)
    confirm_membership(app, colleague, SHARING_CLINIC)
    with app.app_context():
        db.session.execute(
            sa.update(ClinicMembership).where(ClinicMembership.user_id == records.users["care_team"])
            .values(active=False)
        )
        db.session.commit()

    assert visible(app, records.users["care_team"]) == set()
    assert visible(app, colleague) == {records.users["owner"]}


def test_lists_are_scoped_to_live_links_across_several_patients(app, records, make_user):
    from tests.route_matrix import share_with_clinic

    second = make_user("second@example.org")
    share_with_clinic(app, second, SHARING_CLINIC)
    third = make_user("third@example.org")
    share_with_clinic(app, third, "Another clinic")

    stop_sharing(app, records)

    assert visible(app, records.users["care_team"]) == {second}
    assert visible(app, records.users["clinician"]) == {third}


def test_nobody_else_can_stop_the_owners_sharing(app, records):
    for role in ("other_patient", "clinician", "care_team", "admin"):
        client = app.test_client()
        sign_in(client, records, role)
        assert client.post(f"/sharing/clinics/{records.care_link}/stop").status_code == 404
    assert live_links(app, records.users["owner"]) == [(SHARING_CLINIC, "code")]


def test_a_stopped_link_cannot_be_stopped_twice(app, records):
    stop_sharing(app, records)
    owner = app.test_client()
    login_as(owner, records.users["owner"])

    assert owner.get(f"/sharing/clinics/{records.care_link}/stop").status_code == 404
    assert owner.post(f"/sharing/clinics/{records.care_link}/stop").status_code == 404
    assert len(audit_actions(app, action=audit.LINK_REVOKED)) == 1
