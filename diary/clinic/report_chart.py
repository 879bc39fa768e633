"""The report's chart as SVG, drawn on the server for the PDF (docs/report.md, The PDF).

WeasyPrint runs no JavaScript, so the PDF cannot use the page's Chart.js canvas. This pure
module draws the same monthly buckets the report's numbers table lists: one bar per logged
month (spasms per logged day, left axis), one point per month with a severity (0 to 4, right
axis), and a dashed line at the surgery's month. It takes plain values and returns the SVG
text; every number it draws also stands in a data-value attribute, so a test can compare the
drawing with the table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

WIDTH = 680
HEIGHT = 240
# The plot area inside the axes' labels.
LEFT, RIGHT, TOP, BOTTOM = 44, 30, 12, 28
SEVERITY_MAX = 4
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
BAR_COLOUR = "#3465a4"
SEVERITY_COLOUR = "#b35900"
SURGERY_COLOUR = "#1b1f24"
# The chart's words in English; the report passes them in the reader's language, since this
# pure module cannot translate (docs/wording.md, Strings; docs/architecture.md, Pure modules).
TITLE = ("Spasms per logged day by month (bars) and severity (points); the table gives the "
         "same numbers.")
SURGERY = "Surgery"


@dataclass(frozen=True, slots=True)
class MonthlySeries:
    """The chart's numbers: the payload's monthly columns, and the months the axis spans."""

    starts: Sequence[str]  # "YYYY-MM-DD", the first day of each logged month
    spasms: Sequence[float]  # the mean spasms per logged day of each month
    severity: Sequence[float | None]  # the mean self-rated severity, or None
    first_month: str  # "YYYY-MM-DD": the range's start
    last_month: str  # "YYYY-MM-DD": the range's end
    surgery_on: str | None = None  # "YYYY-MM-DD"


def month_index(day: str) -> int:
    """Months since year 0 of a "YYYY-MM..." date: the chart's x coordinate before scaling."""
    return int(day[:4]) * 12 + int(day[5:7]) - 1


def nice_ceiling(value: float) -> float:
    """The axis maximum: the value rounded up to 1, 2 or 5 times a power of ten (1 at least)."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _number(value: float) -> str:
    """A coordinate or value as SVG text: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def monthly_chart_svg(series: MonthlySeries, *, width: int = WIDTH, height: int = HEIGHT,
                      month_names: Sequence[str] = MONTHS, title: str = TITLE,
                      surgery_label: str = SURGERY) -> str:
    """The SVG of the monthly chart: bars, severity points, the surgery line and both axes.

    `month_names` are the twelve short month names of the axis, `title` the chart's
    description for screen readers and `surgery_label` the surgery line's word, all in the
    reader's language."""
    first, last = month_index(series.first_month), month_index(series.last_month)
    slots = max(1, last - first + 1)
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    slot_w = plot_w / slots
    y_max = nice_ceiling(max(series.spasms, default=0))
    bottom = TOP + plot_h

    def x_of(day: str) -> float:
        return LEFT + (month_index(day) - first) * slot_w

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="report-svg-title">',
        f'<title id="report-svg-title">{escape(title)}</title>',
        f'<g font-family="DejaVu Sans, sans-serif" font-size="10" fill="{SURGERY_COLOUR}">',
    ]
    for tick in range(5):
        value = y_max * tick / 4
        y = bottom - plot_h * tick / 4
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{_number(y)}" y2="{_number(y)}" '
                     'stroke="#d5dae3" stroke-width="0.5"/>')
        parts.append(f'<text class="y-tick" x="{LEFT - 4}" y="{_number(y + 3)}" text-anchor="end">'
                     f"{_number(value)}</text>")
        parts.append(f'<text x="{LEFT + plot_w + 4}" y="{_number(y + 3)}">{_number(SEVERITY_MAX * tick / 4)}</text>')
    for index in range(slots):
        month = (first + index) % 12
        if month == 0 or index == 0:
            year = (first + index) // 12
            label = str(year) if month == 0 else escape(f"{month_names[month]} {year}")
            parts.append(f'<text class="x-tick" x="{_number(LEFT + index * slot_w)}" y="{bottom + 14}">'
                         f"{label}</text>")
    for start, spasms in zip(series.starts, series.spasms, strict=True):
        bar_h = plot_h * spasms / y_max
        parts.append(
            f'<rect class="bar" data-month={quoteattr(start[:7])} data-value="{_number(spasms)}" '
            f'x="{_number(x_of(start) + slot_w * 0.1)}" y="{_number(bottom - bar_h)}" '
            f'width="{_number(slot_w * 0.8)}" height="{_number(bar_h)}" fill="{BAR_COLOUR}"/>'
        )
    for start, severity in zip(series.starts, series.severity, strict=True):
        if severity is None:
            continue
        y = bottom - plot_h * severity / SEVERITY_MAX
        parts.append(
            f'<circle class="severity" data-month={quoteattr(start[:7])} data-value="{_number(severity)}" '
            f'cx="{_number(x_of(start) + slot_w / 2)}" cy="{_number(y)}" r="2.5" fill="{SEVERITY_COLOUR}"/>'
        )
    if series.surgery_on is not None and first <= month_index(series.surgery_on) <= last:
        x = _number(x_of(series.surgery_on) + slot_w / 2)
        parts.append(f'<line class="surgery" data-month={quoteattr(series.surgery_on[:7])} x1="{x}" x2="{x}" '
                     f'y1="{TOP}" y2="{bottom}" stroke="{SURGERY_COLOUR}" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{x}" y="{TOP + 8}" dx="3">{escape(surgery_label)}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{bottom}" y2="{bottom}" stroke="{SURGERY_COLOUR}"/>')
    parts.append("</g></svg>")
    return "".join(parts)


def series_of(payload: dict) -> MonthlySeries:
    """The monthly series of a trajectory payload (progress/trajectory.py, trajectory_payload)."""
    series, reference = payload["series"], payload["summary"].get("surgery")
    return MonthlySeries(
        starts=series["start"],
        spasms=series["spasms"],
        severity=series["severity"],
        first_month=payload["range"]["from"],
        last_month=payload["range"]["to"],
        surgery_on=reference,
    )
