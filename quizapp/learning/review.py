"""Review answers: graded like quiz answers, stored apart, never counted in quiz scores."""

import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select

from quizapp.db.statements import insert_ignoring_duplicates
from quizapp.db.transactions import take_turn_on_postgresql, unit_of_work
from quizapp.extensions import db
from quizapp.learning import cards
from quizapp.learning.attempts import choice_token, current_version
from quizapp.learning.question_cache import question_view
from quizapp.models import Review, ReviewCard
from quizapp.models.content import utcnow
from quizapp.qtypes import InvalidResponse


@dataclass(frozen=True)
class ReviewResult:
    review: Review | None
    error: str | None = None
    duplicate: bool = False  # the card was already reviewed from this form or a later one
    changed: bool = False  # changed or retired since shown, or not the student's card: not stored


QUESTION_RETIRED = "That question is no longer offered, so your answer was not recorded."
NOT_A_CARD = "That question is not among your review cards, so your answer was not recorded."
QUESTION_CHANGED = (
    "That question was changed since you opened it, so your answer was not recorded. "
    "Here it is as it is now."
)


def new_token(user_id: int, question_id: str) -> str:
    """Return a review form's one-time token, which names the card's last review so far.

    The same card open in two tabs: the second answer finds a review newer than its form's.
    """
    last = db.session.scalar(
        select(func.max(Review.id)).where(
            Review.user_id == user_id, Review.question_id == question_id
        )
    )
    return f"{secrets.token_urlsafe(16)}.{last or 0}"


def _last_review_shown(token: str) -> int | None:
    """Return the last review id a form's token names (None: a token from before they did).

    The form is the browser's to send: a suffix that is not a plain id (not ASCII digits, or
    beyond a database integer) is ignored, as an old token's absence of one is.
    """
    _random, dot, last = token.rpartition(".")
    if dot and last.isascii() and last.isdigit() and len(last) <= 18:
        return int(last)
    return None


def submit_review(
    user_id: int, token: str, question_id: str, values: list[str], shown: int | None = None
) -> ReviewResult:
    """Grade one review answer and reschedule the card, once per form and per showing.

    ``shown`` is the version the form showed, when it says.
    """
    existing = get_by_token(user_id, token)
    if existing is not None:
        return ReviewResult(existing, duplicate=True)
    if not has_card(user_id, question_id):
        # The form names the question: graded, any question's feedback would show its answer
        # to a student who has yet to answer it in a quiz.
        return ReviewResult(None, NOT_A_CARD, changed=True)
    first = _reviewed_since(user_id, question_id, token)
    if first is not None:  # answered in another tab: that says more than "changed since"
        return ReviewResult(first, duplicate=True)
    version_id = current_version(question_id)
    if version_id is None:
        return ReviewResult(None, QUESTION_RETIRED, changed=True)
    if shown is not None and shown != version_id:
        # Choice values stand for positions: graded against the new choices, a pick could
        # mean another answer than the one the student saw.
        return ReviewResult(None, QUESTION_CHANGED, changed=True)
    view = question_view(version_id)
    if view.qtype.has_choices:
        tokens = {choice_token(f"review-{token}", 0, c.index): c.index for c in view.choices}
        values = [str(tokens[v]) for v in values if v in tokens]
    response = view.qtype.parse_response(view.spec, values)
    if isinstance(response, InvalidResponse):
        return ReviewResult(None, response.message)
    score = view.qtype.grade(view.spec, response, view.points)
    with unit_of_work() as session:
        take_turn_on_postgresql(session, _LOCK_CARD, {"user": user_id, "question": question_id})
        first = _reviewed_since(user_id, question_id, token)
        if first is not None:
            return ReviewResult(first, duplicate=True)
        now = utcnow()
        # RETURNING says whether the row went in (psycopg's rowcount is -1 for this form).
        inserted = session.scalar(
            insert_ignoring_duplicates(Review)
            .values(
                user_id=user_id,
                token=token,
                question_id=question_id,
                version_id=version_id,
                response=response,
                correct=score.correct,
                points=score.points,
                max_points=score.max_points,
                rating=int(cards.rating_for(score.correct)),
                reviewed_at=now,
            )
            .returning(Review.id)
        )
        if inserted is not None:
            cards.record(user_id, question_id, score.correct, now)
    return ReviewResult(get_by_token(user_id, token), duplicate=inserted is None)


# Two answers to one card take turns from here, so the second sees the first's review.
_LOCK_CARD = (
    select(ReviewCard.id)
    .where(ReviewCard.user_id == bindparam("user"), ReviewCard.question_id == bindparam("question"))
    .with_for_update()
)


def _reviewed_since(user_id: int, question_id: str, token: str) -> Review | None:
    """Return the card's newest review stored since the form was shown, if any."""
    shown = _last_review_shown(token)
    if shown is None:
        return None
    return db.session.scalar(
        select(Review)
        .where(Review.user_id == user_id, Review.question_id == question_id, Review.id > shown)
        .order_by(Review.id.desc())
        .limit(1)
    )


def has_card(user_id: int, question_id: str) -> bool:
    """Return whether the student has a review card for the question (they answered it)."""
    card = select(ReviewCard.id).where(
        ReviewCard.user_id == user_id, ReviewCard.question_id == question_id
    )
    return db.session.scalar(card) is not None


def get_by_token(user_id: int, token: str) -> Review | None:
    """Return the review stored for a form token."""
    return db.session.scalar(select(Review).where(Review.user_id == user_id, Review.token == token))


def get_review(user_id: int, review_id: int) -> Review | None:
    """Return one of the user's reviews."""
    row = db.session.get(Review, review_id)
    return row if row is not None and row.user_id == user_id else None
