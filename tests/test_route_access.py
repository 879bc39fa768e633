"""Every route of the URL map, walked with every role: who gets the page, who gets 404, who is
asked to log in, that a refused request changes nothing, and that nobody but the owner ever
sees the owner's note (docs/quality-bars.md, Security and privacy).

The expectations live in tests/route_matrix.py, one entry per endpoint; a route without an
entry, or an entry without a route, fails here.
"""

from __future__ import annotations

import pytest

from tests.route_matrix import (
    OWNER_ONLY,
    READERS,
    ROLES,
    ROUTES,
    Records,
    answer_of,
    app_routes,
    database_rows,
    matches,
    readable_body,
    sign_in,
)


@pytest.fixture
def records(route_records) -> Records:
    """The accounts of every role and the owner's records, made once per worker."""
    return route_records


def test_every_route_of_the_app_has_an_entry_in_the_matrix(app):
    missing = sorted(set(app_routes(app)) - set(ROUTES))

    assert not missing, f"add these routes to ROUTES in tests/route_matrix.py: {missing}"


def test_every_entry_of_the_matrix_is_a_route_of_the_app(app):
    gone = sorted(set(ROUTES) - set(app_routes(app)))

    assert not gone, f"these entries of tests/route_matrix.py name no route any more: {gone}"


def test_every_entry_lists_the_methods_its_route_accepts(app):
    routes = app_routes(app)
    wrong = {
        endpoint: (sorted(route.methods), sorted(routes[endpoint]))
        for endpoint, route in ROUTES.items()
        if endpoint in routes and route.methods != routes[endpoint]
    }

    assert not wrong, f"(matrix, app) methods differ: {wrong}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_each_role_gets_the_answer_of_the_matrix(app, client, records, endpoint, role):
    route = ROUTES[endpoint]
    sign_in(client, records, role)

    rows = database_rows(app)
    for url in route.urls(app, endpoint, records):
        # GET first: a POST may delete what the GET shows.
        for method in ("GET", "POST"):
            expected = route.expected(method, role)
            data = route.form(records) if method == "POST" else None

            response = client.open(url, method=method, data=data)

            assert matches(response, expected), (
                f"{role} {method} {url}: got {answer_of(response)}, the matrix says {expected}"
            )
            # The rows after one request are the rows before the next: each request compares
            # against the database as it stood just before it, read once.
            before, rows = rows, database_rows(app)
            if not expected.writes:
                assert rows == before, f"{role} {method} {url} changed the database"
            if role not in READERS:
                assert OWNER_ONLY not in readable_body(response), (
                    f"{role} {method} {url} shows the owner's note"
                )


def test_an_administrators_empty_scope_compares_with_patient_ids(app, make_user):
    """The admin's scope is an integer column, so PostgreSQL can compare it too."""
    import sqlalchemy as sa

    from diary import policy
    from diary.extensions import db
    from diary.models import User

    admin_id = make_user("root@example.org", role="admin")
    patient_id = make_user("pat2@example.org")
    with app.app_context():
        admin = db.session.get(User, admin_id)
        scope = policy.visible_patient_ids(admin).subquery()
        assert db.session.scalar(sa.select(sa.exists().where(scope.c.id == patient_id))) is False
