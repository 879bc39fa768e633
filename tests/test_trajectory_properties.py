"""Properties of the remission maths that hold for every diary (Hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from diary.trajectory import (
    ToxinCycle,
    first_day_read,
    landmarks,
    remission_start,
    rolling_means,
    rules,
    summarise,
    window_mean,
)

ORIGIN = date(2024, 1, 1)
HORIZON = 400  # days in a generated diary


@st.composite
def diaries(draw, max_count: int = 60) -> dict[date, int]:
    """A diary of up to HORIZON days with missing days, zero days and spasm days."""
    offsets = draw(st.sets(st.integers(0, HORIZON - 1), max_size=HORIZON))
    counts = draw(
        st.lists(
            st.one_of(st.just(0), st.integers(0, max_count)),
            min_size=len(offsets),
            max_size=len(offsets),
        )
    )
    return {ORIGIN + timedelta(days=o): c for o, c in zip(sorted(offsets), counts, strict=True)}


surgery_offsets = st.integers(30, HORIZON - 30)
today_offsets = st.integers(0, HORIZON + 30)
injections = st.lists(
    st.builds(
        lambda o, w: ToxinCycle(ORIGIN + timedelta(days=o), w),
        st.integers(0, HORIZON),
        st.none(),
    ),
    max_size=4,
)


def shifted(diary: dict[date, int], by: int) -> dict[date, int]:
    """The same diary moved by `by` days."""
    return {d + timedelta(days=by): n for d, n in diary.items()}


@given(diaries(), st.integers(0, HORIZON - 1), st.integers(0, HORIZON - 1))
def test_missing_day_never_counts_as_zero(diary, a, b):
    start, end = sorted((ORIGIN + timedelta(days=a), ORIGIN + timedelta(days=b)))
    logged = [n for d, n in diary.items() if start <= d <= end]
    result = window_mean(diary, start, end)
    assert result.logged_days == len(logged)
    if logged:
        assert result.mean == sum(logged) / len(logged)
    else:
        assert result.mean is None


@given(diaries(), st.integers(0, HORIZON - 1))
def test_filling_a_missing_day_with_the_window_mean_leaves_the_mean(diary, offset):
    # If missing days counted as zero, filling one with the mean would change the mean.
    target = ORIGIN + timedelta(days=offset)
    assume(target not in diary)
    start, end = ORIGIN, ORIGIN + timedelta(days=HORIZON - 1)
    before = window_mean(diary, start, end)
    assume(before.mean is not None and before.mean == int(before.mean))
    filled = dict(diary)
    filled[target] = int(before.mean)
    assert window_mean(filled, start, end).mean == before.mean


@given(diaries(), surgery_offsets, today_offsets, injections, st.integers(-3000, 3000))
def test_shifting_every_date_and_today_changes_no_result(diary, s, t, cycles, by):
    surgery, today = ORIGIN + timedelta(days=s), ORIGIN + timedelta(days=t)
    moved_cycles = [ToxinCycle(c.injected_on + timedelta(days=by), None) for c in cycles]
    a = summarise(diary, today, surgery, cycles)
    b = summarise(shifted(diary, by), today + timedelta(days=by), surgery + timedelta(days=by), moved_cycles)
    delta = timedelta(days=by)
    assert (a.baseline_mean, a.percent_change, a.outcome) == (b.baseline_mean, b.percent_change, b.outcome)
    assert a.trailing.mean == b.trailing.mean
    assert a.baseline.toxin.suppressed == b.baseline.toxin.suppressed
    assert (a.remission_start and a.remission_start + delta) == b.remission_start
    assert (a.recurrence_on and a.recurrence_on + delta) == b.recurrence_on
    assert (a.last_spasm and a.last_spasm + delta) == b.last_spasm
    assert a.time_to_remission == b.time_to_remission


@given(diaries(), surgery_offsets, today_offsets, st.integers(0, HORIZON + 30))
def test_a_zero_day_after_the_baseline_window_never_makes_the_class_worse(diary, s, t, z):
    surgery, today = ORIGIN + timedelta(days=s), ORIGIN + timedelta(days=t)
    zero_day = ORIGIN + timedelta(days=z)
    assume(zero_day >= surgery)
    before = summarise(diary, today, surgery)
    after = summarise(diary | {zero_day: 0}, today, surgery)
    if before.outcome in rules.CLASS_ORDER:
        assert after.outcome in rules.CLASS_ORDER
        assert rules.CLASS_ORDER.index(after.outcome) <= rules.CLASS_ORDER.index(before.outcome)


@given(diaries(), surgery_offsets, today_offsets)
def test_remission_starts_on_a_logged_spasm_free_day_after_surgery(diary, s, t):
    surgery, today = ORIGIN + timedelta(days=s), ORIGIN + timedelta(days=t)
    start = remission_start(diary, surgery, today)
    if start is not None:
        assert surgery < start <= today
        assert diary[start] == 0
        # The 28 logged days from the start are spasm-free.
        run = sorted(d for d in diary if d >= start)[: rules.REMISSION_RUN_LOGGED_DAYS]
        assert len(run) == rules.REMISSION_RUN_LOGGED_DAYS
        assert all(diary[d] == 0 for d in run)


@given(diaries(), surgery_offsets, today_offsets)
def test_recurrence_only_after_remission(diary, s, t):
    surgery, today = ORIGIN + timedelta(days=s), ORIGIN + timedelta(days=t)
    summary = summarise(diary, today, surgery)
    if summary.recurrence:
        assert summary.remission_start is not None
        assert summary.recurrence_on > summary.remission_start


@given(diaries(), surgery_offsets)
def test_spasm_free_class_means_no_spasm_on_a_logged_day_of_the_window(diary, t):
    today = ORIGIN + timedelta(days=t)
    summary = summarise(diary, today, surgery=ORIGIN + timedelta(days=10))
    window = [n for d, n in diary.items() if today - timedelta(days=27) <= d <= today]
    if summary.outcome == rules.SPASM_FREE:
        assert window and all(n == 0 for n in window)


@given(diaries(), st.integers(0, HORIZON - 1), st.integers(0, 60))
def test_rolling_mean_lies_between_the_window_extremes(diary, a, length):
    start = ORIGIN + timedelta(days=a)
    end = start + timedelta(days=length)
    for d, mean in rolling_means(diary, start, end).items():
        values = [diary[x] for x in diary if d - timedelta(days=6) <= x <= d]
        if values:
            assert min(values) <= mean + 1e-9 and mean <= max(values) + 1e-9
        else:
            assert mean is None


@given(diaries(), st.one_of(st.none(), surgery_offsets), today_offsets, injections)
def test_the_diary_from_the_first_day_read_gives_the_whole_summary(diary, s, t, cycles):
    # What a save's refresh relies on: with the landmarks known, older days change nothing.
    surgery = ORIGIN + timedelta(days=s) if s is not None else None
    today = ORIGIN + timedelta(days=t)
    first = first_day_read(today, surgery, cycles)
    recent = {d: n for d, n in diary.items() if d >= first}
    found = landmarks(diary, today, surgery)
    assert summarise(recent, today, surgery, cycles, found=found) == summarise(
        diary, today, surgery, cycles
    )
