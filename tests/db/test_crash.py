"""Crash durability: SIGKILL the app 10 times mid-load; every acknowledged answer survives once."""

import random
import threading
import time

import pytest
import requests
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt
from tests.quizhelp import bank_ids
from tests.servers import Gunicorn
from tests.webclient import Student

pytestmark = pytest.mark.slow
KILLS = 10  # each kill and restart costs about 5 s; ten interrupt a load of some 250-300 answers


def _student_loop(app, server, student, banks, acknowledged, stop):
    """Answer questions until told to stop; record every answer the server acknowledged."""
    rng = random.Random(student.username)
    while not stop.is_set():
        try:
            path = student.start(rng.choice(banks))
            while path and not stop.is_set():
                response = student.post(path, student.answer_form(app, path, rng.random() < 0.7))
                if response.status_code == 303:
                    acknowledged.append((int(path.split("/")[2]), int(path.split("/")[4]) - 1))
                    path = student.next_question(response.headers["Location"])
        except (requests.RequestException, AttributeError, AssertionError):
            time.sleep(0.05)  # the server is down or restarting: try again, as a browser would


def test_acknowledged_answers_survive_sigkill(app, database_url):
    server = Gunicorn(database_url, workers=2).start()
    banks = bank_ids(app)
    students = [Student(server.url, f"crash{i}").register() for i in range(6)]
    acknowledged: list[tuple[int, int]] = []
    stop = threading.Event()
    threads = [
        threading.Thread(target=_student_loop, args=(app, server, s, banks, acknowledged, stop))
        for s in students
    ]
    for t in threads:
        t.start()
    rng = random.Random(20)
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.3, 0.9))
            server.kill()
            server.start()
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(60)
        server.stop()
    with app.app_context():
        stored = set(db.session.execute(select(Answer.attempt_id, Answer.position)).all())
        duplicates = db.session.execute(
            select(Answer.attempt_id, Answer.position, func.count())
            .group_by(Answer.attempt_id, Answer.position)
            .having(func.count() > 1)
        ).all()
        attempts = db.session.scalars(select(Attempt)).all()
        for attempt in attempts:  # every attempt is consistent and can be resumed
            positions = [p for a, p in stored if a == attempt.id]
            assert all(0 <= p < len(attempt.items) for p in positions)
            if attempt.finished_at is not None:
                total = db.session.scalar(
                    select(func.coalesce(func.sum(Answer.points), 0)).where(
                        Answer.attempt_id == attempt.id
                    )
                )
                assert attempt.score == pytest.approx(total)
    lost = set(acknowledged) - stored
    print(
        f"\n{KILLS} kills: {len(acknowledged)} acknowledged, {len(stored)} stored, "
        f"{len(lost)} lost, {len(duplicates)} duplicated"
    )
    assert len(acknowledged) >= 20, "the load did not get going"
    assert len(acknowledged) == len(set(acknowledged)), "an answer was acknowledged twice"
    assert not lost and not duplicates
