"""Fixtures for the LTI tests: an LTI 1.3 platform in its own process, launching the live tool."""

import pytest

from tests.lti.platform import Platform


@pytest.fixture
def lti_platform(live_server, tmp_path):
    """A started LTI platform whose tool is the live app (not registered in the app's database)."""
    platform = Platform(live_server, tmp_path / "lti-platform").start()
    yield platform
    platform.stop()
