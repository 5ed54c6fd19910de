"""A launch inside the LMS's iframe in real Chromium: the student opens the linked assignment in
the course page, starts it and answers, all within the frame (the platform's origin may frame a
launched session; CSRF and cookies work there)."""

import re

import pytest
import requests
from playwright.sync_api import expect

from tests.lti.test_launches import _assignment, _course_of, _deep_link

pytestmark = pytest.mark.browser


def test_a_student_takes_the_assignment_inside_the_lms_frame(app, lms, page):
    teacher = requests.Session()
    lms.launch(teacher, user="teacher-1", roles="Instructor", name="Ada Teacher")
    assignment_id = _assignment(app, _course_of(app), title="Framed quiz")
    link = _deep_link(app, lms, teacher, assignment_id)["created"][0]["resource_link_id"]

    blocked = []
    page.on(
        "console",
        lambda m: (
            blocked.append(m.text) if "frame-ancestors" in m.text or "X-Frame" in m.text else None
        ),
    )
    page.goto(lms.course_url(user="student-1", link=link, name="Bo Student"))
    frame = page.frame_locator("iframe[title=quizapp]")
    expect(frame.get_by_role("heading", name="Framed quiz", level=1)).to_be_visible()
    frame.get_by_role("button", name="Start").click()
    expect(frame.get_by_role("button", name="Submit")).to_be_visible()
    answer = frame.locator("input[name=answer]").first
    if answer.get_attribute("type") in ("radio", "checkbox"):
        answer.check()
    else:
        answer.fill("1")
    frame.get_by_role("button", name="Submit").click()
    # The answer was taken (CSRF token and session cookie worked inside the frame).
    quizapp = next(f for f in page.frames if f.url.startswith(lms.tool_url))
    quizapp.wait_for_url(re.compile(r".*/attempts/\d+/q/(1/feedback|2)$"))
    assert page.url.startswith(lms.url + "/course")  # the LMS page stayed on top
    assert not blocked, blocked
