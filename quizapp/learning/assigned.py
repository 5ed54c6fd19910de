"""A student's side of assignments: what is set for them, starting within the rules, and
whether an attempt's feedback may show yet.

An attempt still open past its deadline is finished by the next read that looks at it
(``finish_overdue``): the student's pages, the gradebook, exports and the CLI all call it,
so no scheduler is needed.
"""

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select

from quizapp.db import prepared
from quizapp.db.prepared import Prepared
from quizapp.db.transactions import read, take_turn_on_postgresql, unit_of_work
from quizapp.extensions import db, table
from quizapp.learning import attempts
from quizapp.learning.draw import draw
from quizapp.learning.schedule import (
    GRACE,
    Status,
    attempts_for,
    deadline_for,
    minutes_for,
    released,
    status,
)
from quizapp.models import (
    Assignment,
    AssignmentOverride,
    Attempt,
    Course,
    Membership,
    QuestionVersion,
)
from quizapp.models.content import utcnow
from quizapp.models.rows import AttemptAssignmentRow, AttemptLike
from quizapp.teaching import assignments as setting


def assignment_of(attempt: AttemptLike) -> Assignment | None:
    """Return the assignment an attempt belongs to (None: practice)."""
    if attempt.assignment_id is None:
        return None
    return db.session.get(Assignment, attempt.assignment_id)


def feedback_shown(attempt: AttemptLike, now: datetime | None = None) -> bool:
    """Return whether this attempt's key, explanations and cited passages may be shown now."""
    return released(assignment_of(attempt), attempt.finished_at is not None, now or utcnow())


def released_for(assignment: Assignment, finished: bool = True) -> bool:
    """Return whether an assignment's feedback shows now for an attempt (finished or not)."""
    return released(assignment, finished, utcnow())


# Finishing what ran out of time


def finish_overdue(assignment_ids: Iterable[int] | None = None, user_id: int | None = None) -> int:
    """Finish every open attempt past its deadline (and grace); return how many.

    A cheap indexed read first, so a page with nothing overdue never takes the writer turn.
    The attempt ends at its deadline, scored with the answers that came in time.
    """
    cutoff = utcnow() - GRACE
    stmt = select(Attempt.id, Attempt.deadline).where(
        Attempt.deadline < cutoff, Attempt.finished_at.is_(None)
    )
    if assignment_ids is not None:
        stmt = stmt.where(Attempt.assignment_id.in_(list(assignment_ids)))
    if user_id is not None:
        stmt = stmt.where(Attempt.user_id == user_id)
    overdue = read(stmt).all()
    for attempt_id, deadline in overdue:
        attempts.finish_at(attempt_id, deadline)
    return len(overdue)


# Starting


@dataclass(frozen=True)
class Started:
    attempt: Attempt | None = None
    refusal: str | None = None  # why not, in words for the student


def start(assignment: Assignment, user_id: int, preview: bool = False) -> Started:
    """Resume the student's open attempt or start a new one within the window and attempts.

    Starts of one student take turns (two tabs, two processes), so attempts allowed holds.
    A preview (the instructor's) ignores the window and the attempts, and never counts.
    """
    finish_overdue([assignment.id], user_id)
    with unit_of_work() as session:
        take_turn_on_postgresql(session, attempts.LOCK_USER, {"user": user_id})
        open_attempt = session.scalar(
            select(Attempt)
            .where(
                Attempt.assignment_id == assignment.id,
                Attempt.user_id == user_id,
                Attempt.preview.is_(preview),
                Attempt.finished_at.is_(None),
            )
            .order_by(Attempt.id.desc())
            .limit(1)
        )
        if open_attempt is not None:
            return Started(open_attempt)
        now = utcnow()
        override = None if preview else setting.override_of(assignment.id, user_id)
        if not preview:
            refusal = _refusal(assignment, override, user_id, now)
            if refusal:
                return Started(refusal=refusal)
        found = setting.pools(
            [b["bank"] for b in assignment.draw], assignment.tags, assignment.difficulties
        )
        seed = secrets.randbits(31)
        try:
            items = draw(found, [(b["bank"], b["count"]) for b in assignment.draw], seed,
                         assignment.spread)  # fmt: skip
        except ValueError:
            return Started(refusal="This assignment's questions are no longer all available. "
                           "Tell your instructor.")  # fmt: skip
        ends = _preview_end(assignment, now) if preview else deadline_for(assignment, override, now)
        attempt = Attempt(
            user_id=user_id,
            bank_id=assignment.draw[0]["bank"],
            items=[list(item) for item in items],
            seed=seed,
            started_at=now,
            max_score=_points([vid for _, vid in items]),
            assignment_id=assignment.id,
            deadline=ends,
            preview=preview,
        )
        session.add(attempt)
    return Started(attempt)


def _preview_end(assignment: Assignment, now: datetime) -> datetime | None:
    """Return when a preview ends: its time limit holds, the window does not (a closed
    assignment can be previewed too)."""
    minutes = minutes_for(assignment, None)
    return None if minutes is None else now + timedelta(minutes=minutes)


def _points(version_ids: list[int]) -> float:
    found = read(
        select(func.sum(QuestionVersion.points)).where(QuestionVersion.id.in_(version_ids))
    )
    return float(found.scalar() or 0)


def _refusal(
    assignment: Assignment, override: AssignmentOverride | None, user_id: int, now: datetime
) -> str | None:
    state = status(assignment, override, now)
    if state.state == "upcoming":
        return "This assignment is not open yet."
    if state.state == "closed":
        return "This assignment is closed."
    allowed = attempts_for(assignment, override)
    if allowed is not None and used_attempts(assignment.id, user_id) >= allowed:
        return f"You have used all {allowed} attempt{'s' * (allowed != 1)} at this assignment."
    return None


def used_attempts(assignment_id: int, user_id: int) -> int:
    """Return how many attempts (not previews) a student has started at an assignment."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Attempt)
            .where(
                Attempt.assignment_id == assignment_id,
                Attempt.user_id == user_id,
                Attempt.preview.is_(False),
            )
        )
        or 0
    )


# What a student has been set


@dataclass(frozen=True)
class AssignedRow:
    assignment: Assignment
    course: Course
    status: Status
    minutes: float | None  # this student's time limit
    allowed: int | None  # attempts, None: unlimited
    used: int
    open_attempt: int | None
    score: float | None  # fraction under the assignment's policy, finished attempts only
    last_finished: int | None  # the newest finished attempt, for its results
    feedback_now: bool  # the last finished attempt's feedback shows now

    @property
    def left(self) -> int | None:
        return None if self.allowed is None else max(0, self.allowed - self.used)


def policy_score(policy: str, finished: list[tuple[datetime, int, float]]) -> float | None:
    """Return the grade fraction of (finished at, id, fraction) attempts under a policy."""
    if not finished:
        return None
    ordered = sorted(finished)
    fractions = [f for _, _, f in ordered]
    if policy == "latest":
        return fractions[-1]
    if policy == "first":
        return fractions[0]
    if policy == "average":
        return sum(fractions) / len(fractions)
    return max(fractions)


def assigned_to(user_id: int) -> list[AssignedRow]:
    """Return the assignments of every class the student is in, soonest due first."""
    finish_overdue(user_id=user_id)
    rows = db.session.execute(
        select(Assignment, Course)
        .join(Course, Course.id == Assignment.course_id)
        .join(Membership, Membership.course_id == Course.id)
        .where(Membership.user_id == user_id, Assignment.deleted_at.is_(None))
    ).all()
    if not rows:
        return []
    ids = [a.id for a, _ in rows]
    overrides = {
        o.assignment_id: o
        for o in db.session.scalars(
            select(AssignmentOverride).where(
                AssignmentOverride.user_id == user_id, AssignmentOverride.assignment_id.in_(ids)
            )
        )
    }
    mine: dict[int, list] = {}
    for a_id, attempt_id, finished_at, score, max_score in read(
        select(Attempt.assignment_id, Attempt.id, Attempt.finished_at, Attempt.score,
               Attempt.max_score)
        .where(Attempt.user_id == user_id, Attempt.assignment_id.in_(ids),
               Attempt.preview.is_(False))
    ):  # fmt: skip
        mine.setdefault(a_id, []).append((attempt_id, finished_at, score, max_score))
    now = utcnow()
    result = []
    for assignment, course in rows:
        override = overrides.get(assignment.id)
        taken = mine.get(assignment.id, [])
        finished = [(f, i, (s or 0) / m if m else 0.0) for i, f, s, m in taken if f is not None]
        open_ids = [i for i, f, _, _ in taken if f is None]
        last = max(finished)[1] if finished else None
        result.append(
            AssignedRow(
                assignment=assignment,
                course=course,
                status=status(assignment, override, now),
                minutes=minutes_for(assignment, override),
                allowed=attempts_for(assignment, override),
                used=len(taken),
                open_attempt=max(open_ids) if open_ids else None,
                score=policy_score(assignment.score_policy, finished),
                last_finished=last,
                feedback_now=released(assignment, True, now),
            )
        )
    order = {"open": 0, "upcoming": 1, "closed": 2}
    result.sort(key=lambda r: (order[r.status.state], r.status.closes or datetime.max,
                               r.assignment.title))  # fmt: skip
    return result


# What the attempt pages read: one small primary-key read per request, and none for practice.

_ASSIGNMENTS = table(Assignment)
_COURSES = table(Course)
_OF_ATTEMPT = Prepared(
    select(
        _ASSIGNMENTS.c.id,
        _ASSIGNMENTS.c.title,
        _ASSIGNMENTS.c.opens_at,
        _ASSIGNMENTS.c.closes_at,
        _ASSIGNMENTS.c.time_limit,
        _ASSIGNMENTS.c.attempts_allowed,
        _ASSIGNMENTS.c.feedback,
        _ASSIGNMENTS.c.feedback_from,
        _COURSES.c.name.label("course_name"),
        func.coalesce(_COURSES.c.timezone, "UTC").label("timezone"),
    )
    .select_from(_ASSIGNMENTS.outerjoin(_COURSES, _COURSES.c.id == _ASSIGNMENTS.c.course_id))
    .where(_ASSIGNMENTS.c.id == bindparam("assignment")),
    row=AttemptAssignmentRow,
)


def of_attempt(attempt: AttemptLike) -> AttemptAssignmentRow | None:
    """Return the assignment of an attempt as its pages need it (None: practice, no query)."""
    if attempt.assignment_id is None:
        return None
    return prepared.first(_OF_ATTEMPT, {"assignment": attempt.assignment_id})


def set_for(user_id: int, assignment_id: int) -> Assignment | None:
    """Return an assignment of one of the student's classes (not deleted), else None."""
    return db.session.scalar(
        select(Assignment)
        .join(Membership, Membership.course_id == Assignment.course_id)
        .where(
            Assignment.id == assignment_id,
            Assignment.deleted_at.is_(None),
            Membership.user_id == user_id,
        )
    )
