"""Spaced review with FSRS: every answered question becomes a card.

Mapping from an answer to an FSRS rating: correct (full credit) -> Good, anything else -> Again.
A quiz answer and a review answer both count as a recall of the question.
Fuzzing is off so that schedules are reproducible (and testable with a frozen clock).
"""

from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .database import read
from .extensions import db
from .models import Question, ReviewCard

SCHEDULER = Scheduler(enable_fuzzing=False)


def rating_for(correct: bool) -> Rating:
    """Return the FSRS rating for a graded answer."""
    return Rating.Good if correct else Rating.Again


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


_CARDS = ReviewCard.__table__
# RETURNING says whether the row went in: with parameters given at execution, psycopg
# reports rowcount -1 for these statements.
_INSERT_CARD = {
    "sqlite": sqlite_insert(_CARDS).on_conflict_do_nothing().returning(_CARDS.c.id),
    "postgresql": pg_insert(_CARDS).on_conflict_do_nothing().returning(_CARDS.c.id),
}
_CARD = select(_CARDS.c.id, _CARDS.c.card).where(
    _CARDS.c.user_id == bindparam("user"), _CARDS.c.question_id == bindparam("question")
)
_CARD_FOR_UPDATE = _CARD.with_for_update()
_UPDATE_CARD = (
    update(_CARDS)
    .where(_CARDS.c.id == bindparam("card_id"))
    .values(card=bindparam("new_card"), due=bindparam("new_due"))
)


def _review(card: Card, correct: bool, when: datetime) -> tuple[dict, datetime]:
    card, _log = SCHEDULER.review_card(card, rating_for(correct), review_datetime=_aware(when))
    return card.to_dict(), card.due.astimezone(UTC).replace(tzinfo=None)


def record(session, user_id: int, question_id: str, correct: bool, when: datetime) -> None:
    """Apply one recall to the student's card for a question, creating the card if needed."""
    # Core statements on the session's connection: the ORM's execute path costs more than
    # these small statements (this runs inside every answer's write transaction).
    session.flush()  # the card's user may still be pending (demo data)
    conn = session.connection()
    dialect = conn.dialect.name
    # Most recalls are a question's first: insert the reviewed new card in one statement.
    # Cards are keyed by (user, question); an explicit card_id skips fsrs's 1 ms sleep.
    card, due = _review(Card(card_id=0, due=_aware(when)), correct, when)
    key = {"user_id": user_id, "question_id": question_id}
    if conn.execute(_INSERT_CARD[dialect], {**key, "card": card, "due": due}).first():
        return
    stmt = _CARD_FOR_UPDATE if dialect == "postgresql" else _CARD
    row = conn.execute(stmt, {"user": user_id, "question": question_id}).one()
    card, due = _review(Card.from_dict(row.card), correct, when)
    conn.execute(_UPDATE_CARD, {"card_id": row.id, "new_card": card, "new_due": due})


# A student's due cards of live questions: counted on every dashboard, the first one reviewed.
_DUE = (
    select(ReviewCard)
    .join(Question, Question.id == ReviewCard.question_id)
    .where(
        ReviewCard.user_id == bindparam("user"),
        ReviewCard.due <= bindparam("now"),
        Question.retired.is_(False),
    )
)
_DUE_COUNT = select(func.count()).select_from(_DUE.subquery())
_MOST_OVERDUE = _DUE.order_by(ReviewCard.due).limit(1)


def due_count(user_id: int, now: datetime) -> int:
    """Return how many of the student's cards are due at ``now``."""
    return read(_DUE_COUNT, {"user": user_id, "now": now}).scalar()


def next_due(user_id: int, now: datetime) -> ReviewCard | None:
    """Return the most overdue card of the student, or None when nothing is due."""
    return db.session.scalar(_MOST_OVERDUE, {"user": user_id, "now": now})


def next_due_after(user_id: int, now: datetime) -> datetime | None:
    """Return when the student's next card falls due, if any is scheduled in the future."""
    return db.session.scalar(
        select(func.min(ReviewCard.due)).where(ReviewCard.user_id == user_id, ReviewCard.due > now)
    )
