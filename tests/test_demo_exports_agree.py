"""The clinic's figures agree with a recomputation from the patient's own CSV export.

For every demo patient (the six of the tour and the simulated cohort), the days, surgeries
and injections tables are downloaded as the patient downloads them, the summary is
recomputed from them with the pure maths alone (diary.trajectory), and the clinic's list row,
its one-page report and the cohort view must show the same baseline, now, change and class
(docs/trajectory.md, Which baseline is used; docs/cohort.md).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from diary.clock import local_today
from diary.extensions import db
from diary.models import Role, User
from diary.simulator.demo import DEMO_CLINICIAN
from diary.trajectory import RemissionSummary, ToxinCycle, rules, summarise
from diary.treatments.rules import reference_surgery
from tests.conftest import DEFAULT_NOW
from tests.journal_helpers import login_as, page_text


def table(client, name: str) -> list[dict[str, str]]:
    """One CSV table of the logged-in patient's export, as rows of named cells."""
    response = client.get(f"/export/{name}.csv")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def optional_day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def recomputed(client, today: date) -> RemissionSummary:
    """The summary from the export alone: the day rule's daily figures, the reference
    surgery, and the injections with their recorded wear-off."""
    diary = {date.fromisoformat(r["day"]): int(r["spasms"]) for r in table(client, "days")}
    surgeries = [
        SimpleNamespace(
            id=number, performed_on=date.fromisoformat(r["performed_on"]),
            surgery_type=r["surgery_type"], is_reference=r["is_reference"] == "true",
        )
        for number, r in enumerate(table(client, "surgeries"))
    ]
    reference = reference_surgery(surgeries)
    cycles = [
        ToxinCycle(date.fromisoformat(r["injected_on"]), optional_day(r["wore_off_on"]))
        for r in table(client, "injections")
    ]
    return summarise(diary, today, reference.performed_on if reference else None, cycles)


def number(text: str) -> float | None:
    return float(text) if text else None


def exported_figures(row: dict[str, str]) -> tuple:
    """What summary.csv says of baseline, now, change and class."""
    return (
        number(row["baseline_spasms_per_day"]), row["baseline_source"] or None,
        number(row["last_28_days_spasms_per_day"]), number(row["percent_change"]),
        row["outcome"], row["remission_start"] or None,
    )


def figures(summary: RemissionSummary) -> tuple:
    """The same figures of a recomputed summary."""
    return (  # summary.csv writes a float as Python's repr, which reads back exactly
        summary.baseline_mean, summary.baseline_source, summary.trailing.mean,
        summary.percent_change, summary.outcome,
        summary.remission_start.isoformat() if summary.remission_start else None,
    )


def baseline_cell(summary: RemissionSummary) -> str:
    """The list's baseline cell for a summary (templates/clinic/patients.html)."""
    if summary.baseline_mean is not None:
        marks = {"untreated": " untreated", "clinician": " clinic"}
        return f"{summary.baseline_mean:.1f}{marks.get(summary.baseline_source, '')}"
    if summary.baseline and summary.baseline.toxin.suppressed and summary.baseline.mean is not None:
        return f"{summary.baseline.mean:.1f} toxin"
    return "–"


def change_text(summary: RemissionSummary) -> str:
    change = summary.percent_change
    return "–" if change is None else f"{round(change):+d}%"


def cells(row_html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip()
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row_html, re.S)
    ]


@pytest.fixture
def demo(app, runner) -> None:
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output


def test_list_report_and_cohort_agree_with_the_csv_export_of_every_demo_patient(app, demo):
    with app.app_context():
        patients = db.session.execute(
            sa.select(User.id, User.display_name, User.timezone)
            .where(User.role == Role.PATIENT.value).order_by(User.id)
        ).all()
        clinician = db.session.scalar(sa.select(User.id).where(User.email == DEMO_CLINICIAN.email))
    assert len(patients) >= 40

    expected = {}
    for patient_id, name, zone in patients:
        patient_client = app.test_client()
        login_as(patient_client, patient_id)
        summary = recomputed(patient_client, local_today(zone, DEFAULT_NOW))
        expected[patient_id] = (name, summary)
        [exported] = table(patient_client, "summary")
        assert exported_figures(exported) == figures(summary), name

    staff = app.test_client()
    login_as(staff, clinician)
    listing = staff.get("/clinic/patients").get_data(as_text=True)
    body = listing.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        patient_id = int(re.search(r'href="/clinic/patients/(\d+)"', row).group(1))
        rows[patient_id] = cells(row)
    assert set(rows) == set(expected)

    for patient_id, (name, summary) in expected.items():
        row = rows[patient_id]
        shown = {"baseline": row[6], "now": row[7], "change": row[8], "class": row[9]}
        trailing = f"{summary.trailing.mean:.1f}" if summary.trailing.mean is not None else "–"
        assert shown == {
            "baseline": baseline_cell(summary), "now": trailing,
            "change": change_text(summary), "class": summary.outcome_label,
        }, name
        assert ("More spasms than before surgery" in row[0]) == (
            summary.percent_change is not None and summary.percent_change > 0
        ), name

        report = page_text(staff.get(f"/clinic/patients/{patient_id}/report"))
        assert re.search(rf"Change {re.escape(change_text(summary))}[ <]?", report), name
        assert f"Outcome {summary.outcome_label}" in report, name

    operated = [s for _, s in expected.values() if s.surgery is not None]
    cohort = page_text(staff.get("/clinic/cohort"))
    classes = Counter(s.outcome for s in operated)
    for key, label in rules.CLASS_LABELS.items():
        if classes[key] or key in rules.CLASS_ORDER:
            assert f"{label} {classes[key]}" in cohort, label
    in_remission = sum(1 for s in operated if s.remission_start is not None)
    assert f"{len(operated)} patients sharing" in cohort
    assert f"{in_remission} became spasm-free" in cohort
