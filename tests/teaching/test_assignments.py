"""Assignment rules through the services, on both backends: validation, the draw stored with
the attempt, attempts allowed, the window, the time limit, overrides and feedback release."""

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.learning import assigned, attempts
from quizapp.learning.question_cache import question_view
from quizapp.models import Answer, Attempt, Course
from quizapp.teaching import assignments, classes
from quizapp.teaching.assignments import Invalid, OverrideSettings, Settings
from tests.factories import class_with_students, frozen_clock
from tests.quizhelp import right_values

MON = datetime(2026, 9, 7, 9, 0)
FRI = datetime(2026, 9, 11, 17, 0)


@pytest.fixture
def frozen(monkeypatch):
    return frozen_clock(monkeypatch, MON + timedelta(hours=1))


@pytest.fixture
def course(app):
    """A class with its instructor and two students; returns (course id, student ids)."""
    course_id, ids = class_with_students(app)
    return course_id, list(ids.values())


def _settings(**changes) -> Settings:
    values = dict(
        title="Week 1",
        draw=[("sample-big-science", 2), ("sample-cross", 1)],
        opens_at=MON,
        closes_at=FRI,
        time_limit=20,
        attempts_allowed=2,
        feedback="after_close",
    )
    values.update(changes)
    return Settings(**values)


def test_settings_are_checked_field_by_field(app, course):
    course_id, _ = course
    with app.test_request_context():
        with pytest.raises(Invalid) as raised:
            assignments.create(
                course_id,
                _settings(
                    title=" ",
                    draw=[("sample-big-science", 4), ("nope", 1)],
                    opens_at=FRI,
                    closes_at=MON,
                    time_limit=0,
                    feedback="after_close",
                ),
            )
        errors = raised.value.errors
        assert errors["title"] == ["Give the assignment a title."]
        assert any("holds 3 questions; an attempt cannot draw 4" in m for m in errors["draw"])
        assert any("no quiz bank 'nope'" in m for m in errors["draw"])
        assert errors["closes_at"] == ["The close date must be after the opening date."]
        assert "time limit" in errors["time_limit"][0]
        no_close = assignments.check(_settings(closes_at=None))
        assert no_close["feedback"] == ["Feedback after the close date needs a close date."]


def test_a_tag_narrows_the_pool_and_the_count_is_checked_against_it(app, course):
    course_id, _ = course
    with app.test_request_context():
        errors = assignments.check(_settings(draw=[("sample-big-science", 1)], tags=["no-such"]))
        assert "holds 0 questions with those tags and difficulties" in errors["draw"][0]


def test_the_draw_is_stored_and_resuming_gives_the_same_questions(app, course, frozen):
    course_id, (ana, _) = course
    with app.test_request_context():
        made = assignments.create(course_id, _settings())
        first = assigned.start(made, ana).attempt
        again = assigned.start(made, ana).attempt
        assert first.id == again.id and first.items == again.items
        assert len(first.items) == 3
        assert first.deadline == frozen["now"] + timedelta(minutes=20)
        assert first.assignment_id == made.id


def test_attempts_allowed_and_the_window_refuse_a_start(app, course, frozen):
    course_id, (ana, _) = course
    with app.test_request_context():
        made = assignments.create(course_id, _settings(attempts_allowed=1))
        attempt = assigned.start(made, ana).attempt
        attempts.finish_attempt(attempt)
        refused = assigned.start(made, ana)
        assert refused.attempt is None
        assert refused.refusal == "You have used all 1 attempt at this assignment."
        assignments.set_override(made, ana, OverrideSettings(extra_attempts=1))
        assert assigned.start(made, ana).attempt is not None
        frozen["now"] = MON - timedelta(minutes=1)
        later = assignments.create(course_id, _settings(title="Week 2"))
        assert assigned.start(later, ana).refusal == "This assignment is not open yet."
        frozen["now"] = FRI
        assert assigned.start(later, ana).refusal == "This assignment is closed."
        assert assigned.start(later, ana, preview=True).attempt.preview  # previews ignore both


def test_an_answer_after_the_deadline_is_refused_and_the_attempt_scored_with_what_came(
    app, course, frozen
):
    course_id, (ana, _) = course
    with app.test_request_context():
        made = assignments.create(course_id, _settings())
        attempt = assigned.start(made, ana).attempt
        frozen["now"] += timedelta(minutes=5)
        assert not attempts.submit_answer(attempt, 0, right_values(attempt, 0), None).late
        frozen["now"] = attempt.deadline + timedelta(seconds=8)  # within the grace
        assert not attempts.submit_answer(attempt, 1, right_values(attempt, 1), None).late
        frozen["now"] = attempt.deadline + timedelta(seconds=11)
        assert attempts.submit_answer(attempt, 2, right_values(attempt, 2), None).late
        row = db.session.get(Attempt, attempt.id)
        db.session.refresh(row)
        assert row.finished_at == attempt.deadline
        assert row.score == sum(question_view(v).points for _, v in attempt.items[:2])
        stored = db.session.scalar(select(func.count()).where(Answer.attempt_id == attempt.id))
        assert stored == 2


def test_an_open_attempt_past_its_deadline_is_finished_by_the_next_read(app, course, frozen):
    course_id, (ana, ben) = course
    with app.test_request_context():
        made = assignments.create(course_id, _settings())
        attempt = assigned.start(made, ana).attempt
        frozen["now"] += timedelta(minutes=30)
        rows = assigned.assigned_to(ben)  # anyone's read finishes it... ben's only his own
        assert rows[0].status.state == "open"
        assert assigned.finish_overdue([made.id]) == 1
        row = db.session.get(Attempt, attempt.id)
        db.session.refresh(row)
        assert row.finished_at == attempt.deadline and row.score == 0
        assert assigned.finish_overdue([made.id]) == 0


def test_extra_time_and_a_later_close_apply_to_an_open_attempt(app, course, frozen):
    course_id, (ana, ben) = course
    with app.test_request_context():
        made = assignments.create(course_id, _settings())
        attempt = assigned.start(made, ana).attempt
        assignments.set_override(made, ana, OverrideSettings(time_factor=1.5))
        row = db.session.get(Attempt, attempt.id)
        db.session.refresh(row)
        assert row.deadline == attempt.started_at + timedelta(minutes=30)
        attempts.finish_attempt(attempt)
        assignments.set_override(made, ana, OverrideSettings(closes_at=FRI + timedelta(days=1)))
        # After the close date: feedback waits for the last window to shut.
        assert db.session.get(type(made), made.id).feedback_from == FRI + timedelta(days=1)
        frozen["now"] = FRI + timedelta(hours=1)
        assert assigned.start(made, ben).refusal == "This assignment is closed."
        late = assigned.start(made, ana).attempt
        assert late.deadline == frozen["now"] + timedelta(minutes=20)  # the override replaced
        assert not assigned.released_for(made)


def test_the_pool_cannot_change_once_students_have_started(app, course, frozen):
    course_id, (ana, _) = course
    with app.test_request_context():
        made = assignments.create(course_id, _settings())
        assignments.change(made, _settings(draw=[("sample-big-science", 1)]))  # no attempts yet
        assigned.start(made, ana, preview=True)  # a preview does not lock it
        assignments.change(made, _settings(draw=[("sample-big-science", 2)]))
        assigned.start(made, ana)
        with pytest.raises(Invalid) as raised:
            assignments.change(made, _settings(draw=[("sample-big-science", 3)]))
        assert raised.value.errors["draw"] == [assignments.POOL_LOCKED]
        assignments.change(made, _settings(draw=[("sample-big-science", 2)], time_limit=45))


def test_feedback_release_follows_the_setting_and_the_instructor(app, course, frozen):
    course_id, (ana, _) = course
    with app.test_request_context():
        made = assignments.create(course_id, _settings(feedback="after_close"))
        attempt = assigned.start(made, ana).attempt
        attempts.finish_attempt(attempt)
        row = db.session.get(Attempt, attempt.id)
        assert not assigned.feedback_shown(row)
        assignments.release_feedback(made)
        assert assigned.feedback_shown(row)
        never = assignments.create(course_id, _settings(title="Never", feedback="never"))
        frozen["now"] = FRI + timedelta(days=30)
        assert not assigned.released_for(never)


def test_withheld_answers_do_not_join_the_review_deck(app, course, frozen):
    from quizapp.models import ReviewCard

    course_id, (ana, _) = course
    with app.test_request_context():
        made = assignments.create(course_id, _settings())
        attempt = assigned.start(made, ana).attempt
        attempts.submit_answer(attempt, 0, right_values(attempt, 0), None)
        assert db.session.scalar(select(func.count()).select_from(ReviewCard)) == 0


def test_deleting_keeps_the_attempts_and_the_class_delete_keeps_them_too(app, course, frozen):
    course_id, (ana, _) = course
    with app.test_request_context():
        made = assignments.create(course_id, _settings())
        attempt = assigned.start(made, ana).attempt
        assignments.delete_assignment(made)
        assert assignments.get(course_id, made.id) is None
        assert db.session.get(Attempt, attempt.id) is not None
        other = assignments.create(course_id, _settings(title="Other"))
        assigned.start(other, ana)
        classes.delete_course(db.session.get(Course, course_id))
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 2


def test_parallel_starts_hold_attempts_allowed(app, course, frozen):
    course_id, (ana, _) = course
    with app.test_request_context():
        made = assignments.create(course_id, _settings(attempts_allowed=1))
        made_id = made.id
    results = []
    barrier = threading.Barrier(6)

    def go():
        with app.test_request_context():
            assignment = db.session.get(type(made), made_id)
            barrier.wait()
            started = assigned.start(assignment, ana)
            results.append(started.attempt.id if started.attempt else started.refusal)
            db.session.remove()

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    with app.test_request_context():
        count = db.session.scalar(select(func.count()).where(Attempt.assignment_id == made_id))
    assert count == 1
    assert len(set(results)) == 1  # every start resumed the one attempt
