"""Fixtures for the LTI tests: an LTI 1.3 platform in its own process, launching the live tool."""

import os

import pytest

from tests.lti.platform import Platform


@pytest.fixture(scope="session")
def worker_id():
    """xdist's worker id ("gw0", ...), or "master" also when run with -p no:xdist.

    The same value xdist's own fixture gives, so the database templates (tests/conftest.py) work
    for these tests without the plugin too.
    """
    return os.environ.get("PYTEST_XDIST_WORKER", "master")


@pytest.fixture(scope="session")
def _platform_process(tmp_path_factory):
    """One platform process per test worker: starting one costs a second, resetting it nothing."""
    platform = Platform("http://127.0.0.1:9", tmp_path_factory.mktemp("lti-platform"))
    yield platform
    platform.stop()


@pytest.fixture
def lti_platform(live_server, _platform_process):
    """A started LTI platform, reset, whose tool is the live app (not registered in the app's
    database). A test may stop or restart it; the next test's starts it again if need be."""
    platform = _platform_process
    if not platform.running:
        platform.tool_url = live_server
        platform.start()
    return platform.reset(live_server)


def register(app, platform: Platform, **changes) -> int:
    """Register the test platform in the app's database (as an administrator would)."""
    from quizapp.lti import platforms

    settings = dict(
        name="Test LMS",
        issuer=platform.issuer,
        client_id=platform.client_id,
        auth_login_url=platform.auth_login_url,
        auth_token_url=platform.auth_token_url,
        key_set_url=platform.key_set_url,
        deployment_ids=[platform.deployment_id],
    )
    settings.update(changes)
    with app.app_context():
        return platforms.add_platform(platforms.PlatformSettings(**settings)).id


@pytest.fixture
def lms(app, lti_platform):
    """The test platform, registered with the live app: launches are accepted."""
    register(app, lti_platform)
    return lti_platform
