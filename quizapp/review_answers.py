"""Review answers: graded like quiz answers, stored apart, never counted in quiz scores."""

from dataclasses import dataclass

from sqlalchemy import select

from . import review
from .database import write_session
from .extensions import db
from .models import Review
from .models.content import utcnow
from .qtypes import InvalidResponse
from .question_cache import question_view
from .quiz import choice_token, current_version, insert_ignoring_duplicates


@dataclass(frozen=True)
class ReviewResult:
    review: Review | None
    error: str | None = None


def submit_review(user_id: int, token: str, question_id: str, values: list[str]) -> ReviewResult:
    """Grade one review answer and reschedule the card, once per form token."""
    existing = get_by_token(user_id, token)
    if existing is not None:
        return ReviewResult(existing)
    version_id = current_version(question_id)
    if version_id is None:
        return ReviewResult(None, "That question is no longer offered.")
    view = question_view(version_id)
    if view.choices:
        tokens = {choice_token(f"review-{token}", 0, c.index): c.index for c in view.choices}
        values = [str(tokens[v]) for v in values if v in tokens]
    response = view.qtype.parse_response(view.spec, values)
    if isinstance(response, InvalidResponse):
        return ReviewResult(None, response.message)
    score = view.qtype.grade(view.spec, response, view.points)
    session = write_session()
    now = utcnow()
    inserted = session.execute(
        insert_ignoring_duplicates(Review).values(
            user_id=user_id,
            token=token,
            question_id=question_id,
            version_id=version_id,
            response=response,
            correct=score.correct,
            points=score.points,
            max_points=score.max_points,
            rating=int(review.rating_for(score.correct)),
            reviewed_at=now,
        )
    ).rowcount
    if inserted:
        review.record(review.on_session(session), user_id, question_id, score.correct, now)
    session.commit()
    return ReviewResult(get_by_token(user_id, token))


def get_by_token(user_id: int, token: str) -> Review | None:
    """Return the review stored for a form token."""
    return db.session.scalar(select(Review).where(Review.user_id == user_id, Review.token == token))


def get_review(user_id: int, review_id: int) -> Review | None:
    """Return one of the user's reviews."""
    row = db.session.get(Review, review_id)
    return row if row is not None and row.user_id == user_id else None
