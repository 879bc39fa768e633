"""The clinic's patient list: its columns, sorting, the needs-attention rules, fixed queries."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from diary.clinic.patient_list import (
    NO_RECENT_ENTRY,
    RECURRENCE,
    WORSE_THAN_BASELINE,
    attention_reasons,
    changed_since,
)
from diary.i18n import medium_date
from tests.clinic_support import assess, share
from tests.journal_helpers import TODAY, check_in, counted_queries, login_as, page_text
from tests.treatments_support import TreatmentRecorder

# 25 December: the 1-month visit (25 January) is past its overdue window (clinic.schedule.
# OVERDUE_DAYS) and the 3-month one (25 March) is not due, so no row is flagged for a visit.
SURGERY_DAY = TODAY - timedelta(days=75)
# The name cell's line of identity for a patient who gave no surname, birth date or number.
ID = " surname not given born – · no hospital no."


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
        [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip().replace(" ,", ",")
         for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def names_of(response) -> list[str]:
    """The patients' names in the table's order."""
    return [row[0].split(" ", 1)[0] for row in rows_of(response)]


def test_the_list_shows_every_column_of_a_shared_patient(app, client, make_user, clinician):
    patient = operated_patient(app, make_user, "ada@example.org", "Ada", before=10, after=1)
    make_user("hidden@example.org", display_name="Not shared")
    login_as(client, clinician)

    response = client.get("/clinic/patients")

    assert response.status_code == 200
    [row] = rows_of(response)
    assert row == [
        f"Ada{ID} Left · MVD {medium_date(SURGERY_DAY)}, day 75 "
        "Surgery reported by the patient, not yet verified",
        "10.0", "1.0", "-90%", "At least 90% fewer", "0", f"28/28 last {medium_date(TODAY)}",
        "25 March 2026 3 months after surgery", "No visit yet",
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

    assert row[7] == f"{medium_date(TODAY + timedelta(days=5))} booked visit"


def test_completeness_counts_logged_days_of_the_last_28_in_the_patients_zone(
    app, client, make_user, clinician
):
    patient = make_user("ada@example.org", display_name="Ada")
    share(app, patient)
    for offset in (0, 3, 27, 28, 40):  # 28 days ago is outside the window
        check_in(app, patient, TODAY - timedelta(days=offset), 2)
    login_as(client, clinician)

    [row] = rows_of(client.get("/clinic/patients"))

    assert row[6] == f"3/28 last {medium_date(TODAY)}"


def test_the_list_sorts_by_any_column_both_ways(app, client, make_user, clinician):
    operated_patient(app, make_user, "a@example.org", "Ada", before=10, after=1)
    operated_patient(app, make_user, "b@example.org", "Bea", before=10, after=8)
    operated_patient(app, make_user, "c@example.org", "Cai", before=10, after=4)
    login_as(client, clinician)

    by_change = client.get("/clinic/patients?sort=change&dir=asc")
    by_change_desc = client.get("/clinic/patients?sort=change&dir=desc")

    assert names_of(by_change) == ["Ada", "Cai", "Bea"]
    assert names_of(by_change_desc) == ["Bea", "Cai", "Ada"]
    html = by_change.get_data(as_text=True)
    assert 'aria-sort="ascending"' in html
    assert 'href="/clinic/patients?sort=change&amp;dir=desc"' in html  # the header turns it round
    assert names_of(client.get("/clinic/patients?sort=name&dir=desc")) == ["Cai", "Bea", "Ada"]
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
    assert names == {
        f"Quiet{ID} Side – No diary entry for 7 days, not in remission",
        f"Worse{ID} Left · MVD {medium_date(SURGERY_DAY)}, day 75 More spasms than before surgery "
        "Surgery reported by the patient, not yet verified",
        f"Ada{ID} Left · MVD {medium_date(SURGERY_DAY)}, day 75 "
        "Surgery reported by the patient, not yet verified",
    }


def test_a_diary_change_after_the_assessment_marks_the_patient(app, client, make_user, clinician, clock):
    patient = operated_patient(app, make_user, "a@example.org", "Ada", before=10, after=1)
    assess(app, clinician, patient, TODAY)
    login_as(client, clinician)
    assert rows_of(client.get("/clinic/patients"))[0][8] == "No"

    clock.advance(minutes=10)  # within the clinician's 30 idle minutes
    check_in(app, patient, TODAY, 0)

    assert rows_of(client.get("/clinic/patients"))[0][8] == "Changed"


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


# Pages, and the order in SQL ------------------------------------------------------------------


def mixed_clinic(app, make_user, clinician) -> None:
    """Patients with every kind of figure: operated or not, quiet, booked, assessed, worse."""
    from diary.reminders import services as reminders
    from tests.journal_helpers import account

    operated_patient(app, make_user, "a@example.org", "Ada", before=10, after=1)
    worse = operated_patient(app, make_user, "w@example.org", "Wim", before=2, after=5)
    assess(app, clinician, worse, TODAY)
    booked = operated_patient(app, make_user, "b@example.org", "Bea", before=10, after=10)
    with account(app, booked) as user:
        reminders.add_visit(user, reminders.VisitValues(TODAY, 600, "Clinic"))
    for n, back in enumerate((0, 3, 9, 30)):
        patient = make_user(f"q{n}@example.org", display_name=f"Quinn {n}", affected_side="right")
        share(app, patient)
        check_in(app, patient, TODAY - timedelta(days=back), n)
    make_user("s@example.org", display_name="Sam")  # not shared
    share(app, make_user("e@example.org", display_name="Eve"))  # shared, nothing written


@pytest.mark.parametrize("descending", [False, True])
def test_the_sql_order_is_the_order_sort_rows_defines(app, make_user, clinician, descending):
    from diary.clinic import queries
    from diary.clinic.patient_list import SORT_KEYS, sort_rows
    from diary.extensions import db
    from diary.models import User

    mixed_clinic(app, make_user, clinician)
    with app.app_context():
        viewer = db.session.get(User, clinician)
        every = queries.patient_rows(viewer)
        assert len(every) == 8
        for key in SORT_KEYS:
            listed = queries.patient_rows(viewer, listing=queries.Listing(key, descending))
            assert [r.name for r in listed] == [r.name for r in sort_rows(every, key, descending)], key


def verified(app, clinician: int, patient: int) -> int:
    """The patient's operations verified by the clinician, as on the review page."""
    from diary.clinic import services
    from diary.extensions import db
    from diary.models import Surgery, User

    with app.test_request_context():
        viewer = db.session.get(User, clinician)
        for surgery in db.session.scalars(sa.select(Surgery.id).where(Surgery.patient_id == patient)):
            services.verify_surgery(viewer, patient, surgery)
    return patient


def test_the_list_opens_on_who_needs_attention_or_has_a_visit_due(app, client, make_user, clinician):
    from diary.reminders import services as reminders
    from tests.journal_helpers import account

    for email, name in (("z@example.org", "Zed"), ("a@example.org", "Ada")):
        verified(app, clinician, operated_patient(app, make_user, email, name, before=10, after=1))
    booked = verified(app, clinician, operated_patient(app, make_user, "b@example.org", "Bea",
                                                       before=10, after=1))
    with account(app, booked) as user:
        reminders.add_visit(user, reminders.VisitValues(TODAY, 600, "Clinic"))
    verified(app, clinician, operated_patient(app, make_user, "w@example.org", "Wim", before=2, after=5))
    login_as(client, clinician)

    response = client.get("/clinic/patients")

    assert names_of(response) == ["Bea", "Wim", "Ada", "Zed"]
    mvd = f"{ID.strip()} Left · MVD {medium_date(SURGERY_DAY)}, day 75"
    assert [row[0] for row in rows_of(response)] == [
        f"Bea {mvd}", f"Wim {mvd} More spasms than before surgery", f"Ada {mvd}", f"Zed {mvd}",
    ]
    assert rows_of(response)[0][7] == f"{medium_date(TODAY)} booked visit"
    text = response.get_data(as_text=True)
    assert "4 patients share their diary with your clinic; 1 needs attention" in text
    assert names_of(client.get("/clinic/patients?sort=attention&dir=desc")) == [
        "Ada", "Zed", "Bea", "Wim"
    ]


def many_patients(app, make_user, count: int, start: int = 0) -> None:
    """Shared patients who logged a day each, none of whom needs attention."""
    for n in range(start, start + count):
        patient = make_user(f"p{n}@example.org", display_name=f"P{n:03d}")
        share(app, patient)
        for back in range(14):
            check_in(app, patient, TODAY - timedelta(days=back), 1)


def test_the_list_comes_in_pages_of_50_and_its_links_keep_sort_and_filter(
    app, client, make_user, clinician
):
    many_patients(app, make_user, 52)
    quiet = make_user("quiet@example.org", display_name="Quiet")
    share(app, quiet)
    login_as(client, clinician)

    first = client.get("/clinic/patients")
    second = client.get("/clinic/patients?page=2")

    assert names_of(first)[0] == "Quiet" and len(rows_of(first)) == 50
    assert names_of(second) == ["P049", "P050", "P051"]
    html = first.get_data(as_text=True)
    assert 'href="/clinic/patients?sort=attention&amp;dir=asc&amp;page=2"' in html
    assert "Page 1 of 2 (53 patients)" in html
    by_name = client.get("/clinic/patients?sort=name&dir=desc&page=2").get_data(as_text=True)
    assert 'href="/clinic/patients?sort=change&amp;dir=asc&amp;page=2"' in by_name  # keeps the page
    assert 'href="/clinic/patients?sort=name&amp;dir=desc"' in by_name  # previous: page 1
    assert names_of(client.get("/clinic/patients?page=99")) == ["P049", "P050", "P051"]
    assert names_of(client.get("/clinic/patients?page=-4"))[0] == "Quiet"
    attention = client.get("/clinic/patients?filter=attention&page=2")
    assert names_of(attention) == ["Quiet"]  # one page: the last is the first
    assert 'sort=name&amp;dir=asc&amp;filter=attention' in attention.get_data(as_text=True)


def test_a_page_takes_the_same_number_of_queries_for_1_or_60_patients(
    app, client, make_user, clinician
):
    login_as(client, clinician)
    operated_patient(app, make_user, "one@example.org", "One", before=5, after=1)
    client.get("/clinic/patients")
    with counted_queries(app) as one:
        assert client.get("/clinic/patients?page=1&sort=next_due").status_code == 200
    many_patients(app, make_user, 59)
    with counted_queries(app) as sixty:
        response = client.get("/clinic/patients?page=1&sort=next_due")

    assert len(rows_of(response)) == 50
    assert len(sixty) == len(one)


def test_the_default_page_of_a_500_patient_clinic_is_under_60_kb(app, client, clinician):
    """The benchmark's reference clinic in size (bench/dataset.py), with short diaries."""
    import random
    from datetime import UTC, datetime, time

    from diary.extensions import db
    from diary.models import Clinic
    from diary.simulator.clinic import reference_accounts
    from diary.simulator.rows import ClinicContext
    from diary.simulator.writer import write_patients

    now = datetime.combine(TODAY, time(11), tzinfo=UTC)
    accounts = reference_accounts(random.Random(500), now, 500, pre_op_days=30, post_op_days=40,
                                  completeness=None)
    with app.app_context():
        clinic_id = db.session.scalar(sa.select(Clinic.id).where(Clinic.name == "Sharing clinic"))
        write_patients(accounts, password_hash="x", now=now,
                       clinic=ClinicContext(clinic_id, "Sharing clinic", clinician, "Dr. Doc"))
    login_as(client, clinician)

    with counted_queries(app) as queries:
        response = client.get("/clinic/patients")

    size = len(response.get_data())
    assert response.status_code == 200 and len(rows_of(response)) == 50
    assert size < 60_000, f"{size} bytes"
    assert "500 patients share their diary" in response.get_data(as_text=True)
    assert len(queries) <= 12


@pytest.mark.parametrize("query", [
    "page=99999999999999999999999999", "page=abc", "page=-1&sort=%00&dir=sideways",
    "filter=attention&page=18446744073709551616&sort=next_due", "sort=" + "x" * 5000,
])
def test_odd_list_arguments_answer_a_page(app, client, make_user, clinician, query):
    operated_patient(app, make_user, "a@example.org", "Ada", before=10, after=1)
    login_as(client, clinician)
    response = client.get(f"/clinic/patients?{query}")
    assert response.status_code == 200
    assert names_of(response) == ["Ada"]


def test_a_visit_nobody_recorded_is_overdue_until_the_patient_books_one(app, client, make_user, clinician):
    from diary.reminders import services as reminders
    from tests.journal_helpers import account

    patient = make_user("ada@example.org", display_name="Ada", affected_side="left")
    share(app, patient)
    # The 1-month visit (9 February) is 29 days past and nobody recorded it.
    TreatmentRecorder(app, patient).surgery(performed_on=TODAY - timedelta(days=60))
    verified(app, clinician, patient)
    check_in(app, patient, TODAY, 1)
    login_as(client, clinician)

    response = client.get("/clinic/patients")
    [row] = rows_of(response)
    assert row[7] == "9 February 2026 overdue 1 month after surgery"
    assert "Follow-up visit due or overdue" in row[0]
    assert names_of(response) == ["Ada"]  # the list opens on it

    # The patient books the visit for next week: the booked visit is what the list shows.
    with account(app, patient) as user:
        reminders.add_visit(user, reminders.VisitValues(TODAY + timedelta(days=7), 600, "Clinic"))
    [row] = rows_of(client.get("/clinic/patients"))
    assert row[7] == "17 March 2026 booked visit"
    [row] = rows_of(client.get("/clinic/patients?sort=next_due"))
    assert row[7] == "17 March 2026 booked visit"
    # The reason the clinic was told stays until the clinic records the visit itself.
    assert "Follow-up visit due or overdue" in row[0]
