"""The web layer's own helpers (diary/web): the chart's range and bucket, a form's status,
refusals next to their fields, the ?page= number, and the guard of a clinic's member."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, FormField, IntegerField, StringField

from diary.extensions import db
from diary.models import ClinicMembership
from diary.progress.queries import BUCKETS
from diary.progress.trajectory import DEFAULT_BUCKET, RANGES
from diary.web.forms import TextForm
from diary.web.pages import INVALID, MAX_PAGE, form_status, page_arg, show_refusals
from diary.web.ranges import DEFAULT_RANGE, chart_request
from tests.journal_helpers import login_as

# The range and bucket of a chart page ------------------------------------------------------


def test_no_range_and_no_bucket_show_the_whole_diary_by_its_own_bucket():
    assert chart_request(MultiDict()) == ("all", DEFAULT_BUCKET["all"])
    assert DEFAULT_RANGE == "all"


@pytest.mark.parametrize("range_key", list(RANGES))
def test_a_known_range_without_a_bucket_gets_the_ranges_default_bucket(range_key):
    assert chart_request(MultiDict({"range": range_key})) == (range_key, DEFAULT_BUCKET[range_key])


@pytest.mark.parametrize("bucket", BUCKETS)
def test_a_known_bucket_is_kept_whatever_the_range(bucket):
    assert chart_request(MultiDict({"range": "3m", "bucket": bucket})) == ("3m", bucket)


@pytest.mark.parametrize("unknown", ["", "2y", "ALL", "all ", "../", "\x00"])
def test_an_unknown_range_falls_back_on_the_whole_diary(unknown):
    assert chart_request(MultiDict({"range": unknown, "bucket": "week"})) == ("all", "week")


@pytest.mark.parametrize("unknown", ["", "year", "Day", "hour"])
def test_an_unknown_bucket_falls_back_on_the_ranges_default(unknown):
    assert chart_request(MultiDict({"range": "1y", "bucket": unknown})) == (
        "1y", DEFAULT_BUCKET["1y"]
    )


def test_an_unknown_range_and_bucket_fall_back_together():
    assert chart_request(MultiDict({"range": "zz", "bucket": "qq"})) == (
        "all", DEFAULT_BUCKET["all"]
    )


def test_the_first_of_repeated_parameters_counts():
    args = MultiDict([("range", "3m"), ("range", "1y"), ("bucket", "week"), ("bucket", "day")])
    assert chart_request(args) == ("3m", "week")


def test_the_pages_fall_back_where_the_api_refuses(patient, client):
    page = client.get("/trajectory?range=zz&bucket=qq")
    api = client.get("/api/v1/me/trajectory?bucket=qq")

    assert page.status_code == 200
    assert 'href="/trajectory?range=all" aria-current="page"' in page.get_data(as_text=True)
    assert api.status_code == 400


# A form's status and its refusals --------------------------------------------------------


class _Site(TextForm):
    class Meta:
        csrf = False

    units = IntegerField("Units")


class _Entry(TextForm):
    name = StringField("Name")
    sites = FieldList(FormField(_Site), min_entries=2)


@pytest.mark.parametrize(("method", "status"), [("GET", 200), ("POST", INVALID), ("PUT", INVALID)])
def test_a_form_shown_again_after_it_was_sent_answers_422(app, method, status):
    with app.test_request_context("/", method=method):
        assert form_status(_Entry()) == status


def test_refusals_go_next_to_their_fields_nested_ones_too(app):
    with app.test_request_context("/", method="POST", data={"name": "x"}):
        form = _Entry()
        form.validate()
        show_refusals(form, {"name": "Not this name.", "sites-1-units": "Too many units.",
                             "nothing": "The whole entry is refused."})

        assert form.name.errors == ["Not this name."]
        assert form.sites[1].form.units.errors == ["Too many units."]
        assert form.sites[0].form.units.errors == []
        assert form.form_errors == ["The whole entry is refused."]


# The ?page= number -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "page"),
    [("", 1), ("?page=3", 3), ("?page=0", 1), ("?page=-4", 1), ("?page=two", 1),
     (f"?page={MAX_PAGE}", MAX_PAGE), (f"?page={MAX_PAGE + 1}", MAX_PAGE)],
)
def test_the_page_number_is_kept_within_bounds(app, query, page):
    with app.test_request_context("/history" + query):
        assert page_arg() == page


# The guard of a clinic's member ------------------------------------------------------------


def test_a_clinician_without_a_confirmed_clinic_cannot_act_for_one(app, make_user, client):
    loner = make_user("loner@example.org", role="clinician")
    with app.app_context():
        db.session.execute(
            sa.update(ClinicMembership).where(ClinicMembership.user_id == loner)
            .values(confirmed_at=None)
        )
        db.session.commit()
    login_as(client, loner)

    assert client.get("/clinic/add-patient").status_code == 404
    assert client.get("/clinic/invite").status_code == 404
    assert client.get("/clinic/settings").status_code == 404
    # The pages about no clinic in particular stay open to them.
    assert client.get("/clinic/patients").status_code == 200
