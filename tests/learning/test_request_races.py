"""Requests that race: two at the same moment on one database give what one after the other would.

Each test holds one request at the point where the race used to hurt and lets the other run
into it. On PostgreSQL the other then waits on a row lock (seen in pg_stat_activity) or, when
nothing makes it wait, overtakes; on SQLite writers queue on the writer lock file.
"""

import re
import secrets
import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text, update

from quizapp import clock
from quizapp.accounts import users
from quizapp.extensions import db
from quizapp.learning import attempts, cards, progress, review
from quizapp.models import Answer, Attempt, Question, QuestionVersion, Review, ReviewCard, User
from quizapp.views import learner
from tests.conftest import Auth, csrf_from
from tests.quizhelp import answer_values, attempt_id_of, bank_ids, current_view, start, take_quiz

SHOWN = re.compile(r'name="shown" type="hidden" value="([^"]*)"')


def _postgres(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def _waiting_on_a_lock(app) -> bool:
    """Whether another connection waits on a row lock (PostgreSQL); SQLite cannot tell."""
    if not _postgres(app):
        time.sleep(0.3)  # the other request queues on the writer lock file, unseen
        return True
    with app.app_context(), db.engine.connect() as conn:
        return bool(
            conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        )


def _wait_for(condition, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the other request never got there"
        time.sleep(0.02)


class Gate:
    """Holds the first call of a function until released; later calls only count."""

    def __init__(self, real):
        self.real, self.calls = real, 0
        self.inside, self.release = threading.Event(), threading.Event()

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == 1:
            self.inside.set()
            assert self.release.wait(20)
        return self.real(*args, **kwargs)


class Background(threading.Thread):
    """A call run in a thread; ``result()`` joins it and returns what it returned (or raised)."""

    def __init__(self, call):
        super().__init__(daemon=True)
        self.call, self.value, self.error = call, None, None
        self.start()

    def run(self):
        try:
            self.value = self.call()
        except BaseException as exc:  # re-raised in the test's thread by result()
            self.error = exc

    def result(self):
        self.join(30)
        assert not self.is_alive(), "the request never finished"
        if self.error is not None:
            raise self.error
        return self.value


def _same_browser(app, client):
    """Return another test client signed in as ``client`` is: a second tab, its own thread."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _user_id(app, username: str = "stu") -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


# 1. Two registrations of one username (or email) at once.


def _registration(app, username: str, email: str):
    """Return a fresh browser's register POST, ready to send."""
    client = app.test_client()
    token = csrf_from(client.get("/auth/register").get_data(as_text=True))
    data = {
        "username": username,
        "email": email,
        "password": Auth.PASSWORD,
        "confirm": Auth.PASSWORD,
        "csrf_token": token,
    }
    return lambda: client.post("/auth/register", data=data)


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (("RACER", "other@example.org"), "That username is taken"),
        (("other", "racer@example.org"), "An account with that email already exists."),
        (("other", "RACER@Example.org"), "An account with that email already exists."),
    ],
)
def test_two_registrations_of_one_name_at_once_give_one_account_and_a_form_error(
    app, monkeypatch, second, message
):
    posts = [_registration(app, "racer", "racer@example.org"), _registration(app, *second)]
    # Both past the "taken?" check before either inserts (on SQLite the second cannot get
    # there: it waits for the first's write transaction, so only PostgreSQL waits here).
    both_checked = threading.Barrier(2) if _postgres(app) else None

    def hash_after_both_checked(*args, **kwargs):
        if both_checked is not None:
            both_checked.wait(10)
        return real_hash(*args, **kwargs)

    real_hash = users.generate_password_hash
    monkeypatch.setattr(users, "generate_password_hash", hash_after_both_checked)
    responses = [r.result() for r in [Background(post) for post in posts]]
    assert sorted(r.status_code for r in responses) == [302, 400]
    refused = next(r for r in responses if r.status_code == 400).get_data(as_text=True)
    assert message in refused
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


# 2. "Finish now" and an answer at the same moment.


def _answer_form(app, client, url: str, correct: bool = True) -> dict:
    page = client.get(url).get_data(as_text=True)
    return {
        "csrf_token": csrf_from(page),
        "shown": SHOWN.search(page).group(1),
        "answer": answer_values(app, page, current_view(app, url), correct),
    }


def _finish_now(app, user_id: int, attempt_id: int) -> None:
    """Press "Finish now", as another request (own thread, own connection) would."""

    def finish():
        with app.test_request_context():
            attempts.finish_attempt(attempts.get_attempt(user_id, attempt_id))

    Background(finish).result()


def _score_and_points(app, attempt_id: int) -> tuple[float, float, int]:
    """Return an attempt's stored score, the sum of its stored answers' points and their count."""
    with app.app_context():
        score = db.session.get(Attempt, attempt_id).score
        points, n = db.session.execute(
            select(func.coalesce(func.sum(Answer.points), 0.0), func.count()).where(
                Answer.attempt_id == attempt_id
            )
        ).one()
        return score, points, n


def test_an_answer_overtaken_by_finish_now_is_not_recorded_and_says_so(app, student, monkeypatch):
    url = start(student, bank_ids(app)[0])
    attempt_id = attempt_id_of(url)
    form = _answer_form(app, student, url)
    real_elapsed = learner.elapsed_ms

    def finished_meanwhile(shown):
        # The view has seen the attempt open; "Finish now" in another tab lands right here.
        _finish_now(app, _user_id(app), attempt_id)
        return real_elapsed(shown)

    monkeypatch.setattr(learner, "elapsed_ms", finished_meanwhile)
    response = student.post(url, data=form)
    assert response.status_code == 303
    assert response.location.endswith(f"/attempts/{attempt_id}/results")
    results = student.get(response.location).get_data(as_text=True)
    assert "This quiz was already finished, so that answer was not recorded." in results
    assert _score_and_points(app, attempt_id) == (0, 0, 0)


def test_finish_now_during_an_answer_counts_that_answer(app, student, monkeypatch):
    url = start(student, bank_ids(app)[0])
    attempt_id = attempt_id_of(url)
    form = _answer_form(app, student, url, correct=True)
    storing = Gate(cards.record)  # runs inside the answer's write transaction
    monkeypatch.setattr(cards, "record", storing)
    answer = Background(lambda: _same_browser(app, student).post(url, data=form))
    assert storing.inside.wait(10)
    finish = Background(lambda: _finish_now(app, _user_id(app), attempt_id))
    _wait_for(lambda: _waiting_on_a_lock(app))  # the finish waits for the answer's turn
    storing.release.set()
    assert answer.result().status_code == 303
    finish.result()
    score, points, n = _score_and_points(app, attempt_id)
    assert n == 1 and points > 0 and score == points


# 3. Two "Start" presses at once.


def test_two_start_presses_at_once_land_on_one_attempt(app, student, monkeypatch):
    bank = bank_ids(app)[0]
    token = csrf_from(student.get("/quizzes").get_data(as_text=True))
    tabs = [_same_browser(app, student) for _ in range(2)]
    starting = Gate(attempts.live_questions)  # called once no open attempt was found
    monkeypatch.setattr(attempts, "live_questions", starting)

    def press(tab):
        return lambda: tab.post(f"/quizzes/{bank}/start", data={"csrf_token": token})

    first = Background(press(tabs[0]))
    assert starting.inside.wait(10)
    second = Background(press(tabs[1]))
    # Either the second waits its turn, or (the race) it too found no open attempt.
    _wait_for(lambda: starting.calls == 2 or _waiting_on_a_lock(app))
    starting.release.set()
    responses = [first.result(), second.result()]
    assert {r.status_code for r in responses} == {303}
    assert len({r.location for r in responses}) == 1
    with app.app_context():
        open_attempts = select(func.count()).where(Attempt.finished_at.is_(None))
        assert db.session.scalar(open_attempts) == 1


def test_with_two_open_attempts_at_a_quiz_the_newest_is_listed_and_resumed(app, student):
    bank = bank_ids(app)[0]
    url = start(student, bank)
    older = attempt_id_of(url)
    assert student.post(url, data=_answer_form(app, student, url)).status_code == 303
    with app.app_context():  # as two starts at once could leave it before they took turns
        first = db.session.get(Attempt, older)
        newer = Attempt(
            user_id=first.user_id,
            bank_id=bank,
            items=first.items,
            seed=first.seed,
            max_score=first.max_score,
        )
        db.session.add(newer)
        db.session.commit()
        newer = newer.id
    with app.test_request_context():
        (row,) = [r for r in progress.quiz_list(_user_id(app)) if r.bank_id == bank]
    assert (row.open_attempt, row.open_answered) == (newer, 0)
    assert attempt_id_of(start(student, bank)) == newer


# 4. Review answers sent twice, or from two tabs showing the same card.


@pytest.fixture
def frozen(monkeypatch):
    """A clock the test moves by hand."""
    state = {"now": datetime(2026, 9, 1, 9, 0, 0)}
    monkeypatch.setattr(clock, "now", lambda: state["now"])
    return state


def _review_form(app, client, correct: bool = True) -> dict:
    """Open the next due review (a tab) and return its answer form."""
    page = client.get("/review/next").get_data(as_text=True)
    question = re.search(r'name="question" type="hidden" value="([^"]+)"', page).group(1)
    with app.test_request_context():
        view = review.question_view(attempts.current_version(question))
    return {
        "csrf_token": csrf_from(page),
        "token": re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1),
        "question": question,
        "shown": SHOWN.search(page).group(1),
        "answer": answer_values(app, page, view, correct),
    }


def _card(app, question: str) -> dict:
    with app.app_context():
        return db.session.scalar(select(ReviewCard.card).where(ReviewCard.question_id == question))


def _reviews(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Review))


@pytest.fixture
def due_reviews(app, student, frozen):
    """The student with every quiz question's card due."""
    take_quiz(app, student, bank_ids(app)[0])
    frozen["now"] += timedelta(days=3)
    return student


def test_the_same_card_answered_in_a_second_tab_keeps_the_first_answer(app, due_reviews):
    student = due_reviews
    tabs = [_review_form(app, student, correct=True), _review_form(app, student, correct=False)]
    assert tabs[0]["question"] == tabs[1]["question"] and tabs[0]["token"] != tabs[1]["token"]
    first = student.post("/review/answer", data=tabs[0])
    assert first.status_code == 303
    card = _card(app, tabs[0]["question"])
    second = student.post("/review/answer", data=tabs[1])
    assert second.status_code == 303 and second.location == first.location
    feedback = student.get(second.location).get_data(as_text=True)
    assert "You had already reviewed this question; your first answer stands." in feedback
    assert "Right" in feedback
    assert _reviews(app) == 1 and _card(app, tabs[0]["question"]) == card  # not rescheduled


def _at_once(app, posts, monkeypatch) -> list:
    """Send review POSTs together, all past the "already stored?" check before any writes."""
    past_check = threading.Barrier(len(posts))

    def version_after_all_checked(question_id):
        past_check.wait(10)
        return real_version(question_id)

    real_version = review.current_version
    monkeypatch.setattr(review, "current_version", version_after_all_checked)
    return [r.result() for r in [Background(post) for post in posts]]


def test_two_tabs_answering_the_same_card_at_once_store_one_review(app, due_reviews, monkeypatch):
    student = due_reviews
    forms = [_review_form(app, student), _review_form(app, student)]
    tabs = [_same_browser(app, student) for _ in forms]
    pairs = zip(tabs, forms, strict=True)
    posts = [lambda t=t, f=f: t.post("/review/answer", data=f) for t, f in pairs]
    responses = _at_once(app, posts, monkeypatch)
    assert [r.status_code for r in responses] == [303, 303]
    assert len({r.location for r in responses}) == 1
    assert _reviews(app) == 1


def test_one_review_form_sent_twice_at_once_reschedules_once(app, due_reviews, monkeypatch):
    student = due_reviews
    # A form shown before tokens named the card's last review: only the token stops a replay.
    monkeypatch.setattr(review, "new_token", lambda *_: secrets.token_urlsafe(16))
    form = _review_form(app, student)
    recorded = []
    real_record = cards.record

    def counted(*args, **kwargs):
        recorded.append(args[1])  # record(user_id, question_id, correct, when)
        return real_record(*args, **kwargs)

    monkeypatch.setattr(cards, "record", counted)
    tabs = [_same_browser(app, student) for _ in range(2)]
    posts = [lambda t=t: t.post("/review/answer", data=form) for t in tabs]
    responses = _at_once(app, posts, monkeypatch)
    assert [r.status_code for r in responses] == [303, 303]
    assert len({r.location for r in responses}) == 1
    assert _reviews(app) == 1 and recorded == [form["question"]]


# 5. Retired questions never come back for review, so they announce no review.


def test_the_next_review_announced_is_of_a_live_question(app, student, frozen):
    take_quiz(app, student, bank_ids(app)[0], wrong_at={1})  # wrong: due in 1 day, right: 2
    user_id = _user_id(app)
    with app.app_context():
        first_due = db.session.execute(
            select(ReviewCard.question_id, ReviewCard.due).order_by(ReviewCard.due).limit(1)
        ).one()
        db.session.execute(
            update(Question).where(Question.id == first_due.question_id).values(retired=True)
        )
        db.session.commit()
    now = frozen["now"]
    with app.test_request_context():
        assert cards.next_due_after(user_id, now) == now + timedelta(days=2)
    with app.app_context():
        db.session.execute(update(Question).values(retired=True))
        db.session.commit()
    with app.test_request_context():
        assert cards.next_due_after(user_id, now) is None
    assert "Your next review is due" not in student.get("/review").get_data(as_text=True)


@pytest.mark.parametrize("last", ["9" * 40, "²", "-1"])
def test_a_forged_review_token_is_an_old_style_token_not_an_error(app, due_reviews, last):
    """The token's suffix is only a hint: one too big for the database or not digits is ignored.

    (Through the service: in a form, a changed token also changes the choices' values.)
    """
    with app.app_context():
        question = db.session.scalar(
            select(QuestionVersion.question_id)
            .join(Question, Question.current_version_id == QuestionVersion.id)
            .where(QuestionVersion.type == "numeric")
        )
        result = review.submit_review(_user_id(app), f"forged-{len(last)}.{last}", question, ["1"])
        assert result.error is None and not result.duplicate
    assert _reviews(app) == 1
