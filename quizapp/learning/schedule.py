"""When an assignment is open to one student, when their attempt ends, when feedback shows.

Pure: the assignment and the student's override come in (any objects with their fields),
times are naive UTC. Every page, export and the CLI ask these same questions here.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

# An answer sent as the time ran out is still on the wire: it counts if it arrives this late.
GRACE = timedelta(seconds=10)


class AssignmentLike(Protocol):
    @property
    def opens_at(self) -> datetime | None: ...
    @property
    def closes_at(self) -> datetime | None: ...
    @property
    def time_limit(self) -> int | None: ...
    @property
    def attempts_allowed(self) -> int | None: ...
    @property
    def feedback(self) -> str: ...
    @property
    def feedback_from(self) -> datetime | None: ...


class OverrideLike(Protocol):
    @property
    def extra_minutes(self) -> int: ...
    @property
    def time_factor(self) -> float: ...
    @property
    def closes_at(self) -> datetime | None: ...
    @property
    def extra_attempts(self) -> int: ...


def closes_for(assignment: AssignmentLike, override: OverrideLike | None) -> datetime | None:
    """Return when the assignment closes for this student (a later close of theirs wins)."""
    if override is not None and override.closes_at is not None:
        if assignment.closes_at is None:
            return assignment.closes_at  # no close for anyone: none for them either
        return max(assignment.closes_at, override.closes_at)
    return assignment.closes_at


def minutes_for(assignment: AssignmentLike, override: OverrideLike | None) -> float | None:
    """Return this student's time limit in minutes (None: untimed)."""
    if assignment.time_limit is None:
        return None
    if override is None:
        return float(assignment.time_limit)
    return assignment.time_limit * override.time_factor + override.extra_minutes


def attempts_for(assignment: AssignmentLike, override: OverrideLike | None) -> int | None:
    """Return how many attempts this student may make (None: unlimited)."""
    if assignment.attempts_allowed is None:
        return None
    return assignment.attempts_allowed + (override.extra_attempts if override else 0)


def deadline_for(
    assignment: AssignmentLike, override: OverrideLike | None, started_at: datetime
) -> datetime | None:
    """Return when an attempt started at ``started_at`` stops taking answers (None: never)."""
    ends = []
    minutes = minutes_for(assignment, override)
    if minutes is not None:
        ends.append(started_at + timedelta(minutes=minutes))
    closes = closes_for(assignment, override)
    if closes is not None:
        ends.append(closes)
    return min(ends, default=None)


def overdue(deadline: datetime | None, now: datetime) -> bool:
    """Return whether an attempt with this deadline takes no more answers (grace included)."""
    return deadline is not None and now > deadline + GRACE


@dataclass(frozen=True)
class Status:
    state: str  # "upcoming", "open" or "closed"
    opens: datetime | None
    closes: datetime | None


def status(assignment: AssignmentLike, override: OverrideLike | None, now: datetime) -> Status:
    """Return whether the assignment is upcoming, open or closed for this student now."""
    closes = closes_for(assignment, override)
    if assignment.opens_at is not None and now < assignment.opens_at:
        state = "upcoming"
    elif closes is not None and now >= closes:
        state = "closed"
    else:
        state = "open"
    return Status(state, assignment.opens_at, closes)


def released(assignment: AssignmentLike | None, finished: bool, now: datetime) -> bool:
    """Return whether an attempt's key, explanations and cited passages may be shown now.

    ``assignment`` None is practice: always. ``feedback_from`` is the early release or the
    last close of anyone's window, whichever the services set.
    """
    if assignment is None or assignment.feedback == "immediately":
        return True
    if assignment.feedback_from is not None and now >= assignment.feedback_from:
        return True
    return assignment.feedback == "after_attempt" and finished


def release_time(assignment: AssignmentLike, finished: bool) -> datetime | None | str:
    """Return when feedback shows: "now" (whatever the time), "finish" (once submitted), a
    time (the release; it may be past: ask ``released`` first), or None (never)."""
    if assignment.feedback == "immediately" or (
        assignment.feedback == "after_attempt" and finished
    ):
        return "now"
    if assignment.feedback == "after_attempt":
        return "finish"
    return assignment.feedback_from
