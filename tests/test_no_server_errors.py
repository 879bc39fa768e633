"""No request answers 500: each request here once did.

A text field sent as a file, an id past the database's integer range, a number too large for
the decimal context, the changes page after a treatment was edited, and writes that race the
account's own deletion. Each answers what a person would expect instead: the form's own
errors, a 404, the page, or "this account has been deleted".
"""

from __future__ import annotations

import io
import threading

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from diary.extensions import db
from diary.models import AuditEvent, CheckIn, User
from diary.records import deletion
from diary.web.converters import MAX_ID, IdConverter
from tests.conftest import PASSWORD
from tests.journal_helpers import TODAY, login_as
from tests.route_matrix import ROLES, ROUTES, Records, sign_in
from tests.test_journal_concurrency import post_together
from tests.treatments_support import TreatmentRecorder

POST_ROUTES = sorted(endpoint for endpoint, route in ROUTES.items() if route.post)
HUGE_IDS = (MAX_ID + 1, 2**63, 10**30)


def as_files(form: dict) -> dict:
    """Every field of a form sent as an uploaded file holding the field's text."""
    files = {}
    for name, value in form.items():
        values = value if isinstance(value, list) else [value]
        files[name] = [(io.BytesIO(str(v).encode()), "field.txt") for v in values]
    return files


# A file where text is expected -----------------------------------------------------------


@pytest.mark.parametrize("endpoint", POST_ROUTES)
def test_every_form_answers_a_file_sent_for_its_fields_without_a_server_error(
        app, route_records: Records, endpoint):
    route = ROUTES[endpoint]
    for role in ROLES:
        if route.expected("POST", role).status in (404, 405):
            continue
        client = app.test_client()
        sign_in(client, route_records, role)
        for url in route.urls(app, endpoint, route_records):
            form = route.form(route_records) or {"note": "a field"}

            response = client.post(url, data=as_files(form), content_type="multipart/form-data")

            assert response.status_code < 500, f"{role} POST {url} answered {response.status_code}"


def test_a_file_for_the_login_fields_is_a_login_that_failed(client, make_user):
    make_user()

    response = client.post("/login", content_type="multipart/form-data", data={
        "email": (io.BytesIO(b"pat@example.org"), "email.txt"),
        "password": (io.BytesIO(PASSWORD.encode()), "password.txt"),
    })

    assert response.status_code == 200  # the form again, asking for the missing fields
    assert client.get("/login").status_code == 200  # and nobody is logged in


# Ids the database cannot hold --------------------------------------------------------------


def test_every_id_in_a_url_goes_through_the_bounded_converter(app):
    bare = [
        rule.rule for rule in app.url_map.iter_rules()
        for converter in rule._converters.values()
        if isinstance(converter, IntegerConverter) and not isinstance(converter, IdConverter)
    ]
    assert not bare, f"ids without the bounded converter: {bare}"


def id_routes(app) -> list:
    """Every rule with an id in its URL, and the names of its id parts."""
    return [
        (rule, [name for name, c in rule._converters.items() if isinstance(c, IdConverter)])
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IdConverter) for c in rule._converters.values())
    ]


@pytest.mark.parametrize("role", ["owner", "clinician", "care_team", "admin"])
def test_an_id_past_the_integer_range_is_a_page_that_does_not_exist(app, route_records, role):
    client = app.test_client()
    sign_in(client, route_records, role)
    rules = id_routes(app)
    assert len(rules) >= 30
    for rule, names in rules:
        for huge in HUGE_IDS:
            path = rule.rule
            for name in names:
                path = path.replace(f"<id:{name}>", str(huge))
            path = path.replace("<kind>", "injections")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(path, method=method)
                assert response.status_code == 404, f"{role} {method} {path}: {response.status_code}"


# Numbers too large to add up ---------------------------------------------------------------


def test_an_injection_with_an_overflowing_number_of_units_is_refused_with_the_form(
        app, client, patient):
    response = client.post("/treatments/injections/new", data={
        "injected_on": TODAY.isoformat(), "product": "onabotulinumtoxinA", "total_units": "20",
        "sites-0-muscle": "oo_pretarsal_lower", "sites-0-side": "affected",
        "sites-0-units": "1e999999999",
        "sites-1-muscle": "corrugator", "sites-1-side": "affected",
        "sites-1-units": "9e999999",
    })

    assert response.status_code == 422
    assert "Units must be more than 0" in response.get_data(as_text=True)


# The changes page after a treatment changed -------------------------------------------------


def test_the_changes_page_shows_edited_and_deleted_treatments(app, client, patient):
    treatments = TreatmentRecorder(app, patient)
    regimen = treatments.regimen()
    injection = treatments.injection()
    surgery = treatments.surgery()
    assert client.post(f"/treatments/medication/{regimen}/edit", data={
        "drug": "gabapentin", "strength": "400", "unit": "mg", "doses_per_day": "3",
        "started_on": "2026-01-05"}).status_code == 302
    assert client.post(f"/treatments/injections/{injection}/delete").status_code == 302
    assert client.post(f"/treatments/surgeries/{surgery}/delete").status_code == 302

    response = client.get("/history/changes")

    assert response.status_code == 200
    page = " ".join(response.get_data(as_text=True).split())
    assert "Medication for Monday, 5 January 2026. Before the change:" in page
    assert "Medicine: Gabapentin" in page and "Dose: 300 mg, 3 times a day" in page
    assert "Injection for Sunday, 1 March 2026" in page and "Total: 20 U" in page
    assert "Operation for Monday, 2 June 2025" in page and "Microvascular decompression" in page


# Writes that race the account's deletion ---------------------------------------------------


def test_a_write_that_races_the_accounts_deletion_is_answered_as_logged_out(app, make_user):
    """The session was loaded, then another tab deleted the account, then the write came."""
    patient = make_user()
    client = app.test_client()
    login_as(client, patient)

    def delete_meanwhile():
        from flask_login import current_user

        if current_user.is_authenticated:  # the session is loaded: now the other tab acts
            def other_tab():
                with app.test_request_context():
                    deletion.delete_account(db.session.get(User, patient), PASSWORD, None)

            thread = threading.Thread(target=other_tab)
            thread.start()
            thread.join(timeout=30)

    app.before_request_funcs.setdefault(None, []).append(delete_meanwhile)
    try:
        response = client.post("/checkin", data={"day": TODAY.isoformat(), "spasm_count": "4"})
    finally:
        app.before_request_funcs[None].remove(delete_meanwhile)

    assert response.status_code == 302 and response.location == "/login"
    assert client.get("/login").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn)) == 0


def test_parallel_deletions_delete_once_and_audit_once(app, make_user):
    patient = make_user()

    statuses = post_together(app, patient, [("/account/delete", {"password": PASSWORD})] * 3)

    assert all(status in (302, 200) for status in statuses), statuses
    with app.app_context():
        deleted = db.session.scalars(sa.select(AuditEvent.action)
                                     .where(AuditEvent.action == "account_deleted")).all()
        assert len(deleted) == 1
        assert db.session.get(User, patient) is None

