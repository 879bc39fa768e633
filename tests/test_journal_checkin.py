"""The daily check-in: one per patient and local date, validated like the database checks it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.journal_helpers import TODAY, check_in, check_ins, page_text, revisions

LABELS = [
    "Date",
    "Number of spasms",
    "How long did one spasm usually last?",
    "How strong were the spasms? (Jankovic severity)",
    "How often did they come? (Jankovic frequency)",
    "Where on your face?",
    "What were they like? (clonic or tonic)",
    "What set them off?",
    "Something else that set them off",
    "Note",
]


def form(**values) -> dict:
    """A check-in submission: today with 3 spasms, plus any other values."""
    return {"day": TODAY.isoformat(), "spasm_count": "3", **values}


def test_checkin_form_shows_every_label_and_the_save_button(client, patient):
    page = client.get("/checkin").get_data(as_text=True)

    for label in LABELS:
        assert re.search(rf"<(label|legend)[^>]*>{re.escape(label)}</", page), label
    assert ">Save check-in</button>" in page
    assert 'value="2026-03-10"' in page  # today in Berlin by default
    assert "<legend>Which side?</legend>" not in page  # only asked when both sides are affected
    assert "<script>" not in page and "style=" not in page


def test_jrs_levels_show_their_wording_beside_each_choice(client, patient):
    page = page_text(client.get("/checkin"))

    assert "Fluttering that comes by itself, noticeable, not disabling" in page
    assert "The eye is shut by spasms more than half the day" in page
    assert "Your own rating" in page


def test_side_is_asked_only_of_patients_affected_on_both_sides(client, make_user, auth, app):
    make_user("both@example.org", affected_side="both")
    auth.login("both@example.org")

    assert "<legend>Which side?</legend>" in client.get("/checkin").get_data(as_text=True)
    response = client.post("/checkin", data=form(side="left"))

    assert response.status_code == 302
    assert check_ins(app)[0].side == "left"


def test_only_the_number_of_spasms_is_required(client, patient, app):
    response = client.post("/checkin", data=form())

    assert response.status_code == 302
    (row,) = check_ins(app, patient_id=patient)
    assert (row.day, row.spasm_count, row.entry_method) == (TODAY, 3, "form")
    assert row.regions == [] and row.triggers == [] and row.note is None
    assert row.jrs_severity is None and row.typical_duration_seconds is None


def test_every_detail_is_saved(client, patient, app):
    response = client.post(
        "/checkin",
        data=form(
            typical_duration_seconds="5",
            jrs_severity="2",
            jrs_frequency="0",
            regions=["cheek", "eye"],
            spasm_type="tonic",
            triggers=["talking", "stress"],
            trigger_other="  cold wind ",
            note="Worse in the evening.\r\nBetter after sleep.",
        ),
    )

    assert response.status_code == 302
    (row,) = check_ins(app)
    assert row.typical_duration_seconds == 5
    assert (row.jrs_severity, row.jrs_frequency) == (2, 0)
    assert row.regions == ["eye", "cheek"]  # in the form's order, once each
    assert row.spasm_type == "tonic"
    assert row.triggers == ["stress", "talking"]
    assert row.trigger_other == "cold wind"
    assert row.note == "Worse in the evening.\nBetter after sleep."


def test_checkin_for_future_date_is_refused(client, patient, app):
    response = client.post("/checkin", data=form(day="2026-03-11", note="keep me"))

    assert response.status_code == 422
    assert "This day has not come yet" in page_text(response)
    assert "keep me" in response.get_data(as_text=True)
    assert check_ins(app) == []


def test_today_follows_the_patients_time_zone(client, patient, clock, app):
    # 23:30 UTC on 10 March is 00:30 on 11 March in Berlin: the 11th is today, not the future.
    clock.set(datetime(2026, 3, 10, 23, 30, tzinfo=UTC))

    assert 'value="2026-03-11"' in client.get("/checkin").get_data(as_text=True)
    assert client.post("/checkin", data=form(day="2026-03-11")).status_code == 302
    assert check_ins(app)[0].day.isoformat() == "2026-03-11"


def test_past_days_are_allowed_and_marked_entered_later(client, patient, app):
    client.post("/checkin", data=form(day="2026-03-09"))
    client.post("/checkin", data=form(day="2026-03-08"))

    rows = {r.day.isoformat(): r for r in check_ins(app)}
    assert rows["2026-03-09"].retrospective is False  # yesterday is not "later"
    assert rows["2026-03-08"].retrospective is True
    assert rows["2026-03-08"].created_by_id == patient
    assert rows["2026-03-08"].updated_by_id == patient


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"spasm_count": ""}, "spasm_count", "Enter the number of spasms"),
        ({"spasm_count": "-1"}, "spasm_count", "from 0 to 2000"),
        ({"spasm_count": "2001"}, "spasm_count", "from 0 to 2000"),
        ({"spasm_count": "9" * 40}, "spasm_count", "from 0 to 2000"),
        ({"spasm_count": "twelve"}, "spasm_count", "whole number"),
        ({"spasm_count": "3.5"}, "spasm_count", "whole number"),
        ({"day": ""}, "day", "Enter the date"),
        ({"day": "10/03/2026"}, "day", "like 2026-03-10"),
        ({"day": "2026-02-30"}, "day", "like 2026-03-10"),
        ({"day": "1899-12-31"}, "day", "after 1900"),
        ({"typical_duration_seconds": "7"}, "typical_duration_seconds", "Choose one of the options"),
        ({"typical_duration_seconds": "x"}, "typical_duration_seconds", "Choose one of the options"),
        ({"jrs_severity": "5"}, "jrs_severity", "Choose one of the options"),
        ({"jrs_frequency": "-1"}, "jrs_frequency", "Choose one of the options"),
        ({"regions": ["eye", "nose"]}, "regions", "Choose one of the options"),
        ({"spasm_type": "sneeze"}, "spasm_type", "Choose one of the options"),
        ({"triggers": ["moon"]}, "triggers", "Choose one of the options"),
        ({"trigger_other": "x" * 201}, "trigger_other", "under 200 characters"),
        ({"note": "x" * 2001}, "note", "under 2,000 characters"),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_nothing_is_saved(
    client, patient, app, values, field, message
):
    submitted = form(**{"note": "I keep this", "regions": ["chin"], **values})
    response = client.post("/checkin", data=submitted)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    errors = re.search(rf'<ul class="field-errors" id="{field}-error">(.*?)</ul>', page, re.S)
    assert errors and message in errors.group(1)
    if field != "note":
        assert "I keep this" in page
    if field != "regions":
        assert re.search(r'<input checked id="regions-\d" name="regions" type="checkbox" value="chin">', page)
    assert check_ins(app) == []


def test_a_note_of_exactly_2000_characters_is_kept(client, patient, app):
    assert client.post("/checkin", data=form(note="n" * 2000)).status_code == 302
    assert len(check_ins(app)[0].note) == 2000


def test_get_with_a_day_prefills_that_days_checkin(client, patient, app):
    check_in(app, patient, TODAY - timedelta(days=3), 12, note="Tired", regions=["neck"])

    page = client.get("/checkin?day=2026-03-07").get_data(as_text=True)

    assert "Check-in for Saturday, 7 March 2026" in page
    assert 'value="2026-03-07"' in page
    assert 'value="12"' in page
    assert "Tired</textarea>" in page
    assert 'checked id="regions-5" name="regions" type="checkbox" value="neck"' in page


@pytest.mark.parametrize("day", ["garbage", "2026-13-01", "9999-99-99", "%00"])
def test_an_unreadable_day_in_the_link_shows_today_and_says_so(client, patient, day):
    response = client.get(f"/checkin?day={day}")

    assert response.status_code == 200
    assert 'value="2026-03-10"' in response.get_data(as_text=True)
    assert "could not be read, so the page shows today" in page_text(response)


@pytest.mark.parametrize(("day", "words"), [("2026-03-11", "Wednesday, 11 March 2026"), ("2027-01-01", "Friday, 1 January 2027")])
def test_a_future_day_in_the_link_says_the_day_has_not_come_and_offers_no_form(client, patient, day, words):
    response = client.get(f"/checkin?day={day}")

    assert response.status_code == 200
    page = page_text(response)
    assert "That day has not come yet" in page
    assert f"{words} is still to come" in page
    html = response.get_data(as_text=True)
    assert 'name="spasm_count"' not in html  # no form quietly set to another day
    assert 'href="/checkin">Log today</a>' in html


def test_submitting_again_edits_the_checkin_and_keeps_a_revision(client, patient, app):
    client.post("/checkin", data=form(spasm_count="3", note="first"))
    client.post("/checkin", data=form(spasm_count="8", note="second"))

    (row,) = check_ins(app)
    assert (row.spasm_count, row.note) == (8, "second")
    (revision,) = revisions(app)
    assert (revision.entry_type, revision.entry_id, revision.action) == ("check_in", row.id, "update")
    assert revision.before["spasm_count"] == 3 and revision.before["note"] == "first"
    assert revision.changed_by_id == patient


def test_saving_the_same_values_again_writes_no_revision(client, patient, app):
    client.post("/checkin", data=form())
    client.post("/checkin", data=form())

    assert len(check_ins(app)) == 1
    assert revisions(app) == []


def test_edit_keeps_creation_provenance(client, patient, app, clock):
    client.post("/checkin", data=form(day="2026-03-09"))
    created = check_ins(app)[0]
    clock.advance(days=5)
    client.post("/checkin", data=form(day="2026-03-09", spasm_count="4"))

    (row,) = check_ins(app)
    assert row.created_at == created.created_at
    assert row.updated_at == created.updated_at + timedelta(days=5)
    assert row.retrospective is False  # entered in time; the later edit is a revision


def test_a_deleted_days_checkin_is_revived_by_a_new_submission(client, patient, app, clock):
    client.post("/checkin", data=form(spasm_count="9"))
    (old,) = check_ins(app)
    client.post(f"/checkins/{old.id}/delete")
    clock.advance(hours=1)
    client.post("/checkin", data=form(spasm_count="2"))

    (row,) = check_ins(app)
    assert row.id == old.id
    assert row.deleted_at is None
    assert row.spasm_count == 2
    assert row.created_at == old.created_at + timedelta(hours=1)  # a new entry, not an edit
    assert [r.action for r in revisions(app)] == ["delete"]


# --- the folded detail ----------------------------------------------------------------------


def detail(page: str) -> str:
    """The opening tag of the check-in's detail disclosure."""
    found = re.search(r'<details class="checkin-detail"[^>]*>', page)
    assert found, "no detail disclosure"
    return found.group(0)


def test_the_count_and_save_come_first_and_the_detail_is_folded(client, patient):
    page = client.get("/checkin").get_data(as_text=True)

    assert detail(page) == '<details class="checkin-detail">'
    count, save, folded = (page.index(s) for s in ('name="spasm_count"', ">Save check-in</button>", '<details class="checkin-detail"'))
    assert count < save < folded
    for name in ("typical_duration_seconds", "jrs_severity", "jrs_frequency", "regions", "spasm_type", "triggers", "trigger_other", "note"):
        assert page.index(f'name="{name}"') > folded, name
    assert "Press Enter or Save" in page_text(client.get("/checkin"))


def test_the_detail_opens_by_itself_when_the_day_has_detail(client, patient, app):
    check_in(app, patient, TODAY, 3, note="windy")
    check_in(app, patient, TODAY - timedelta(days=1), 3)

    assert detail(client.get("/checkin?day=2026-03-10").get_data(as_text=True)).endswith(" open>")
    assert " open" not in detail(client.get("/checkin?day=2026-03-09").get_data(as_text=True))


def test_a_severity_of_zero_counts_as_detail(client, patient, app):
    check_in(app, patient, TODAY, 3, jrs_severity=0)

    assert detail(client.get("/checkin").get_data(as_text=True)).endswith(" open>")


def test_the_detail_opens_by_itself_on_an_error_in_it(client, patient):
    response = client.post("/checkin", data=form(jrs_severity="9"))

    assert response.status_code == 422
    assert detail(response.get_data(as_text=True)).endswith(" open>")


def test_an_error_in_the_count_alone_leaves_the_detail_folded(client, patient):
    response = client.post("/checkin", data=form(spasm_count=""))

    assert response.status_code == 422
    assert " open" not in detail(response.get_data(as_text=True))


# --- days long ago ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("2018-12-31", "is before 2019, the year your spasms began"),
        ("2016-03-09", "is more than ten years ago"),
    ],
)
def test_a_day_before_the_spasms_began_or_over_ten_years_back_asks_for_confirmation(
    client, make_user, auth, app, day, reason
):
    make_user("old@example.org", symptoms_since_year=2019 if day.startswith("2018") else None)
    auth.login("old@example.org")

    asked = client.post("/checkin", data=form(day=day, note="long ago"))

    assert asked.status_code == 422
    page = asked.get_data(as_text=True)
    errors = re.search(r'<ul class="field-errors" id="day-error">(.*?)</ul>', page, re.S)
    assert errors and reason in errors.group(1)
    assert '<input id="confirm_day" name="confirm_day" type="checkbox" value="y">' in page
    assert "long ago" in page  # what was typed stays
    assert check_ins(app) == []

    confirmed = client.post("/checkin", data=form(day=day, note="long ago", confirm_day="y"))

    assert confirmed.status_code == 302
    (row,) = check_ins(app)
    assert (row.day.isoformat(), row.note) == (day, "long ago")


@pytest.mark.parametrize("day", ["2016-03-10", "2026-03-09"])
def test_days_since_the_spasms_began_within_ten_years_save_at_once(client, make_user, auth, app, day):
    make_user("recent@example.org", symptoms_since_year=2016)
    auth.login("recent@example.org")

    response = client.post("/checkin", data=form(day=day))

    assert response.status_code == 302
    assert 'name="confirm_day"' not in client.get("/checkin").get_data(as_text=True)
    assert len(check_ins(app)) == 1
