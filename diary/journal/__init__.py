"""The patient's diary: today, check-ins, quick spasm log, history."""

from flask import Blueprint

from diary.journal import wording

bp = Blueprint("journal", __name__)

TEMPLATE_FILTERS = (
    "long_date",
    "short_date",
    "clock_time",
    "spasms",
    "duration_label",
    "seconds_label",
    "entry_lines",
)
for _name in TEMPLATE_FILTERS:
    bp.add_app_template_filter(getattr(wording, _name), _name)

from diary.journal import routes  # noqa: E402,F401  (routes attach themselves to bp)
