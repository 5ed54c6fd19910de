"""Quiz services: start or resume an attempt, submit an answer exactly once, finish."""

import hashlib
import hmac
import random
import secrets
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from quizapp.db import prepared
from quizapp.db.prepared import Prepared
from quizapp.db.transactions import take_turn_on_postgresql, unit_of_work
from quizapp.extensions import db, table
from quizapp.learning import cards
from quizapp.learning.question_cache import QuestionView, question_view
from quizapp.learning.schedule import overdue
from quizapp.lti import scores
from quizapp.models import Answer, Assignment, Attempt, Bank, Question, User
from quizapp.models.content import utcnow
from quizapp.models.rows import (
    AnswerRow,
    AttemptAtRow,
    AttemptLike,
    AttemptRow,
    CountRow,
    FeedbackTimeRow,
    IdRow,
    OpenStateRow,
    PositionRow,
    ScoreRow,
)
from quizapp.qtypes import InvalidResponse


def live_questions(bank_id: str) -> list[tuple[str, int]]:
    """Return (question id, current version id) of a bank's live questions, in bank order."""
    rows = db.session.execute(
        select(Question.id, Question.current_version_id)
        .where(Question.bank_id == bank_id, Question.retired.is_(False))
        .order_by(Question.position)
    )
    return [(qid, vid) for qid, vid in rows if vid is not None]  # the loader always sets it


def open_attempt(user_id: int, bank_id: str) -> Attempt | None:
    """Return the user's unfinished practice attempt at a bank, if any."""
    return db.session.scalar(
        select(Attempt)
        .where(
            Attempt.user_id == user_id,
            Attempt.bank_id == bank_id,
            Attempt.assignment_id.is_(None),
            Attempt.finished_at.is_(None),
        )
        .order_by(Attempt.id.desc())
        .limit(1)
    )


# Taken before looking for the open attempt, so two Start presses at once queue and the
# second finds the first's attempt (practice and assignment starts alike). NO KEY UPDATE: it
# leaves the user's foreign keys free (answers, sign-ins) meanwhile.
LOCK_USER = select(User.id).where(User.id == bindparam("user")).with_for_update(key_share=True)


def start_attempt(user_id: int, bank_id: str) -> Attempt | None:
    """Resume the unfinished attempt at a bank or start a new one; None for an unknown bank."""
    bank = db.session.get(Bank, bank_id)
    if bank is None or bank.retired:
        return None
    with unit_of_work() as session:
        take_turn_on_postgresql(session, LOCK_USER, {"user": user_id})
        attempt = open_attempt(user_id, bank_id)
        if attempt is not None:
            return attempt
        items = live_questions(bank_id)
        if not items:
            return None
        seed = secrets.randbits(31)
        random.Random(seed).shuffle(items)
        max_score = sum(question_view(vid).points for _, vid in items)
        attempt = Attempt(
            user_id=user_id,
            bank_id=bank_id,
            items=[list(item) for item in items],
            seed=seed,
            max_score=max_score,
        )
        session.add(attempt)
    return attempt


# The answer path and the pages around it: prepared statements on the session's connection
# (see db/prepared.py). They return read-only rows, not ORM objects: a page only reads them.
_ATTEMPTS = table(Attempt)
_ANSWERS = table(Answer)
_ASSIGNMENTS = table(Assignment)
_ATTEMPT = Prepared(
    select(_ATTEMPTS).where(
        _ATTEMPTS.c.id == bindparam("id"), _ATTEMPTS.c.user_id == bindparam("user")
    ),
    row=AttemptRow,
)
_ATTEMPT_AT = Prepared(
    select(
        _ATTEMPTS,
        exists()
        .where(
            _ANSWERS.c.attempt_id == _ATTEMPTS.c.id, _ANSWERS.c.position == bindparam("position")
        )
        .label("answered"),
    ).where(_ATTEMPTS.c.id == bindparam("id"), _ATTEMPTS.c.user_id == bindparam("user")),
    row=AttemptAtRow,
)
_ANSWERED_POSITIONS = Prepared(
    select(_ANSWERS.c.position).where(_ANSWERS.c.attempt_id == bindparam("attempt")),
    row=PositionRow,
)
_ANSWER_AT = Prepared(
    select(_ANSWERS).where(
        _ANSWERS.c.attempt_id == bindparam("attempt"), _ANSWERS.c.position == bindparam("position")
    ),
    row=AnswerRow,
)
_ANSWER_COUNT = Prepared(
    select(func.count().label("n"))
    .select_from(_ANSWERS)
    .where(_ANSWERS.c.attempt_id == bindparam("attempt")),
    row=CountRow,
)
# Read first in every answer and finish transaction: whether the attempt is still open. On
# PostgreSQL it locks the row, so submits and the finish of one attempt take turns; SQLite's
# BEGIN IMMEDIATE already makes writers take turns, so a plain read suffices there.
_OPEN_STATE = select(_ATTEMPTS.c.finished_at).where(_ATTEMPTS.c.id == bindparam("attempt"))
_LOCK_ATTEMPT = {
    "sqlite": Prepared(_OPEN_STATE, row=OpenStateRow),
    "postgresql": Prepared(_OPEN_STATE.with_for_update(), row=OpenStateRow),
}
_ANSWER_COLUMNS = [
    "attempt_id", "position", "user_id", "question_id", "version_id", "response", "correct",
    "points", "max_points", "submitted_at", "duration_ms",
]  # fmt: skip
# RETURNING says whether the row went in (psycopg's rowcount is -1 for this form).
_INSERT_ANSWER = {
    "sqlite": Prepared(
        sqlite_insert(_ANSWERS).on_conflict_do_nothing().returning(_ANSWERS.c.id),
        _ANSWER_COLUMNS,
        row=IdRow,
    ),
    "postgresql": Prepared(
        pg_insert(_ANSWERS).on_conflict_do_nothing().returning(_ANSWERS.c.id),
        _ANSWER_COLUMNS,
        row=IdRow,
    ),
}
_SCORE = Prepared(
    select(func.coalesce(func.sum(_ANSWERS.c.points), 0.0).label("score")).where(
        _ANSWERS.c.attempt_id == bindparam("attempt")
    ),
    row=ScoreRow,
)
_FINISH: Prepared[tuple[()]] = Prepared(
    update(_ATTEMPTS)
    .where(_ATTEMPTS.c.id == bindparam("attempt"), _ATTEMPTS.c.finished_at.is_(None))
    .values(finished_at=bindparam("finished"), score=bindparam("new_score")),
)


def get_attempt(user_id: int, attempt_id: int) -> AttemptRow | None:
    """Return the attempt (a read-only row) when it belongs to the user, else None.

    Others' attempts do not exist for them.
    """
    return prepared.first(_ATTEMPT, {"id": attempt_id, "user": user_id})


def get_attempt_at(user_id: int, attempt_id: int, position: int) -> AttemptAtRow | None:
    """Return the user's attempt as ``get_attempt`` does, with ``answered``: is ``position``?

    One query instead of two on the question page, the most requested page.
    """
    params = {"id": attempt_id, "user": user_id, "position": position}
    return prepared.first(_ATTEMPT_AT, params)


def answers_by_position(attempt_id: int) -> dict[int, Answer]:
    """Return the stored answers of an attempt keyed by position."""
    rows = db.session.scalars(select(Answer).where(Answer.attempt_id == attempt_id))
    return {a.position: a for a in rows}


def first_unanswered(attempt: AttemptLike) -> int | None:
    """Return the first position without an answer, or None when all are answered."""
    answered = {row.position for row in prepared.run(_ANSWERED_POSITIONS, {"attempt": attempt.id})}
    return next((i for i in range(len(attempt.items)) if i not in answered), None)


# Choice order and values are per attempt: nothing in the page says which choice is which.


def choice_order(attempt: AttemptLike, position: int, view: QuestionView) -> list[int]:
    """Return the authoring indexes of a question's choices in this attempt's shuffled order."""
    order = [c.index for c in view.choices]
    random.Random(f"{attempt.seed}:{position}:{view.question_id}").shuffle(order)
    return order


def choice_token(scope: object, position: int, index: int) -> str:
    """Return the opaque form value standing for one choice in one attempt."""
    key = current_app.config["SECRET_KEY"].encode()
    msg = f"{scope}:{position}:{index}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:16]


def decode_choices(
    attempt: AttemptLike, position: int, view: QuestionView, values: list[str]
) -> list[str]:
    """Map submitted choice tokens back to authoring indexes (as strings); unknowns are dropped."""
    if not view.qtype.has_choices:
        return list(values)
    tokens = {choice_token(attempt.id, position, c.index): c.index for c in view.choices}
    return [str(tokens[v]) for v in values if v in tokens]


@dataclass(frozen=True)
class Submitted:
    error: str | None = None
    duplicate: bool = False  # the position was already answered: the first answer stands
    finished: bool = False  # the attempt was finished first: the answer was not recorded
    late: bool = False  # past the attempt's deadline: not recorded, the attempt is finished


def submit_answer(
    attempt: AttemptLike, position: int, values: list[str], duration_ms: int | None
) -> Submitted:
    """Grade and store one answer exactly once; a repeat returns the stored answer unchanged."""
    question_id, version_id = attempt.items[position]
    view = question_view(version_id)
    response = view.qtype.parse_response(view.spec, decode_choices(attempt, position, view, values))
    if isinstance(response, InvalidResponse):
        return Submitted(error=response.message)
    score = view.qtype.grade(view.spec, response, view.points)
    dialect = db.engine.dialect.name
    now = utcnow()
    if attempt.deadline is not None and overdue(attempt.deadline, now):
        finish_at(attempt.id, attempt.deadline)
        return Submitted(late=True)
    learn = _feeds_review(attempt)
    with unit_of_work():
        # The view saw the attempt open, but "Finish now" may have won since: an answer
        # stored after the finish would be missing from the score.
        still_open = _lock_if_open(attempt.id)
        inserted = still_open and prepared.run(
            _INSERT_ANSWER[dialect],
            {
                "attempt_id": attempt.id,
                "position": position,
                "user_id": attempt.user_id,
                "question_id": question_id,
                "version_id": version_id,
                "response": response,
                "correct": score.correct,
                "points": score.points,
                "max_points": score.max_points,
                "submitted_at": now,
                "duration_ms": duration_ms,
            },
        )
        if inserted and learn:
            cards.record(attempt.user_id, question_id, score.correct, now)
        if inserted:
            answered = prepared.one(_ANSWER_COUNT, {"attempt": attempt.id}).n
            if answered == len(attempt.items):
                _finish(attempt.id, now)
    if not still_open:
        return _refused_after_finish(attempt.id, position)
    if not inserted:
        confirm_first_answer()
    return Submitted(duplicate=not inserted)


_FEEDBACK_TIME = Prepared(
    select(_ASSIGNMENTS.c.feedback).where(_ASSIGNMENTS.c.id == bindparam("assignment")),
    row=FeedbackTimeRow,
)


def _feeds_review(attempt: AttemptLike) -> bool:
    """Return whether an answer joins the review deck: not while its feedback is withheld.

    Review shows the question's feedback, so a withheld answer key would leak through it.
    """
    if attempt.assignment_id is None:
        return True
    if getattr(attempt, "preview", False):
        return False
    found = prepared.first(_FEEDBACK_TIME, {"assignment": attempt.assignment_id})
    return found is not None and found.feedback == "immediately"


def _refused_after_finish(attempt_id: int, position: int) -> Submitted:
    """Say why an answer to a finished attempt was not stored: a repeat, or too late."""
    if answer_at(attempt_id, position) is not None:
        confirm_first_answer()
        return Submitted(duplicate=True)
    return Submitted(finished=True)


def confirm_first_answer() -> None:
    """Before telling a student their first answer stands, make sure it is on disk.

    Another request may have committed it a moment ago and not yet synced it.
    """
    prepared.sync_seen()


def _lock_if_open(attempt_id: int) -> bool:
    """Take the attempt's turn for this write transaction; return whether it is unfinished."""
    row = prepared.first(_LOCK_ATTEMPT[db.engine.dialect.name], {"attempt": attempt_id})
    return row is not None and row.finished_at is None


def _finish(attempt_id: int, now: datetime) -> None:
    """Score and close an attempt whose turn this transaction holds (``_lock_if_open``)."""
    score = prepared.one(_SCORE, {"attempt": attempt_id}).score
    prepared.run(_FINISH, {"attempt": attempt_id, "finished": now, "new_score": score})
    # The LMS's copy of the grade, committed with the finish (the score outbox).
    scores.attempt_finished(db.session(), attempt_id)


def finish_attempt(attempt: AttemptLike) -> None:
    """Close an attempt once (unanswered questions score 0); finishing again changes nothing.

    Past its deadline, it ends at the deadline.
    """
    now = utcnow()
    finish_at(attempt.id, min(now, attempt.deadline) if attempt.deadline else now)


def finish_at(attempt_id: int, when: datetime) -> bool:
    """Close an attempt as of ``when`` if still open; return whether this call closed it."""
    with unit_of_work():
        # The turn first: the sum must include an answer being stored right now.
        if _lock_if_open(attempt_id):
            _finish(attempt_id, when)
            return True
    return False


def answer_at(attempt_id: int, position: int) -> AnswerRow | None:
    """Return the stored answer at one position of an attempt (a read-only row), or None."""
    return prepared.first(_ANSWER_AT, {"attempt": attempt_id, "position": position})


def current_version(question_id: str) -> int | None:
    """Return the current version id of a live question."""
    return db.session.scalar(
        select(Question.current_version_id).where(
            Question.id == question_id, Question.retired.is_(False)
        )
    )


def attempts_of(user_id: int) -> list[Attempt]:
    """Return every attempt of a user (not an instructor's previews), newest first."""
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.user_id == user_id, Attempt.preview.is_(False))
            .order_by(Attempt.started_at.desc(), Attempt.id.desc())
        )
    )


def quiz_key(attempt: AttemptLike) -> Hashable:
    """Return what an attempt is an attempt at: its assignment, or the bank practised."""
    if attempt.assignment_id is not None:
        return ("assignment", attempt.assignment_id)
    return attempt.bank_id


def attempt_numbers(attempts: Iterable[tuple[int, Hashable]]) -> dict[int, int]:
    """Return each attempt's number at its quiz (1 is the first), from (id, quiz) oldest first.

    The quiz is whatever tells attempts apart: a bank id for one student, (student, bank) for many.
    """
    numbers: dict[int, int] = {}
    seen: dict[Hashable, int] = {}
    for attempt_id, quiz_key in attempts:
        numbers[attempt_id] = seen[quiz_key] = seen.get(quiz_key, 0) + 1
    return numbers


def numbered_attempts(user_id: int) -> list[tuple[Attempt, int]]:
    """Return every attempt of a user, newest first, each with its number at its quiz (1, 2, …)."""
    attempts = attempts_of(user_id)
    numbers = attempt_numbers((a.id, quiz_key(a)) for a in reversed(attempts))
    return [(attempt, numbers[attempt.id]) for attempt in attempts]
