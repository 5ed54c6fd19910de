"""The gradebook: students x banks under a class's score policy, by aggregate queries."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from .courses import member_ids
from .database import read
from .models import Answer, Attempt, Bank, Membership, Question, QuestionVersion, User


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

    def completion(self, banks: list[BankColumn]) -> float:
        return len([b for b in banks if b.id in self.scores]) / len(banks) if banks else 0.0


def bank_columns() -> list[BankColumn]:
    """Return live banks with the points a full score is worth now."""
    out_of = dict(
        read(
            select(Question.bank_id, func.sum(QuestionVersion.points))
            .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
            .where(Question.retired.is_(False))
            .group_by(Question.bank_id)
        ).all()
    )
    rows = read(
        select(Bank.id, Bank.title).where(Bank.retired.is_(False)).order_by(Bank.position, Bank.id)
    ).all()
    return [BankColumn(bid, title, float(out_of.get(bid) or 0)) for bid, title in rows]


def bank_titles() -> dict[str, str]:
    """Return every bank's title by id, retired banks too: old attempts still name their quiz."""
    return dict(read(select(Bank.id, Bank.title)).all())


def _fraction():
    return Attempt.score / func.nullif(Attempt.max_score, 0)


def scores(user_ids, policy: str) -> dict[tuple[int, str], float]:
    """Return (user, bank) -> score fraction of finished attempts under the policy."""
    finished = Attempt.finished_at.is_not(None)
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
            .where(finished, Attempt.user_id.in_(user_ids))
            .subquery()
        )
        stmt = select(ranked.c.user_id, ranked.c.bank_id, ranked.c.f).where(ranked.c.rn == 1)
    else:
        agg = func.avg if policy == "average" else func.max
        stmt = (
            select(Attempt.user_id, Attempt.bank_id, agg(_fraction()))
            .where(finished, Attempt.user_id.in_(user_ids))
            .group_by(Attempt.user_id, Attempt.bank_id)
        )
    return {(u, b): float(f or 0) for u, b, f in read(stmt).all()}


def gradebook(course_id: int, policy: str) -> tuple[list[BankColumn], list[StudentRow]]:
    """Return the bank columns and one row per student of the class (unsorted)."""
    members = member_ids(course_id)
    rows = {
        uid: StudentRow(uid, username, full_name or "", email)
        for uid, username, full_name, email in read(
            select(User.id, User.username, User.full_name, User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.course_id == course_id)
        ).all()
    }
    for (uid, bank), fraction in scores(members, policy).items():
        if uid in rows:
            rows[uid].scores[bank] = fraction
    # One index seek per student (max over ix_answer_user_time), not a scan of every answer.
    last_answer = (
        select(func.max(Answer.submitted_at))
        .where(Answer.user_id == Membership.user_id)
        .scalar_subquery()
    )
    for uid, last in read(
        select(Membership.user_id, last_answer).where(Membership.course_id == course_id)
    ).all():
        if uid in rows:
            rows[uid].last_activity = last
    return bank_columns(), list(rows.values())


def class_averages(banks: list[BankColumn], rows: list[StudentRow]) -> dict[str, float | None]:
    """Return the mean score fraction per bank over students who have a score."""
    result = {}
    for bank in banks:
        values = [r.scores[bank.id] for r in rows if bank.id in r.scores]
        result[bank.id] = sum(values) / len(values) if values else None
    return result


def sort_rows(rows: list[StudentRow], key: str, descending: bool) -> list[StudentRow]:
    """Sort by name, username, last activity or a bank id; missing values last."""

    def value(row: StudentRow):
        if key == "activity":
            return row.last_activity.timestamp() if row.last_activity else None
        if key == "username":
            return row.username
        if key == "name":
            return (row.full_name or row.username).lower()
        return row.scores.get(key)

    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    # Ties by username, whichever the direction: pages must not overlap or skip a student.
    present.sort(key=lambda r: r.username)
    present.sort(key=value, reverse=descending)
    return present + sorted(missing, key=lambda r: r.username)


def everyone(policy: str = "best") -> tuple[list[BankColumn], list[StudentRow]]:
    """Return the gradebook of every student account (for exports outside any class)."""
    students = select(User.id).where(User.role == "student")
    rows = {
        uid: StudentRow(uid, username, full_name or "", email)
        for uid, username, full_name, email in read(
            select(User.id, User.username, User.full_name, User.email).where(User.role == "student")
        ).all()
    }
    for (uid, bank), fraction in scores(students, policy).items():
        if uid in rows:
            rows[uid].scores[bank] = fraction
    return bank_columns(), list(rows.values())
