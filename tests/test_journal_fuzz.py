"""Fuzzed diary input never answers 500, and a refused form saves nothing (docs/quality-bars.md, Reliability)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.journal_helpers import check_ins, episodes, revisions, spasm_now

# Any text a browser could send (no lone surrogates: they cannot be encoded as UTF-8).
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)


def plausible(*values: str) -> st.SearchStrategy[str]:
    """Valid values, near misses and noise."""
    return st.one_of(st.sampled_from(values), any_text, st.integers().map(str))


checkin_forms = st.fixed_dictionaries(
    {},
    optional={
        "day": plausible("2026-03-10", "2026-03-01", "2026-03-11", "1899-01-01", "2026-02-29"),
        "spasm_count": plausible("0", "3", "2000", "2001", "-1", "1e3", " 7 "),
        "typical_duration_seconds": plausible("", "1", "5", "300", "7", "0"),
        "jrs_severity": plausible("", "0", "4", "5"),
        "jrs_frequency": plausible("", "0", "4", "-1"),
        "regions": st.lists(plausible("eye", "neck", "nose"), max_size=8),
        "side": plausible("", "left", "both", "up"),
        "spasm_type": plausible("", "tonic", "clonic", "both", "x"),
        "triggers": st.lists(plausible("stress", "talking", "moon"), max_size=8),
        "trigger_other": st.one_of(any_text, st.text(min_size=190, max_size=210)),
        "note": st.one_of(any_text, st.text(min_size=1990, max_size=2010)),
    },
)

FUZZ = settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def state(app) -> list[tuple]:
    """Everything the diary holds, to compare before and after a refused request."""
    return [
        *((c.id, c.day, c.spasm_count, c.note, c.deleted_at) for c in check_ins(app)),
        *((e.id, e.day, e.duration_seconds, e.deleted_at) for e in episodes(app)),
        *((r.id,) for r in revisions(app)),
    ]


@FUZZ
@given(data=checkin_forms)
def test_fuzzed_checkins_are_saved_whole_or_refused_whole(client, patient, app, data):
    before = state(app)

    response = client.post("/checkin", data=data)

    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert state(app) == before
    else:
        assert check_ins(app)
        assert all(0 <= c.spasm_count <= 2000 and len(c.note or "") <= 2000 for c in check_ins(app))


@FUZZ
@given(since=plausible("2026-03-10", "2026-02-24", "2026-02-23", "2026-03-11", ""))
def test_fuzzed_no_spasms_since_never_fails(client, patient, app, since):
    response = client.post("/checkin/none-since", data={"since": since})

    assert response.status_code in (302, 422)


@FUZZ
@given(
    length=plausible("1", "3600", "0", "3601", ""),
    day=plausible("2026-03-10", "2026-03-11", ""),
    time=plausible("10:00", "23:59", "24:00", ""),
)
def test_fuzzed_episode_corrections_never_fail(client, patient, app, length, day, time):
    episode_id = spasm_now(app, patient, "fuzzed-episode")
    before = state(app)

    short = client.post(f"/episodes/{episode_id}", data={"duration_seconds": length})
    if short.status_code == 422:
        assert state(app) == before
    edit = client.post(
        f"/episodes/{episode_id}/edit", data={"day": day, "time": time, "duration_seconds": length}
    )

    assert short.status_code in (302, 422)
    assert edit.status_code in (302, 422)


@FUZZ
@given(day=any_text, page=any_text, token=any_text)
def test_fuzzed_query_strings_and_tokens_never_fail(client, patient, app, day, page, token):
    assert client.get("/checkin", query_string={"day": day}).status_code == 200
    assert client.get("/history", query_string={"page": page}).status_code == 200
    assert client.get("/history/changes", query_string={"page": page}).status_code == 200
    assert client.post("/episodes", data={"client_token": token}).status_code == 302
