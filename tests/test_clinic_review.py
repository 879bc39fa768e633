"""The review page and the clinic's writes: content, audit rows, and the summary following."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import sqlalchemy as sa

from diary.extensions import db
from diary.models import Assessment, ClinicianBaseline, EntryRevision, PatientSummary, Surgery
from diary.progress.summary import compute_summary, summary_values
from tests.clinic_support import assess, audit_actions, share
from tests.journal_helpers import TODAY, check_in, login_as, page_text
from tests.test_progress_summary import stored, summary_values_names
from tests.treatments_support import TreatmentRecorder

SURGERY_DAY = TODAY - timedelta(days=60)


def setup(app, make_user):
    """A shared patient with a diary around an MVD, a toxin injection, and a clinician."""
    patient = make_user("ada@example.org", display_name="Ada", affected_side="left")
    clinician = make_user("doc@example.org", role="clinician", clinic="Sharing clinic")
    share(app, patient)
    treatments = TreatmentRecorder(app, patient)
    surgery = treatments.surgery(performed_on=SURGERY_DAY)
    treatments.injection(injected_on=SURGERY_DAY - timedelta(days=200))
    for offset in range(1, 29):
        check_in(app, patient, SURGERY_DAY - timedelta(days=offset), 10)
    for offset in range(0, 20):
        check_in(app, patient, TODAY - timedelta(days=offset), 1)
    return patient, clinician, surgery


def payload_of(response) -> dict:
    """The chart's JSON block."""
    text = response.get_data(as_text=True)
    block = re.search(r'<script type="application/json" id="trajectory-data">(.*?)</script>', text, re.S)
    return json.loads(block.group(1))


def recomputed(app, patient_id) -> dict:
    """The summary computed from scratch for today."""
    with app.app_context():
        values = summary_values(compute_summary(patient_id, TODAY))
        return {name: values[name] for name in summary_values_names()}


def test_the_review_shows_the_trajectory_treatments_and_is_audited(app, client, make_user):
    patient, clinician, _ = setup(app, make_user)
    assess(app, clinician, patient, TODAY - timedelta(days=7), smc_grade=2, outcome="reduced_90")
    login_as(client, clinician)

    response = client.get(f"/clinic/patients/{patient}")

    assert response.status_code == 200
    text = page_text(response)
    assert "Review: Ada" in text
    assert "Patient-reported" in text and "Verify" in text
    assert "onabotulinumtoxinA" in text or "Botox" in text
    assert "12 months (next)" not in text and "3 months (next)" in text
    payload = payload_of(response)
    assert payload["summary"]["baseline"]["mean"] == 10.0
    assert payload["assessments"] == [
        {"date": (TODAY - timedelta(days=7)).isoformat(), "label": "SMC II, At least 90% fewer"}
    ]
    assert audit_actions(app, patient)[-1] == "view_review"
    client.get(f"/clinic/patients/{patient}")
    assert audit_actions(app, patient).count("view_review") == 2


def test_the_review_lists_what_changed_since_the_last_visit(app, client, make_user, clock):
    patient, clinician, _ = setup(app, make_user)
    clock.advance(days=2)
    assess(app, clinician, patient, TODAY + timedelta(days=2))
    clock.advance(minutes=1)  # what counts was entered after the clinic's last look
    check_in(app, patient, TODAY + timedelta(days=2), 0)  # new
    check_in(app, patient, TODAY - timedelta(days=3), 2)  # an edit of an existing day
    check_in(app, patient, TODAY - timedelta(days=40), 4)  # entered late
    login_as(client, clinician)

    text = page_text(client.get(f"/clinic/patients/{patient}"))

    assert "2 new entries, 1 edited or deleted, 1 added afterwards, more than a day after its day" in text


def test_assessments_are_stored_with_clinic_and_clinician_and_audited(app, client, make_user):
    patient, clinician, _ = setup(app, make_user)
    login_as(client, clinician)

    response = client.post(
        f"/clinic/patients/{patient}/assessments/new",
        data={"visit_on": TODAY.isoformat(), "smc_grade": "1", "house_brackmann_grade": "2",
              "hearing": "reduced", "outcome": "spasm_free", "recurrence": "y", "note": "Well"},
    )

    assert response.status_code == 302
    with app.app_context():
        [row] = db.session.scalars(sa.select(Assessment)).all()
        assert (row.patient_id, row.clinician_id, row.smc_grade, row.house_brackmann_grade,
                row.hearing, row.outcome, row.recurrence, row.note) == (
            patient, clinician, 1, 2, "reduced", "spasm_free", True, "Well")
    assert audit_actions(app, patient)[-1] == "record_assessment"
    later = client.post(f"/clinic/patients/{patient}/assessments/new",
                        data={"visit_on": (TODAY + timedelta(days=1)).isoformat()})
    assert later.status_code == 422
    assert "today or earlier" in page_text(later)


def test_verify_sets_who_and_when_and_is_audited(app, client, make_user):
    patient, clinician, surgery = setup(app, make_user)
    login_as(client, clinician)

    assert client.post(f"/clinic/patients/{patient}/surgeries/{surgery}/verify").status_code == 302

    with app.app_context():
        row = db.session.get(Surgery, surgery)
        assert row.verified_by_id == clinician and row.verified_at is not None
        assert not row.patient_reported
    assert audit_actions(app, patient)[-1] == "verify_surgery"
    assert "Verified" in page_text(client.get(f"/clinic/patients/{patient}"))


def test_editing_the_surgery_keeps_a_revision_and_the_summary_follows(app, client, make_user):
    patient, clinician, surgery = setup(app, make_user)
    login_as(client, clinician)
    new_day = SURGERY_DAY + timedelta(days=7)

    response = client.post(
        f"/clinic/patients/{patient}/surgeries/{surgery}/edit",
        data={"surgery_type": "mvd", "performed_on": new_day.isoformat(), "side": "left",
              "surgeon": "Dr. Weiss"},
    )

    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(Surgery, surgery)
        assert (row.performed_on, row.surgeon, row.verified_by_id) == (new_day, "Dr. Weiss", clinician)
        [revision] = db.session.scalars(sa.select(EntryRevision).where(EntryRevision.entry_type == "surgery"))
        assert revision.before["performed_on"] == SURGERY_DAY.isoformat()
        assert revision.changed_by_id == clinician
    assert audit_actions(app, patient)[-1] == "edit_surgery"
    assert stored(app, patient)["surgery_on"] == new_day
    assert stored(app, patient) == recomputed(app, patient)
    refused = client.post(f"/clinic/patients/{patient}/surgeries/{surgery}/edit",
                          data={"surgery_type": "mvd", "performed_on": "2099-01-01", "side": "left"})
    assert refused.status_code == 422


def test_the_summary_follows_a_reference_surgery_mark(app, client, make_user):
    patient, clinician, first = setup(app, make_user)
    later = TreatmentRecorder(app, patient).surgery(performed_on=TODAY - timedelta(days=10))
    assert stored(app, patient)["surgery_on"] == TODAY - timedelta(days=10)
    login_as(client, clinician)

    assert client.post(f"/clinic/patients/{patient}/surgeries/{first}/reference").status_code == 302

    assert stored(app, patient)["surgery_on"] == SURGERY_DAY
    assert stored(app, patient) == recomputed(app, patient)
    client.post(f"/clinic/patients/{patient}/surgeries/{later}/reference")
    with app.app_context():
        marked = db.session.scalars(sa.select(Surgery.id).where(Surgery.is_reference.is_(True))).all()
    assert marked == [later]
    assert stored(app, patient)["surgery_on"] == TODAY - timedelta(days=10)


def test_a_clinician_baseline_counts_when_the_diary_has_none(app, client, make_user):
    patient = make_user("late@example.org", display_name="Late starter")
    clinician = make_user("doc@example.org", role="clinician", clinic="Sharing clinic")
    share(app, patient)
    TreatmentRecorder(app, patient).surgery(performed_on=SURGERY_DAY)
    for offset in range(0, 14):
        check_in(app, patient, TODAY - timedelta(days=offset), 2)
    login_as(client, clinician)

    response = client.post(f"/clinic/patients/{patient}/baseline",
                           data={"spasms_per_day": "20", "jrs_severity": "3", "jrs_frequency": "2",
                                 "smc_grade": "2"})

    assert response.status_code == 302
    row = stored(app, patient)
    assert (row["baseline_source"], row["baseline_mean"], row["percent_change"]) == ("clinician", 20.0, -90.0)
    assert row == recomputed(app, patient)
    assert audit_actions(app, patient)[-1] == "enter_baseline"
    with app.app_context():
        saved = db.session.get(ClinicianBaseline, patient)
        assert (saved.jrs_severity, saved.jrs_frequency, saved.smc_grade, saved.entered_by_id) == (3, 2, 2, clinician)
        assert db.session.get(PatientSummary, patient).diary_changed_at is not None
    bad = client.post(f"/clinic/patients/{patient}/baseline", data={"spasms_per_day": "5001"})
    assert bad.status_code == 422 and "from 0 to 5000" in page_text(bad)


def test_the_diary_baseline_wins_over_a_clinician_baseline(app, client, make_user):
    patient, clinician, _ = setup(app, make_user)
    login_as(client, clinician)

    client.post(f"/clinic/patients/{patient}/baseline", data={"spasms_per_day": "50"})

    row = stored(app, patient)
    assert (row["baseline_source"], row["baseline_mean"]) == ("diary", 10.0)
    assert row == recomputed(app, patient)


def test_the_clinic_schedule_is_changed_on_the_settings_page(app, client, make_user):
    patient, clinician, _ = setup(app, make_user)
    login_as(client, clinician)

    assert client.post("/clinic/settings", data={"follow_up_schedule": "2w, 2m"}).status_code == 302
    text = page_text(client.get(f"/clinic/patients/{patient}"))
    # The 2-month visit fell yesterday and nobody recorded it: it stays next, overdue.
    schedule = text.replace("( ", "(").replace(" ,", ",")
    assert "2 weeks, no visit recorded" in schedule and "2 months (overdue, next)" in schedule

    refused = client.post("/clinic/settings", data={"follow_up_schedule": "3m,1m"})
    assert refused.status_code == 422 and "earliest to the latest" in page_text(refused)


def test_a_revoked_link_ends_the_clinics_access(app, client, make_user):
    from diary.clock import utcnow
    from diary.models import CareLink

    patient, clinician, _ = setup(app, make_user)
    with app.app_context():
        link = db.session.scalar(sa.select(CareLink))
        link.revoked_at = utcnow()
        db.session.commit()
    login_as(client, clinician)

    assert client.get(f"/clinic/patients/{patient}").status_code == 404
    assert "Ada" not in page_text(client.get("/clinic/patients"))
