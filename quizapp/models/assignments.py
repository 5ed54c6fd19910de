"""Assignments: a quiz an instructor sets for one class, and per-student accommodations."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from quizapp.extensions import Model
from quizapp.models.content import utcnow

# How an assignment's attempts combine into its grade ("first": the first finished attempt).
ASSIGNMENT_POLICIES = ("best", "latest", "average", "first")
# When a student sees the key, explanations and cited passages of an attempt's questions.
FEEDBACK_TIMES = ("immediately", "after_attempt", "after_close", "never")


class Assignment(Model):
    __table_args__ = (Index("ix_assignment_course", "course_id", "deleted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None once its class is deleted: the row stays for the attempts that name it.
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id"))
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered safe
    points: Mapped[float] = mapped_column(default=10.0)
    # What each attempt draws: [{"bank": bank id, "count": n}, ...]; the pool of each bank is
    # its live questions narrowed by ``tags`` (any of them) and ``difficulties`` (any of them).
    draw: Mapped[list] = mapped_column(JSON)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    difficulties: Mapped[list] = mapped_column(JSON, default=list)
    # No two questions of an attempt cite the same passage, where the pool allows.
    spread: Mapped[bool] = mapped_column(default=False)
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    time_limit: Mapped[int | None]  # minutes
    attempts_allowed: Mapped[int | None]  # None: unlimited
    score_policy: Mapped[str] = mapped_column(String(16), default="best")
    feedback: Mapped[str] = mapped_column(String(16), default="immediately")
    # From when every attempt's feedback shows whatever ``feedback`` says: the instructor's
    # early release, or (after_close) the last close of anyone's window. Kept current by the
    # services that change dates and overrides, so readers compare one column with now.
    feedback_from: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Deleted assignments stay as rows: students' attempts at them remain in their history.
    deleted_at: Mapped[datetime | None]


class AssignmentOverride(Model):
    """One student's accommodation on one assignment: more time, a later close, more attempts."""

    __table_args__ = (UniqueConstraint("assignment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    extra_minutes: Mapped[int] = mapped_column(default=0)
    time_factor: Mapped[float] = mapped_column(default=1.0)  # 1.5: half as much time again
    closes_at: Mapped[datetime | None]  # a later close for this student
    extra_attempts: Mapped[int] = mapped_column(default=0)
