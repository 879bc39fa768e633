"""The patient is identified: a surname, a date of birth, the clinic's hospital number (MRN).

The patient gives the surname (registration, account page) and the date of birth (a share
code, account page); the clinic keeps its own MRN per patient, edited on the review and
audited without the number. The list, the review, the report and the FHIR exports show them
to the care team only (docs/clinic.md, Who the patient is; docs/security.md, Who sees the
date of birth and the hospital number).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from diary.clinic import identity
from diary.errors import NotFound, Refused
from diary.extensions import db
from diary.models import AuditEvent, CareLink, ClinicPatientRecord, User
from diary.names import search_key
from tests.clinic_support import CLINIC, share
from tests.journal_helpers import TODAY, account, login_as, page_text
from tests.test_clinic_list import rows_of

BORN = date(1956, 4, 2)


@pytest.fixture
def clinician(make_user) -> int:
    """A clinician of the sharing clinic (its first member, confirmed)."""
    return make_user("doc@example.org", role="clinician", clinic=CLINIC)


@pytest.fixture
def juergen(app, make_user) -> int:
    """A patient with a surname with umlauts, a date of birth, sharing with the clinic."""
    patient = make_user("juergen@example.org", display_name="Jürgen", family_name="Weber")
    with account(app, patient) as user:
        user.birth_date = BORN
        db.session.commit()
    share(app, patient)
    return patient


def set_mrn(app, clinician_id: int, patient_id: int, mrn: str | None) -> bool:
    """Save a hospital number as the clinician, through the service."""
    with app.test_request_context():
        return identity.set_mrn(db.session.get(User, clinician_id), patient_id, mrn)


def stored_user(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def records(app) -> list[tuple[int, int, str | None]]:
    with app.app_context():
        return list(db.session.execute(sa.select(
            ClinicPatientRecord.clinic_id, ClinicPatientRecord.patient_id, ClinicPatientRecord.mrn
        )).tuples())


# The search key ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "key"), [
    ("Jürgen Weber", "jurgen weber"),
    ("JÜRGEN", "jurgen"),
    ("Straße", "strasse"),
    ("  Zoë   O'Neil ", "zoe o'neil"),
    ("Ｊürgen", "jurgen"),  # a full-width letter is the letter
])
def test_the_search_key_folds_case_and_drops_accents(name, key):
    assert search_key(name) == key


# The patient's side --------------------------------------------------------------------------


def test_registration_keeps_the_surname_apart_from_the_name(app, client, mailbox):
    from tests.test_auth_registration import registration_link

    link = registration_link(client, mailbox)
    response = client.post(link, data={
        "password": "a long enough password", "password_repeat": "a long enough password",
        "display_name": "Ingrid", "family_name": " Berg ", "timezone": "Europe/Berlin",
        "affected_side": "left",
    })

    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.display_name == "Ingrid"))
        assert (user.family_name, user.name_search) == ("Berg", "ingrid berg")


def test_the_account_page_saves_surname_and_date_of_birth(app, client, make_user):
    patient = make_user(display_name="Ingrid")
    login_as(client, patient)

    response = client.post("/account/profile", data={
        "display_name": "Ingrid", "family_name": "Bergström", "timezone": "Europe/Berlin",
        "affected_side": "left", "birth_date": "1956-04-02",
    })

    assert response.status_code == 302
    user = stored_user(app, patient)
    assert (user.display_name, user.family_name, user.birth_date) == ("Ingrid", "Bergström", BORN)
    assert user.name_search == "ingrid bergstrom"
    page = client.get("/account").get_data(as_text=True)
    assert 'value="Bergström"' in page and 'value="1956-04-02"' in page
    assert "the clinic matches it to its record" in page


@pytest.mark.parametrize(("fields", "message"), [
    ({"birth_date": (TODAY + timedelta(days=1)).isoformat()}, "cannot be in the future"),
    ({"birth_date": "1899-12-31"}, "after 1 January 1900"),
    ({"birth_date": "2 April 1956"}, "Enter a date such as"),
    ({"family_name": "Berg\u202e"}, "letters, digits and punctuation only"),
    ({"family_name": "B" * 81}, "at most 80 characters"),
])
def test_the_account_page_refuses_what_is_not_a_surname_or_a_date_of_birth(
    app, client, make_user, fields, message
):
    patient = make_user(display_name="Ingrid")
    login_as(client, patient)

    response = client.post("/account/profile", data={
        "display_name": "Ingrid", "timezone": "Europe/Berlin", "affected_side": "left", **fields,
    })

    assert message in page_text(response)
    user = stored_user(app, patient)
    assert (user.family_name, user.birth_date) == (None, None)


def test_today_is_a_possible_date_of_birth_by_the_app_clock(app, client, make_user):
    patient = make_user(display_name="Baby")
    login_as(client, patient)
    response = client.post("/account/profile", data={
        "display_name": "Baby", "timezone": "Europe/Berlin", "affected_side": "left",
        "birth_date": TODAY.isoformat(),
    })
    assert response.status_code == 302
    assert stored_user(app, patient).birth_date == TODAY


def test_an_account_without_a_surname_keeps_its_name_whole(app, client, make_user):
    """An existing name is never split, and saving the page without a surname keeps none."""
    patient = make_user(display_name="Anna Maria Weber")
    login_as(client, patient)
    client.post("/account/profile", data={
        "display_name": "Anna Maria Weber", "family_name": "", "timezone": "Europe/Berlin",
        "affected_side": "left",
    })
    user = stored_user(app, patient)
    assert (user.display_name, user.family_name) == ("Anna Maria Weber", None)


def test_staff_are_not_asked_for_a_surname_or_a_date_of_birth(app, client, clinician):
    login_as(client, clinician)
    page = client.get("/account").get_data(as_text=True)
    assert 'name="family_name"' not in page and 'name="birth_date"' not in page


def test_a_share_code_takes_the_date_of_birth_and_says_why(app, client, make_user):
    patient = make_user(display_name="Ingrid")
    login_as(client, patient)

    sharing = page_text(client.get("/sharing"))
    response = client.post("/sharing/codes", data={"birth_date": "1956-04-02"})

    assert "The clinic matches it to its record" in sharing
    assert response.status_code == 200
    assert "the clinic matches it to its record" in page_text(response)
    assert "2 April 1956" in page_text(response)
    assert stored_user(app, patient).birth_date == BORN


def test_a_share_code_without_a_date_of_birth_keeps_the_one_given_before(app, client, make_user):
    patient = make_user(display_name="Ingrid")
    with account(app, patient) as user:
        user.birth_date = BORN
        db.session.commit()
    login_as(client, patient)

    assert 'value="1956-04-02"' in client.get("/sharing").get_data(as_text=True)
    assert client.post("/sharing/codes", data={"birth_date": ""}).status_code == 200
    assert stored_user(app, patient).birth_date == BORN


def test_a_date_of_birth_in_the_future_makes_no_share_code(app, client, make_user):
    from diary.models import ShareCode

    patient = make_user(display_name="Ingrid")
    login_as(client, patient)

    response = client.post("/sharing/codes", data={"birth_date": (TODAY + timedelta(days=2)).isoformat()})

    assert response.status_code == 422 and "cannot be in the future" in page_text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ShareCode.id))) == 0
    assert stored_user(app, patient).birth_date is None


# The hospital number ------------------------------------------------------------------------


def test_the_care_team_saves_the_mrn_on_the_review_audited_without_it(app, client, clinician, juergen):
    login_as(client, clinician)
    review = client.get(f"/clinic/patients/{juergen}").get_data(as_text=True)
    assert f'action="/clinic/patients/{juergen}/mrn"' in review

    response = client.post(f"/clinic/patients/{juergen}/mrn", data={"mrn": " a 123-45 "})

    assert response.status_code == 302
    [(_, patient_id, mrn)] = records(app)
    assert (patient_id, mrn) == (juergen, "A123-45")
    with app.app_context():
        [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "mrn_changed"))
        assert event.subject is None and event.patient_id == juergen and event.clinic_id is not None
        every_subject = " ".join(s or "" for s in db.session.scalars(sa.select(AuditEvent.subject)))
        assert "A123" not in every_subject
    assert "A123-45" in page_text(client.get(f"/clinic/patients/{juergen}"))


def test_saving_the_same_mrn_again_audits_nothing(app, clinician, juergen):
    assert set_mrn(app, clinician, juergen, "A1") is True
    assert set_mrn(app, clinician, juergen, "a1") is False
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "mrn_changed"))
    assert count == 1


def test_an_empty_mrn_clears_it(app, clinician, juergen):
    set_mrn(app, clinician, juergen, "A1")
    assert set_mrn(app, clinician, juergen, "  ") is True
    assert [mrn for _, _, mrn in records(app)] == [None]


def test_an_mrn_of_another_patient_of_the_clinic_is_refused(app, client, make_user, clinician, juergen):
    other = make_user("other@example.org", display_name="Other")
    share(app, other)
    set_mrn(app, clinician, other, "A1")
    login_as(client, clinician)

    response = client.post(f"/clinic/patients/{juergen}/mrn", data={"mrn": "a1"})

    assert response.status_code == 422
    assert identity.MRN_TAKEN in page_text(response)
    assert sorted(mrn for _, _, mrn in records(app)) == ["A1"]


@pytest.mark.parametrize("typed", ["A1\u202e", "Ä123", "A" * 33, "12#4", "x" * 5000])
def test_an_mrn_that_is_not_one_is_refused_and_nothing_is_saved(app, client, clinician, juergen, typed):
    login_as(client, clinician)
    response = client.post(f"/clinic/patients/{juergen}/mrn", data={"mrn": typed})
    assert response.status_code == 422
    assert "Nothing was saved" in page_text(response)
    assert records(app) == []


def test_an_mrn_sent_as_a_file_or_left_out_clears_nothing(app, client, clinician, juergen):
    import io

    set_mrn(app, clinician, juergen, "A1")
    login_as(client, clinician)
    as_file = client.post(f"/clinic/patients/{juergen}/mrn", content_type="multipart/form-data",
                          data={"mrn": (io.BytesIO(b"B2"), "mrn.txt")})
    left_out = client.post(f"/clinic/patients/{juergen}/mrn", data={})
    assert (as_file.status_code, left_out.status_code) == (422, 422)
    assert [mrn for _, _, mrn in records(app)] == ["A1"]


def test_an_mrn_route_past_the_integer_range_is_not_found(client, clinician):
    login_as(client, clinician)
    assert client.post(f"/clinic/patients/{2**70}/mrn", data={"mrn": "A1"}).status_code == 404


def test_the_mrn_outlives_a_new_share_link(app, client, clinician, juergen):
    set_mrn(app, clinician, juergen, "A1")
    with app.app_context():
        link = db.session.scalar(sa.select(CareLink).where(CareLink.patient_id == juergen))
        link.revoked_at = link.consented_at + timedelta(minutes=1)
        db.session.commit()
    with pytest.raises(NotFound):
        set_mrn(app, clinician, juergen, "A2")
    share(app, juergen)
    login_as(client, clinician)
    assert "A1" in page_text(client.get(f"/clinic/patients/{juergen}"))


def test_a_clinician_of_another_clinic_cannot_set_or_see_the_mrn(app, client, make_user, clinician, juergen):
    stranger = make_user("far@example.org", role="clinician", clinic="Far clinic")
    set_mrn(app, clinician, juergen, "A1")
    with pytest.raises((NotFound, Refused)):
        set_mrn(app, stranger, juergen, "B2")
    login_as(client, stranger)
    assert client.post(f"/clinic/patients/{juergen}/mrn", data={"mrn": "B2"}).status_code == 404
    assert "A1" not in client.get("/clinic/patients").get_data(as_text=True)
    assert [mrn for _, _, mrn in records(app)] == ["A1"]


def test_the_patients_access_log_says_the_number_changed_without_it(app, client, clinician, juergen):
    set_mrn(app, clinician, juergen, "MRN777")
    login_as(client, juergen)
    text = page_text(client.get("/sharing/access-log"))
    assert "Hospital number changed" in text and "MRN777" not in text


# The list, the review, the report --------------------------------------------------------------


def test_the_list_shows_surname_year_of_birth_and_mrn(app, client, make_user, clinician, juergen):
    ingrid = make_user("ingrid@example.org", display_name="Ingrid")
    share(app, ingrid)
    set_mrn(app, clinician, juergen, "A1")
    login_as(client, clinician)

    response = client.get("/clinic/patients")
    html = response.get_data(as_text=True)

    ingrid_row, juergen_row = rows_of(response)
    # Under the name: the year of birth and the clinic's hospital number.
    assert ingrid_row[0] == ("Ingrid surname not given born – · no hospital no. Side – "
                             "No diary entry for 7 days, not in remission")
    assert juergen_row[0] == ("Jürgen Weber born 1956 · no. A1 Side – "
                              "No diary entry for 7 days, not in remission")
    assert '<span class="muted surname-missing">surname not given</span>' in html
    assert "1956-04-02" not in html  # the list shows the year only


@pytest.mark.parametrize("q", ["jurgen", "JÜRGEN", "Weber", "jürgen weber", "weber JURG", "a1", "A1-"])
def test_the_list_finds_a_patient_by_name_or_mrn_whatever_the_case_and_accents(
    app, client, make_user, clinician, juergen, q
):
    other = make_user("anna@example.org", display_name="Anna", family_name="Jung")
    share(app, other)
    set_mrn(app, clinician, juergen, "A1-2026")
    set_mrn(app, clinician, other, "B1-2026")
    login_as(client, clinician)

    response = client.get("/clinic/patients", query_string={"q": q})

    assert response.status_code == 200
    text = page_text(response)
    assert "Jürgen Weber" in text and "Anna Jung" not in text
    assert "1 patient matches" in text


@pytest.mark.parametrize("q", ["%", "_", "\\", "jurgen x", "2026"])
def test_a_search_that_matches_nobody_says_so(app, client, clinician, juergen, q):
    set_mrn(app, clinician, juergen, "A1-2026")
    login_as(client, clinician)
    response = client.get("/clinic/patients", query_string={"q": q})
    assert response.status_code == 200
    assert "No patient’s name or hospital number matches" in page_text(response)


def test_a_search_keeps_sort_and_filter_and_survives_anything(app, client, clinician, juergen):
    login_as(client, clinician)
    html = client.get("/clinic/patients?q=weber&sort=change&dir=desc").get_data(as_text=True)
    assert 'name="q" value="weber"' in html and 'name="sort" value="change"' in html
    assert "q=weber" in html  # the column headers keep the search
    for q in ["x" * 100_000, "\x00", "' OR 1=1 --", "\u202e"]:
        assert client.get("/clinic/patients", query_string={"q": q}).status_code == 200


def test_the_review_and_the_report_name_the_patient_fully(app, client, clinician, juergen):
    set_mrn(app, clinician, juergen, "A1")
    login_as(client, clinician)
    for url in (f"/clinic/patients/{juergen}", f"/clinic/patients/{juergen}/report"):
        text = page_text(client.get(url))
        assert "Name Jürgen Weber" in text
        assert "Date of birth 2 April 1956" in text
        assert "Hospital number A1" in text


def test_the_review_says_what_is_not_given(app, client, make_user, clinician):
    ingrid = make_user("ingrid@example.org", display_name="Ingrid")
    share(app, ingrid)
    login_as(client, clinician)
    for url in (f"/clinic/patients/{ingrid}", f"/clinic/patients/{ingrid}/report"):
        text = page_text(client.get(url))
        assert "Name Ingrid (surname not given)" in text
        assert "Date of birth not given" in text and "Hospital number not recorded" in text


# FHIR ---------------------------------------------------------------------------------------


def patient_of(bundle: dict) -> dict:
    [patient] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    return patient


def test_the_fhir_patient_carries_family_given_and_birth_date(app, client, clinician, juergen):
    set_mrn(app, clinician, juergen, "A1")
    login_as(client, juergen)

    own = patient_of(json.loads(client.get("/export/fhir.json").get_data()))

    assert own["name"] == [{"text": "Jürgen Weber", "given": ["Jürgen"], "family": "Weber"}]
    assert own["birthDate"] == "1956-04-02"
    assert "A1" not in json.dumps(own)  # the MRN is the clinic's record, not the patient's
    assert len(own["identifier"]) == 1


def test_the_clinics_fhir_download_carries_its_mrn(app, client, clinician, juergen):
    from tests.fhir_checks import assert_valid_bundle

    set_mrn(app, clinician, juergen, "A1")
    login_as(client, clinician)
    bundle = json.loads(client.get(f"/clinic/patients/{juergen}/fhir.json").get_data())
    assert_valid_bundle(bundle)

    with app.app_context():
        [(clinic_id, _, _)] = records(app)
    mrn = [i for i in patient_of(bundle)["identifier"] if i["system"].endswith("/mrn")]
    assert mrn == [{
        "use": "official",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                             "code": "MR", "display": "Medical record number"}]},
        "system": f"https://spasm-diary.example/fhir/NamingSystem/clinic/{clinic_id}/mrn",
        "value": "A1",
    }]


def test_a_patient_without_surname_or_birth_date_exports_the_name_alone(app, client, make_user):
    patient = make_user(display_name="Ingrid")
    login_as(client, patient)
    own = patient_of(json.loads(client.get("/export/fhir.json").get_data()))
    assert own["name"] == [{"text": "Ingrid", "given": ["Ingrid"]}]
    assert "birthDate" not in own
