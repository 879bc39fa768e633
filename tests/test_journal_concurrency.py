"""The same entry sent twice at once (double tap, two tabs) leaves one record (docs/quality-bars.md, Reliability).

Two threads, each with its own test client and app context, post at the same moment against
the same SQLite file; a barrier lines them up, nothing sleeps.
"""

from __future__ import annotations

import threading

from tests.journal_helpers import TODAY, check_ins, episodes, login_as, revisions


def post_together(app, patient_id: int, requests: list[tuple[str, dict]]) -> list[int]:
    """Open one client per request, then send all requests at once; their status codes."""
    clients = []
    for _ in requests:
        client = app.test_client()
        login_as(client, patient_id)
        clients.append(client)
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = [0] * len(requests)
    errors: list[BaseException] = []

    def send(index: int) -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                url, data = requests[index]
                statuses[index] = clients[index].post(url, data=data).status_code
        except BaseException as error:  # reported in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return statuses


def test_double_submitted_checkin_leaves_one_row(app, make_user):
    patient = make_user()
    data = {"day": TODAY.isoformat(), "spasm_count": "4", "note": "twice"}

    statuses = post_together(app, patient, [("/checkin", data), ("/checkin", data)])

    assert statuses == [302, 302]
    (row,) = check_ins(app, patient_id=patient)
    assert (row.spasm_count, row.note) == (4, "twice")
    assert revisions(app) == []  # the second write changed nothing


def test_two_tabs_at_once_leave_one_row_and_keep_the_other_as_a_revision(app, make_user):
    patient = make_user()
    first = {"day": TODAY.isoformat(), "spasm_count": "4"}
    second = {"day": TODAY.isoformat(), "spasm_count": "9"}

    statuses = post_together(app, patient, [("/checkin", first), ("/checkin", second)])

    assert statuses == [302, 302]
    (row,) = check_ins(app)
    (revision,) = revisions(app)
    assert {row.spasm_count, revision.before["spasm_count"]} == {4, 9}


def test_double_tapped_spasm_now_records_one_spasm(app, make_user):
    patient = make_user()
    tap = {"client_token": "same-page-token"}

    statuses = post_together(app, patient, [("/episodes", tap), ("/episodes", tap)])

    assert statuses == [302, 302]
    assert len(episodes(app)) == 1


def test_no_spasms_today_tapped_twice_at_once_leaves_one_row(app, make_user):
    patient = make_user()

    statuses = post_together(app, patient, [("/checkin/none", {}), ("/checkin/none", {})])

    assert statuses == [302, 302]
    assert len(check_ins(app)) == 1
