"""The gradebook: students x banks under a class's score policy, by aggregate queries."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, func, select

from quizapp.db.transactions import read
from quizapp.models import (
    Answer,
    Attempt,
    Bank,
    Membership,
    Question,
    QuestionVersion,
    Review,
    User,
)
from quizapp.teaching.classes import member_ids


@dataclass(frozen=True)
class BankColumn:
    id: str
    title: str
    out_of: float


@dataclass
class StudentRow:
    user_id: int
    username: str
    full_name: str
    email: str | None
    scores: dict[str, float] = field(default_factory=dict)  # bank id -> fraction 0..1
    last_activity: datetime | None = None

    def completion(self, banks: Sequence[BankColumn]) -> float:
        return len([b for b in banks if b.id in self.scores]) / len(banks) if banks else 0.0


def bank_columns() -> list[BankColumn]:
    """Return live banks with the points a full score is worth now."""
    rows = read(
        select(Bank.id, Bank.title, func.sum(QuestionVersion.points))
        .outerjoin(Question, (Question.bank_id == Bank.id) & Question.retired.is_(False))
        .outerjoin(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Bank.retired.is_(False))
        .group_by(Bank.id, Bank.title, Bank.position)
        .order_by(Bank.position, Bank.id)
    ).all()
    return [BankColumn(bid, title, float(out_of or 0)) for bid, title, out_of in rows]


def bank_titles() -> dict[str, str]:
    """Return every bank's title by id, retired banks too: old attempts still name their quiz."""
    return dict(read(select(Bank.id, Bank.title)).all())


def _fraction():
    return Attempt.score / func.nullif(Attempt.max_score, 0)


def _scores(user_ids, policy: str, bank_id: str | None = None):
    """Return a select of (user_id, bank_id, f): each score fraction under the policy."""
    where: list[ColumnElement[bool]] = [
        Attempt.assignment_id.is_(None),  # practice: assignments have their own columns
        Attempt.finished_at.is_not(None),
        Attempt.user_id.in_(user_ids),
    ]
    if bank_id is not None:
        where.append(Attempt.bank_id == bank_id)
    if policy == "latest":
        ranked = (
            select(
                Attempt.user_id,
                Attempt.bank_id,
                _fraction().label("f"),
                func.row_number()
                .over(
                    partition_by=(Attempt.user_id, Attempt.bank_id),
                    order_by=(Attempt.finished_at.desc(), Attempt.id.desc()),
                )
                .label("rn"),
            )
            .where(*where)
            .subquery()
        )
        return select(ranked.c.user_id, ranked.c.bank_id, ranked.c.f).where(ranked.c.rn == 1)
    agg = func.avg if policy == "average" else func.max
    return (
        select(Attempt.user_id, Attempt.bank_id, agg(_fraction()).label("f"))
        .where(*where)
        .group_by(Attempt.user_id, Attempt.bank_id)
    )


def scores(user_ids, policy: str, bank_id: str | None = None) -> dict[tuple[int, str], float]:
    """Return (user, bank) -> score fraction of finished attempts under the policy."""
    return {(u, b): float(f or 0) for u, b, f in read(_scores(user_ids, policy, bank_id)).all()}


def _students(course_id: int) -> dict[int, StudentRow]:
    return {
        uid: StudentRow(uid, username, full_name or "", email)
        for uid, username, full_name, email in read(
            select(User.id, User.username, User.full_name, User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.course_id == course_id, User.role == "student")
        ).all()
    }


def _add_scores(rows: dict[int, StudentRow], found: dict[tuple[int, str], float]) -> None:
    for (uid, bank), fraction in found.items():
        if uid in rows:
            rows[uid].scores[bank] = fraction


def _add_activity(rows: dict[int, StudentRow], course_id: int, user_ids=None) -> None:
    # One index seek per student and table (max over ix_answer_user_time and
    # ix_review_user_time), not a scan of every answer. Reviews count: a student reviewing
    # every day is active, though they take no quiz.
    last_answer = (
        select(func.max(Answer.submitted_at))
        .where(Answer.user_id == Membership.user_id)
        .scalar_subquery()
    )
    last_review = (
        select(func.max(Review.reviewed_at))
        .where(Review.user_id == Membership.user_id)
        .scalar_subquery()
    )
    stmt = select(Membership.user_id, last_answer, last_review).where(
        Membership.course_id == course_id
    )
    if user_ids is not None:
        stmt = stmt.where(Membership.user_id.in_(user_ids))
    for uid, answered, reviewed in read(stmt).all():
        if uid in rows:
            rows[uid].last_activity = max(filter(None, (answered, reviewed)), default=None)


def gradebook(course_id: int, policy: str) -> tuple[list[BankColumn], list[StudentRow]]:
    """Return the bank columns and one row per student of the class (unsorted)."""
    rows = _students(course_id)
    _add_scores(rows, scores(member_ids(course_id), policy))
    _add_activity(rows, course_id)
    return bank_columns(), list(rows.values())


def averages(course_id: int, policy: str, banks: list[BankColumn]) -> dict[str, float | None]:
    """Return the class's mean score fraction per bank over students who have a score."""
    each = _scores(member_ids(course_id), policy).subquery()
    found = dict(
        read(
            select(each.c.bank_id, func.avg(func.coalesce(each.c.f, 0))).group_by(each.c.bank_id)
        ).all()
    )
    return {b.id: None if found.get(b.id) is None else float(found[b.id]) for b in banks}


@dataclass(frozen=True)
class Page:
    banks: list[BankColumn]
    rows: list[StudentRow]  # this page's students, in order
    total: int  # students in the class
    averages: dict[str, float | None]
    sort: str
    number: int
    count: int  # pages


def page(course_id: int, policy: str, sort: str, descending: bool, number: int, size: int) -> Page:
    """Return one page of the class gradebook, sorted by any of its columns.

    Only the sort key is read for the whole class and the averages come from one aggregate
    query; scores and activity are read for the shown students alone (for 1,000 students, 12 ms
    a page in-process instead of 28). Completion needs every score of the class: one query.
    """
    banks = bank_columns()
    if sort not in {"name", "username", "activity", "completed"} | {b.id for b in banks}:
        sort = "name"
    rows = _students(course_id)
    if sort == "activity":
        _add_activity(rows, course_id)
    elif sort == "completed":
        _add_scores(rows, scores(member_ids(course_id), policy))
    elif sort not in {"name", "username"}:
        _add_scores(rows, scores(member_ids(course_id), policy, sort))
    ordered = sort_rows(list(rows.values()), sort, descending, banks)
    count = max(1, -(-len(ordered) // size))
    number = min(max(number, 1), count)
    shown = ordered[(number - 1) * size : number * size]
    ids = [r.user_id for r in shown]
    if ids:
        _add_scores(rows, scores(ids, policy))
        if sort != "activity":
            _add_activity(rows, course_id, ids)
    return Page(banks, shown, len(ordered), averages(course_id, policy, banks), sort, number, count)


def sort_rows(
    rows: list[StudentRow], key: str, descending: bool, banks: Sequence[BankColumn] = ()
) -> list[StudentRow]:
    """Sort by name, username, activity, completion (of ``banks``) or a bank; missing last."""

    def value(row: StudentRow):
        if key == "completed":
            return row.completion(banks)
        if key == "activity":
            return row.last_activity.timestamp() if row.last_activity else None
        if key == "username":
            return row.username
        if key == "name":
            return (row.full_name or row.username).lower()
        return row.scores.get(key)

    def by_name(row: StudentRow):
        return (row.full_name or row.username).lower(), row.username

    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    # Ties by name then username, whichever the direction: unique, so pages never overlap.
    present.sort(key=by_name)
    present.sort(key=value, reverse=descending)
    return present + sorted(missing, key=by_name)


def everyone(policy: str = "best") -> tuple[list[BankColumn], list[StudentRow]]:
    """Return the gradebook of every student account (for exports outside any class)."""
    students = select(User.id).where(User.role == "student")
    rows = {
        uid: StudentRow(uid, username, full_name or "", email)
        for uid, username, full_name, email in read(
            select(User.id, User.username, User.full_name, User.email).where(User.role == "student")
        ).all()
    }
    _add_scores(rows, scores(students, policy))
    return bank_columns(), list(rows.values())
