"""Launches from a real LTI 1.3 platform (lti1p3platform, its own process, over HTTP), both
backends: accounts and classes made at first launch, deep linking to an assignment, the links
opening it, and every kind of forged or stale launch refused with a clear page."""

import re
import time
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select

from quizapp.db.transactions import unit_of_work
from quizapp.extensions import db
from quizapp.lti import launches
from quizapp.models import (
    Course,
    LtiContext,
    LtiIdentity,
    LtiLaunchState,
    LtiLink,
    LtiNonce,
    Membership,
    Question,
    User,
)
from quizapp.models.content import utcnow
from quizapp.teaching import assignments
from quizapp.teaching.assignments import Settings
from tests.conftest import csrf_from
from tests.factories import make_user
from tests.lti.platform import forms_in, replay
from tests.lti.platform_server import LIS


def _course_of(app, context="course-1"):
    with app.app_context():
        row = db.session.scalar(select(LtiContext).where(LtiContext.context_id == context))
        return row.course_id if row else None


def _user(app, subject):
    with app.app_context():
        return db.session.scalar(
            select(User)
            .join(LtiIdentity, LtiIdentity.user_id == User.id)
            .where(LtiIdentity.subject == subject)
        )


def _assignment(app, course_id, title="Week 1 quiz", points=10):
    with app.test_request_context():
        bank = db.session.scalar(select(Question.bank_id).order_by(Question.bank_id))
        made = assignments.create(course_id, Settings(title=title, draw=[(bank, 2)], points=points))
        return made.id


def _choose(http, page, assignment_id):
    """Pick an assignment on the tool's Choose an assignment page."""
    assert "Choose an assignment" in page.text, page.text[:800]
    data = {"csrf_token": csrf_from(page.text), "assignment": str(assignment_id)}
    return http.post(page.url, data=data)


def _deep_link(app, lms, teacher, assignment_id):
    """Deep-link an assignment into the course; return the platform's record of it."""
    page = lms.deep_link_launch(teacher, user="teacher-1", name="Ada Teacher").response
    answer = _choose(teacher, page, assignment_id)
    assert answer.status_code == 200 and "Return to the LMS" in answer.text, answer.text[:800]
    (form,) = [f for f in forms_in(answer) if "JWT" in f.fields]
    returned = teacher.post(form.action, data=form.fields)
    assert returned.status_code == 200, returned.text[:800]
    return lms.deep_links()[-1]


def test_first_instructor_launch_makes_the_account_and_the_class(app, lms):
    teacher = requests.Session()
    launched = lms.launch(
        teacher, user="teacher-1", roles="Instructor", name="Ada Teacher", email="ada@uni.test"
    )
    page = launched.response
    assert page.status_code == 200, page.text[:800]
    # The link opens no assignment yet: the instructor is asked to choose one.
    assert "Choose an assignment" in page.text
    user = _user(app, "teacher-1")
    assert (user.role, user.full_name, user.email) == ("instructor", "Ada Teacher", "ada@uni.test")
    course_id = _course_of(app)
    with app.app_context():
        course = db.session.get(Course, course_id)
        assert (course.name, course.instructor_id) == ("Science Policy", user.id)
    # A second launch reuses both.
    again = lms.launch(requests.Session(), user="teacher-1", roles="Instructor")
    assert again.response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Course)) == 1
        assert db.session.scalar(select(func.count()).select_from(LtiIdentity)) == 1


def test_a_student_before_any_instructor_is_told_to_wait(app, lms):
    page = lms.launch(requests.Session(), user="student-1").response
    assert page.status_code == 409
    assert "has not set up quizapp for this course yet" in page.text
    assert _course_of(app) is None


def test_deep_linking_an_assignment_and_opening_it_as_student_and_instructor(app, lms):
    teacher = requests.Session()
    lms.launch(teacher, user="teacher-1", roles="Instructor", name="Ada Teacher")
    course_id = _course_of(app)
    assignment_id = _assignment(app, course_id, points=10)

    record = _deep_link(app, lms, teacher, assignment_id)
    (item,) = record["items"]
    assert item["type"] == "ltiResourceLink" and item["title"] == "Week 1 quiz"
    assert item["custom"] == {"quizapp_assignment": str(assignment_id)}
    assert item["lineItem"]["scoreMaximum"] == 10
    link = record["created"][0]["resource_link_id"]
    assert record["created"][0]["lineitem"]["scoreMaximum"] == 10

    student = requests.Session()
    page = lms.launch(student, user="student-1", link=link, name="Bo Student").response
    assert page.status_code == 200, page.text[:800]
    assert f"/assignments/{assignment_id}" in page.url
    assert "Week 1 quiz" in page.text and "Start" in page.text
    learner = _user(app, "student-1")
    assert learner.role == "student" and learner.full_name == "Bo Student"
    with app.app_context():
        joined = db.session.scalar(
            select(Membership.id).where(
                Membership.course_id == course_id, Membership.user_id == learner.id
            )
        )
        assert joined is not None
        row = db.session.scalar(select(LtiLink).where(LtiLink.resource_link_id == link))
        assert row.assignment_id == assignment_id
        assert row.lineitem_url and row.lineitem_url.startswith(lms.url)

    # The student starts the assignment inside the launched session (CSRF and all).
    start = student.post(
        re.sub(r"/assignments/(\d+).*", r"/assignments/\1/start", page.url),
        data={"csrf_token": csrf_from(page.text)},
    )
    assert start.status_code == 200 and "/attempts/" in start.url

    # The instructor's launch of the same link opens the assignment's page.
    mine = lms.launch(requests.Session(), user="teacher-1", roles="Instructor", link=link)
    assert mine.response.status_code == 200
    assert f"/teach/classes/{course_id}/assignments/{assignment_id}" in mine.response.url


def test_a_link_placed_without_deep_linking_is_bound_by_its_instructor(app, lms):
    teacher = requests.Session()
    page = lms.launch(teacher, user="teacher-1", roles="Instructor", link="plain-link").response
    # A student meanwhile is told the link is not set up.
    lost = lms.launch(requests.Session(), user="student-1", link="plain-link").response
    assert lost.status_code == 200 and "not set up yet" in lost.text
    assignment_id = _assignment(app, _course_of(app))
    page = teacher.get(page.url)
    bound = _choose(teacher, page, assignment_id)
    assert bound.status_code == 200 and f"/assignments/{assignment_id}" in bound.url
    now = lms.launch(requests.Session(), user="student-1", link="plain-link").response
    assert f"/assignments/{assignment_id}" in now.url


def test_a_student_may_not_deep_link(app, lms):
    lms.launch(requests.Session(), user="teacher-1", roles="Instructor")
    page = lms.deep_link_launch(requests.Session(), user="student-1", roles="Learner").response
    assert page.status_code == 403
    assert "instructors add quizapp activities" in page.text


@pytest.mark.parametrize(
    "tamper, words",
    [
        ("signature", "signature on this launch could not be verified"),
        ("audience", "meant for another tool"),
        ("expired", "too old"),
        ("deployment", "deployment ID"),
    ],
)
def test_forged_and_stale_launches_are_refused_with_a_clear_page(app, lms, tamper, words):
    page = lms.launch(requests.Session(), user="teacher-1", roles="Instructor", tamper=tamper)
    assert page.response.status_code == 401, page.response.text[:800]
    assert words in page.response.text
    assert "quizapp could not open" in page.response.text
    assert _user(app, "teacher-1") is None  # nothing made


def test_a_replayed_launch_is_refused(app, lms):
    http = requests.Session()
    first = lms.launch(http, user="teacher-1", roles="Instructor")
    assert first.response.status_code == 200
    # The nonce left the browser's session with the launch; no other browser ever had it.
    for browser in (http, requests.Session()):
        again = replay(browser, first.form)
        assert again.status_code == 401 and "could not be matched to its start" in again.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LtiNonce)) == 1


def test_a_nonce_is_good_for_one_launch_only(app, lms):
    # Two posts of one id_token racing from one browser both pass pylti1p3's checks: the
    # database's record of used nonces lets only the first through.
    claims = launches.Claims(
        issuer=lms.issuer,
        client_id=lms.client_id,
        deployment_id=lms.deployment_id,
        subject="teacher-1",
        nonce="n-1",
        message="LtiResourceLinkRequest",
        roles=(LIS + "Instructor",),
        context_id="course-1",
        resource_link_id="link-1",
    )
    with app.test_request_context():
        with unit_of_work() as session:
            launches.accept(session, claims)
        with pytest.raises(launches.Refused, match="already used"), unit_of_work() as session:
            launches.accept(session, claims)


def test_an_unregistered_platform_is_refused_at_login(app, lti_platform):
    page = lti_platform.launch(requests.Session(), user="teacher-1", roles="Instructor").response
    assert page.status_code == 400
    assert "quizapp does not know this LMS" in page.text and lti_platform.issuer in page.text


def test_a_role_quizapp_has_no_place_for_is_refused(app, lms):
    page = lms.launch(requests.Session(), user="mentor-1", roles="Mentor").response
    assert page.status_code == 403 and "neither" in page.text


def test_launched_pages_may_be_framed_by_the_platform_only(app, lms, client):
    http = requests.Session()
    page = lms.launch(http, user="teacher-1", roles="Instructor").response
    policy = page.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {lms.url}" in policy
    assert "X-Frame-Options" not in page.headers
    # Every other session keeps the site's headers.
    home = client.get("/")
    assert "frame-ancestors 'none'" in home.headers["Content-Security-Policy"]
    assert home.headers["X-Frame-Options"] == "DENY"


def test_a_launched_session_cookie_is_samesite_none_and_secure_over_https(app):
    client = app.test_client()
    with client.session_transaction(base_url="https://quiz.example.edu") as session:
        session["lti"] = {"frame": ["https://lms.example.edu"], "course": None}
    # The sign-in form puts its CSRF token in the session, so the cookie is sent again.
    response = client.get("/auth/login", base_url="https://quiz.example.edu")
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie
    # Any other session keeps the site's Lax cookie.
    plain = app.test_client().get("/auth/login", base_url="https://quiz.example.edu")
    assert "SameSite=Lax" in plain.headers["Set-Cookie"]


def test_a_student_links_the_account_they_already_had_once(app, lms):
    teacher = requests.Session()
    lms.launch(teacher, user="teacher-1", roles="Instructor")
    assignment_id = _assignment(app, _course_of(app))
    link = _deep_link(app, lms, teacher, assignment_id)["created"][0]["resource_link_id"]
    make_user(app, "bo.k", email="bo@uni.test")

    student = requests.Session()
    page = lms.launch(student, user="student-1", link=link).response
    assert "Link your quizapp account" in page.text
    form = student.get(page.url.split("/assignments/")[0] + "/lti/link-account")
    wrong = student.post(
        form.url,
        data={"csrf_token": csrf_from(form.text), "username": "bo.k", "password": "nope"},
    )
    assert wrong.status_code == 400 and "do not match" in wrong.text
    done = student.post(
        form.url,
        data={
            "csrf_token": csrf_from(form.text),
            "username": "bo.k",
            "password": "correct horse battery",
        },
    )
    assert done.status_code == 200
    assert _user(app, "student-1").username == "bo.k"
    # The next launch opens the linked account, in the class; linking again is refused.
    again = requests.Session()
    page = lms.launch(again, user="student-1", link=link).response
    assert f"/assignments/{assignment_id}" in page.url
    refused = again.get(page.url.split("/assignments/")[0] + "/lti/link-account")
    assert "can be linked once" in refused.text


def test_an_instructor_launch_fills_the_class_roster_from_the_lms(app, lms):
    lms.set_members(
        "course-1",
        [
            {"user_id": "teacher-1", "name": "Ada Teacher", "roles": ["Instructor"]},
            {"user_id": "student-7", "name": "Never Launched", "roles": ["Learner"]},
        ],
    )
    page = lms.launch(requests.Session(), user="teacher-1", roles="Instructor").response
    assert page.status_code == 200
    course_id = _course_of(app)
    deadline = time.monotonic() + 15  # the sync runs once the instructor's page is sent
    while time.monotonic() < deadline:
        member = _user(app, "student-7")
        if member is not None:
            break
        time.sleep(0.1)
    assert member is not None and member.full_name == "Never Launched"
    with app.app_context():
        assert db.session.scalar(
            select(Membership.id).where(
                Membership.course_id == course_id, Membership.user_id == member.id
            )
        )
        assert db.session.get(LtiContext, _context_id(app)).roster_synced_at is not None


def _context_id(app, context="course-1"):
    with app.app_context():
        return db.session.scalar(select(LtiContext.id).where(LtiContext.context_id == context))


def test_an_assignment_created_while_adding_an_activity_leads_back_to_the_list(app, lms):
    teacher = requests.Session()
    lms.launch(teacher, user="teacher-1", roles="Instructor")
    page = lms.deep_link_launch(teacher, user="teacher-1").response
    assert "This class has no assignments yet" in page.text
    new = teacher.get(lms.tool_url + f"/teach/classes/{_course_of(app)}/assignments/new")
    with app.app_context():
        bank = db.session.scalar(select(Question.bank_id).order_by(Question.bank_id))
    form = {
        "csrf_token": csrf_from(new.text),
        "title": "Made in the LMS",
        "points": "5",
        f"draw-{bank}": "1",
        "score_policy": "best",
        "feedback": "immediately",
    }
    back = teacher.post(new.url, data=form)
    assert back.url.endswith("/lti/assignments"), back.url
    assert "Made in the LMS" in back.text and "Add to course" in back.text


def test_a_student_launched_from_the_lms_finishes_and_the_grade_reaches_its_column(app, lms):
    teacher = requests.Session()
    lms.launch(teacher, user="teacher-1", roles="Instructor")
    assignment_id = _assignment(app, _course_of(app), points=10)
    record = _deep_link(app, lms, teacher, assignment_id)
    link = record["created"][0]["resource_link_id"]
    column = record["created"][0]["lineitem"]["id"]

    student = requests.Session()
    page = lms.launch(student, user="student-1", link=link).response
    started = student.post(
        lms.tool_url + f"/assignments/{assignment_id}/start",
        data={"csrf_token": csrf_from(page.text)},
    )
    attempt = re.search(r"/attempts/(\d+)", started.url)[1]
    confirm = student.get(lms.tool_url + f"/attempts/{attempt}/finish")
    finished = student.post(confirm.url, data={"csrf_token": csrf_from(confirm.text)})
    assert finished.status_code == 200 and "/results" in finished.url

    deadline = time.monotonic() + 15  # sent once the results page is on its way
    while time.monotonic() < deadline and not lms.scores():
        time.sleep(0.1)
    (posted,) = lms.scores()
    assert column.endswith("/" + posted["lineitem_id"])  # the column deep linking made
    score = posted["score"]
    assert score["userId"] == "student-1"
    assert (score["scoreGiven"], score["scoreMaximum"]) == (0, 10)
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")


def test_a_grade_earned_before_the_link_opened_the_assignment_is_sent_once_it_does(app, lms):
    teacher = requests.Session()
    page = lms.launch(teacher, user="teacher-1", roles="Instructor", link="plain-link").response
    assignment_id = _assignment(app, _course_of(app), points=4)
    student = requests.Session()
    lost = lms.launch(student, user="student-1", link="plain-link").response
    assert "not set up yet" in lost.text
    # The student finds the assignment in their quizzes and finishes it: no column to send to.
    quizzes = student.get(lms.tool_url + "/quizzes")
    started = student.post(
        lms.tool_url + f"/assignments/{assignment_id}/start",
        data={"csrf_token": csrf_from(quizzes.text)},
    )
    confirm = student.get(started.url.split("/q/")[0] + "/finish")
    student.post(confirm.url, data={"csrf_token": csrf_from(confirm.text)})
    assert lms.scores() == []
    # The instructor points the link at it: the grade goes to the column made for the link.
    _choose(teacher, teacher.get(page.url), assignment_id)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not lms.scores():
        time.sleep(0.1)
    (posted,) = lms.scores()
    assert posted["score"]["userId"] == "student-1"
    assert posted["score"]["scoreMaximum"] == 4


def test_launch_state_past_its_lifetime_is_dropped_by_the_next_launch(app, lms):
    with app.app_context():
        db.session.add(
            LtiLaunchState(key="old-launch", value={}, expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    lms.launch(requests.Session(), user="teacher-1", roles="Instructor")
    with app.app_context():
        assert db.session.get(LtiLaunchState, "old-launch") is None
        assert db.session.scalar(select(func.count()).select_from(LtiLaunchState)) >= 1
