"""The grades the LMS should hold: the score outbox (``LtiScore``), written with the grade.

Wherever an assignment's grade for a student can change (an attempt finishes, the
assignment's points or score policy change) the service that changes it calls ``record`` in
its own unit of work, so the outbox row commits atomically with the change: a grade is never
lost between quizapp and the LMS, and never sent for a change that rolled back. One row per
LMS grade column (``LtiLink``) and student; its ``version`` goes up only when the values the
LMS would show change. ``quizapp.lti.sender`` posts what is due.

Also here: the instructor's view of the rows (``sync_status``) and the resend marks.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from quizapp import clock
from quizapp.db.transactions import take_turn_on_postgresql
from quizapp.extensions import db
from quizapp.models import (
    Assignment,
    Attempt,
    LtiContext,
    LtiIdentity,
    LtiLink,
    LtiScore,
    User,
)
from quizapp.rounding import half_up
from quizapp.teaching.grades import grades

# AGS's words (https://www.imsglobal.org/spec/lti-ags/v2p0/#score-publish-service).
COMPLETED, STARTED, INITIALIZED = "Completed", "Started", "Initialized"
FULLY_GRADED, NOT_READY = "FullyGraded", "NotReady"
PLACES = 6  # score_given decimals: 0.7 * 10 is 7.000000000000001, which is no new grade

# Writers of one assignment's rows take turns on PostgreSQL (SQLite's writer turn already
# orders them), and take it before reading the grade: a concurrent finish and points change
# each then see the other's committed change, and the later one writes the true grade.
SCORES_LOCK = 0x4C_54_49  # "LTI": the advisory lock space; the assignment id is the key
_ASSIGNMENT_TURN = text("SELECT pg_advisory_xact_lock(:space, :assignment)")


@dataclass(frozen=True)
class Wanted:
    """What the LMS should show for one student in one grade column."""

    score_given: float | None
    score_maximum: float
    activity_progress: str
    grading_progress: str


def wanted(fraction: float | None, points: float, started: bool) -> Wanted:
    """Return the AGS values for a grade fraction (None: no finished attempt) out of points."""
    if fraction is not None:
        return Wanted(half_up(fraction * points, PLACES), points, COMPLETED, FULLY_GRADED)
    return Wanted(None, points, STARTED if started else INITIALIZED, NOT_READY)


def _links(session: Session, assignment_id: int) -> list[tuple[int, int]]:
    """Return (link id, platform id) of each LMS grade column showing the assignment."""
    found = session.execute(
        select(LtiLink.id, LtiContext.platform_id)
        .join(LtiContext, LtiContext.id == LtiLink.context_id)
        .where(LtiLink.assignment_id == assignment_id)
        .order_by(LtiLink.id)
    )
    return [(link_id, platform_id) for link_id, platform_id in found]


def attempt_finished(session: Session, attempt_id: int) -> int:
    """Record the grade of a just-finished attempt's student (inside its unit of work).

    One indexed read and nothing more for practice, previews and assignments no LMS shows.
    """
    found = session.execute(
        select(Attempt.assignment_id, Attempt.user_id)
        .join(LtiLink, LtiLink.assignment_id == Attempt.assignment_id)
        .where(Attempt.id == attempt_id, Attempt.preview.is_(False))
        .limit(1)
    ).first()
    if found is None:
        return 0
    return record(session, found.assignment_id, [found.user_id])


def record(session: Session, assignment_id: int, user_ids: Iterable[int] | None = None) -> int:
    """Bring the outbox rows of an assignment up to date with its grades; return how many
    rows got a new version. Runs inside the caller's unit of work, which commits it.

    ``user_ids``: whose grades changed; None for the whole class (points or policy changed),
    that is every student with an attempt or an outbox row already.
    """
    links = _links(session, assignment_id)
    if not links:
        return 0
    take_turn_on_postgresql(
        session, _ASSIGNMENT_TURN, {"space": SCORES_LOCK, "assignment": assignment_id}
    )
    assignment = session.get_one(Assignment, assignment_id)
    link_ids = [link_id for link_id, _ in links]
    user_ids = None if user_ids is None else list(user_ids)
    # Read afresh, under the turn just taken: an object this session loaded in an earlier
    # transaction may hold a version another process has bumped since.
    existing = {
        (row.link_id, row.user_id): row
        for row in session.scalars(
            select(LtiScore)
            .where(
                LtiScore.link_id.in_(link_ids),
                *([LtiScore.user_id.in_(user_ids)] if user_ids is not None else []),
            )
            .execution_options(populate_existing=True)
        )
    }
    if user_ids is None:
        attempted = session.scalars(
            select(Attempt.user_id)
            .where(Attempt.assignment_id == assignment_id, Attempt.preview.is_(False))
            .distinct()
        )
        user_ids = set(attempted) | {user for _, user in existing}
    users = sorted(set(user_ids))
    if not users:
        return 0
    # Only students the LMS knows on the link's platform have a grade there.
    known = {
        (platform_id, user_id)
        for platform_id, user_id in session.execute(
            select(LtiIdentity.platform_id, LtiIdentity.user_id).where(
                LtiIdentity.platform_id.in_({p for _, p in links}),
                LtiIdentity.user_id.in_(users),
            )
        )
    }
    fractions = grades({assignment_id: assignment.score_policy}, user_ids=users)
    started = set(
        session.scalars(
            select(Attempt.user_id).where(
                Attempt.assignment_id == assignment_id,
                Attempt.user_id.in_(users),
                Attempt.preview.is_(False),
                Attempt.finished_at.is_(None),
            )
        )
    )
    now = clock.now()
    changed = 0
    for link_id, platform_id in links:
        for user_id in users:
            if (platform_id, user_id) not in known:
                continue
            value = wanted(
                fractions.get((user_id, assignment_id)),
                float(assignment.points),
                user_id in started,
            )
            if _store(session, existing.get((link_id, user_id)), link_id, user_id, value, now):
                changed += 1
    if changed:
        from quizapp.lti import sender  # it reads this module's rows: imported on use

        sender.send_after_request()
    return changed


def _store(
    session: Session, row: LtiScore | None, link_id: int, user_id: int, value: Wanted, now
) -> bool:
    """Write ``value`` into the student's row (made if missing); return whether it changed.

    No row is made for a student who has not even started: the LMS has nothing to learn.
    """
    if row is None and value.activity_progress == INITIALIZED:
        return False
    if row is None:
        session.add(
            LtiScore(
                link_id=link_id,
                user_id=user_id,
                score_given=value.score_given,
                score_maximum=value.score_maximum,
                activity_progress=value.activity_progress,
                grading_progress=value.grading_progress,
                changed_at=now,
                version=1,
                sent_version=0,
                tries=0,
                next_try_at=now,
            )
        )
        return True
    if _held(row) == value:
        return False
    row.score_given = value.score_given
    row.score_maximum = value.score_maximum
    row.activity_progress = value.activity_progress
    row.grading_progress = value.grading_progress
    _new_version(row, now)
    return True


def _held(row: LtiScore) -> Wanted:
    return Wanted(row.score_given, row.score_maximum, row.activity_progress, row.grading_progress)


def _new_version(row: LtiScore, now: datetime) -> None:
    """Make the row's values a new version, due now.

    The AGS timestamp must grow with each version (a platform keeps the newest), even if the
    clock stepped back. Tries and the last error stay until a post succeeds, so a grade that
    keeps failing still shows why; a row backing off is due at once with its new value.
    """
    row.changed_at = max(now, row.changed_at + timedelta(microseconds=1))
    row.version += 1
    row.next_try_at = now


def mark_for_resend(session: Session, assignment_id: int, user_id: int | None = None) -> list[int]:
    """Recompute an assignment's rows (one student's, or all) and make each due now; return
    their ids. A row already sent gets a new version, so the LMS takes it as the newest."""
    record(session, assignment_id, None if user_id is None else [user_id])
    now = clock.now()
    stmt = select(LtiScore).join(LtiLink, LtiLink.id == LtiScore.link_id)
    stmt = stmt.where(LtiLink.assignment_id == assignment_id)
    if user_id is not None:
        stmt = stmt.where(LtiScore.user_id == user_id)
    ids = []
    for row in session.scalars(
        stmt.order_by(LtiScore.id).execution_options(populate_existing=True)
    ):
        if row.sent_version >= row.version:
            _new_version(row, now)
        row.next_try_at = now
        ids.append(row.id)
    return ids


# The instructor's view


@dataclass(frozen=True)
class SyncRow:
    """One student's grade in one LMS grade column, and whether the LMS has it."""

    user_id: int
    name: str
    username: str
    column: str  # the LMS course and link, to tell columns apart
    score_given: float | None
    score_maximum: float
    state: str  # "Sent", "Waiting" or "Failing"
    sent_at: datetime | None
    tries: int
    next_try_at: datetime
    last_error: str | None


def state_of(row) -> str:
    """Return Sent (the LMS holds the newest version), Failing (the last post failed) or
    Waiting (due, or being posted)."""
    if row.sent_version >= row.version:
        return "Sent"
    return "Failing" if row.tries and row.last_error else "Waiting"


def sync_status(assignment_id: int) -> list[SyncRow] | None:
    """Return an assignment's outbox rows by student name (None: no LMS shows it)."""
    session = db.session()
    links = _links(session, assignment_id)
    if not links:
        return None
    found = session.execute(
        select(
            LtiScore,
            User.full_name,
            User.username,
            LtiContext.title,
            LtiContext.context_id,
            LtiLink.resource_link_id,
        )
        .join(User, User.id == LtiScore.user_id)
        .join(LtiLink, LtiLink.id == LtiScore.link_id)
        .join(LtiContext, LtiContext.id == LtiLink.context_id)
        .where(LtiLink.assignment_id == assignment_id)
    )
    rows = [
        SyncRow(
            user_id=score.user_id,
            name=full_name or username,
            username=username,
            column=f"{title or context_id}: {resource_link_id}",
            score_given=score.score_given,
            score_maximum=score.score_maximum,
            state=state_of(score),
            sent_at=score.sent_at,
            tries=score.tries,
            next_try_at=score.next_try_at,
            last_error=score.last_error,
        )
        for score, full_name, username, title, context_id, resource_link_id in found
    ]
    return sorted(rows, key=lambda r: (r.name.casefold(), r.username, r.column))
