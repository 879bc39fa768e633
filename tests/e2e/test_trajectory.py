"""A patient reads their trajectory on a phone: the chart, its treatments, its table and its print.

The fixture patient has hemifacial spasm on the left and kept a diary from April 2025: about
20 spasms a day, fewer for some weeks after each of two Botox injections, gabapentin from
September to shortly after surgery, an MVD on 1 December 2025, and then a decline to none.
One day in nine before surgery (and the day of surgery) has nothing logged, so logged days
and calendar days differ. The app's clock stands at Tuesday, 10 March 2026 (Berlin).

The chart is read from `window.trajectoryChart` (the Chart.js instance): its datasets and
annotations (keys surgery0.., injection0.., regimen0.., baseline). The table is compared row
by row with GET /api/v1/me/trajectory for the same range and bucket. Every page is checked
with axe-core, for browser problems and for sideways scrolling at 360 px (`check_page`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.checks import check_page
from tests.e2e.flows import log_in
from tests.journal_helpers import check_in
from tests.treatments_support import TreatmentRecorder

TODAY = date(2026, 3, 10)
SURGERY = date(2025, 12, 1)
# Botox 13 weeks apart; the second is more than 12 weeks before the baseline window opens,
# so the 28 days before surgery are an untreated baseline of about 20 a day.
INJECTIONS = [(date(2025, 5, 5), "25"), (date(2025, 8, 4), "30")]
REGIMEN_FROM, REGIMEN_TO = date(2025, 9, 1), date(2025, 12, 22)
DIARY_FROM = date(2025, 4, 1)
EPOCH = date(1970, 1, 1)
MONTH_DAYS = 30.4375  # the chart's month on the "Months since surgery" axis


def spasms_on(day: date) -> int | None:
    """The fixture's diary: ~20 a day, ~7 while toxin works, falling to 0 after surgery.

    None is a day with nothing logged.
    """
    offset = (day - DIARY_FROM).days
    wobble = (offset * 5) % 7 - 3  # -3..3, the same every run
    if day < SURGERY:
        if offset % 9 == 4:
            return None
        injected = [d for d, _ in INJECTIONS if d <= day]
        if injected and 7 <= (day - injected[-1]).days < 70:
            return 7 + wobble
        return 20 + wobble
    if day == SURGERY:
        return None
    after = (day - SURGERY).days
    if after <= 56:
        return max(0, round(18 * (1 - after / 56)) + (wobble if after < 50 else 0))
    return 0


def severity_for(count: int) -> int:
    """Self-rated severity (0-4) that follows the day's count."""
    return 0 if count == 0 else 1 if count < 8 else 3


@dataclass(frozen=True)
class FixturePatient:
    """The patient's id and the days their diary has an entry for."""

    user_id: int
    logged_days: list[date]

    def logged_between(self, start: date, end: date) -> list[date]:
        return [d for d in self.logged_days if start <= d <= end]


def make_fixture_patient(app, make_user, email: str = "pat@example.org") -> FixturePatient:
    """The patient above, built through the app's own services."""
    user_id = make_user(email, affected_side="left")
    logged = []
    day = DIARY_FROM
    while day <= TODAY:
        count = spasms_on(day)
        if count is not None:
            check_in(app, user_id, day, count, jrs_severity=severity_for(count))
            logged.append(day)
        day += timedelta(days=1)
    recorder = TreatmentRecorder(app, user_id)
    for injected_on, units in INJECTIONS:
        recorder.injection(injected_on=injected_on, product="onabotulinumtoxinA", total_units=units)
    recorder.regimen(
        drug="gabapentin", strength="300", doses_per_day=3, started_on=REGIMEN_FROM,
        stopped_on=REGIMEN_TO,
    )
    recorder.surgery(performed_on=SURGERY, surgery_type="mvd", side="left")
    return FixturePatient(user_id, logged)


# --- reading the page -----------------------------------------------------------------------

# The chart as plain data: datasets, annotations (with where their labels are drawn), x axis.
READ_CHART = """() => {
    const chart = window.trajectoryChart;
    const plugin = Chart.registry.plugins.get("annotation");
    const drawn = {};
    for (const element of plugin.getAnnotations(chart)) {
        const label = (element.elements || [])[0] || (element.options.type === "label" ? element : null);
        if (label && label.options.display) {
            drawn[element.options.id] = {left: label.x, right: label.x2, top: label.y, bottom: label.y2};
        }
    }
    const annotations = {};
    for (const [key, a] of Object.entries(chart.options.plugins.annotation.annotations)) {
        annotations[key] = {
            type: a.type, xMin: a.xMin ?? null, xMax: a.xMax ?? null, yMin: a.yMin ?? null,
            px: typeof a.xMin === "number" ? chart.scales.x.getPixelForValue(a.xMin) : null,
            content: a.label && typeof a.label.content === "string" ? a.label.content : null,
        };
    }
    return {
        datasets: chart.data.datasets.map(d => ({
            type: d.type, label: d.label, axis: d.yAxisID,
            x: d.data.map(p => p.x), y: d.data.map(p => p.y),
        })),
        annotations, drawn,
        area: {left: chart.chartArea.left, right: chart.chartArea.right},
        x: {title: chart.options.scales.x.title.text, min: chart.options.scales.x.min, max: chart.options.scales.x.max},
    };
}"""

READ_TABLE = """() => [...document.querySelectorAll("#trajectory-table tbody tr")].map(row =>
    [...row.children].map(cell => {
        const time = cell.querySelector("time");
        return time ? time.getAttribute("datetime") : cell.textContent.trim();
    }))"""


def open_trajectory(page: Page, query: str = "") -> None:
    """Log in on the way to the trajectory page and wait for its chart."""
    page.goto("/trajectory" + query)
    log_in(page, "pat@example.org")
    expect(page).to_have_url(re.compile(r"/trajectory"))
    wait_for_chart(page)


def wait_for_chart(page: Page) -> None:
    page.wait_for_function("() => window.trajectoryChart && window.trajectoryChart.chartArea")


def chart(page: Page) -> dict:
    return page.evaluate(READ_CHART)


def page_range(page: Page) -> dict:
    """The range and bucket the page shows, from its JSON block."""
    return page.evaluate("() => JSON.parse(document.getElementById('trajectory-data').textContent).range")


def api_for(page: Page, shown: dict) -> dict:
    """The API's answer for the range and bucket the page shows, with the browser's session."""
    response = page.request.get(
        f"/api/v1/me/trajectory?from={shown['from']}&to={shown['to']}&bucket={shown['bucket']}"
    )
    assert response.ok, response.status
    return response.json()


def day_number(day: date | str) -> int:
    """A date as the chart's x: whole days since 1970-01-01, whatever the viewer's time zone."""
    return ((date.fromisoformat(day) if isinstance(day, str) else day) - EPOCH).days


def same_number(cell: str, value) -> bool:
    """A table cell shows the API's number ("–" for none)."""
    return cell == "–" if value is None else float(cell) == float(value)


def assert_table_matches_api(page: Page, api: dict) -> None:
    """Row by row, newest first: the table shows exactly the API's numbers."""
    series = api["series"]
    bucket = api["range"]["bucket"]
    third = series["rolling_mean"] if bucket == "day" else series["logged_days"]
    expected = list(zip(series["start"], series["spasms"], third, series["severity"], strict=True))[::-1]
    rows = page.evaluate(READ_TABLE)
    assert len(rows) == len(expected), f"{len(rows)} table rows, the API has {len(expected)}"
    for row, (start, spasms, third_value, severity) in zip(rows, expected, strict=True):
        shown_start = start[:7] if bucket == "month" else start
        assert row[0] == shown_start, (row, start)
        assert same_number(row[1], spasms), (row, spasms)
        assert same_number(row[2], third_value), (row, third_value)
        assert same_number(row[3], severity), (row, severity)


def assert_chart_matches_api(page: Page, api: dict) -> dict:
    """The bars hold one point per bucket of the API, with its number; returns the chart."""
    seen = chart(page)
    bars = [d for d in seen["datasets"] if d["type"] == "bar"]
    assert len(bars) == 1, seen["datasets"]
    assert bars[0]["y"] == api["series"]["spasms"]
    means = [d for d in seen["datasets"] if d["label"] == "7-day mean"]
    if api["range"]["bucket"] == "day":
        assert len(means) == 1, "day buckets draw the 7-day mean"
        assert means[0]["y"] == api["series"]["rolling_mean"]
        assert bars[0]["x"] == [day_number(d) for d in api["series"]["start"]]
    else:
        assert means == [], "weeks and months have no 7-day mean"
    assert [d["axis"] for d in seen["datasets"] if d["label"].startswith("Severity")] == ["severity"]
    return seen


def assert_labels_apart(seen: dict) -> None:
    """No two treatment labels drawn on the chart overlap, and none is cut off at a side."""
    boxes = list(seen["drawn"].items())
    for key, box in boxes:
        assert box["left"] >= seen["area"]["left"] - 1 and box["right"] <= seen["area"]["right"] + 1, (
            f"the label of {key} is cut off: {box}, plot area {seen['area']}"
        )
    for i, (key, a) in enumerate(boxes):
        for other, b in boxes[i + 1:]:
            apart = (a["right"] <= b["left"] or b["right"] <= a["left"]
                     or a["bottom"] <= b["top"] or b["bottom"] <= a["top"])
            assert apart, f"the labels of {key} and {other} overlap: {a} and {b}"


def assert_labels_on_their_lines(seen: dict) -> None:
    """Each drawn label of a surgery or an injection is centred on its line, unless that would
    cut it off: then it touches the plot area's edge (the plugin keeps 6 px) on its line's side."""
    for key, box in seen["drawn"].items():
        if not re.fullmatch(r"(surgery|injection)\d+", key):
            continue
        line = seen["annotations"][key]["px"]
        centre = (box["left"] + box["right"]) / 2
        at_edge = (box["left"] <= seen["area"]["left"] + 7 and line < centre) or (
            box["right"] >= seen["area"]["right"] - 7 and line > centre)
        assert abs(centre - line) < 1 or at_edge, f"the label of {key} ({box}) is off its line at {line}"
        assert box["left"] - 1 <= line <= box["right"] + 1, f"the label of {key} ({box}) misses its line {line}"


def keys(seen: dict, prefix: str) -> list[str]:
    return sorted(k for k in seen["annotations"] if re.fullmatch(rf"{prefix}\d+", k))


# --- the tests ------------------------------------------------------------------------------


def test_chart_and_table_show_the_diary_treatments_and_the_apis_numbers(page: Page, app, make_user):
    patient = make_fixture_patient(app, make_user)
    open_trajectory(page, "?range=1y&bucket=day")
    check_page(page)
    shown = page_range(page)
    start = TODAY - timedelta(days=364)
    assert shown == {"from": start.isoformat(), "to": TODAY.isoformat(), "bucket": "day"}

    # One bar per logged day in the range (not per calendar day), on whole-day x values.
    api = api_for(page, shown)
    logged = patient.logged_between(start, TODAY)
    assert len(logged) < (TODAY - DIARY_FROM).days + 1  # some days have nothing logged
    assert api["series"]["start"] == [d.isoformat() for d in logged]
    seen = assert_chart_matches_api(page, api)
    bars = next(d for d in seen["datasets"] if d["type"] == "bar")
    assert len(bars["x"]) == len(logged)
    assert seen["x"]["min"] == day_number(start) and seen["x"]["max"] == day_number(TODAY)

    # One surgery line, one marker per injection with product and units, the regimen's band
    # and the baseline at the mean before surgery.
    annotations = seen["annotations"]
    assert keys(seen, "surgery") == ["surgery0"]
    assert annotations["surgery0"]["xMin"] == day_number(SURGERY)
    assert annotations["surgery0"]["content"] == "MVD"
    assert keys(seen, "injection") == ["injection0", "injection1"]
    for key, (injected_on, units) in zip(["injection0", "injection1"], INJECTIONS, strict=True):
        assert annotations[key]["xMin"] == day_number(injected_on)
        assert annotations[key]["content"] == f"Botox {units} U"
    assert keys(seen, "regimen") == ["regimen0"]
    band = annotations["regimen0"]
    assert band["type"] == "box"
    assert (band["xMin"], band["xMax"]) == (day_number(REGIMEN_FROM), day_number(REGIMEN_TO))
    baseline = api["summary"]["baseline"]["mean"]
    assert 19 <= baseline <= 21
    assert annotations["baseline"]["yMin"] == baseline

    # On the phone the two injection labels would collide in one row, so they are staggered
    # over two and both are drawn; on a wide screen too. No label ever hides another.
    assert_labels_apart(seen)
    assert_labels_on_their_lines(seen)
    assert {"surgery0", "injection0", "injection1"} <= set(seen["drawn"])
    assert seen["drawn"]["injection0"]["top"] != seen["drawn"]["injection1"]["top"]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_function("() => window.trajectoryChart.width > 1000")
    wide = chart(page)
    assert_labels_apart(wide)
    assert {"surgery0", "injection0", "injection1", "regimenLabel0"} <= set(wide["drawn"])
    page.set_viewport_size({"width": 360, "height": 740})

    treatments = page.get_by_role("list", name="Treatments in this period").get_by_role("listitem")
    expect(treatments).to_have_text([
        "1 December 2025: Microvascular decompression (MVD) (patient-reported)",
        "5 May 2025: Botox, 25 units",
        "4 August 2025: Botox, 30 units",
        "1 September 2025 to 22 December 2025: Gabapentin 300 mg, 3 times a day",
    ])

    # The table holds the API's numbers, row by row, and the summary its figures.
    assert_table_matches_api(page, api)
    summary = page.get_by_role("region", name="Summary")
    expect(summary).to_contain_text(re.compile(rf"Before surgery\s*{baseline}\s*spasms a day"))
    expect(summary).to_contain_text("Spasm-free")


def test_months_since_surgery_puts_the_surgery_at_zero(page: Page, app, make_user):
    make_fixture_patient(app, make_user)
    open_trajectory(page, "?range=1y&bucket=day")
    calendar = page.get_by_role("button", name="Calendar")
    since = page.get_by_role("button", name="Months since surgery")
    expect(calendar).to_have_attribute("aria-pressed", "true")
    assert chart(page)["x"]["title"] == "Date"

    since.click()
    expect(since).to_have_attribute("aria-pressed", "true")
    expect(calendar).to_have_attribute("aria-pressed", "false")
    seen = chart(page)
    assert seen["x"]["title"] == "Months since surgery"
    assert seen["annotations"]["surgery0"]["xMin"] == 0
    first_injection = seen["annotations"]["injection0"]["xMin"]
    assert abs(first_injection - (INJECTIONS[0][0] - SURGERY).days / MONTH_DAYS) < 1e-9
    bars = next(d for d in seen["datasets"] if d["type"] == "bar")
    assert min(bars["x"]) < 0 < max(bars["x"])  # months before and after the operation
    assert_labels_apart(seen)
    check_page(page)

    calendar.click()
    seen = chart(page)
    assert seen["x"]["title"] == "Date"
    assert seen["annotations"]["surgery0"]["xMin"] == day_number(SURGERY)


def test_range_and_grouping_links_redraw_chart_and_table(page: Page, app, make_user):
    patient = make_fixture_patient(app, make_user)
    open_trajectory(page)
    period = page.get_by_role("navigation", name="Period")
    grouping = page.get_by_role("navigation", name="Grouping")

    # (link clicked, its navigation, query expected, first day shown, bucket shown)
    steps = [
        (period, "3 months", "range=3m", TODAY - timedelta(days=90), "day"),
        (grouping, "Weeks", "range=3m&bucket=week", TODAY - timedelta(days=90), "week"),
        (period, "6 months", "range=6m", TODAY - timedelta(days=181), "day"),
        (period, "1 year", "range=1y", TODAY - timedelta(days=364), "week"),
        (grouping, "Months", "range=1y&bucket=month", TODAY - timedelta(days=364), "month"),
        (period, "All", "range=all", DIARY_FROM, "month"),
        (grouping, "Days", "range=all&bucket=day", DIARY_FROM, "day"),
    ]
    # The page opens on everything, by month.
    assert page_range(page) == {"from": DIARY_FROM.isoformat(), "to": TODAY.isoformat(), "bucket": "month"}
    for nav, name, query, start, bucket in steps:
        link = nav.get_by_role("link", name=name, exact=True)
        link.click()
        expect(page).to_have_url(re.compile(re.escape(query) + "$"))
        wait_for_chart(page)
        expect(link).to_have_attribute("aria-current", "page")
        check_page(page)
        shown = page_range(page)
        assert shown == {"from": start.isoformat(), "to": TODAY.isoformat(), "bucket": bucket}, name
        api = api_for(page, shown)
        seen = assert_chart_matches_api(page, api)
        assert seen["x"]["min"] == day_number(start)
        assert_table_matches_api(page, api)
        assert_labels_apart(seen)
        if bucket == "day":
            assert len(api["series"]["start"]) == len(patient.logged_between(start, TODAY))


def test_print_hides_the_controls_and_makes_a_pdf_with_the_chart(page: Page, app, make_user):
    make_fixture_patient(app, make_user)
    open_trajectory(page, "?range=6m")
    controls = [
        page.get_by_role("navigation", name="Main"),
        page.get_by_role("navigation", name="Period"),
        page.get_by_role("navigation", name="Grouping"),
        page.get_by_role("button", name="Months since surgery"),
        page.get_by_role("link", name="Download my diary (CSV: spreadsheet files)"),
    ]
    for control in controls:
        expect(control).to_be_visible()

    page.emulate_media(media="print")
    for control in controls:
        expect(control).to_be_hidden()
    expect(page.locator("#trajectory-chart")).to_be_visible()
    expect(page.get_by_role("table")).to_be_visible()
    # The whole table prints: no scrolling box cuts it short.
    assert page.evaluate(
        "() => { const box = document.querySelector('.table-scroll'); return box.scrollHeight <= box.clientHeight; }"
    )

    # Chromium fires beforeprint for a PDF: the chart is redrawn at the printed column's width.
    page.evaluate(
        """() => { window.__printWidths = [];
                   addEventListener("beforeprint", () => __printWidths.push(trajectoryChart.width)); }"""
    )
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF-") and len(pdf) > 20_000
    assert re.search(rb"/Type\s*/Page\b", pdf), "the PDF has no page"
    assert page.evaluate("() => window.__printWidths") == [680]
    page.emulate_media(media="screen")
    check_page(page)


def test_a_new_patient_sees_an_empty_chart_without_errors(page: Page, make_user):
    make_user("pat@example.org")
    open_trajectory(page)
    check_page(page)
    expect(page.get_by_text("Nothing logged in this period.")).to_be_visible()
    expect(page.get_by_role("button", name="Months since surgery")).to_be_disabled()
    seen = chart(page)
    assert [d["x"] for d in seen["datasets"] if d["type"] == "bar"] == [[]]
    assert seen["annotations"] == {}


# The chart's panes, date ticks and labels at phone width -----------------------------------

READ_LAYOUT = """() => {
    const chart = window.trajectoryChart;
    const y = chart.scales.y, severity = chart.scales.severity, x = chart.scales.x;
    const font = x.options.ticks.font || Chart.defaults.font;
    chart.ctx.save();
    chart.ctx.font = `${Chart.defaults.font.size}px ${Chart.defaults.font.family}`;
    const ticks = x.ticks.map((t, i) => {
        const label = x.getLabelForValue ? x.options.ticks.callback.call(x, t.value, i, x.ticks) : t.label;
        return {value: t.value, px: x.getPixelForValue(t.value), label: label || "",
                width: label ? chart.ctx.measureText(label).width : 0};
    });
    chart.ctx.restore();
    const base = chart.options.plugins.annotation.annotations.baseline;
    return {
        y: {top: y.top, bottom: y.bottom}, severity: {top: severity.top, bottom: severity.bottom},
        baselinePx: base ? y.getPixelForValue(base.yMin) : null,
        severityPx: chart.data.datasets.filter(d => d.yAxisID === "severity")
            .flatMap(d => d.data.map(p => severity.getPixelForValue(p.y))),
        ticks,
    };
}"""


def test_severity_has_a_pane_of_its_own_under_the_spasms(page: Page, app, make_user):
    make_fixture_patient(app, make_user)
    open_trajectory(page, "?range=1y&bucket=day")
    layout = page.evaluate(READ_LAYOUT)
    # The panes do not overlap: severity lies wholly below the spasms' axis, and so every
    # severity dot lies below the baseline line, whatever its level.
    assert layout["severity"]["top"] >= layout["y"]["bottom"] - 1, layout
    assert layout["severityPx"], "the fixture rates its severity"
    assert min(layout["severityPx"]) > layout["baselinePx"] + 20
    # The treatment lines and the medication band belong to the spasms' pane.
    assert page.evaluate("""() => Object.values(trajectoryChart.options.plugins.annotation.annotations)
        .every(a => a.yScaleID === "y")""")
    check_page(page)


def assert_quarterly_ticks(layout: dict, *, since_surgery: bool = False) -> None:
    """A tick at least every quarter, labelled ones never drawn over each other."""
    values = [t["value"] for t in layout["ticks"]]
    assert len(values) >= 2, layout["ticks"]
    quarter = 3 if since_surgery else 92
    gaps = [b - a for a, b in zip(values, values[1:], strict=False)]
    assert max(gaps) <= quarter, f"ticks {gaps} apart, more than a quarter"
    labelled = [t for t in layout["ticks"] if t["label"]]
    assert len(labelled) >= 2, layout["ticks"]
    for a, b in zip(labelled, labelled[1:], strict=False):
        assert b["px"] - a["px"] >= (a["width"] + b["width"]) / 2 + 4, f"{a} and {b} overlap"


def test_date_ticks_come_at_least_every_quarter_on_a_phone(page: Page, app, make_user):
    make_fixture_patient(app, make_user)
    page.set_viewport_size({"width": 360, "height": 640})
    open_trajectory(page, "?range=1y&bucket=week")
    layout = page.evaluate(READ_LAYOUT)
    assert_quarterly_ticks(layout)
    # One year on a phone: every quarter carries its month and year.
    assert [t["label"] for t in layout["ticks"]] == ["Apr 2025", "Jul 2025", "Oct 2025", "Jan 2026"]
    check_page(page)

    for query in ("?range=all", "?range=6m"):
        page.goto("/trajectory" + query)
        wait_for_chart(page)
        assert_quarterly_ticks(page.evaluate(READ_LAYOUT))
    page.get_by_role("button", name="Months since surgery").click()
    assert_quarterly_ticks(page.evaluate(READ_LAYOUT), since_surgery=True)


def test_a_long_diary_keeps_quarterly_ticks_and_labels_only_what_fits(page: Page, app, make_user):
    user_id = make_user("pat@example.org")
    for year in range(2016, 2027):
        check_in(app, user_id, date(year, 3, 1), 5)
    page.set_viewport_size({"width": 360, "height": 640})
    open_trajectory(page)  # "All": ten years by month
    layout = page.evaluate(READ_LAYOUT)
    assert_quarterly_ticks(layout)
    assert len(layout["ticks"]) >= 40
    check_page(page)


def test_injection_labels_close_together_are_staggered_not_overlapping(page: Page, app, make_user):
    user_id = make_user("pat@example.org")
    for offset in range(0, 120):
        check_in(app, user_id, TODAY - timedelta(days=offset), 10)
    recorder = TreatmentRecorder(app, user_id)
    # Three injections six weeks apart: on a phone their labels would touch in one row.
    for weeks in (15, 9, 3):
        recorder.injection(injected_on=TODAY - timedelta(weeks=weeks), product="onabotulinumtoxinA",
                           total_units="25")
    page.set_viewport_size({"width": 360, "height": 640})
    open_trajectory(page, "?range=6m&bucket=week")
    seen = chart(page)
    drawn = [k for k in seen["drawn"] if k.startswith("injection")]
    assert len(drawn) >= 2, seen["drawn"]
    assert_labels_apart(seen)
    assert_labels_on_their_lines(seen)
    assert len({seen["drawn"][k]["top"] for k in drawn}) == 2  # two rows in use
    check_page(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_function("() => window.trajectoryChart.width > 1000")
    wide = chart(page)
    assert {"injection0", "injection1", "injection2"} <= set(wide["drawn"])
    assert_labels_apart(wide)
    assert_labels_on_their_lines(wide)


def test_the_severity_heading_of_the_table_stays_on_one_line_at_360_px(page: Page, app, make_user):
    make_fixture_patient(app, make_user)
    page.set_viewport_size({"width": 360, "height": 640})
    for query in ("?range=all", "?range=3m&bucket=day"):
        if query == "?range=all":
            open_trajectory(page, query)
        else:
            page.goto("/trajectory" + query)
        lines = page.evaluate("""() => {
            const th = [...document.querySelectorAll("#trajectory-table thead th")]
                .find(cell => cell.textContent.trim() === "Severity");
            const range = document.createRange();
            range.selectNodeContents(th);
            const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
            return {lines: tops.size, hyphens: getComputedStyle(th).hyphens};
        }""")
        assert lines == {"lines": 1, "hyphens": "manual"}, query
    check_page(page)
