"""What students do: attempts, answers, review cards and reviews."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from quizapp.extensions import Model
from quizapp.models.content import utcnow


class Attempt(Model):
    __table_args__ = (
        # Covers the score aggregates (gradebook, dashboard): they never read the rows, whose
        # question list sits before these columns. Practice attempts have no assignment.
        Index(
            "ix_attempt_user_scores",
            "user_id",
            "bank_id",
            "assignment_id",
            "finished_at",
            "score",
            "max_score",
        ),  # fmt: skip
        Index("ix_attempt_bank", "bank_id"),
        # Each student's grade at each assignment read from the index alone (as above), and
        # the practice of a class (assignment_id IS NULL) too, which SQLite reads by it.
        Index(
            "ix_attempt_assignment",
            "assignment_id",
            "user_id",
            "bank_id",
            "preview",
            "finished_at",
            "score",
            "max_score",
        ),  # fmt: skip
        # Open attempts past their deadline are finished by the next read (no scheduler):
        # the open ones first, so finished attempts are never read to find them.
        Index("ix_attempt_open_deadline", "finished_at", "deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # The quiz practised, or for an assignment the bank its draw starts from.
    bank_id: Mapped[str] = mapped_column(ForeignKey("bank.id"))
    # [[question_id, version_id], ...] pinned at start, in this attempt's shuffled order.
    items: Mapped[list] = mapped_column(JSON)
    seed: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    score: Mapped[float | None]
    max_score: Mapped[float]
    # None: practice, which never counts toward a grade.
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    # When answers stop being taken (time limit or close date, whichever is first; None: never).
    deadline: Mapped[datetime | None]
    # An instructor's preview of an assignment: never counts, never uses up an attempt.
    preview: Mapped[bool] = mapped_column(default=False, server_default=false())


class Answer(Model):
    __table_args__ = (
        # Exactly-once: one answer per question per attempt, enforced by the database.
        UniqueConstraint("attempt_id", "position"),
        Index("ix_answer_user_time", "user_id", "submitted_at"),
        Index("ix_answer_question", "question_id", "version_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id"))
    position: Mapped[int]
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    question_id: Mapped[str] = mapped_column(ForeignKey("question.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"))
    response: Mapped[object] = mapped_column(JSON)
    correct: Mapped[bool]
    points: Mapped[float]
    max_points: Mapped[float]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int | None]


class ReviewCard(Model):
    """The FSRS schedule of one question for one student."""

    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        Index("ix_review_card_due", "user_id", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    question_id: Mapped[str] = mapped_column(ForeignKey("question.id"))
    due: Mapped[datetime]
    card: Mapped[dict] = mapped_column(JSON)


class Review(Model):
    __table_args__ = (
        # The form's one-time token makes a replayed review POST a no-op.
        UniqueConstraint("user_id", "token"),
        Index("ix_review_user_time", "user_id", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    token: Mapped[str] = mapped_column(String(64))
    question_id: Mapped[str] = mapped_column(ForeignKey("question.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"))
    response: Mapped[object] = mapped_column(JSON)
    correct: Mapped[bool]
    points: Mapped[float]
    max_points: Mapped[float]
    rating: Mapped[int]
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)
