"""A clinician enters a patient's share code (docs/sharing.md): the link is made once, the
code is used up, a bad code gets one answer, and guessing is throttled in the database."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from diary import audit
from diary.extensions import db
from diary.models import CareLink, ThrottleBucket, User
from diary.sharing import services as sharing
from tests.clinic_support import confirm_membership
from tests.journal_helpers import login_as, page_text, rows
from tests.sharing_support import audit_actions, clinic_id, live_links, new_code, share_codes

NOT_VALID = "This code is not valid. Ask the patient for a new one."
TEAM = "Neurosurgery North"
WRONG = "ABCD-EFGH"


@pytest.fixture
def patient(make_user) -> int:
    """A patient in Berlin with a verified address."""
    return make_user("pat@example.org", display_name="Pat Jones")


@pytest.fixture
def clinician(make_user, client) -> int:
    """A clinician of one clinic, logged in."""
    user_id = make_user("dr@example.org", role="clinician", clinic=TEAM)
    login_as(client, user_id)
    return user_id


def stop_sharing(app, patient_id: int) -> None:
    """The patient ends every live link, as the Sharing page does."""
    with app.app_context():
        patient = db.session.get(User, patient_id)
        for link in db.session.scalars(sa.select(CareLink).where(CareLink.patient_id == patient_id)):
            sharing.revoke_link(patient, link.id)


def attempts(app) -> list[int]:
    """The throttle's counts, one per bucket."""
    with app.app_context():
        return list(db.session.scalars(sa.select(ThrottleBucket.attempts)))


def redeem(client, code: str, **extra):
    """Post the add-a-patient form."""
    return client.post("/clinic/add-patient", data={"code": code, **extra})


def test_a_live_code_links_the_patient_to_the_clinic_and_is_used_up(app, client, patient, clinician):
    code_id, code = new_code(app, patient)

    response = redeem(client, code)

    assert (response.status_code, response.location) == (302, "/clinic/patients")
    listing = page_text(client.get("/clinic/patients"))
    assert "Pat Jones now shares the diary with Neurosurgery North." in listing
    assert "Pat Jones" in listing.replace("Pat Jones now shares", "")
    assert live_links(app, patient) == [(TEAM, "code")]
    (row,) = share_codes(app)
    assert (row.used_at is not None, row.clinic_id) == (True, clinic_id(app, TEAM))
    assert audit_actions(app, action=audit.LINK_CREATED) == [
        (audit.LINK_CREATED, patient, clinic_id(app, TEAM), clinician)
    ]


@pytest.mark.parametrize("typing", [str.lower, lambda c: " ".join(c), lambda c: c.replace("-", "")])
def test_the_code_may_be_typed_in_lower_case_with_spaces_or_without_the_dash(app, client, patient,
                                                                             clinician, typing):
    _, code = new_code(app, patient)

    assert redeem(client, typing(f"{code[:4]}-{code[4:]}")).status_code == 302
    assert live_links(app, patient) == [(TEAM, "code")]


def test_a_code_works_once(app, client, patient, clinician, make_user):
    _, code = new_code(app, patient)
    redeem(client, code)
    other = app.test_client()
    login_as(other, make_user("dr2@example.org", role="clinician", clinic="Elsewhere"))

    response = redeem(other, code)

    assert response.status_code == 422
    assert NOT_VALID in page_text(response)
    assert live_links(app, patient) == [(TEAM, "code")]


def test_a_code_works_until_just_before_seven_days_and_not_at_seven_days(app, client, patient,
                                                                         clinician, clock):
    _, first = new_code(app, patient)
    _, second = new_code(app, patient)
    clock.advance(days=7, seconds=-1)
    login_as(client, clinician)  # a new session: the old one ended after 30 idle minutes
    assert redeem(client, first).location == "/clinic/patients"

    clock.advance(seconds=1)
    response = redeem(client, second)

    assert response.status_code == 422 and NOT_VALID in page_text(response)
    assert share_codes(app)[1].used_at is None


def test_a_wrong_an_expired_and_a_used_code_get_the_same_answer(app, client, patient, clinician, clock):
    _, used = new_code(app, patient)
    _, expired = new_code(app, patient)
    client.get(redeem(client, used).location)  # the success message is shown and gone
    stop_sharing(app, patient)  # a used code of a patient the clinic no longer sees
    clock.advance(days=8)
    login_as(client, clinician)  # a new session: the old one ended after 30 idle minutes

    answers = [redeem(client, c) for c in (WRONG, expired, used, "not a code")]

    assert {r.status_code for r in answers} == {422}
    texts = [page_text(r).replace(c, "") for r, c in zip(answers, (WRONG, expired, used, "not a code"), strict=True)]
    assert all(NOT_VALID in t for t in texts) and len(set(texts)) == 1


def test_a_code_typed_again_says_the_patient_shares_already(app, client, patient, clinician, clock):
    _, code = new_code(app, patient)
    client.get(redeem(client, code).location)
    clock.advance(days=1)
    login_as(client, clinician)

    response = redeem(client, code)

    assert (response.status_code, response.location) == (302, "/clinic/patients")
    listing = page_text(client.get(response.location))
    assert "Pat Jones already shares the diary with Neurosurgery North." in listing
    assert NOT_VALID not in listing
    assert len(rows(app, CareLink)) == 1
    assert attempts(app) == [0, 0]  # a known code costs no attempt


def test_a_patient_who_shares_already_is_said_to_and_the_code_is_used(app, client, patient, clinician):
    _, first = new_code(app, patient)
    _, second = new_code(app, patient)
    redeem(client, first)

    response = redeem(client, second)

    assert response.status_code == 302
    assert "Pat Jones already shares the diary with Neurosurgery North." in page_text(client.get(response.location))
    assert len(rows(app, CareLink)) == 1
    assert all(c.used_at is not None for c in share_codes(app))


def test_a_member_of_several_clinics_chooses_among_them_only(app, make_user, patient):
    from diary.auth.services import create_user
    from diary.models import Clinic, ClinicMembership, User

    member = make_user("dr@example.org", role="clinician", clinic=TEAM)
    with app.app_context():
        create_user(email="x@example.org", password="a long enough password", role="clinician",
                    display_name="X", timezone="UTC", clinic_name="Second clinic")
        second = db.session.scalar(sa.select(Clinic.id).where(Clinic.name == "Second clinic"))
        db.session.add(ClinicMembership(clinic_id=second, user_id=member))
        db.session.commit()
        assert db.session.get(User, member)
    confirm_membership(app, member, "Second clinic")
    client = app.test_client()
    login_as(client, member)
    _, code = new_code(app, patient)

    form = page_text(client.get("/clinic/add-patient"))
    assert "For which clinic" in form and "Second clinic" in form
    assert redeem(client, code, clinic=str(clinic_id(app, "Another"))).status_code == 422
    assert redeem(client, code, clinic=str(second)).status_code == 302
    assert live_links(app, patient) == [("Second clinic", "code")]


def test_two_clinicians_entering_the_same_code_at_once_make_one_link(app, patient, make_user):
    _, code = new_code(app, patient)
    clients = []
    for n, clinic in enumerate(("Clinic A", "Clinic B")):
        client = app.test_client()
        login_as(client, make_user(f"dr{n}@example.org", role="clinician", clinic=clinic))
        clients.append(client)
    barrier = threading.Barrier(2)
    statuses: list[int] = [0, 0]
    errors: list[BaseException] = []

    def send(index: int) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                statuses[index] = redeem(clients[index], code).status_code
        except BaseException as error:  # reported in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors, errors
    assert sorted(statuses) == [302, 422]
    (link,) = live_links(app, patient)
    (row,) = share_codes(app)
    assert row.clinic_id == clinic_id(app, link[0])


# Throttling ---------------------------------------------------------------------------------


def test_after_ten_failures_the_account_is_refused_even_the_right_code(app, client, patient, clinician):
    _, code = new_code(app, patient)
    for _ in range(10):
        assert redeem(client, WRONG).status_code == 422

    response = redeem(client, code)

    assert response.status_code == 429
    assert "Too many codes were tried" in page_text(response)
    assert response.headers["Retry-After"] == "60"
    assert "Please wait 1 minute before trying again." in page_text(response)
    assert live_links(app, patient) == [] and share_codes(app)[0].used_at is None


def test_the_wait_ends_after_its_minute(app, client, patient, clinician, clock):
    _, code = new_code(app, patient)
    for _ in range(10):
        redeem(client, WRONG)

    clock.advance(seconds=60)

    assert redeem(client, code).status_code == 302


def test_thirty_failures_from_one_address_lock_every_account_there(app, patient, make_user):
    app.config["THROTTLE_SHARE_CODE_PER_ACCOUNT"] = 100  # the address's limit comes first here
    _, code = new_code(app, patient)
    here, there = {"REMOTE_ADDR": "198.51.100.7"}, {"REMOTE_ADDR": "203.0.113.9"}
    first, second = app.test_client(), app.test_client()
    login_as(first, make_user("dr1@example.org", role="clinician", clinic=TEAM))
    colleague = make_user("dr2@example.org", role="clinician", clinic=TEAM)
    confirm_membership(app, colleague, TEAM)
    login_as(second, colleague)
    for _ in range(30):
        first.post("/clinic/add-patient", data={"code": WRONG}, environ_base=here)

    assert second.post("/clinic/add-patient", data={"code": code}, environ_base=here).status_code == 429
    assert second.post("/clinic/add-patient", data={"code": code}, environ_base=there).status_code == 302


def test_the_default_limits_are_ten_per_account_and_thirty_per_address(app):
    assert app.config["THROTTLE_SHARE_CODE_PER_ACCOUNT"] == 10
    assert app.config["THROTTLE_SHARE_CODE_PER_ADDRESS"] == 30


def test_the_count_lives_in_the_database_where_every_process_reads_it(app, client, patient, clinician):
    from diary.app import create_app

    for _ in range(10):
        redeem(client, WRONG)
    # A second app on the same database stands for another web process.
    other_process = create_app(dict(app.config))
    other = other_process.test_client()
    login_as(other, clinician)

    assert other.post("/clinic/add-patient", data={"code": WRONG}).status_code == 429
    with app.app_context():
        scopes = db.session.execute(sa.select(ThrottleBucket.scope, ThrottleBucket.attempts)).all()
    assert dict(scopes) == {"share_code.account": 10, "share_code.address": 10}
    with other_process.app_context():
        db.engine.dispose()


def test_an_empty_code_is_asked_for_and_not_counted(app, client, clinician):
    response = redeem(client, "  ")

    assert response.status_code == 422
    assert "Enter the code the patient gave you." in page_text(response)
    assert attempts(app) == []


def test_a_correct_code_does_not_count_as_a_failure(app, client, patient, clinician):
    _, code = new_code(app, patient)
    redeem(client, code)

    assert attempts(app) == [0, 0]  # counted, and given back
