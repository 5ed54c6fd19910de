"""Linking an LMS identity to the quizapp account its owner already had.

The first launch makes an account for the LMS user. A student who already used quizapp
(joined with a code, practised) may move the LMS identity to that account instead, once, and
only while the launch-made account holds nothing of its own: nothing is merged, nothing lost.
"""

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from quizapp import clock
from quizapp.db.statements import insert_ignoring_duplicates
from quizapp.extensions import db
from quizapp.models import Attempt, Course, LtiIdentity, Membership, ReviewCard, User


class Refused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def refusal(user_id: int, session: Session | None = None) -> str | None:
    """Return why the signed-in launch account cannot be linked, or None if it can."""
    session = session or db.session()
    identities = session.scalars(select(LtiIdentity).where(LtiIdentity.user_id == user_id)).all()
    if not identities:
        return "This account was not made by an LMS launch: there is nothing to link."
    if any(identity.linked_at for identity in identities):
        return "This LMS account is already linked to a quizapp account; it can be linked once."
    used = session.scalar(
        select(
            exists().where(Attempt.user_id == user_id)
            | exists().where(ReviewCard.user_id == user_id)
        )
    )
    if used:
        return (
            "You have already answered questions with the account your LMS made, so it cannot "
            "be linked any more: your work there would be left behind."
        )
    return None


def link(session: Session, launch_user_id: int, target_id: int) -> None:
    """Move the LMS identities and class places of ``launch_user_id`` to ``target_id``."""
    problem = refusal(launch_user_id, session)
    if problem:
        raise Refused(problem)
    if target_id == launch_user_id:
        raise Refused("That is the account you are signed in with.")
    target = session.get_one(User, target_id)
    launch_user = session.get_one(User, launch_user_id)
    if target.role == "student" and launch_user.role == "instructor":
        target.role = "instructor"  # the LMS says they teach; never the other way round
    session.execute(
        update(LtiIdentity)
        .where(LtiIdentity.user_id == launch_user_id)
        .values(user_id=target_id, linked_at=clock.now())
    )
    places = session.scalars(
        select(Membership.course_id).where(Membership.user_id == launch_user_id)
    ).all()
    for course_id in places:
        session.execute(
            insert_ignoring_duplicates(Membership).values(course_id=course_id, user_id=target_id)
        )
    session.execute(delete(Membership).where(Membership.user_id == launch_user_id))
    if target.is_instructor:  # the classes the launches made go with their instructor
        session.execute(
            update(Course)
            .where(Course.instructor_id == launch_user_id)
            .values(instructor_id=target_id)
        )
