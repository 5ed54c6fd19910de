"""Two separate app processes on one database: sessions, attempts and exactly-once hold."""

import threading

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt
from tests.quizhelp import bank_ids
from tests.servers import Gunicorn
from tests.webclient import Student

pytestmark = pytest.mark.slow


@pytest.fixture
def two_nodes(app, database_url):
    with Gunicorn(database_url, workers=2) as one, Gunicorn(database_url, workers=2) as two:
        yield one, two


def _parallel(calls):
    results = [None] * len(calls)

    def run(i, call):
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_one_students_requests_interleave_across_two_processes(app, two_nodes):
    one, two = two_nodes
    student = Student(one.url, "nomad").register()
    bank = bank_ids(app)[0]
    path = student.start(bank)
    student.base = two.url  # same cookie, other process
    assert student.http.get(two.url + "/quizzes").status_code == 200
    data = student.answer_form(app, path)
    response = student.post(path, data)
    assert response.status_code == 303
    student.base = one.url
    next_path = student.next_question(response.headers["Location"])
    assert next_path and next_path.endswith("/q/2")
    assert student.start(bank) == next_path  # resumed at the first unanswered question


def test_same_answer_posted_to_both_processes_at_once_is_stored_once(app, two_nodes):
    one, two = two_nodes
    student = Student(one.url, "twin").register()
    path = student.start(bank_ids(app)[0])
    data = student.answer_form(app, path)
    responses = _parallel(
        [
            lambda base=base: student.http.post(
                base + path, data=data, allow_redirects=False, timeout=30
            )
            for base in (one.url, two.url) * 5
        ]
    )
    assert {r.status_code for r in responses} == {303}
    assert len({r.headers["Location"] for r in responses}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 1


def test_two_tabs_answering_different_questions_at_once(app, two_nodes):
    one, two = two_nodes
    student = Student(one.url, "tabs").register()
    path = student.start(bank_ids(app)[0])
    second = path.replace("/q/1", "/q/2")
    forms = [student.answer_form(app, path), student.answer_form(app, second)]
    responses = _parallel(
        [
            lambda: student.http.post(one.url + path, data=forms[0], allow_redirects=False),
            lambda: student.http.post(two.url + second, data=forms[1], allow_redirects=False),
        ]
    )
    assert [r.status_code for r in responses] == [303, 303]
    with app.app_context():
        positions = sorted(db.session.scalars(select(Answer.position)))
        assert positions == [0, 1]


def test_finishing_twice_at_once_gives_one_finish_and_one_score(app, two_nodes):
    one, two = two_nodes
    student = Student(one.url, "finisher").register()
    path = student.start(bank_ids(app)[0])
    student.post(path, student.answer_form(app, path))
    attempt_id = int(path.split("/")[2])
    token = student.answer_form(app, path.replace("/q/1", "/q/2"))["csrf_token"]
    responses = _parallel(
        [
            lambda base=base: student.http.post(
                f"{base}/attempts/{attempt_id}/finish",
                data={"csrf_token": token},
                allow_redirects=False,
            )
            for base in (one.url, two.url) * 3
        ]
    )
    assert {r.status_code for r in responses} == {303}
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.finished_at is not None and attempt.score == 1


def test_starts_of_an_assignment_from_both_processes_at_once_hold_its_attempts(app, two_nodes):
    """Attempts allowed holds across processes: ten Start presses at once make one attempt."""
    from quizapp.models import User
    from quizapp.teaching import assignments, classes
    from quizapp.teaching.assignments import Settings
    from tests.conftest import csrf_from

    one, two = two_nodes
    student = Student(one.url, "twostarts").register()
    with app.app_context():
        teacher = User(username="prof2", password_hash="x", role="instructor")
        db.session.add(teacher)
        db.session.commit()
        course = classes.create_course(teacher.id, "Policy 101")
        user_id = db.session.scalar(select(User.id).where(User.username == "twostarts"))
        classes.join_course(user_id, course.join_code)
        made = assignments.create(
            course.id,
            Settings(title="Once", draw=[(bank_ids(app)[0], 2)], attempts_allowed=1),
        )
        assignment_id = made.id
    token = csrf_from(student.http.get(one.url + "/quizzes").text)
    responses = _parallel(
        [
            lambda base=base: student.http.post(
                f"{base}/assignments/{assignment_id}/start",
                data={"csrf_token": token},
                allow_redirects=False,
                timeout=30,
            )
            for base in (one.url, two.url) * 5
        ]
    )
    assert {r.status_code for r in responses} == {303}
    assert len({r.headers["Location"] for r in responses}) == 1  # all resume the one attempt
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).where(Attempt.assignment_id == assignment_id)
        )
    assert count == 1
