""""Changed since the last visit" compares moments: the clinic's last look at the diary.

The moment is the later of the clinic's last opening of the review before this page view
(the audit trail's view_review rows of the viewer's clinics) and its latest assessment's
recording (docs/clinic.md, Changed since the last visit). The clinic's day here: an
assessment a month ago; this morning the patient logs two days at 08:00 and the clinician
opens the review at 08:30 (the visit); what the patient does after that is what changed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from diary.clinic.patient_list import changed_since
from tests.clinic_support import assess, share
from tests.journal_helpers import TODAY, check_in, login_as, page_text
from tests.test_clinic_list import rows_of
from tests.treatments_support import TreatmentRecorder

SURGERY_DAY = TODAY - timedelta(days=90)
MORNING = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)  # 08:00 in Berlin
CHANGED_COLUMN = 8


@pytest.fixture
def visit_day(app, make_user, clock):
    """(patient, clinician, injection id): assessed a month ago, two days logged this morning."""
    clock.set(MORNING - timedelta(days=30))
    patient = make_user("ada@example.org", display_name="Ada")
    clinician = make_user("doc@example.org", role="clinician", clinic="Sharing clinic")
    share(app, patient)
    treatments = TreatmentRecorder(app, patient)
    treatments.surgery(performed_on=SURGERY_DAY)
    injection = treatments.injection(injected_on=SURGERY_DAY - timedelta(days=100))
    for offset in range(31, 36):
        check_in(app, patient, TODAY - timedelta(days=offset), 3)
    assess(app, clinician, patient, TODAY - timedelta(days=30))
    clock.set(MORNING)
    check_in(app, patient, TODAY - timedelta(days=1), 2)
    check_in(app, patient, TODAY, 1)
    return patient, clinician, injection


def open_review(client, clinician: int, patient: int) -> str:
    """The clinician opens the review; its "changed since" paragraph and list, as text."""
    login_as(client, clinician)
    text = re.sub(r" ([,:])", r"\1", page_text(client.get(f"/clinic/patients/{patient}")))
    return text.split("Changed since the last visit", 1)[1].split("Surgery", 1)[0]


def changed_cell(client, clinician: int) -> str:
    """The list's "Changed since visit" cell of the only patient."""
    login_as(client, clinician)
    return rows_of(client.get("/clinic/patients"))[0][CHANGED_COLUMN]


def counts(text: str) -> str:
    """ "N new entries, M edited or deleted" from the paragraph."""
    return re.search(r"\d+ new entr\w+, \d+ edited or deleted", text).group(0)


def test_entries_made_before_the_last_opening_of_the_review_do_not_count(app, client, visit_day, clock):
    patient, clinician, _ = visit_day
    clock.set(MORNING + timedelta(minutes=30))
    open_review(client, clinician, patient)  # the visit

    clock.set(MORNING + timedelta(minutes=50))
    assert changed_cell(client, clinician) == "No"
    text = open_review(client, clinician, patient)

    assert counts(text) == "0 new entries, 0 edited or deleted"
    assert "Since Tuesday, 10 March 2026 at 08:30, when the clinic last opened this review" in text


def test_an_edit_after_the_last_opening_counts(app, client, visit_day, clock):
    patient, clinician, _ = visit_day
    clock.set(MORNING + timedelta(minutes=30))
    open_review(client, clinician, patient)

    clock.set(MORNING + timedelta(minutes=40))
    check_in(app, patient, TODAY, 4)  # the patient corrects today's number
    clock.set(MORNING + timedelta(minutes=50))
    assert changed_cell(client, clinician) == "Changed"
    text = open_review(client, clinician, patient)

    assert counts(text) == "0 new entries, 1 edited or deleted"
    assert "Check-in for 10 March 2026: edited" in text


def test_a_deletion_after_the_last_opening_counts(app, client, visit_day, clock):
    patient, clinician, injection = visit_day
    clock.set(MORNING + timedelta(minutes=30))
    open_review(client, clinician, patient)

    clock.set(MORNING + timedelta(minutes=40))
    TreatmentRecorder(app, patient).delete("injections", injection)
    clock.set(MORNING + timedelta(minutes=50))
    assert changed_cell(client, clinician) == "Changed"
    text = open_review(client, clinician, patient)

    assert counts(text) == "0 new entries, 1 edited or deleted"
    assert "Injection for" in text and ": deleted" in text


def test_the_page_view_itself_does_not_move_the_moment(app, client, visit_day, clock):
    patient, clinician, _ = visit_day
    clock.set(MORNING + timedelta(minutes=30))
    open_review(client, clinician, patient)
    clock.set(MORNING + timedelta(minutes=40))
    check_in(app, patient, TODAY - timedelta(days=2), 5)  # a new day

    clock.set(MORNING + timedelta(minutes=50))
    text = open_review(client, clinician, patient)

    # Counted from the 08:30 opening, not from this view at 08:50, which is audited too.
    assert "Since Tuesday, 10 March 2026 at 08:30" in text
    assert counts(text) == "1 new entry, 0 edited or deleted"


def test_a_clinic_that_never_opened_the_review_counts_from_its_latest_assessment(
    app, client, visit_day, clock
):
    patient, clinician, _ = visit_day
    clock.set(MORNING + timedelta(minutes=30))
    assess(app, clinician, patient, TODAY)  # recorded at 08:30, the review never opened
    clock.set(MORNING + timedelta(minutes=40))
    check_in(app, patient, TODAY - timedelta(days=2), 5)

    assert changed_cell(client, clinician) == "Changed"
    clock.set(MORNING + timedelta(minutes=50))
    text = open_review(client, clinician, patient)

    assert "Since Tuesday, 10 March 2026 at 08:30, when the clinic recorded the latest assessment" in text
    assert counts(text) == "1 new entry, 0 edited or deleted"


def test_another_clinics_opening_does_not_count(app, client, make_user, visit_day, clock):
    patient, clinician, _ = visit_day
    other = make_user("other@example.org", role="clinician", clinic="Other clinic")
    share(app, patient, "Other clinic")
    clock.set(MORNING + timedelta(minutes=30))
    open_review(app.test_client(), other, patient)

    clock.set(MORNING + timedelta(minutes=50))
    assert changed_cell(client, clinician) == "Changed"
    text = open_review(client, clinician, patient)

    # Sharing clinic's last look is still its assessment of a month ago.
    assert counts(text) == "2 new entries, 0 edited or deleted"


def test_the_list_counts_from_the_later_of_the_assessment_and_the_opening():
    assessed = datetime(2026, 3, 1, 9, tzinfo=UTC)
    opened = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)

    assert changed_since(datetime(2026, 3, 10, 8, tzinfo=UTC), assessed, opened) is False
    assert changed_since(datetime(2026, 3, 10, 9, tzinfo=UTC), assessed, opened) is True
    assert changed_since(datetime(2026, 3, 10, 9, tzinfo=UTC), None, opened) is True
    assert changed_since(datetime(2026, 3, 10, 9, tzinfo=UTC), None, None) is None
