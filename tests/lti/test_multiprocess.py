"""LTI across several app processes on one database (gunicorn, as in production): a launch
begun on one process ends on another, and its id_token is spent for all of them."""

import pytest
import requests

from tests.lti.conftest import register
from tests.lti.platform import LaunchForm, Platform, forms_in, replay
from tests.servers import Gunicorn

pytestmark = pytest.mark.slow


@pytest.fixture
def nodes(app, database_url, tmp_path):
    with Gunicorn(database_url, workers=2) as one, Gunicorn(database_url, workers=2) as two:
        lms = Platform(one.url, tmp_path / "lms").start()
        try:
            register(app, lms)
            yield one, two, lms
        finally:
            lms.stop()


def _login_on(lms: Platform, http: requests.Session, **params) -> LaunchForm:
    """Play the platform's side up to the launch form (the tool's login runs on node one)."""
    page = http.get(lms.start_url(**params))
    (form,) = [f for f in forms_in(page) if {"id_token", "state"} <= f.fields.keys()]
    return LaunchForm(form.action, form.fields["id_token"], form.fields["state"])


def test_a_launch_ends_on_another_process_and_is_spent_for_all(app, nodes):
    one, two, lms = nodes
    http = requests.Session()
    form = _login_on(lms, http, user="teacher-1", roles="Instructor", context="course-9")
    assert form.action.startswith(one.url)
    elsewhere = LaunchForm(form.action.replace(one.url, two.url), form.id_token, form.state)
    landed = replay(http, elsewhere)  # the same browser's cookie, the other process
    assert landed.status_code == 200 and "Choose an assignment" in landed.text, landed.text[:500]
    for node in (one, two):
        again = replay(http, LaunchForm(node.url + "/lti/launch", form.id_token, form.state))
        assert again.status_code == 401, node.url
