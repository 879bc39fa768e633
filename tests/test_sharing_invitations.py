"""Clinic invitations (docs/sharing.md): stored for any address, mailed only to a patient's
verified one, answered by the patient on the sharing page, open for 14 days; the clinician's
answer never says whether the address is registered."""

from __future__ import annotations

from datetime import timedelta

import pytest

from diary import audit
from diary.models import ClinicInvitation
from diary.sharing.emails import INVITATION_SUBJECT
from tests.journal_helpers import login_as, page_text, rows
from tests.sharing_support import audit_actions, clinic_id, live_links

TEAM = "Neurosurgery North"
SAME_ANSWER = ("If this address belongs to a patient of Spasm Diary, they will find your "
               "invitation when they log in.")


@pytest.fixture
def clinician(app, make_user) -> int:
    """A clinician of one clinic."""
    return make_user("dr@example.org", role="clinician", clinic=TEAM, display_name="Dr Roth")


@pytest.fixture
def clinic_client(app, clinician):
    """The clinician, logged in."""
    client = app.test_client()
    login_as(client, clinician)
    return client


def invite(client, email: str):
    """Send the invitation form and read the page it leads to."""
    response = client.post("/clinic/invite", data={"email": email})
    assert (response.status_code, response.location) == (302, "/clinic/invite")
    return page_text(client.get(response.location))


def test_a_registered_patient_is_mailed_and_an_unknown_address_is_not_with_the_same_answer(
    app, clinic_client, make_user, mailbox
):
    make_user("pat@example.org")

    known = invite(clinic_client, " Pat@Example.org ")
    unknown = invite(clinic_client, "nobody@example.org")

    assert SAME_ANSWER in known and SAME_ANSWER in unknown
    assert known == unknown
    (message,) = mailbox.messages()
    assert message["To"] == "pat@example.org"
    assert message["Subject"] == INVITATION_SUBJECT
    assert "spasm" not in message["Subject"].lower()
    assert mailbox.link(message, "/sharing") == "/sharing"
    assert [i.email for i in rows(app, ClinicInvitation)] == ["pat@example.org", "nobody@example.org"]


def test_an_unverified_address_gets_no_mail_and_sees_no_invitation(app, clinic_client, make_user, mailbox):
    patient = make_user("pat@example.org", verified=False)

    invite(clinic_client, "pat@example.org")

    assert mailbox.messages() == []
    client = app.test_client()
    login_as(client, patient)
    assert "Invitations" not in page_text(client.get("/sharing"))


def test_the_invitation_is_audited_with_the_patient_only_when_one_matched(app, clinic_client, clinician,
                                                                         make_user):
    patient = make_user("pat@example.org")
    invite(clinic_client, "pat@example.org")
    invite(clinic_client, "nobody@example.org")

    team = clinic_id(app, TEAM)
    assert audit_actions(app) == [
        (audit.INVITATION_SENT, patient, team, clinician),
        (audit.INVITATION_SENT, None, team, clinician),
    ]


@pytest.fixture
def invited(app, clinic_client, make_user):
    """A patient with a pending invitation from the clinic; (patient id, patient's client)."""
    patient = make_user("pat@example.org")
    invite(clinic_client, "pat@example.org")
    client = app.test_client()
    login_as(client, patient)
    return patient, client


def invitation_id(app) -> int:
    """The one invitation's id."""
    (invitation,) = rows(app, ClinicInvitation)
    return invitation.id


def test_the_patient_accepts_and_the_clinic_sees_the_diary(app, invited, clinician):
    patient, client = invited
    assert "Neurosurgery North invites you to share your diary" in page_text(client.get("/sharing"))

    response = client.post(f"/sharing/invitations/{invitation_id(app)}/accept")

    assert (response.status_code, response.location) == (302, "/sharing")
    assert live_links(app, patient) == [(TEAM, "invitation")]
    (invitation,) = rows(app, ClinicInvitation)
    assert invitation.accepted_at is not None
    page = page_text(client.get("/sharing"))
    assert "You now share your diary with Neurosurgery North." in page
    assert "invites you" not in page
    assert audit_actions(app, action=audit.LINK_CREATED) == [
        (audit.LINK_CREATED, patient, clinic_id(app, TEAM), patient)
    ]


def test_the_patient_declines_and_nothing_is_shared(app, invited):
    patient, client = invited

    response = client.post(f"/sharing/invitations/{invitation_id(app)}/decline")

    assert response.status_code == 302
    assert live_links(app, patient) == []
    assert rows(app, ClinicInvitation)[0].declined_at is not None
    assert "invites you" not in page_text(client.get("/sharing"))
    assert client.post(f"/sharing/invitations/{invitation_id(app)}/accept").status_code == 404


def test_an_invitation_expires_after_fourteen_days(app, invited, clock):
    patient, client = invited
    clock.advance(days=14)

    assert "invites you" not in page_text(client.get("/sharing"))
    assert client.post(f"/sharing/invitations/{invitation_id(app)}/accept").status_code == 404
    assert live_links(app, patient) == []


def test_an_invitation_to_another_address_cannot_be_answered(app, clinic_client, make_user):
    make_user("pat@example.org")
    invite(clinic_client, "pat@example.org")
    intruder = app.test_client()
    login_as(intruder, make_user("other@example.org"))

    assert intruder.post(f"/sharing/invitations/{invitation_id(app)}/accept").status_code == 404
    assert intruder.post(f"/sharing/invitations/{invitation_id(app)}/decline").status_code == 404


def test_inviting_again_renews_the_pending_invitation(app, clinic_client, clinician, make_user, clock):
    make_user("pat@example.org")
    invite(clinic_client, "pat@example.org")
    clock.advance(days=10)
    login_as(clinic_client, clinician)  # a new session: 30 idle minutes end the old one

    invite(clinic_client, "pat@example.org")

    (invitation,) = rows(app, ClinicInvitation)
    assert invitation.expires_at - clock.moment == timedelta(days=14)


def test_a_bad_address_is_refused_next_to_the_field(app, clinic_client):
    response = clinic_client.post("/clinic/invite", data={"email": "not an address"})

    assert response.status_code == 422
    assert "Enter an email address such as name@example.org." in page_text(response)
    assert rows(app, ClinicInvitation) == []


def test_invitations_are_throttled_per_account(app, clinic_client):
    for n in range(20):
        invite(clinic_client, f"p{n}@example.org")

    response = clinic_client.post("/clinic/invite", data={"email": "p21@example.org"})

    assert response.status_code == 429
    assert "Too many invitations were sent" in page_text(response)
    assert response.headers["Retry-After"] == "60"
    assert len(rows(app, ClinicInvitation)) == 20


def test_patients_and_administrators_cannot_invite(app, make_user):
    for email, role in (("pat@example.org", "patient"), ("root@example.org", "admin")):
        client = app.test_client()
        login_as(client, make_user(email, role=role))
        assert client.get("/clinic/invite").status_code == 404
        assert client.post("/clinic/invite", data={"email": "x@example.org"}).status_code == 404
