"""The suite's time budget: the shared fixtures build the app and the matrix's records once.

The guard is deterministic (docs/testing.md, The time budget): it counts builds, not seconds.
"""

import pytest

from tests.conftest import BUILDS, OncePerWorker


def test_a_first_build_in_a_worker_passes():
    guard = OncePerWorker()

    guard.record("the shared app")

    assert guard.builds["the shared app"] == 1


def test_a_second_build_of_the_same_thing_fails_by_name():
    guard = OncePerWorker()
    guard.record("the shared app")

    with pytest.raises(pytest.fail.Exception, match="the shared app was built 2 times"):
        guard.record("the shared app")


def test_each_costly_thing_has_its_own_count():
    guard = OncePerWorker()

    guard.record("the shared app")
    guard.record("the route matrix's records")

    assert guard.builds == {"the shared app": 1, "the route matrix's records": 1}


def test_this_worker_built_its_shared_app_once(app, worker_app):
    assert app is worker_app.app
    assert BUILDS.builds["the shared app"] == 1


class TestABuildTimeSetting:
    """A test whose settings change how the app is built gets an app of its own."""

    @pytest.fixture
    def app_config(self):
        return {"TRUSTED_PROXIES": 1}

    def test_gets_its_own_app_and_leaves_the_shared_one_alone(self, app, worker_app):
        assert app is not worker_app.app
        assert app.config["TRUSTED_PROXIES"] == 1
        assert worker_app.app.config.get("TRUSTED_PROXIES") != 1


class TestSettingsOfOneTest:
    """What a test changes in the shared app's settings is put back after it."""

    @pytest.fixture
    def app_config(self):
        return {"A_SETTING_OF_ONE_TEST": "set"}

    def test_a_test_sees_its_own_setting(self, app):
        app.config["CHANGED_BY_THE_TEST"] = True
        assert app.config["A_SETTING_OF_ONE_TEST"] == "set"

    def test_the_next_test_does_not(self, worker_app):
        assert "A_SETTING_OF_ONE_TEST" not in worker_app.app.config
        assert "CHANGED_BY_THE_TEST" not in worker_app.app.config
