"""`quizapp lti sync-roster` against the test platform over HTTP, on both backends: the report,
the course ids `quizapp lti list` prints, and one-line errors with a non-zero exit."""

import re

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import LtiContext, Membership
from tests.lti.lms_course import World, map_course, member
from tests.lti.platform import Platform


@pytest.fixture
def lti_platform(live_server, tmp_path):
    """The test LMS, its tool the live app (as tests/lti/conftest.py's fixture)."""
    platform = Platform(live_server, tmp_path / "lti-platform").start()
    yield platform
    platform.stop()


def test_sync_roster_fills_the_class_and_prints_the_report(app, runner, lti_platform):
    world = World(app, lti_platform)
    lti_platform.set_members(
        "course-1", [member("u-ana", "Ana Souza"), member("u-ben", "Ben Okafor")]
    )
    listed = runner.invoke(args=["lti", "list"])
    row = re.search(rf"^(\d+)\s+{world.platform_id}\s+Science Policy\s", listed.stdout, re.M)
    assert row is not None, listed.stdout
    course = row.group(1)

    result = runner.invoke(args=["lti", "sync-roster", course])
    assert result.exit_code == 0, result.output
    assert result.stdout == "2 added, 0 already in the class, 0 no longer in the LMS course\n"
    with app.app_context():
        count = select(func.count()).where(Membership.course_id == world.class_id)
        assert db.session.scalar(count) == 2
        assert db.session.get_one(LtiContext, int(course)).roster_synced_at is not None

    again = runner.invoke(args=["lti", "sync-roster", course])
    assert again.stdout == "0 added, 2 already in the class, 0 no longer in the LMS course\n"
    # The list shows when it was synced (a dash before).
    listed = runner.invoke(args=["lti", "list"]).stdout
    assert re.search(rf"^{course}\s.*\d{{4}}-\d\d-\d\d \d\d:\d\d UTC$", listed, re.M), listed


def test_an_unknown_course_id_is_refused(app, runner, lti_platform):
    World(app, lti_platform)
    for given in ("999", "0", "99999999999"):
        result = runner.invoke(args=["lti", "sync-roster", given])
        assert result.exit_code == 2, (given, result.output)
        assert "Traceback" not in result.output
        assert "COURSE_ID" in result.output
    result = runner.invoke(args=["lti", "sync-roster", "999"])
    assert "There is no LMS course with id 999 (see `quizapp lti list`)." in result.output
    assert runner.invoke(args=["lti", "sync-roster", "three"]).exit_code == 2


def test_a_platform_that_is_down_is_one_line_and_exit_1(app, runner, lti_platform):
    world = World(app, lti_platform)
    lti_platform.stop()
    result = runner.invoke(args=["lti", "sync-roster", str(world.course)])
    assert result.exit_code == 1
    host = lti_platform.url.removeprefix("http://")
    assert result.output == (
        f"Error: Could not reach Moodle at {host}: it may be down. Try again later.\n"
    )


def test_a_course_without_nrps_or_class_is_one_line_and_exit_1(app, runner, lti_platform):
    world = World(app, lti_platform)
    no_nrps = map_course(
        app, lti_platform, world.platform_id, world.class_id, "course-2", memberships_url=None
    )
    result = runner.invoke(args=["lti", "sync-roster", str(no_nrps)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Moodle offers no roster for Science Policy")
    unmapped = map_course(app, lti_platform, world.platform_id, None, "course-3", title="Orphans")
    result = runner.invoke(args=["lti", "sync-roster", str(unmapped)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: Orphans has no quizapp class yet")


def test_help_says_where_the_id_comes_from(runner):
    result = runner.invoke(args=["lti", "sync-roster", "--help"])
    assert result.exit_code == 0
    assert "`quizapp lti list`" in result.output
    assert "sync-roster" in runner.invoke(args=["lti", "--help"]).output
