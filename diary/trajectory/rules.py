"""Every rule and parameter of the remission maths, in one place, each with its source.

docs/trajectory.md explains each of them for clinicians; keep the two in step.
"""

from __future__ import annotations

# Baseline: mean spasms per logged day over the 28 days before the reference surgery.
# [docs/decisions.md, Baseline]
BASELINE_WINDOW_DAYS = 28

# A baseline needs at least this many logged days before a % change or class is given
# from it; fewer are shown with their count but not used for a class. [Project decision:
# one logged week, the smallest window that evens out weekday effects.]
MIN_BASELINE_LOGGED_DAYS = 7

# Botulinum toxin wears off around 12 weeks (84 days); a window within 12 weeks of an
# injection is toxin-suppressed unless the patient recorded the effect as worn off.
# [docs/clinical.md, Effect over time: "worn off around 12 weeks"; docs/decisions.md, Baseline]
TOXIN_EFFECT_DAYS = 84

# Untreated baseline: logged days in the 6 months before surgery that lie after a recorded
# wear-off or more than 84 days after an injection; shown when there are at least 7.
# [docs/decisions.md, Baseline]
UNTREATED_LOOKBACK_DAYS = 182
MIN_UNTREATED_LOGGED_DAYS = 7

# "Now": the trailing 28 days up to today. [docs/decisions.md, Now]
TRAILING_WINDOW_DAYS = 28

# No class is given from fewer logged days in the trailing window. [Project decision: one
# logged week; a surgeon sees "not enough diary" rather than a class built on two days.]
MIN_TRAILING_LOGGED_DAYS = 7

# Outcome classes by reduction from baseline. [docs/clinical.md, Outcome classes;
# docs/decisions.md, Outcome class]
SPASM_FREE = "spasm_free"
REDUCED_90 = "reduced_90"
REDUCED_50 = "reduced_50"
UNCHANGED_OR_WORSE = "unchanged_or_worse"
# Where no reduction class can be defended, the class says what is missing instead.
# [Project decision, docs/trajectory.md, Which baseline is used: a wrong class misleads more
# than a missing one.]
BASELINE_SUPPRESSED = "baseline_suppressed"  # only a toxin-suppressed window before surgery
NO_BASELINE = "no_baseline"  # a surgery, but no usable baseline before it
NO_SURGERY = "no_surgery"  # nothing to measure against: no reference surgery
NOT_ENOUGH_DATA = "not_enough_data"  # fewer than 7 logged days in the last 28
CLASS_LABELS = {
    SPASM_FREE: "Spasm-free",
    REDUCED_90: "At least 90% fewer",
    REDUCED_50: "At least 50% fewer",
    UNCHANGED_OR_WORSE: "Less than 50% fewer or worse",
    BASELINE_SUPPRESSED: "Uncertain: baseline under toxin",
    NO_BASELINE: "No baseline before surgery",
    NO_SURGERY: "No surgery to measure against",
    NOT_ENOUGH_DATA: "Not enough diary",
}
# Ordered from best to worst, for "never makes the class worse" comparisons.
CLASS_ORDER = (SPASM_FREE, REDUCED_90, REDUCED_50, UNCHANGED_OR_WORSE)
# The computed classes that are no reduction, in the order lists show them after the others.
UNRANKED = (BASELINE_SUPPRESSED, NO_BASELINE, NO_SURGERY, NOT_ENOUGH_DATA)
OUTCOMES = (*CLASS_ORDER, *UNRANKED)
REDUCTION_90 = 90.0
REDUCTION_50 = 50.0

# Remission begins on the first day of the first run of at least 28 consecutive spasm-free
# logged days after the reference surgery. (docs/decisions.md, Remission start)
REMISSION_RUN_LOGGED_DAYS = 28
# Missing days inside a run neither count towards it nor break it, as long as no more than
# 7 consecutive days are missing; a longer gap ends the run, because nothing is known about
# it. [Project decision: a diary kept weekly still shows remission; a month's silence
# does not.]
REMISSION_MAX_GAP_DAYS = 7

# Recurrence: spasms on at least 3 of 14 days after remission began.
# [docs/decisions.md, Outcome class]
RECURRENCE_WINDOW_DAYS = 14
RECURRENCE_SPASM_DAYS = 3

# Time to remission groups as in the published table (175 patients): under 7 days,
# 7 days-1 month, 1-3, 3-6, 6-12, over 12 months. [docs/clinical.md, Time to spasm-free]
# Upper bounds in days since surgery, exclusive; a month is counted as 30 days, 3 months
# as 91, 6 months as 182 and 12 months as 365.
TIME_GROUPS = (
    ("under_7_days", "Under 7 days", 7),
    ("7_days_to_1_month", "7 days to 1 month", 31),
    ("1_to_3_months", "1 to 3 months", 92),
    ("3_to_6_months", "3 to 6 months", 183),
    ("6_to_12_months", "6 to 12 months", 366),
    ("over_12_months", "Over 12 months", None),
)

# Chart: the rolling mean drawn over daily counts. (docs/decisions.md, Rolling mean)
ROLLING_MEAN_DAYS = 7
