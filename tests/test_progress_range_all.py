""""All" on the trajectory: the whole diary and every recorded treatment, however far back.

A diary kept for more than ten years and a toxin injection recorded before the first
logged day are both on the chart: "All" starts at the first of them, not ten years back nor
at the first logged day. Named periods keep their length, and an explicit from/to of the API
is still held to ten years (docs/trajectory.md, The chart).
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

from tests.journal_helpers import check_in
from tests.treatments_support import TODAY, TreatmentRecorder


def chart_payload(client, query: str = "") -> dict:
    """The JSON block the trajectory page draws its chart from."""
    response = client.get(f"/trajectory{query}")
    assert response.status_code == 200
    block = re.search(r'<script type="application/json" id="trajectory-data">(.*?)</script>',
                      response.get_data(as_text=True), re.S)
    return json.loads(block.group(1))


def test_all_starts_at_an_injection_recorded_before_the_first_logged_day(app, client, patient):
    first_logged = TODAY - timedelta(days=60)
    for offset in range(60):
        check_in(app, patient, first_logged + timedelta(days=offset), 5)
    injected = first_logged - timedelta(days=200)
    TreatmentRecorder(app, patient).injection(injected_on=injected, total_units="30")

    payload = chart_payload(client, "?range=all")

    assert payload["range"]["from"] == injected.isoformat()
    assert [i["date"] for i in payload["injections"]] == [injected.isoformat()]
    assert payload["series"]["start"][0] == first_logged.replace(day=1).isoformat()
    # The API's whole diary is the same.
    api = client.get("/api/v1/me/trajectory?bucket=month").get_json()
    assert api["range"]["from"] == injected.isoformat()
    assert [i["date"] for i in api["injections"]] == [injected.isoformat()]


def test_all_covers_a_diary_older_than_ten_years(app, client, patient):
    first = date(2013, 5, 20)  # nearly 13 years before the frozen today
    check_in(app, patient, first, 12)
    check_in(app, patient, date(2016, 2, 3), 9)
    check_in(app, patient, TODAY, 1)
    TreatmentRecorder(app, patient).surgery(performed_on=date(2014, 11, 4))

    payload = chart_payload(client)  # "All" is the page's default

    assert payload["range"] == {"from": first.isoformat(), "to": TODAY.isoformat(), "bucket": "month"}
    assert payload["series"]["start"] == ["2013-05-01", "2016-02-01", "2026-03-01"]
    assert [s["date"] for s in payload["surgeries"]] == ["2014-11-04"]
    # Every period and grouping of that diary answers.
    for query in ("?range=all&bucket=day", "?range=all&bucket=week"):
        assert chart_payload(client, query)["range"]["from"] == first.isoformat()


def test_all_reaches_the_baseline_window_of_an_operation_before_the_diary(app, client, patient):
    check_in(app, patient, TODAY, 0)
    TreatmentRecorder(app, patient).surgery(performed_on=date(2012, 7, 1))

    payload = chart_payload(client)

    assert payload["range"]["from"] == (date(2012, 7, 1) - timedelta(days=28)).isoformat()


def test_a_deleted_injection_does_not_stretch_the_chart(app, client, patient):
    check_in(app, patient, TODAY - timedelta(days=3), 4)
    recorder = TreatmentRecorder(app, patient)
    injection = recorder.injection(injected_on=date(2020, 1, 1))
    recorder.delete("injections", injection)

    assert chart_payload(client)["range"]["from"] == (TODAY - timedelta(days=3)).isoformat()


def test_named_periods_keep_their_length_however_old_the_diary(app, client, patient):
    check_in(app, patient, date(2010, 1, 1), 3)
    check_in(app, patient, TODAY, 1)
    for key, days in (("3m", 91), ("6m", 182), ("1y", 365)):
        payload = chart_payload(client, f"?range={key}")
        assert payload["range"]["from"] == (TODAY - timedelta(days=days - 1)).isoformat(), key


def test_the_api_still_holds_an_explicit_from_and_to_to_ten_years(app, client, patient):
    check_in(app, patient, date(2010, 1, 1), 3)
    response = client.get("/api/v1/me/trajectory?from=2010-01-01&to=2026-03-10")
    assert response.status_code == 400
    assert "from" in response.get_json()["error"]["fields"]
    # Without from and to, the same diary answers whole.
    whole = client.get("/api/v1/me/trajectory?bucket=month")
    assert whole.status_code == 200
    assert whole.get_json()["range"]["from"] == "2010-01-01"
