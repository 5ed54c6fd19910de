"""One connection per request, one unit of work that commits, and a writer turn that never hangs."""

import re
import threading
from typing import NamedTuple

import pytest
from sqlalchemy import event, func, select, text

from quizapp.db import prepared
from quizapp.db.prepared import Prepared
from quizapp.db.transactions import (
    WriterTurnHeld,
    begin_writing,
    take_writer_turn,
    unit_of_work,
    writer_lock_path,
)
from quizapp.extensions import db
from quizapp.models import Answer, Course, User
from tests.conftest import csrf_from
from tests.factories import writer_queue_held
from tests.quizhelp import answer_values, bank_ids, current_view, start, take_quiz


def _checkouts(app) -> list:
    """Count the pool checkouts of every request from now on (one list entry each)."""
    taken: list = []
    with app.app_context():
        event.listen(db.engine, "checkout", lambda *_: taken.append(1))
    return taken


@pytest.mark.parametrize("page", ["/progress", "results", "question", "/quizzes"])
def test_a_page_takes_one_connection_for_its_orm_and_prepared_reads(app, client, student, page):
    bank = bank_ids(app)[0]
    attempt_id = take_quiz(app, client, bank)
    url = {"results": f"/attempts/{attempt_id}/results", "question": f"/attempts/{attempt_id}"}
    taken = _checkouts(app)
    response = client.get(url.get(page, page))
    assert response.status_code in (200, 302)
    assert len(taken) == 1  # the session's connection serves the ORM and the prepared path


def test_prepared_statements_run_on_the_sessions_connection(app):
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        ours = db.session.connection().connection.driver_connection
        assert prepared.connection().driver_connection is ours


def test_an_answer_takes_one_connection_and_is_stored(app, client, student):
    url = start(client, bank_ids(app)[0])
    page = client.get(url).get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(page),
        "shown": re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1),
        "answer": answer_values(app, page, current_view(app, url), correct=True),
    }
    taken = _checkouts(app)
    assert client.post(url, data=data).status_code == 303
    assert len(taken) == 1  # read, write and commit on one connection
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 1


def test_nested_units_of_work_join_the_outer_and_only_it_commits(app):
    with app.app_context():
        with unit_of_work() as outer:
            outer.add(User(username="outer", password_hash="x"))
            with unit_of_work() as inner:
                assert inner is outer
                inner.add(User(username="inner", password_hash="x"))
            # The inner block ended without committing: another connection sees nothing yet.
            with db.engine.connect() as other:
                assert other.scalar(select(func.count()).select_from(User.__table__)) == 0 or (
                    db.engine.dialect.name == "postgresql"
                )
        names = set(db.session.scalars(select(User.username)))
        assert {"outer", "inner"} <= names


def test_a_unit_of_work_that_raises_stores_nothing_and_frees_the_writer_queue(app):
    with app.app_context():
        path = writer_lock_path(db.engine)
        with pytest.raises(ValueError), unit_of_work() as session:
            session.add(Course(name="gone", instructor_id=1, join_code="GONE2345"))
            if path is not None:
                assert writer_queue_held(path)
            raise ValueError("boom")
        assert path is None or not writer_queue_held(path)
        assert db.session.scalar(select(Course).where(Course.join_code == "GONE2345")) is None


def test_a_second_writer_turn_in_one_thread_fails_at_once_instead_of_waiting_for_itself(app):
    """A second session (or raw connection) writing in the request used to hang on flock."""
    with app.app_context():
        path = writer_lock_path(db.engine)
        if path is None:
            pytest.skip("only SQLite files queue their writers")
        outcome: list = []

        def nested():
            with app.app_context(), unit_of_work():
                try:
                    take_writer_turn(path)  # what a second session or connection would do
                except WriterTurnHeld as exc:
                    outcome.append(str(exc))

        worker = threading.Thread(target=nested)
        worker.start()
        worker.join(timeout=10)
        assert not worker.is_alive(), "the nested writer hung"
        assert outcome and "unit_of_work()" in outcome[0]
        assert not writer_queue_held(path)  # the outer turn was given back when its block ended


def test_begin_writing_twice_in_one_transaction_is_one_turn(app):
    with app.app_context():
        session = begin_writing()
        assert begin_writing() is session
        session.rollback()
        path = writer_lock_path(db.engine)
        assert path is None or not writer_queue_held(path)


class _WrongRow(NamedTuple):
    id: int
    name: str


def test_a_typed_row_must_match_its_statement_at_import():
    with pytest.raises(TypeError, match="_WrongRow"):
        Prepared(select(User.id, User.username), row=_WrongRow)
