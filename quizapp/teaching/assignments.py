"""Assignments: set, change, copy and delete a quiz for a class; accommodations; release.

The form and ``quizapp assignment`` both build ``Settings`` and call these services, so the
same rules hold in both: ``check`` names each problem beside its field.
"""

from dataclasses import dataclass, field, fields, replace
from datetime import datetime

from sqlalchemy import delete, func, select, update

from quizapp.db.transactions import read, unit_of_work
from quizapp.extensions import db
from quizapp.learning.draw import PoolItem
from quizapp.learning.schedule import Status, deadline_for
from quizapp.learning.schedule import status as window_status
from quizapp.lti import scores
from quizapp.models import (
    Assignment,
    AssignmentOverride,
    Attempt,
    Bank,
    Citation,
    Question,
    QuestionVersion,
)
from quizapp.models.assignments import ASSIGNMENT_POLICIES, FEEDBACK_TIMES
from quizapp.models.content import utcnow

MAX_TIME_LIMIT = 24 * 60  # minutes: a day; longer is an open window, not a timed attempt
MAX_ATTEMPTS = 100
MAX_POINTS = 10_000


@dataclass
class Settings:
    """What an instructor chooses for an assignment (times naive UTC)."""

    title: str
    draw: list[tuple[str, int]]  # (bank id, how many questions from it)
    instructions: str = ""
    points: float = 10.0
    tags: list[str] = field(default_factory=list)
    difficulties: list[str] = field(default_factory=list)
    spread: bool = False
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    time_limit: int | None = None
    attempts_allowed: int | None = None
    score_policy: str = "best"
    feedback: str = "immediately"

    @classmethod
    def of(cls, assignment: Assignment) -> "Settings":
        values = {f.name: getattr(assignment, f.name) for f in fields(cls)}
        values["draw"] = [(d["bank"], d["count"]) for d in assignment.draw]
        return cls(**values)

    def pool_fields(self) -> tuple:
        return (self.draw, sorted(self.tags), sorted(self.difficulties))


class Invalid(ValueError):
    """Settings that break a rule: field name -> messages, shown beside the field."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = errors


def pools(bank_ids, tags=(), difficulties=()) -> dict[str, list[PoolItem]]:
    """Return each bank's live questions that match the narrowing, with the passages they cite."""
    stmt = (
        select(Question.bank_id, Question.id, QuestionVersion.id, QuestionVersion.tags,
               QuestionVersion.difficulty, Citation.passage_id)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .outerjoin(Citation, Citation.version_id == QuestionVersion.id)
        .join(Bank, Bank.id == Question.bank_id)
        .where(Question.bank_id.in_(list(bank_ids)), Question.retired.is_(False),
               Bank.retired.is_(False))
        .order_by(Question.bank_id, Question.position, Question.id)
    )  # fmt: skip
    found: dict[str, dict[str, tuple[int, set[int]]]] = {}
    wanted_tags = set(tags)
    for bank_id, qid, vid, qtags, difficulty, passage_id in read(stmt):
        if wanted_tags and not wanted_tags & set(qtags or ()):
            continue
        if difficulties and difficulty not in difficulties:
            continue
        _, cited = found.setdefault(bank_id, {}).setdefault(qid, (vid, set()))
        if passage_id is not None:
            cited.add(passage_id)
    return {
        bank_id: [PoolItem(qid, vid, frozenset(cited)) for qid, (vid, cited) in questions.items()]
        for bank_id, questions in found.items()
    }


def bank_choices() -> list[tuple[str, str]]:
    """Return (id, title) of the live banks, in the order of the quiz list."""
    rows = read(
        select(Bank.id, Bank.title).where(Bank.retired.is_(False)).order_by(Bank.position, Bank.id)
    )
    return [(bank_id, title) for bank_id, title in rows]


def check(settings: Settings) -> dict[str, list[str]]:
    """Return the problems with these settings by field (empty: none)."""
    errors: dict[str, list[str]] = {}

    def say(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not settings.title.strip():
        say("title", "Give the assignment a title.")
    elif len(settings.title.strip()) > 200:
        say("title", "Keep the title within 200 characters.")
    if not 0 < settings.points <= MAX_POINTS:
        say("points", f"Points must be more than 0 and at most {MAX_POINTS:,}.")
    if not settings.draw:
        say("draw", "Choose at least one bank and how many questions to draw from it.")
    live = dict(bank_choices())
    counted = [(b, n) for b, n in settings.draw]
    if len({b for b, _ in counted}) != len(counted):
        say("draw", "Name each bank once.")
    available = pools([b for b, _ in counted if b in live], settings.tags, settings.difficulties)
    for bank_id, count in counted:
        if bank_id not in live:
            say("draw", f"There is no quiz bank {bank_id!r}.")
        elif count < 1:
            say("draw", f"Draw at least 1 question from {live[bank_id]}.")
        elif count > len(available.get(bank_id, ())):
            held = len(available.get(bank_id, ()))
            narrowed = (
                " with those tags and difficulties"
                if settings.tags or settings.difficulties
                else ""
            )
            say("draw", f"{live[bank_id]} holds {held} question{'s' * (held != 1)}{narrowed}; "
                f"an attempt cannot draw {count}.")  # fmt: skip
    opens, closes = settings.opens_at, settings.closes_at
    if opens is not None and closes is not None and closes <= opens:
        say("closes_at", "The close date must be after the opening date.")
    if settings.time_limit is not None and not 1 <= settings.time_limit <= MAX_TIME_LIMIT:
        say("time_limit", f"A time limit is 1 to {MAX_TIME_LIMIT} minutes (or none).")
    if settings.attempts_allowed is not None and not 1 <= settings.attempts_allowed <= MAX_ATTEMPTS:
        say("attempts_allowed", f"Allow 1 to {MAX_ATTEMPTS} attempts, or unlimited.")
    if settings.score_policy not in ASSIGNMENT_POLICIES:
        say("score_policy", "Choose best, latest, average or first.")
    if settings.feedback not in FEEDBACK_TIMES:
        say("feedback", "Choose when feedback shows.")
    elif settings.feedback == "after_close" and closes is None:
        say("feedback", "Feedback after the close date needs a close date.")
    return errors


def _values(settings: Settings) -> dict:
    values = {f.name: getattr(settings, f.name) for f in fields(settings)}
    values["title"] = settings.title.strip()
    values["draw"] = [{"bank": b, "count": n} for b, n in settings.draw]
    values["tags"] = sorted(set(settings.tags))
    values["difficulties"] = sorted(set(settings.difficulties))
    return values


def create(course_id: int, settings: Settings) -> Assignment:
    """Set a new assignment for a class; raises Invalid."""
    errors = check(settings)
    if errors:
        raise Invalid(errors)
    with unit_of_work() as session:
        assignment = Assignment(course_id=course_id, **_values(settings))
        session.add(assignment)
        session.flush()
        _set_feedback_from(session, assignment)
    return assignment


def has_attempts(assignment_id: int) -> bool:
    """Return whether any student (not a preview) has started the assignment."""
    return (
        read(
            select(Attempt.id)
            .where(Attempt.assignment_id == assignment_id, Attempt.preview.is_(False))
            .limit(1)
        ).first()
        is not None
    )


POOL_LOCKED = (
    "Students have started this assignment, so its questions and how many are drawn cannot "
    "change (their attempts would not be comparable). Duplicate it instead."
)


def change(assignment: Assignment, settings: Settings) -> Assignment:
    """Change an assignment; dates, limits and feedback apply from now on, open attempts too.

    The question pool and the counts are refused once students have attempts.
    """
    errors = check(settings)
    if (
        not errors
        and settings.pool_fields() != Settings.of(assignment).pool_fields()
        and has_attempts(assignment.id)
    ):
        errors["draw"] = [POOL_LOCKED]
    if errors:
        raise Invalid(errors)
    with unit_of_work() as session:
        stored = session.get_one(Assignment, assignment.id)
        for name, value in _values(settings).items():
            setattr(stored, name, value)
        session.flush()
        _set_feedback_from(session, stored)
        _reset_deadlines(session, stored)
        # Points or the score policy may have changed every grade the LMS holds.
        scores.record(session, stored.id)
    return stored


def duplicate(assignment: Assignment, course_id: int, title: str | None = None) -> Assignment:
    """Copy an assignment into a class (its own or another), with no attempts and no overrides."""
    settings = Settings.of(assignment)
    settings = replace(settings, title=title or copy_title(settings.title))
    return create(course_id, settings)


def copy_title(title: str) -> str:
    """Return the title a copy gets unless it is given one."""
    return f"{title} (copy)"[:200]


def delete_assignment(assignment: Assignment) -> None:
    """Delete an assignment; students' attempts at it remain in their history."""
    with unit_of_work() as session:
        stored = session.get_one(Assignment, assignment.id)
        stored.deleted_at = utcnow()
        session.execute(
            delete(AssignmentOverride).where(AssignmentOverride.assignment_id == assignment.id)
        )


def detach_class(session, course_id: int) -> None:
    """Delete every assignment of a class being deleted (the rows stay for their attempts)."""
    ids = select(Assignment.id).where(Assignment.course_id == course_id).scalar_subquery()
    session.execute(delete(AssignmentOverride).where(AssignmentOverride.assignment_id.in_(ids)))
    session.execute(
        update(Assignment)
        .where(Assignment.course_id == course_id)
        .values(course_id=None, deleted_at=func.coalesce(Assignment.deleted_at, utcnow()))
    )


def release_feedback(assignment: Assignment) -> None:
    """Show every attempt's feedback from now on, whatever the assignment's feedback setting."""
    with unit_of_work() as session:
        stored = session.get_one(Assignment, assignment.id)
        now = utcnow()
        if stored.feedback_from is None or stored.feedback_from > now:
            stored.feedback_from = now


def get(course_id: int, assignment_id: int) -> Assignment | None:
    """Return a class's (undeleted) assignment, or None."""
    return db.session.scalar(
        select(Assignment).where(
            Assignment.id == assignment_id,
            Assignment.course_id == course_id,
            Assignment.deleted_at.is_(None),
        )
    )


def of_course(course_id: int) -> list[Assignment]:
    """Return a class's assignments by due date (undated last), then title."""
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.course_id == course_id, Assignment.deleted_at.is_(None))
            .order_by(Assignment.closes_at.is_(None), Assignment.closes_at, Assignment.title,
                      Assignment.id)
        )
    )  # fmt: skip


# Overrides


@dataclass(frozen=True)
class OverrideSettings:
    extra_minutes: int = 0
    time_factor: float = 1.0
    closes_at: datetime | None = None
    extra_attempts: int = 0


def check_override(assignment: Assignment, settings: OverrideSettings) -> dict[str, list[str]]:
    """Return the problems with an accommodation by field (empty: none)."""
    errors: dict[str, list[str]] = {}
    if not 0 <= settings.extra_minutes <= MAX_TIME_LIMIT:
        errors["extra_minutes"] = [f"Extra time is 0 to {MAX_TIME_LIMIT} minutes."]
    if not 1 <= settings.time_factor <= 5:
        errors["time_factor"] = ["The time factor is 1 (no change) to 5."]
    if not 0 <= settings.extra_attempts <= MAX_ATTEMPTS:
        errors["extra_attempts"] = [f"Extra attempts are 0 to {MAX_ATTEMPTS}."]
    if settings.closes_at is not None:
        if assignment.closes_at is None:
            errors["closes_at"] = ["The assignment has no close date to extend."]
        elif settings.closes_at <= assignment.closes_at:
            errors["closes_at"] = ["A later close date must be after the assignment's own."]
    return errors


def set_override(assignment: Assignment, user_id: int, settings: OverrideSettings) -> None:
    """Give one student an accommodation (replacing theirs); raises Invalid."""
    errors = check_override(assignment, settings)
    if errors:
        raise Invalid(errors)
    with unit_of_work() as session:
        found = session.scalar(
            select(AssignmentOverride).where(
                AssignmentOverride.assignment_id == assignment.id,
                AssignmentOverride.user_id == user_id,
            )
        )
        if found is None:
            found = AssignmentOverride(assignment_id=assignment.id, user_id=user_id)
            session.add(found)
        for name in ("extra_minutes", "time_factor", "closes_at", "extra_attempts"):
            setattr(found, name, getattr(settings, name))
        session.flush()
        stored = session.get_one(Assignment, assignment.id)
        _set_feedback_from(session, stored)
        _reset_deadlines(session, stored, user_id)


def remove_override(assignment: Assignment, user_id: int) -> None:
    """Take one student's accommodation away."""
    with unit_of_work() as session:
        session.execute(
            delete(AssignmentOverride).where(
                AssignmentOverride.assignment_id == assignment.id,
                AssignmentOverride.user_id == user_id,
            )
        )
        stored = session.get_one(Assignment, assignment.id)
        _set_feedback_from(session, stored)
        _reset_deadlines(session, stored, user_id)


def overrides(assignment_id: int) -> dict[int, AssignmentOverride]:
    """Return an assignment's accommodations by student."""
    return {
        o.user_id: o
        for o in db.session.scalars(
            select(AssignmentOverride).where(AssignmentOverride.assignment_id == assignment_id)
        )
    }


def override_of(assignment_id: int, user_id: int) -> AssignmentOverride | None:
    """Return one student's accommodation on an assignment, if any."""
    return db.session.scalar(
        select(AssignmentOverride).where(
            AssignmentOverride.assignment_id == assignment_id,
            AssignmentOverride.user_id == user_id,
        )
    )


def _set_feedback_from(session, assignment: Assignment) -> None:
    """After the close date: feedback shows once everyone's window (extensions too) is shut.

    Feedback once shown stays shown (an early release, or a close already past).
    """
    if feedback_open(assignment):
        return
    if assignment.feedback != "after_close" or assignment.closes_at is None:
        assignment.feedback_from = None
        return
    latest = session.scalar(
        select(func.max(AssignmentOverride.closes_at)).where(
            AssignmentOverride.assignment_id == assignment.id
        )
    )
    assignment.feedback_from = max(filter(None, (assignment.closes_at, latest)))


def feedback_open(assignment: Assignment) -> bool:
    """Return whether every attempt's feedback shows now (released early, or past the close)."""
    return assignment.feedback_from is not None and assignment.feedback_from <= utcnow()


def _reset_deadlines(session, assignment: Assignment, user_id: int | None = None) -> None:
    """Recompute the deadline of open attempts: new dates and limits apply to them from now."""
    stmt = select(Attempt).where(
        Attempt.assignment_id == assignment.id,
        Attempt.finished_at.is_(None),
        Attempt.preview.is_(False),  # a preview keeps its own (learning.assigned.start)
    )
    if user_id is not None:
        stmt = stmt.where(Attempt.user_id == user_id)
    found = overrides(assignment.id)
    for attempt in session.scalars(stmt):
        attempt.deadline = deadline_for(assignment, found.get(attempt.user_id), attempt.started_at)


# The class's Assignments tab


@dataclass(frozen=True)
class Summary:
    """One assignment as the instructor's list shows it."""

    assignment: Assignment
    status: Status  # for the class as a whole (no one's accommodation)
    submitted: int  # students of the class with a finished attempt
    in_progress: int  # their open attempts
    mean: float | None  # the mean of their grade fractions under the assignment's policy
    feedback_open: bool  # every attempt's feedback shows now, whatever the setting says


def summaries(course_id: int) -> list[Summary]:
    """Return a class's assignments by due date with their status, submissions and mean score.

    Open attempts past their deadline are finished first, so the counts are today's.
    """
    # Both build on this module (learning.assigned starts attempts from its settings, classes
    # deletes a class's assignments through it): imported here to keep the imports one-way.
    from quizapp.learning.assigned import finish_overdue, policy_score
    from quizapp.teaching.classes import member_ids

    found = of_course(course_id)
    if not found:
        return []
    finish_overdue([a.id for a in found])  # it changes attempts only: ``found`` stays right
    taken: dict[int, dict[int, list[tuple[datetime, int, float]]]] = {}
    open_counts: dict[int, int] = {}
    for assignment_id, user_id, finished_at, attempt_id, score, max_score in read(
        select(Attempt.assignment_id, Attempt.user_id, Attempt.finished_at, Attempt.id,
               Attempt.score, Attempt.max_score)
        .where(Attempt.assignment_id.in_([a.id for a in found]), Attempt.preview.is_(False),
               Attempt.user_id.in_(member_ids(course_id)))
    ):  # fmt: skip
        if finished_at is None:
            open_counts[assignment_id] = open_counts.get(assignment_id, 0) + 1
            continue
        fraction = (score or 0) / max_score if max_score else 0.0
        by_student = taken.setdefault(assignment_id, {})
        by_student.setdefault(user_id, []).append((finished_at, attempt_id, fraction))
    now = utcnow()
    result = []
    for assignment in found:
        by_student = taken.get(assignment.id, {})
        grades = [policy_score(assignment.score_policy, f) or 0.0 for f in by_student.values()]
        result.append(
            Summary(
                assignment=assignment,
                status=window_status(assignment, None, now),
                submitted=len(grades),
                in_progress=open_counts.get(assignment.id, 0),
                mean=sum(grades) / len(grades) if grades else None,
                feedback_open=feedback_open(assignment),
            )
        )
    return result
