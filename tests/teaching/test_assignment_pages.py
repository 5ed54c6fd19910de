"""The instructor's assignment pages through the test client, on both backends: setting one
(valid and not), changing one students have started, copying, deleting, releasing feedback,
previewing, accommodations, the class's time zone, and who may see them."""

import html as htmlmod
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from quizapp import clock
from quizapp.extensions import db
from quizapp.learning import assigned, attempts
from quizapp.models import Assignment, AssignmentOverride, Attempt, Course, User
from quizapp.teaching import assignments
from tests.conftest import Auth, csrf_from
from tests.factories import create_class, join, make_user
from tests.quizhelp import answer, right_values

MON = datetime(2026, 9, 7, 9, 0)
FRI = datetime(2026, 9, 11, 17, 0)
BIG, CROSS = "sample-big-science", "sample-cross"


@pytest.fixture
def frozen(monkeypatch):
    state = {"now": MON + timedelta(hours=1)}
    monkeypatch.setattr(clock, "now", lambda: state["now"])
    return state


@pytest.fixture
def klass(app, teacher):
    """Prof Ada's class with one student; yields (course id, join code, the student's client)."""
    course_id, code = create_class(teacher)
    return course_id, code, join(app, "ana", code, "Ana Lima")


def _form(**changes) -> dict:
    """The form of a valid assignment: 2 + 1 questions, Monday to Friday, 20 minutes, twice."""
    data = {
        "title": "Week 1",
        "instructions": "Read **both** articles first.",
        "points": "10",
        f"draw-{BIG}": "2",
        f"draw-{CROSS}": "1",
        "tags": "",
        "opens_at": "2026-09-07T09:00",
        "closes_at": "2026-09-11T17:00",
        "time_limit": "20",
        "attempts_allowed": "2",
        "score_policy": "best",
        "feedback": "after_close",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _post(client, url: str, data: dict, page: str | None = None):
    """Post a form with the CSRF token of the page it is on (``url`` unless ``page``)."""
    token = csrf_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def _create(client, course_id: int, **changes) -> int:
    response = _post(client, f"/teach/classes/{course_id}/assignments/new", _form(**changes))
    assert response.status_code == 303, _errors(response.get_data(as_text=True))
    return int(re.search(r"/assignments/(\d+)$", response.location).group(1))


def _errors(page: str) -> list[str]:
    return re.findall(r'class="error"[^>]*>(.*?)</p>', page, re.S)


def error_beside(page: str, field_id: str) -> str:
    """Return the error shown beside a field, checking the field points to it."""
    found = re.search(rf'<p class="error" id="{field_id}-error">(.*?)</p>', page, re.S)
    assert found, f"no error beside {field_id}: {_errors(page)}"
    described = re.findall(r'aria-describedby="([^"]*)"', page)
    assert any(f"{field_id}-error" in d.split() for d in described), field_id
    return htmlmod.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


def _user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def _start(app, assignment_id: int, username: str, preview: bool = False) -> int:
    """Start an attempt at an assignment (the student's side is another module's pages)."""
    with app.test_request_context():
        found = db.session.get(Assignment, assignment_id)
        started = assigned.start(found, _user_id(app, username), preview=preview)
        assert started.attempt is not None, started.refusal
        return started.attempt.id


def test_an_assignment_is_set_through_the_form_and_listed(app, teacher, klass, frozen):
    course_id, _, _ = klass
    base = f"/teach/classes/{course_id}/assignments"
    page = teacher.get(base).get_data(as_text=True)
    assert "No assignments yet" in page and "aria-current=page>Assignments" in page
    form = teacher.get(base + "/new").get_data(as_text=True)
    assert "Questions from Sample: across the articles" in form and "Opens at (UTC time)" in form
    assignment_id = _create(teacher, course_id, instructions="Read <b>both</b> **now**.")
    detail = teacher.get(f"{base}/{assignment_id}").get_data(as_text=True)
    assert "Each attempt draws 3 at random" in detail
    assert "Read &lt;b&gt;both&lt;/b&gt; <strong>now</strong>." in detail  # safe Markdown
    with app.app_context():
        made = db.session.get(Assignment, assignment_id)
        assert made.draw == [{"bank": BIG, "count": 2}, {"bank": CROSS, "count": 1}]
        assert (made.opens_at, made.closes_at, made.time_limit) == (MON, FRI, 20)
        assert (made.attempts_allowed, made.feedback, made.course_id) == (
            2,
            "after_close",
            course_id,
        )
    listing = teacher.get(base).get_data(as_text=True)
    row = re.search(r"Week 1</a>.*?</tr>", listing, re.S).group(0)
    assert "<strong>Open</strong>, closes" in row and "Fri 11 Sep 2026, 17:00 UTC" in row
    assert "20 minutes" in row and "After the close date" in row and "0 of 1" in row


def test_the_list_counts_submissions_and_the_mean_under_the_policy(app, teacher, klass, frozen):
    course_id, code, _ = klass
    join(app, "ben", code)
    assignment_id = _create(teacher, course_id, points="10")
    ana_first = _start(app, assignment_id, "ana")
    with app.test_request_context():
        first = db.session.get(Attempt, ana_first)
        for position in range(len(first.items)):
            attempts.submit_answer(first, position, right_values(first, position), None)
        attempts.finish_attempt(first)
    ana_second = _start(app, assignment_id, "ana")
    with app.test_request_context():
        attempts.finish_attempt(db.session.get(Attempt, ana_second))  # nothing answered
    ben = _start(app, assignment_id, "ben")
    _start(app, assignment_id, "prof", preview=True)  # never counts
    frozen["now"] += timedelta(minutes=21)  # ben's 20 minutes are up: the list finishes it
    listing = teacher.get(f"/teach/classes/{course_id}/assignments").get_data(as_text=True)
    row = re.search(r"Week 1</a>.*?</tr>", listing, re.S).group(0)
    assert "2 of 2" in row  # ana's best is 100%, ben's 0%
    assert "50%" in row and "(5 of 10)" in row
    with app.app_context():
        timed_out = db.session.get(Attempt, ben)
        assert timed_out.finished_at == timed_out.deadline


def test_bad_settings_are_explained_beside_each_field(teacher, klass):
    course_id, _, _ = klass
    url = f"/teach/classes/{course_id}/assignments/new"
    bad = _form(
        title=" ",
        **{f"draw-{BIG}": "4"},
        opens_at="2026-09-11T17:00",
        closes_at="2026-09-07T09:00",
        time_limit="0",
        attempts_allowed="0",
    )
    response = _post(teacher, url, bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert error_beside(page, "title") == "Error: Give the assignment a title."
    assert "holds 3 questions; an attempt cannot draw 4" in error_beside(page, "draw")
    assert "after the opening date" in error_beside(page, "closes_at")
    assert "A time limit is 1 to 1440 minutes" in error_beside(page, "time_limit")
    assert "Allow 1 to 100 attempts" in error_beside(page, "attempts_allowed")
    assert 'href="#questions"' in page  # the summary leads to the bank counts
    assert 'value="Week 1"' not in page and "2026-09-11T17:00" in page  # nothing typed is lost
    no_bank = _post(teacher, url, _form(**{f"draw-{BIG}": "0", f"draw-{CROSS}": ""}))
    assert "Choose at least one bank" in error_beside(no_bank.get_data(as_text=True), "draw")
    typed = _post(teacher, url, _form(points="ten", opens_at="next monday", time_limit="1.5"))
    page = typed.get_data(as_text=True)
    assert typed.status_code == 400
    assert "Points: enter a number" in error_beside(page, "points")
    assert "Opens at: enter a date and time" in error_beside(page, "opens_at")
    assert "enter a whole number" in error_beside(page, "time_limit")
    no_close = _post(teacher, url, _form(closes_at=""))
    assert "needs a close date" in error_beside(no_close.get_data(as_text=True), "feedback")


def test_editing_a_started_assignment_keeps_its_pool_and_applies_new_dates(
    app, teacher, klass, frozen
):
    course_id, _, _ = klass
    assignment_id = _create(teacher, course_id)
    attempt_id = _start(app, assignment_id, "ana")
    url = f"/teach/classes/{course_id}/assignments/{assignment_id}/edit"
    page = teacher.get(url).get_data(as_text=True)
    assert "Students have started this assignment." in page
    assert "apply from now on" in page
    count = re.search(rf'<input[^>]*name="draw-{BIG}"[^>]*>', page).group(0)
    assert "disabled" in count and "pool-locked" in count and 'value="2"' in count
    refused = _post(teacher, url, _form(**{f"draw-{BIG}": "3"}))
    assert refused.status_code == 400
    assert assignments.POOL_LOCKED in error_beside(refused.get_data(as_text=True), "draw")
    # A browser sends no disabled inputs: the pool stays, the rest changes
    kept = _form(closes_at="2026-09-12T17:00", time_limit="30", **{f"draw-{BIG}": None})
    kept = {k: v for k, v in kept.items() if not k.startswith("draw-") and k != "tags"}
    done = _post(teacher, url, kept)
    assert done.status_code == 303, _errors(done.get_data(as_text=True))
    with app.app_context():
        made = db.session.get(Assignment, assignment_id)
        assert made.draw == [{"bank": BIG, "count": 2}, {"bank": CROSS, "count": 1}]
        assert (made.closes_at, made.time_limit) == (FRI + timedelta(days=1), 30)
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.deadline == attempt.started_at + timedelta(minutes=30)


def test_an_assignment_is_copied_to_another_class(app, teacher, klass, frozen):
    course_id, _, _ = klass
    other_id, _ = create_class(teacher, "Policy 102")
    assignment_id = _create(teacher, course_id)
    _start(app, assignment_id, "ana")
    url = f"/teach/classes/{course_id}/assignments/{assignment_id}/duplicate"
    page = teacher.get(url).get_data(as_text=True)
    assert 'value="Week 1 (copy)"' in page and "Policy 102" in page
    done = _post(teacher, url, {"course": str(other_id), "title": "Week 1, section B"})
    assert done.status_code == 303
    assert f"/teach/classes/{other_id}/assignments/" in done.location
    assert done.location.endswith("/edit")
    edit = teacher.get(done.location).get_data(as_text=True)
    assert "Students have started" not in edit  # the copy has no attempts: all can change
    listing = teacher.get(f"/teach/classes/{other_id}/assignments").get_data(as_text=True)
    assert "Week 1, section B" in listing and "0 of 0" in listing
    make_user(app, "bea", "instructor")
    bea = app.test_client()
    Auth(bea).login("bea")
    theirs, _ = create_class(bea, "Not yours")
    refused = _post(teacher, url, {"course": str(theirs), "title": "Taken"})
    assert refused.status_code == 400 and "Not a valid choice" in refused.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Assignment).where(Assignment.course_id == theirs)
            )
            == 0
        )


def test_deleting_asks_first_and_the_attempts_remain(app, teacher, klass, frozen):
    course_id, _, _ = klass
    assignment_id = _create(teacher, course_id)
    attempt_id = _start(app, assignment_id, "ana")
    url = f"/teach/classes/{course_id}/assignments/{assignment_id}/delete"
    confirm = teacher.get(url).get_data(as_text=True)
    assert "Delete “Week 1”?" in confirm and "keep their attempts" in confirm
    done = teacher.post(url, data={"csrf_token": csrf_from(confirm)})
    assert done.status_code == 303
    listing = teacher.get(done.location).get_data(as_text=True)
    assert "“Week 1” is deleted" in listing and "No assignments yet" in listing
    assert teacher.get(url.removesuffix("/delete")).status_code == 404
    again = teacher.post(url, data={"csrf_token": csrf_from(confirm)})
    assert "already deleted" in teacher.get(again.location).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).assignment_id == assignment_id


def test_feedback_is_released_on_request(app, teacher, klass, frozen):
    course_id, _, _ = klass
    assignment_id = _create(teacher, course_id)
    url = f"/teach/classes/{course_id}/assignments/{assignment_id}"
    page = teacher.get(url).get_data(as_text=True)
    assert "Release feedback now" in page and "cannot be taken back" in page
    done = _post(teacher, url + "/release", {}, page=url)
    assert done.status_code == 303
    page = teacher.get(done.location).get_data(as_text=True)
    assert "Feedback is released" in page and "Release feedback now" not in page
    with app.test_request_context():
        made = db.session.get(Assignment, assignment_id)
        assert made.feedback_from == frozen["now"] and assigned.released_for(made)


@pytest.mark.parametrize("when", ["open", "closed"])
def test_a_preview_is_taken_on_the_student_pages_and_never_counts(
    app, teacher, klass, frozen, when
):
    course_id, _, _ = klass
    assignment_id = _create(teacher, course_id, attempts_allowed="1")
    if when == "closed":
        frozen["now"] = FRI + timedelta(days=1)  # a preview ignores the window
    url = f"/teach/classes/{course_id}/assignments/{assignment_id}"
    started = _post(teacher, url + "/preview", {}, page=url)
    assert started.status_code == 303 and re.search(r"/attempts/\d+$", started.location)
    question = teacher.get(started.location).location
    assert "/q/1" in question and teacher.get(question).status_code == 200
    answered = answer(app, teacher, question)
    assert answered.status_code == 303 and answered.location.endswith("/feedback")
    again = _post(teacher, url + "/preview", {}, page=url)
    assert again.location == started.location  # resumes the open preview
    finish = started.location + "/finish"
    finished = _post(teacher, finish, {}, page=finish)
    assert teacher.get(finished.location).status_code == 200  # the results page
    prof = _user_id(app, "prof")
    with app.test_request_context():
        preview = db.session.scalar(select(Attempt).where(Attempt.user_id == prof))
        assert preview.preview and len(preview.items) == 3
        assert preview.deadline is None or preview.deadline > frozen["now"]
        assert assigned.used_attempts(assignment_id, prof) == 0
        assert assignments.summaries(course_id)[0].submitted == 0


def test_accommodations_are_given_explained_and_removed(app, teacher, klass, frozen):
    course_id, _, _ = klass
    assignment_id = _create(teacher, course_id)
    ana = _user_id(app, "ana")
    base = f"/teach/classes/{course_id}/assignments/{assignment_id}/overrides"
    listing = teacher.get(base).get_data(as_text=True)
    assert "Ana Lima" in listing and 'Set<span class="visually-hidden"> Ana Lima' in listing
    bad = _post(
        teacher,
        f"{base}/{ana}",
        {"time_factor": "9", "closes_at": "2026-09-10T17:00", "extra_attempts": "-1"},
    )
    page = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "The time factor is 1 (no change) to 5." in error_beside(page, "time_factor")
    assert "must be after the assignment's own" in error_beside(page, "closes_at")
    assert "Extra attempts are 0 to 100." in error_beside(page, "extra_attempts")
    given = {"time_factor": "1.5", "closes_at": "2026-09-12T17:00", "extra_attempts": "1"}
    done = _post(teacher, f"{base}/{ana}", given)
    assert done.status_code == 303
    listing = teacher.get(done.location).get_data(as_text=True)
    assert "1.5 × the time, 1 more attempt, closes" in listing and "Sat 12 Sep 2026" in listing
    with app.app_context():
        found = db.session.scalar(select(AssignmentOverride))
        assert (found.user_id, found.time_factor, found.extra_attempts) == (ana, 1.5, 1)
        assert found.closes_at == FRI + timedelta(days=1)
    removed = _post(teacher, f"{base}/{ana}/remove", {}, page=base)
    assert "Ana Lima has no accommodation now." in teacher.get(removed.location).get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AssignmentOverride)) == 0
    make_user(app, "zed")  # not in the class
    assert teacher.get(f"{base}/{_user_id(app, 'zed')}").status_code == 404


def test_dates_are_typed_and_shown_in_the_class_time_zone(app, teacher, klass, frozen):
    course_id, _, _ = klass
    settings = f"/teach/classes/{course_id}/settings"
    zone_url = f"/teach/classes/{course_id}/timezone"
    refused = _post(teacher, zone_url, {"zone-timezone": "Mars/Olympus_Mons"}, page=settings)
    assert refused.status_code == 400
    assert "choose one from the list" in error_beside(
        refused.get_data(as_text=True), "zone-timezone"
    )
    done = _post(teacher, zone_url, {"zone-timezone": "Asia/Shanghai"}, page=settings)
    assert done.status_code == 303
    page = teacher.get(done.location).get_data(as_text=True)
    assert "now typed and shown in Asia/Shanghai" in page
    assert '<option selected value="Asia/Shanghai">' in page
    form = teacher.get(f"/teach/classes/{course_id}/assignments/new").get_data(as_text=True)
    assert "Opens at (Asia/Shanghai time)" in form
    assignment_id = _create(teacher, course_id)  # Monday 9:00 to Friday 17:00 in Shanghai
    with app.app_context():
        assert db.session.get(Course, course_id).timezone == "Asia/Shanghai"
        made = db.session.get(Assignment, assignment_id)
        assert made.opens_at == MON - timedelta(hours=8)  # stored in UTC
        assert made.closes_at == FRI - timedelta(hours=8)
    edit = teacher.get(f"/teach/classes/{course_id}/assignments/{assignment_id}/edit")
    page = edit.get_data(as_text=True)
    assert 'value="2026-09-07T09:00"' in page and 'value="2026-09-11T17:00"' in page
    detail = teacher.get(f"/teach/classes/{course_id}/assignments/{assignment_id}")
    assert "Fri 11 Sep 2026, 17:00 CST" in detail.get_data(as_text=True)


def _pages(course_id: int, assignment_id: int, user_id: int) -> list[tuple[str, str]]:
    one = f"/teach/classes/{course_id}/assignments/{assignment_id}"
    return [
        ("GET", f"/teach/classes/{course_id}/assignments"),
        ("GET", f"/teach/classes/{course_id}/assignments/new"),
        ("POST", f"/teach/classes/{course_id}/assignments/new"),
        ("GET", one),
        ("GET", one + "/edit"),
        ("POST", one + "/edit"),
        ("GET", one + "/duplicate"),
        ("POST", one + "/duplicate"),
        ("GET", one + "/delete"),
        ("POST", one + "/release"),
        ("POST", one + "/preview"),
        ("GET", one + "/overrides"),
        ("GET", f"{one}/overrides/{user_id}"),
        ("POST", f"{one}/overrides/{user_id}"),
        ("POST", f"{one}/overrides/{user_id}/remove"),
        ("POST", one + "/delete"),
        ("POST", f"/teach/classes/{course_id}/timezone"),
    ]


def test_another_instructor_finds_nothing_and_a_student_is_refused(app, teacher, klass, frozen):
    course_id, _, student = klass
    assignment_id = _create(teacher, course_id)
    ana = _user_id(app, "ana")
    make_user(app, "bea", "instructor")
    bea = app.test_client()
    Auth(bea).login("bea")
    for client, expected in ((bea, 404), (student, 403)):
        token = csrf_from(client.get("/quizzes").get_data(as_text=True))
        for method, url in _pages(course_id, assignment_id, ana):
            response = client.open(url, method=method, data={"csrf_token": token})
            assert response.status_code == expected, (method, url)
    with app.app_context():
        made = db.session.get(Assignment, assignment_id)
        assert made.deleted_at is None and made.feedback_from == FRI  # not released
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 0
