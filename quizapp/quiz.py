"""Quiz services: start or resume an attempt, submit an answer exactly once, finish."""

import hashlib
import hmac
import random
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import bindparam, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from . import review
from .database import read, write_session
from .extensions import db
from .models import Answer, Attempt, Bank, Question
from .models.content import utcnow
from .qtypes import InvalidResponse
from .question_cache import QuestionView, question_view


def insert_ignoring_duplicates(model):
    """Return an INSERT that does nothing when a unique constraint already holds the row."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing()


def live_questions(bank_id: str) -> list[tuple[str, int]]:
    """Return (question id, current version id) of a bank's live questions, in bank order."""
    rows = db.session.execute(
        select(Question.id, Question.current_version_id)
        .where(Question.bank_id == bank_id, Question.retired.is_(False))
        .order_by(Question.position)
    )
    return [(qid, vid) for qid, vid in rows]


def open_attempt(user_id: int, bank_id: str) -> Attempt | None:
    """Return the user's unfinished attempt at a bank, if any."""
    return db.session.scalar(
        select(Attempt)
        .where(
            Attempt.user_id == user_id, Attempt.bank_id == bank_id, Attempt.finished_at.is_(None)
        )
        .order_by(Attempt.id.desc())
        .limit(1)
    )


def start_attempt(user_id: int, bank_id: str) -> Attempt | None:
    """Resume the unfinished attempt at a bank or start a new one; None for an unknown bank."""
    bank = db.session.get(Bank, bank_id)
    if bank is None or bank.retired:
        return None
    session = write_session()
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
    session.commit()
    return attempt


# Statements on the answer path are built once: SQLAlchemy then reuses their compiled SQL and
# cache keys instead of rebuilding expressions on every request.
# Reads on it are Core (rows, not ORM objects): a page only reads them.
_ATTEMPTS = Attempt.__table__
_ANSWERS = Answer.__table__
_ATTEMPT = select(_ATTEMPTS).where(
    _ATTEMPTS.c.id == bindparam("id"), _ATTEMPTS.c.user_id == bindparam("user")
)
_ATTEMPT_AT = select(
    _ATTEMPTS,
    exists()
    .where(_ANSWERS.c.attempt_id == _ATTEMPTS.c.id, _ANSWERS.c.position == bindparam("position"))
    .label("answered"),
).where(_ATTEMPTS.c.id == bindparam("id"), _ATTEMPTS.c.user_id == bindparam("user"))
_ANSWERED_POSITIONS = select(_ANSWERS.c.position).where(
    _ANSWERS.c.attempt_id == bindparam("attempt")
)
_ANSWER_AT = select(_ANSWERS).where(
    _ANSWERS.c.attempt_id == bindparam("attempt"), _ANSWERS.c.position == bindparam("position")
)
_ANSWER_COUNT = (
    select(func.count()).select_from(_ANSWERS).where(_ANSWERS.c.attempt_id == bindparam("attempt"))
)
_LOCK_ATTEMPT = (
    select(_ATTEMPTS.c.id).where(_ATTEMPTS.c.id == bindparam("attempt")).with_for_update()
)
# RETURNING says whether the row went in (psycopg's rowcount is -1 for this form).
_INSERT_ANSWER = {
    "sqlite": sqlite_insert(_ANSWERS).on_conflict_do_nothing().returning(_ANSWERS.c.id),
    "postgresql": pg_insert(_ANSWERS).on_conflict_do_nothing().returning(_ANSWERS.c.id),
}


def get_attempt(user_id: int, attempt_id: int):
    """Return the attempt (a read-only row) when it belongs to the user, else None.

    Others' attempts do not exist for them.
    """
    return read(_ATTEMPT, {"id": attempt_id, "user": user_id}).first()


def get_attempt_at(user_id: int, attempt_id: int, position: int):
    """Return the user's attempt as ``get_attempt`` does, with ``answered``: is ``position``?

    One query instead of two on the question page, the most requested page.
    """
    params = {"id": attempt_id, "user": user_id, "position": position}
    return read(_ATTEMPT_AT, params).first()


def answers_by_position(attempt_id: int) -> dict[int, Answer]:
    """Return the stored answers of an attempt keyed by position."""
    rows = db.session.scalars(select(Answer).where(Answer.attempt_id == attempt_id))
    return {a.position: a for a in rows}


def first_unanswered(attempt: Attempt) -> int | None:
    """Return the first position without an answer, or None when all are answered."""
    answered = set(read(_ANSWERED_POSITIONS, {"attempt": attempt.id}).scalars().all())
    return next((i for i in range(len(attempt.items)) if i not in answered), None)


# Choice order and values are per attempt: nothing in the page says which choice is which.


def choice_order(attempt: Attempt, position: int, view: QuestionView) -> list[int]:
    """Return the authoring indexes of a question's choices in this attempt's shuffled order."""
    order = [c.index for c in view.choices]
    random.Random(f"{attempt.seed}:{position}:{view.question_id}").shuffle(order)
    return order


def choice_token(scope: object, position: int, index: int) -> str:
    """Return the opaque form value standing for one choice in one attempt."""
    key = current_app.config["SECRET_KEY"].encode()
    msg = f"{scope}:{position}:{index}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:16]


def decode_choices(attempt: Attempt, position: int, view: QuestionView, values) -> list[str]:
    """Map submitted choice tokens back to authoring indexes (as strings); unknowns are dropped."""
    if not view.choices:
        return list(values)
    tokens = {choice_token(attempt.id, position, c.index): c.index for c in view.choices}
    return [str(tokens[v]) for v in values if v in tokens]


@dataclass(frozen=True)
class Submitted:
    error: str | None = None
    duplicate: bool = False  # the position was already answered: the first answer stands


def submit_answer(
    attempt: Attempt, position: int, values: list[str], duration_ms: int | None
) -> Submitted:
    """Grade and store one answer exactly once; a repeat returns the stored answer unchanged."""
    question_id, version_id = attempt.items[position]
    view = question_view(version_id)
    response = view.qtype.parse_response(view.spec, decode_choices(attempt, position, view, values))
    if isinstance(response, InvalidResponse):
        return Submitted(error=response.message)
    score = view.qtype.grade(view.spec, response, view.points)
    session = write_session()
    conn = session.connection()  # Core statements: the ORM's execute path costs more here
    dialect = conn.dialect.name
    if dialect == "postgresql":
        # Serialise submits within one attempt so the finish check below sees every answer.
        conn.execute(_LOCK_ATTEMPT, {"attempt": attempt.id})
    now = utcnow()
    result = conn.execute(
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
    duplicate = result.first() is None
    if not duplicate:
        review.record(session, attempt.user_id, question_id, score.correct, now)
        answered = conn.execute(_ANSWER_COUNT, {"attempt": attempt.id}).scalar()
        if answered == len(attempt.items):
            _finish(session, attempt.id, now)
    session.commit()
    return Submitted(duplicate=duplicate)


def _finish(session, attempt_id: int, now) -> bool:
    score = session.scalar(
        select(func.coalesce(func.sum(Answer.points), 0.0)).where(Answer.attempt_id == attempt_id)
    )
    result = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id, Attempt.finished_at.is_(None))
        .values(finished_at=now, score=score)
    )
    return result.rowcount == 1


def finish_attempt(attempt: Attempt) -> None:
    """Close an attempt once (unanswered questions score 0); finishing again changes nothing."""
    session = write_session()
    _finish(session, attempt.id, utcnow())
    session.commit()


def answer_at(attempt_id: int, position: int):
    """Return the stored answer at one position of an attempt (a read-only row), or None."""
    return read(_ANSWER_AT, {"attempt": attempt_id, "position": position}).first()


def current_version(question_id: str) -> int | None:
    """Return the current version id of a live question."""
    return db.session.scalar(
        select(Question.current_version_id).where(
            Question.id == question_id, Question.retired.is_(False)
        )
    )


def attempts_of(user_id: int) -> list[Attempt]:
    """Return every attempt of a user, newest first."""
    return list(
        db.session.scalars(
            select(Attempt).where(Attempt.user_id == user_id).order_by(Attempt.started_at.desc())
        )
    )
