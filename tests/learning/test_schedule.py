"""Windows, deadlines and feedback release of one student's attempt (pure rules)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from quizapp.learning.schedule import (
    GRACE,
    closes_for,
    deadline_for,
    overdue,
    released,
    status,
)

MON = datetime(2026, 9, 7, 9, 0)
FRI = datetime(2026, 9, 11, 17, 0)


@dataclass
class Set:
    opens_at: datetime | None = MON
    closes_at: datetime | None = FRI
    time_limit: int | None = 20
    attempts_allowed: int | None = 2
    feedback: str = "immediately"
    feedback_from: datetime | None = None


@dataclass
class Override:
    extra_minutes: int = 0
    time_factor: float = 1.0
    closes_at: datetime | None = None
    extra_attempts: int = 0


def test_the_window_is_upcoming_then_open_then_closed():
    assert status(Set(), None, MON - timedelta(seconds=1)).state == "upcoming"
    assert status(Set(), None, MON).state == "open"
    assert status(Set(), None, FRI).state == "closed"


def test_a_later_close_keeps_the_window_open_for_one_student():
    later = Override(closes_at=FRI + timedelta(days=2))
    assert status(Set(), later, FRI + timedelta(days=1)).state == "open"
    assert closes_for(Set(), later) == FRI + timedelta(days=2)
    assert closes_for(Set(), Override(closes_at=FRI - timedelta(days=1))) == FRI  # never earlier


def test_the_deadline_is_the_time_limit_or_the_close_whichever_comes_first():
    start = MON + timedelta(hours=1)
    assert deadline_for(Set(), None, start) == start + timedelta(minutes=20)
    late_start = FRI - timedelta(minutes=5)
    assert deadline_for(Set(), None, late_start) == FRI
    assert deadline_for(Set(time_limit=None, closes_at=None), None, start) is None


def test_extra_time_as_minutes_or_a_factor():
    start = MON + timedelta(hours=1)
    assert deadline_for(Set(), Override(extra_minutes=10), start) == start + timedelta(minutes=30)
    assert deadline_for(Set(), Override(time_factor=1.5), start) == start + timedelta(minutes=30)


def test_an_answer_within_the_grace_still_counts():
    deadline = MON + timedelta(minutes=20)
    assert not overdue(deadline, deadline + GRACE)
    assert overdue(deadline, deadline + GRACE + timedelta(seconds=1))
    assert not overdue(None, FRI)


def test_feedback_release_by_setting():
    now = MON + timedelta(hours=1)
    assert released(None, False, now)  # practice
    assert released(Set(feedback="immediately"), False, now)
    assert not released(Set(feedback="after_attempt"), False, now)
    assert released(Set(feedback="after_attempt"), True, now)
    assert not released(Set(feedback="after_close", feedback_from=FRI), True, now)
    assert released(Set(feedback="after_close", feedback_from=FRI), True, FRI)
    assert not released(Set(feedback="never"), True, FRI + timedelta(days=300))
    assert released(Set(feedback="never", feedback_from=now), True, now)  # released early
