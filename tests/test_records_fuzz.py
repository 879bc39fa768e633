"""The account deletion form, fuzzed: never a 5xx; the right password deletes the account and
nothing else does (docs/quality-bars.md, Reliability)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diary.models import User
from tests.conftest import PASSWORD
from tests.test_fuzz_forms import FUZZ, Sandbox, changes, first, noisy

DELETION_FORMS = noisy(password=[PASSWORD, f" {PASSWORD}", PASSWORD.upper(), "", "p" * 129])


@pytest.fixture
def sandbox(app, make_user) -> Sandbox:
    """A fresh database with one patient for every example."""
    return Sandbox(app, make_user)


@FUZZ
@given(form=st.one_of(DELETION_FORMS, st.just({"password": PASSWORD})))
def test_fuzzed_deletion_deletes_the_account_only_for_its_password(sandbox, form):
    client, user_id = sandbox.fresh()
    before = sandbox.counts()

    response = client.post("/account/delete", data=form)

    moved = changes(before, sandbox.counts())
    if first(form, "password") == PASSWORD:
        assert response.status_code == 302 and response.headers["Location"] == "/login"
        assert sandbox.row(User, user_id) is None
    else:
        assert response.status_code == 422, response.status_code
        assert sandbox.row(User, user_id) is not None
        # A wrong password counts as a failed login (per account and per address), no more.
        assert set(moved) <= {"throttle_buckets"}
        if not moved:
            sandbox.untouched()
