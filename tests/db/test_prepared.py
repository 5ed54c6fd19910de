"""Prepared statements on the session's connection: typed rows, one write transaction, no leaks."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from quizapp.db import prepared
from quizapp.db.transactions import unit_of_work, writer_lock_path
from quizapp.extensions import db
from quizapp.learning import attempts
from quizapp.models import Answer, Attempt, User
from tests.factories import writer_queue_held


@pytest.fixture
def attempt(app):
    """A finished attempt of a new student, written through the ORM."""
    with app.app_context():
        user = User(username="typed", password_hash="x")
        db.session.add(user)
        db.session.flush()
        bank_id = db.session.scalar(select(func.min(attempts.Bank.id)))
        row = Attempt(
            user_id=user.id,
            bank_id=bank_id,
            items=[list(item) for item in attempts.live_questions(bank_id)[:2]],
            seed=7,
            finished_at=datetime(2026, 11, 27, 15, 30, 1, 250),
            score=1.5,
            max_score=2.0,
        )
        db.session.add(row)
        db.session.commit()
        return row.user_id, row.id, row.items


def test_rows_come_back_with_the_types_the_columns_declare(app, attempt):
    user_id, attempt_id, items = attempt
    with app.app_context():
        row = attempts.get_attempt_at(user_id, attempt_id, 0)
        assert row.items == items and isinstance(items[0][1], int)  # JSON, decoded
        assert row.finished_at == datetime(2026, 11, 27, 15, 30, 1, 250)  # not a string
        assert row.answered is False  # a bool, not 0
        assert (row.seed, row.score, row.max_score) == (7, 1.5, 2.0)
        assert attempts.get_attempt(user_id + 1, attempt_id) is None  # someone else's


def test_a_write_block_stores_typed_values_and_commits_once_it_ends(app, attempt):
    user_id, attempt_id, items = attempt
    when = datetime(2026, 11, 27, 16, 0, 0, 5)
    values = {
        "attempt_id": attempt_id, "position": 1, "user_id": user_id, "question_id": items[1][0],
        "version_id": items[1][1], "response": ["a", 1], "correct": True, "points": 1.0,
        "max_points": 1.0, "submitted_at": when, "duration_ms": None,
    }  # fmt: skip
    with app.app_context():
        dialect = db.engine.dialect.name
        with unit_of_work():
            assert prepared.run(attempts._INSERT_ANSWER[dialect], values)  # RETURNING: it went in
        with unit_of_work():
            assert not prepared.run(attempts._INSERT_ANSWER[dialect], values)  # a repeat does not
    with app.app_context():  # a new connection sees what was committed, typed by the ORM
        stored = db.session.scalars(select(Answer).where(Answer.attempt_id == attempt_id)).one()
        assert (stored.response, stored.correct, stored.submitted_at) == (["a", 1], True, when)


def test_a_failed_write_block_stores_nothing_and_frees_the_writer_queue(app, attempt):
    user_id, attempt_id, items = attempt
    values = {
        "attempt_id": attempt_id, "position": 0, "user_id": user_id, "question_id": items[0][0],
        "version_id": items[0][1], "response": None, "correct": False, "points": 0.0,
        "max_points": 1.0, "submitted_at": datetime(2026, 11, 27), "duration_ms": None,
    }  # fmt: skip
    with app.app_context():
        path = writer_lock_path(db.engine)
        with pytest.raises(RuntimeError), unit_of_work():
            assert prepared.run(attempts._INSERT_ANSWER[db.engine.dialect.name], values)
            if path is not None:
                assert writer_queue_held(path)  # writers of other processes wait for this one
            raise RuntimeError("boom")
        assert path is None or not writer_queue_held(path)
        assert attempts.answer_at(attempt_id, 0) is None  # rolled back, seen on the same connection


def test_each_request_gives_its_driver_connection_back(app, client, auth):
    held = []  # a reference keeps the garbage collector from returning it instead

    @app.get("/_hold")
    def hold():
        held.append(prepared.connection())
        return "held"

    auth.register("stu")
    assert client.get("/_hold").text == "held"
    assert client.get("/quizzes").status_code == 200  # loads the user through the driver
    with app.app_context():
        assert db.engine.pool.checkedout() == 0
