"""Each student's grade at each assignment under the assignment's score policy, by aggregate SQL.

A grade is a fraction of the assignment's points, from the student's finished attempts (never
an instructor's preview): the best, the latest, their average, or the first (the earliest
finished), as the student's own page has it (learning.assigned.policy_score), an attempt out
of nothing counting 0. The statements are built once per shape with the assignment ids and
the class as parameters: building them cost as much as running them.
"""

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import String, bindparam, cast, func, select, union_all

from quizapp.db.transactions import read
from quizapp.extensions import db
from quizapp.models import Attempt, Membership, User
from quizapp.models.assignments import ASSIGNMENT_POLICIES

# Whose grades: a class's students, some students, or every student.
_WHO: dict[str, Any] = {
    "class": select(Membership.user_id)
    .join(User, User.id == Membership.user_id)
    .where(Membership.course_id == bindparam("course"), User.role == "student"),
    "listed": bindparam("users", expanding=True),
    "students": select(User.id).where(User.role == "student"),
}


def _fraction():
    return func.coalesce(Attempt.score / func.nullif(Attempt.max_score, 0), 0.0)


@lru_cache(maxsize=64)
def _graded(policies: tuple[str, ...], who: str, dialect: str):
    """Return a select of (user_id, assignment_id, grade), one part per policy, unioned."""
    where = (
        Attempt.user_id.in_(_WHO[who]),
        Attempt.finished_at.is_not(None),
        Attempt.preview.is_(False),
    )
    parts = []
    for policy in policies:
        ids = Attempt.assignment_id.in_(bindparam(policy, expanding=True))
        if policy in ("best", "average"):
            parts.append(
                select(
                    Attempt.user_id,
                    Attempt.assignment_id,
                    (func.max if policy == "best" else func.avg)(_fraction()).label("grade"),
                )
                .where(ids, *where)
                .group_by(Attempt.assignment_id, Attempt.user_id)
            )
        else:
            parts.append(_one_attempt(policy, (ids, *where), dialect))
    return parts[0] if len(parts) == 1 else union_all(*parts)


def _one_attempt(policy: str, where, dialect: str):
    """Return a select of (user_id, assignment_id, grade) of each student's first or latest
    finished attempt at each assignment (ties: the later attempt, as on the student's page)."""
    if dialect == "sqlite":
        # SQLite takes a GROUP BY's other columns from the row that gave its min() or max()
        # (its documented "bare columns"): one pass, where a window rank costs three times as
        # much. Stored times are text of one width, so the text sorts as the times; the id
        # breaks ties as the window's order does.
        when = cast(Attempt.finished_at, String) + func.printf("%012d", Attempt.id)
        pick = func.min if policy == "first" else func.max
        found = (
            select(Attempt.user_id, Attempt.assignment_id, _fraction().label("grade"), pick(when))
            .where(*where)
            .group_by(Attempt.assignment_id, Attempt.user_id)
            .subquery()
        )
        return select(found.c.user_id, found.c.assignment_id, found.c.grade)
    order = (
        (Attempt.finished_at, Attempt.id)
        if policy == "first"
        else (Attempt.finished_at.desc(), Attempt.id.desc())
    )
    ranked = (
        select(
            Attempt.user_id,
            Attempt.assignment_id,
            _fraction().label("grade"),
            func.row_number()
            .over(partition_by=(Attempt.assignment_id, Attempt.user_id), order_by=order)
            .label("rn"),
        )
        .where(*where)
        .subquery()
    )
    return select(ranked.c.user_id, ranked.c.assignment_id, ranked.c.grade).where(ranked.c.rn == 1)


@lru_cache(maxsize=64)
def _averaged(policies: tuple[str, ...], dialect: str):
    each = _graded(policies, "class", dialect).subquery()
    return select(each.c.assignment_id, func.avg(each.c.grade)).group_by(each.c.assignment_id)


def _by_policy(policies: Mapping[int, str]) -> tuple[tuple[str, ...], dict[str, list[int]]]:
    """Return the policies used and, by policy, their assignment ids (the parameters)."""
    ids: dict[str, list[int]] = {}
    for assignment_id, policy in policies.items():
        ids.setdefault(policy if policy in ASSIGNMENT_POLICIES else "best", []).append(
            assignment_id
        )
    return tuple(sorted(ids)), ids


def grades(
    policies: Mapping[int, str], course_id: int | None = None, user_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], float]:
    """Return (student, assignment) -> grade fraction, for the assignments' ``policies`` (id ->
    policy): of the students listed, else of a class's students, else of every student."""
    if not policies:
        return {}
    used, ids = _by_policy(policies)
    who = "listed" if user_ids is not None else "class" if course_id is not None else "students"
    stmt = _graded(used, who, db.engine.dialect.name)
    found = read(stmt, {"course": course_id, "users": list(user_ids or ()), **ids})
    return {(uid, aid): float(grade or 0) for uid, aid, grade in found}


_FINISHED = select(func.count(), func.max(Attempt.id)).where(
    Attempt.assignment_id.in_(bindparam("ids", expanding=True)),
    Attempt.finished_at.is_not(None),
    Attempt.preview.is_(False),
)
# Class means kept per process: reading them is a pass over every attempt of the class, on
# every view of any page of its gradebook; they change only when an attempt finishes or the
# class, its students or the policies do, all of which the key holds (a finished attempt's
# score never changes). The database's address keeps apart classes of other databases (tests).
_MEANS: dict[tuple, dict[int, float]] = {}
_MEANS_KEPT = 256


def class_means(
    course_id: int, policies: Mapping[int, str], students: frozenset[int]
) -> dict[int, float]:
    """Return the class's mean grade fraction per assignment over the students who have one.

    ``students`` are the class's students' ids now (who the means are of).
    """
    if not policies:
        return {}
    used, ids = _by_policy(policies)
    finished = tuple(read(_FINISHED, {"ids": list(policies)}).one())
    key = (str(db.engine.url), course_id, tuple(sorted(policies.items())), students, finished)
    found = _MEANS.get(key)
    if found is None:
        stmt = _averaged(used, db.engine.dialect.name)
        rows = read(stmt, {"course": course_id, **ids})
        found = {aid: float(mean) for aid, mean in rows if mean is not None}
        if len(_MEANS) >= _MEANS_KEPT:
            _MEANS.clear()  # rarely: a few entries per class a process serves
        _MEANS[key] = found
    return found
