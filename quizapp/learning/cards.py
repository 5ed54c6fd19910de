"""Spaced review with FSRS: every answered question becomes a card.

Mapping from an answer to an FSRS rating: correct (full credit) -> Good, anything else -> Again.
A quiz answer and a review answer both count as a recall of the question.
Fuzzing is off so that schedules are reproducible (and testable with a frozen clock).
No learning steps: FSRS's defaults (again in 1 and 10 minutes) suit a flashcard session
that repeats a new card at once, but a quiz answer has just been shown with its explanation
and passage. A right answer comes back in 2 days (then 11, and growing), a wrong one the
next day.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from fsrs import Card, Rating, Scheduler
from fsrs.card import CardDict
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from quizapp.db import prepared
from quizapp.db.prepared import Prepared
from quizapp.db.transactions import read, unit_of_work
from quizapp.extensions import db, table
from quizapp.models import Question, Review, ReviewCard, User
from quizapp.models.rows import CardRow, IdRow

SCHEDULER = Scheduler(enable_fuzzing=False, learning_steps=(), relearning_steps=())


def rating_for(correct: bool) -> Rating:
    """Return the FSRS rating for a graded answer."""
    return Rating.Good if correct else Rating.Again


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


_CARDS = table(ReviewCard)
_CARD_COLUMNS = ["user_id", "question_id", "card", "due"]
# RETURNING says whether the row went in: with parameters given at execution, psycopg
# reports rowcount -1 for these statements.
_INSERT_CARD = {
    "sqlite": Prepared(
        sqlite_insert(_CARDS).on_conflict_do_nothing().returning(_CARDS.c.id),
        _CARD_COLUMNS,
        row=IdRow,
    ),
    "postgresql": Prepared(
        pg_insert(_CARDS).on_conflict_do_nothing().returning(_CARDS.c.id),
        _CARD_COLUMNS,
        row=IdRow,
    ),
}
_CARD = select(_CARDS.c.id, _CARDS.c.card).where(
    _CARDS.c.user_id == bindparam("user"), _CARDS.c.question_id == bindparam("question")
)
_SELECT_CARD = {
    "sqlite": Prepared(_CARD, row=CardRow),
    "postgresql": Prepared(_CARD.with_for_update(), row=CardRow),
}
_UPDATE_CARD: Prepared[tuple[()]] = Prepared(
    update(_CARDS)
    .where(_CARDS.c.id == bindparam("card_id"))
    .values(card=bindparam("new_card"), due=bindparam("new_due"))
)


def _review(card: Card, correct: bool, when: datetime) -> tuple[CardDict, datetime]:
    card, _log = SCHEDULER.review_card(card, rating_for(correct), review_datetime=_aware(when))
    return card.to_dict(), card.due.astimezone(UTC).replace(tzinfo=None)


def record(user_id: int, question_id: str, correct: bool, when: datetime) -> None:
    """Apply one recall to the student's card for a question, creating the card if needed.

    Runs in the caller's unit of work (prepared statements use the session's connection;
    the caller flushes first when the card's user is still pending, as demo data's are).
    """
    dialect = db.engine.dialect.name
    # Most recalls are a question's first: insert the reviewed new card in one statement.
    # Cards are keyed by (user, question); an explicit card_id skips fsrs's 1 ms sleep.
    card, due = _review(Card(card_id=0, due=_aware(when)), correct, when)
    key = {"user_id": user_id, "question_id": question_id}
    if prepared.run(_INSERT_CARD[dialect], {**key, "card": card, "due": due}):
        return
    (row,) = prepared.run(_SELECT_CARD[dialect], {"user": user_id, "question": question_id})
    card, due = _review(Card.from_dict(cast(CardDict, row.card)), correct, when)
    prepared.run(_UPDATE_CARD, {"card_id": row.id, "new_card": card, "new_due": due})


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


# Retired questions never come back for review (see _DUE), so they do not announce one.
_NEXT_DUE_AFTER = (
    select(func.min(ReviewCard.due))
    .join(Question, Question.id == ReviewCard.question_id)
    .where(
        ReviewCard.user_id == bindparam("user"),
        ReviewCard.due > bindparam("now"),
        Question.retired.is_(False),
    )
)


def next_due_after(user_id: int, now: datetime) -> datetime | None:
    """Return when the student's next card falls due, if any is scheduled in the future."""
    return db.session.scalar(_NEXT_DUE_AFTER, {"user": user_id, "now": now})


# The daily limit: at most ``User.daily_reviews`` review answers in any 24 hours. A rolling
# day, as the server does not know the student's time zone: a slot frees 24 hours after the
# review that took it.
DAY = timedelta(days=1)
MIN_DAILY, MAX_DAILY = 1, 500


@dataclass(frozen=True)
class Budget:
    due: int  # cards due now
    limit: int  # the student's reviews a day
    done: int  # reviews in the last 24 hours
    frees_at: datetime | None  # when the next slot frees, once none is left

    @property
    def left(self) -> int:
        """Return how many more reviews the limit allows now."""
        return max(0, self.limit - self.done)

    @property
    def now(self) -> int:
        """Return how many reviews to offer now: due ones, up to what the limit leaves."""
        return min(self.due, self.left)


_REVIEWS_SINCE = select(func.count(), func.min(Review.reviewed_at)).where(
    Review.user_id == bindparam("user"), Review.reviewed_at > bindparam("since")
)
_LIMIT = select(User.daily_reviews).where(User.id == bindparam("user"))


def budget(user_id: int, now: datetime) -> Budget:
    """Return the student's due cards and how many of them the daily limit lets through now."""
    limit = read(_LIMIT, {"user": user_id}).scalar()
    done, oldest = read(_REVIEWS_SINCE, {"user": user_id, "since": now - DAY}).one()
    frees_at = None
    if done >= limit and oldest is not None:
        # The oldest in the window frees one slot; with a lowered limit, wait for enough.
        frees_at = _nth_oldest_since(user_id, now - DAY, done - limit) + DAY
    return Budget(due_count(user_id, now), limit, done, frees_at)


def _nth_oldest_since(user_id: int, since: datetime, n: int) -> datetime:
    """Return the time of the (n+1)th oldest review after ``since``."""
    return db.session.execute(
        select(Review.reviewed_at)
        .where(Review.user_id == user_id, Review.reviewed_at > since)
        .order_by(Review.reviewed_at)
        .offset(n)
        .limit(1)
    ).scalar_one()


def set_daily_limit(user_id: int, limit: int) -> None:
    """Set how many reviews a day the student takes."""
    if not MIN_DAILY <= limit <= MAX_DAILY:
        raise ValueError(f"a daily limit is {MIN_DAILY} to {MAX_DAILY}, not {limit}")
    with unit_of_work() as session:
        session.execute(update(User).where(User.id == user_id).values(daily_reviews=limit))


@dataclass(frozen=True)
class Comeback:
    due: datetime  # when the card is next due (UTC)
    days: int  # whole days after the review
    since: bool  # answered again after this review (the schedule is the newer answer's)


def comeback(user_id: int, question_id: str, reviewed_at: datetime) -> Comeback | None:
    """Return when a reviewed card comes back, as the student's latest answer to it set."""
    row = db.session.execute(
        select(ReviewCard.due, ReviewCard.card).where(
            ReviewCard.user_id == user_id, ReviewCard.question_id == question_id
        )
    ).first()
    if row is None:
        return None
    last = row.card.get("last_review")
    last_review = _aware(datetime.fromisoformat(last)) if last else None
    since = last_review is not None and last_review > _aware(reviewed_at) + timedelta(seconds=1)
    start = last_review if since and last_review is not None else _aware(reviewed_at)
    days = round((_aware(row.due) - start).total_seconds() / DAY.total_seconds())
    return Comeback(row.due, days, since)
