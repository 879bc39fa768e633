"""The benchmark runs end to end on a tiny clinic (its figures are judged by `make bench`, not here)."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stdout

import pytest

from bench import run


@pytest.fixture(scope="module")
def report() -> tuple[int, str]:
    """One run on SQLite: 2 reference patients and the probes, 20 measured runs."""
    out = io.StringIO()
    with redirect_stdout(out):
        status = run.main(["--patients", "2", "--runs", "20", "--warmup", "1", "--database-url", ""])
    return status, out.getvalue()


def test_the_benchmark_builds_measures_and_reports_every_bar(report):
    status, out = report
    assert status in (0, 1)  # 1 only when a bar is missed
    assert re.search(r"check_ins\s+[1-9][\d,]*", out)
    for bar in ("Build the reference clinic", "3 years, daily: server time", "JSON size",
                "Saving a check-in (form POST): server time", "3 years against 3 months",
                "Cohort view (reference clinic): server time",
                "Clinician patient list, default page: HTML size"):
        assert re.search(re.escape(bar) + r".*(PASS|FAIL)", out), bar


def test_the_trajectory_runs_the_same_number_of_queries_for_any_length_of_diary(report):
    _, out = report
    assert re.search(r"queries per request, 3 months / 1 year / 3 years.*PASS", out)
