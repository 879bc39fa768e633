"""The clinic's patient list: its columns, sorting, the needs-attention rules, fixed queries."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from diary.clinic.patient_list import (
    NO_RECENT_ENTRY,
    RECURRENCE,
    WORSE_THAN_BASELINE,
    attention_reasons,
    changed_since,
)
from tests.clinic_support import assess, share
from tests.journal_helpers import TODAY, check_in, counted_queries, login_as, page_text
from tests.treatments_support import TreatmentRecorder

SURGERY_DAY = TODAY - timedelta(days=60)


@pytest.fixture
def clinician(make_user) -> int:
    """A clinician of the sharing clinic."""
    return make_user("doc@example.org", role="clinician", clinic="Sharing clinic")


def operated_patient(app, make_user, email: str, name: str, before: int, after: int) -> int:
    """A shared patient with 28 logged days before an MVD and the last 28 days logged."""
    patient = make_user(email, display_name=name, affected_side="left")
    share(app, patient)
    TreatmentRecorder(app, patient).surgery(performed_on=SURGERY_DAY)
    for offset in range(1, 29):
        check_in(app, patient, SURGERY_DAY - timedelta(days=offset), before)
    for offset in range(0, 28):
        check_in(app, patient, TODAY - timedelta(days=offset), after)
    return patient


def rows_of(response) -> list[list[str]]:
    """The table's body rows as the text of their cells."""
    body = response.get_data(as_text=True).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
         for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def names_of(row: list[str]) -> str:
    """The name the patient goes by, from a row of patients who gave no surname."""
    return row[0].removesuffix(" surname not given")


def test_the_list_shows_every_column_of_a_shared_patient(app, client, make_user, clinician):
    patient = operated_patient(app, make_user, "ada@example.org", "Ada", before=10, after=1)
    make_user("hidden@example.org", display_name="Not shared")
    login_as(client, clinician)

    response = client.get("/clinic/patients")

    assert response.status_code == 200
    [row] = rows_of(response)
    assert row == [
        "Ada surname not given", "–", "–", "Left", SURGERY_DAY.isoformat(), "60", "10.0", "1.0", "-90%", "At least 90% fewer",
        "0", TODAY.isoformat(), "28/28", "2026-04-09 3 months after surgery", "No visit yet",
    ]
    assert f'href="/clinic/patients/{patient}"' in response.get_data(as_text=True)


def test_a_booked_visit_wins_when_it_is_earlier_than_the_schedule(app, client, make_user, clinician):
    from diary.reminders import services as reminders
    from tests.journal_helpers import account

    patient = operated_patient(app, make_user, "ada@example.org", "Ada", before=10, after=1)
    with account(app, patient) as user:
        reminders.add_visit(user, reminders.VisitValues(TODAY + timedelta(days=5), 600, "Clinic"))
    login_as(client, clinician)

    [row] = rows_of(client.get("/clinic/patients"))

    assert row[13] == f"{(TODAY + timedelta(days=5)).isoformat()} booked visit"


def test_completeness_counts_logged_days_of_the_last_28_in_the_patients_zone(
    app, client, make_user, clinician
):
    patient = make_user("ada@example.org", display_name="Ada")
    share(app, patient)
    for offset in (0, 3, 27, 28, 40):  # 28 days ago is outside the window
        check_in(app, patient, TODAY - timedelta(days=offset), 2)
    login_as(client, clinician)

    [row] = rows_of(client.get("/clinic/patients"))

    assert row[12] == "3/28"


def test_the_list_sorts_by_any_column_both_ways(app, client, make_user, clinician):
    operated_patient(app, make_user, "a@example.org", "Ada", before=10, after=1)
    operated_patient(app, make_user, "b@example.org", "Bea", before=10, after=8)
    operated_patient(app, make_user, "c@example.org", "Cai", before=10, after=4)
    login_as(client, clinician)

    by_change = client.get("/clinic/patients?sort=change&dir=asc")
    by_change_desc = client.get("/clinic/patients?sort=change&dir=desc")

    assert [names_of(r) for r in rows_of(by_change)] == ["Ada", "Cai", "Bea"]
    assert [names_of(r) for r in rows_of(by_change_desc)] == ["Bea", "Cai", "Ada"]
    html = by_change.get_data(as_text=True)
    assert 'aria-sort="ascending"' in html
    assert 'href="/clinic/patients?sort=change&amp;dir=desc"' in html  # the header turns it round
    assert [names_of(r) for r in rows_of(client.get("/clinic/patients?sort=name&dir=desc"))] == [
        "Cai", "Bea", "Ada"
    ]
    assert client.get("/clinic/patients?sort=nonsense&dir=up").status_code == 200


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"days_since_last_entry": 7, "remission_start": None}, (NO_RECENT_ENTRY,)),
        ({"days_since_last_entry": 6, "remission_start": None}, ()),
        ({"days_since_last_entry": None, "remission_start": None}, (NO_RECENT_ENTRY,)),
        ({"days_since_last_entry": 30, "remission_start": date(2026, 1, 1)}, ()),
        ({"days_since_last_entry": 1, "remission_start": date(2026, 1, 1),
          "recurrence_on": date(2026, 2, 1)}, (RECURRENCE,)),
        ({"days_since_last_entry": 9, "remission_start": date(2026, 1, 1),
          "recurrence_on": date(2026, 2, 1)}, (NO_RECENT_ENTRY, RECURRENCE)),
        ({"days_since_last_entry": 0, "remission_start": None, "percent_change": 12.0},
         (WORSE_THAN_BASELINE,)),
        ({"days_since_last_entry": 0, "remission_start": None, "percent_change": 0.0}, ()),
    ],
)
def test_needs_attention_rules(values, expected):
    arguments = {"recurrence_on": None, "percent_change": None} | values
    assert attention_reasons(**arguments) == expected


def test_changed_since_the_last_visit_compares_with_the_latest_assessment():
    from datetime import UTC, datetime

    visit = datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert changed_since(datetime(2026, 3, 2, tzinfo=UTC), visit) is True
    assert changed_since(datetime(2026, 2, 28, tzinfo=UTC), visit) is False
    assert changed_since(None, visit) is False
    assert changed_since(datetime(2026, 3, 2, tzinfo=UTC), None) is None


def test_the_needs_attention_filter_keeps_those_rows_and_says_why(app, client, make_user, clinician):
    operated_patient(app, make_user, "a@example.org", "Ada", before=10, after=1)
    operated_patient(app, make_user, "w@example.org", "Worse", before=2, after=5)
    quiet = make_user("q@example.org", display_name="Quiet")
    share(app, quiet)
    check_in(app, quiet, TODAY - timedelta(days=9), 3)
    login_as(client, clinician)

    response = client.get("/clinic/patients?filter=attention&sort=name")

    names = {row[0] for row in rows_of(response)}
    assert names == {"Quiet surname not given No diary entry for 7 days, not in remission",
                     "Worse surname not given More spasms than before surgery"}


def test_a_diary_change_after_the_assessment_marks_the_patient(app, client, make_user, clinician, clock):
    patient = operated_patient(app, make_user, "a@example.org", "Ada", before=10, after=1)
    assess(app, clinician, patient, TODAY)
    login_as(client, clinician)
    assert rows_of(client.get("/clinic/patients"))[0][14] == "No"

    clock.advance(minutes=10)  # within the clinician's 30 idle minutes
    check_in(app, patient, TODAY, 0)

    assert rows_of(client.get("/clinic/patients"))[0][14] == "Changed"


def test_the_list_takes_the_same_number_of_queries_for_1_or_30_patients(
    app, client, make_user, clinician
):
    login_as(client, clinician)
    first = operated_patient(app, make_user, "p0@example.org", "P0", before=5, after=1)
    assess(app, clinician, first, TODAY)
    client.get("/clinic/patients")
    with counted_queries(app) as one:
        assert client.get("/clinic/patients").status_code == 200
    for n in range(1, 30):
        patient = make_user(f"p{n}@example.org", display_name=f"P{n}")
        share(app, patient)
        check_in(app, patient, TODAY - timedelta(days=n % 9), n)
    with counted_queries(app) as thirty:
        response = client.get("/clinic/patients")

    assert len(rows_of(response)) == 30
    assert len(thirty) == len(one)


def test_the_table_scrolls_in_its_own_box_and_names_its_reasons(app, client, make_user, clinician):
    operated_patient(app, make_user, "a@example.org", "Ada", before=10, after=1)
    login_as(client, clinician)

    text = client.get("/clinic/patients").get_data(as_text=True)

    assert 'class="table-scroll patient-table-box" tabindex="0" role="region"' in text
    assert "style=" not in text and "<script>" not in text
    assert "Patients" in page_text(client.get("/clinic/patients"))
