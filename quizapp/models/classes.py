"""Classes (sections) taught by an instructor, joined by students with a code."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from quizapp.extensions import Model
from quizapp.models.content import utcnow

SCORE_POLICIES = ("best", "latest", "average")


class Course(Model):
    __tablename__ = "course"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    instructor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    score_policy: Mapped[str] = mapped_column(String(16), default="best")
    # Where the class meets: assignment dates are entered and shown in it (stored in UTC).
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Membership(Model):
    __table_args__ = (
        UniqueConstraint("course_id", "user_id"),
        Index("ix_membership_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
