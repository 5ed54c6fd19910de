"""The class page's LMS course and its Sync roster from the LMS button, on both backends,
against the test platform over HTTP."""

import re

from tests.conftest import csrf_from
from tests.lti.lms_course import CLASS_ROSTER, World, member


def _page(client, class_id) -> str:
    return client.get(f"/teach/classes/{class_id}").get_data(as_text=True)


def _sync(client, class_id, page: str | None = None):
    token = csrf_from(page or _page(client, class_id))
    return client.post(f"/teach/classes/{class_id}/sync-roster", data={"csrf_token": token})


def _flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash flash-(\w+)">([^<]*)</p>', page)


def test_the_class_page_names_its_lms_course_and_syncs_its_roster(app, lti_platform):
    world = World(app, lti_platform)
    lti_platform.set_members("course-1", CLASS_ROSTER)
    teacher = world.teacher_client()
    page = _page(teacher, world.class_id)
    assert "From Moodle: <strong>Science Policy</strong>." in page
    assert "Roster last synced never." in page
    assert "Sync roster from the LMS</button>" in page
    assert "or sync the roster from the LMS" in page

    response = _sync(teacher, world.class_id, page)
    assert response.status_code == 303
    assert response.location.endswith(f"/teach/classes/{world.class_id}")
    page = _page(teacher, world.class_id)
    assert _flashes(page) == [
        (
            "success",
            "Roster synced from Moodle: Science Policy: 3 added, 0 already in the class, "
            "0 no longer in the LMS course, 1 teaching (not made students).",
        )
    ]
    assert "Roster last synced never" not in page
    assert re.search(r"Roster last synced <time datetime=\"[^\"]+Z\"", page)
    names = re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', page)
    assert {"Ana Souza", "Ben Okafor", "Cy Tran"} <= set(names)

    lti_platform.set_members("course-1", [member("u-ana", "Ana Souza")])
    _sync(teacher, world.class_id)
    assert _flashes(_page(teacher, world.class_id)) == [
        (
            "success",
            "Roster synced from Moodle: Science Policy: 0 added, 1 already in the class, "
            "2 no longer in the LMS course.",
        )
    ]


def test_a_platform_that_is_down_is_flashed_and_nothing_changes(app, lti_platform):
    world = World(app, lti_platform)
    teacher = world.teacher_client()
    lti_platform.stop()
    response = _sync(teacher, world.class_id)
    assert response.status_code == 303
    page = _page(teacher, world.class_id)
    host = lti_platform.url.removeprefix("http://")
    assert _flashes(page) == [
        (
            "error",
            "The roster of Moodle: Science Policy was not synced. "
            f"Could not reach Moodle at {host}: it may be down. Try again later.",
        )
    ]
    assert "Roster last synced never." in page
    assert "No students in this class yet" in page


def test_a_class_without_an_lms_course_has_no_button(app, teacher):
    from tests.factories import create_class

    class_id, _ = create_class(teacher)
    page = _page(teacher, class_id)
    assert "Sync roster from the LMS" not in page
    assert "From " not in page.split("<h2>Gradebook</h2>")[0].split("<h1>")[1]
    _sync(teacher, class_id, page)
    assert _flashes(_page(teacher, class_id)) == [
        ("info", "This class is not linked to an LMS course: its students join with the code.")
    ]


def test_syncing_needs_the_forms_csrf_token(app, lti_platform):
    world = World(app, lti_platform)
    lti_platform.set_members("course-1", CLASS_ROSTER)
    response = world.teacher_client().post(f"/teach/classes/{world.class_id}/sync-roster")
    assert response.status_code == 400
    assert lti_platform.requests().get("nrps", 0) == 0
