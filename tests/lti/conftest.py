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


@pytest.fixture
def lti_platform(live_server, tmp_path):
    """A started LTI platform whose tool is the live app (not registered in the app's database)."""
    platform = Platform(live_server, tmp_path / "lti-platform").start()
    yield platform
    platform.stop()
