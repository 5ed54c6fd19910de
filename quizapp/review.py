"""Spaced review with FSRS: every answered question becomes a card.

Mapping from an answer to an FSRS rating: correct (full credit) -> Good, anything else -> Again.
A quiz answer and a review answer both count as a recall of the question.
Fuzzing is off so that schedules are reproducible (and testable with a frozen clock).
"""

from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler
from sqlalchemy import func, select

from .extensions import db
from .models import Question, ReviewCard

SCHEDULER = Scheduler(enable_fuzzing=False)


def rating_for(correct: bool) -> Rating:
    """Return the FSRS rating for a graded answer."""
    return Rating.Good if correct else Rating.Again


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def record(session, user_id: int, question_id: str, correct: bool, when: datetime) -> ReviewCard:
    """Apply one recall to the student's card for a question, creating the card if needed."""
    from .quiz import insert_ignoring_duplicates

    session.execute(
        insert_ignoring_duplicates(ReviewCard).values(
            user_id=user_id,
            question_id=question_id,
            due=when,
            # cards are keyed by (user, question); an explicit id skips fsrs's 1 ms sleep
            card=Card(card_id=0, due=_aware(when)).to_dict(),
        )
    )
    stmt = select(ReviewCard).where(
        ReviewCard.user_id == user_id, ReviewCard.question_id == question_id
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = session.scalar(stmt)
    card, _log = SCHEDULER.review_card(
        Card.from_dict(row.card), rating_for(correct), review_datetime=_aware(when)
    )
    row.card = card.to_dict()
    row.due = card.due.astimezone(UTC).replace(tzinfo=None)
    return row


def _due(user_id: int, now: datetime):
    return (
        select(ReviewCard)
        .join(Question, Question.id == ReviewCard.question_id)
        .where(
            ReviewCard.user_id == user_id,
            ReviewCard.due <= now,
            Question.retired.is_(False),
        )
    )


def due_count(user_id: int, now: datetime) -> int:
    """Return how many of the student's cards are due at ``now``."""
    return db.session.scalar(select(func.count()).select_from(_due(user_id, now).subquery()))


def next_due(user_id: int, now: datetime) -> ReviewCard | None:
    """Return the most overdue card of the student, or None when nothing is due."""
    return db.session.scalar(_due(user_id, now).order_by(ReviewCard.due).limit(1))


def next_due_after(user_id: int, now: datetime) -> datetime | None:
    """Return when the student's next card falls due, if any is scheduled in the future."""
    return db.session.scalar(
        select(func.min(ReviewCard.due)).where(ReviewCard.user_id == user_id, ReviewCard.due > now)
    )
