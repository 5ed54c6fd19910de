"""Typed read-only rows of the hot path's prepared statements, where the ORM is not used.

Each ``Prepared`` statement names its row class, and refuses at import a class whose fields
are not its columns in order. Services that take either a row or a mapped object say so with
the protocols below.
"""

from datetime import datetime
from typing import Any, NamedTuple, Protocol


class AttemptRow(NamedTuple):
    id: int
    user_id: int
    bank_id: str
    items: list[list[Any]]  # [[question id, version id], ...] in the attempt's order
    seed: int
    started_at: datetime
    finished_at: datetime | None
    score: float | None
    max_score: float
    assignment_id: int | None
    deadline: datetime | None
    preview: bool


class AttemptAtRow(NamedTuple):
    """An attempt with whether one position of it is answered (the question page's read)."""

    id: int
    user_id: int
    bank_id: str
    items: list[list[Any]]
    seed: int
    started_at: datetime
    finished_at: datetime | None
    score: float | None
    max_score: float
    assignment_id: int | None
    deadline: datetime | None
    preview: bool
    answered: bool


class AnswerRow(NamedTuple):
    id: int
    attempt_id: int
    position: int
    user_id: int
    question_id: str
    version_id: int
    response: Any
    correct: bool
    points: float
    max_points: float
    submitted_at: datetime
    duration_ms: int | None


class PositionRow(NamedTuple):
    position: int


class CountRow(NamedTuple):
    n: int


class OpenStateRow(NamedTuple):
    finished_at: datetime | None


class FeedbackTimeRow(NamedTuple):
    feedback: str


class IdRow(NamedTuple):
    id: int


class ScoreRow(NamedTuple):
    score: float


class CardRow(NamedTuple):
    id: int
    card: dict[str, Any]


class SessionUserRow(NamedTuple):
    id: int
    username: str
    role: str


class AttemptLike(Protocol):
    """An attempt as pages and services read it: a mapped ``Attempt`` or an ``AttemptRow``."""

    @property
    def id(self) -> int: ...
    @property
    def user_id(self) -> int: ...
    @property
    def bank_id(self) -> str: ...
    @property
    def items(self) -> list[list[Any]]: ...
    @property
    def seed(self) -> int: ...
    @property
    def finished_at(self) -> datetime | None: ...
    @property
    def assignment_id(self) -> int | None: ...
    @property
    def deadline(self) -> datetime | None: ...


class AttemptAssignmentRow(NamedTuple):
    """What an attempt's pages need of its assignment: the rules, the title, the class's zone."""

    id: int
    title: str
    opens_at: datetime | None
    closes_at: datetime | None
    time_limit: int | None
    attempts_allowed: int | None
    feedback: str
    feedback_from: datetime | None
    course_name: str | None  # None once the class is deleted
    timezone: str
