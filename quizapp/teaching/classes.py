"""Classes: created by instructors, joined by students with a code."""

import secrets

from sqlalchemy import delete, func, select

from quizapp.db.statements import insert_ignoring_duplicates
from quizapp.db.transactions import unit_of_work
from quizapp.extensions import db
from quizapp.models import Course, Membership, User
from quizapp.models.classes import SCORE_POLICIES
from quizapp.teaching.assignments import detach_class
from quizapp.teaching.zones import is_zone

# No 0/O or 1/I/L: codes are read aloud and copied from slides.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_join_code() -> str:
    """Return a random 8-character join code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def create_course(instructor_id: int, name: str, policy: str = "best") -> Course:
    """Create a class with a fresh join code."""
    with unit_of_work() as session:
        course = Course(
            name=name.strip(),
            instructor_id=instructor_id,
            join_code=_unused_code(session),
            score_policy=policy if policy in SCORE_POLICIES else "best",
        )
        session.add(course)
    return course


def _unused_code(session) -> str:
    while True:
        code = new_join_code()
        if not session.scalar(select(Course.id).where(Course.join_code == code)):
            return code


def rename_course(course: Course, name: str) -> None:
    """Give a class a new name."""
    with unit_of_work() as session:
        session.get_one(Course, course.id).name = name.strip()


def replace_join_code(course: Course) -> str:
    """Give a class a new join code (the old one stops working); return it."""
    with unit_of_work() as session:
        code = session.get_one(Course, course.id).join_code = _unused_code(session)
    return code


def delete_course(course: Course) -> None:
    """Delete a class, its members and assignments; students' answers stay in their accounts."""
    with unit_of_work() as session:
        detach_class(session, course.id)
        session.execute(delete(Membership).where(Membership.course_id == course.id))
        session.execute(delete(Course).where(Course.id == course.id))


def join_course(user_id: int, code: str) -> tuple[Course, bool] | None:
    """Add a student to the class with this code; return it and whether they were new to it.

    None for a bad code. Joining twice is harmless.
    """
    code = code.strip().upper().replace(" ", "").replace("-", "")
    with unit_of_work() as session:
        course = session.scalar(select(Course).where(Course.join_code == code))
        if course is None:
            return None
        added = session.execute(
            insert_ignoring_duplicates(Membership)
            .values(course_id=course.id, user_id=user_id)
            .returning(Membership.id)
        ).first()
    return course, added is not None


def courses_taught(instructor_id: int) -> list[tuple[Course, int]]:
    """Return the instructor's classes with their number of students."""
    rows = db.session.execute(
        select(Course, func.count(User.id))
        .outerjoin(Membership, Membership.course_id == Course.id)
        .outerjoin(User, (User.id == Membership.user_id) & (User.role == "student"))
        .where(Course.instructor_id == instructor_id)
        .group_by(Course.id)
        .order_by(Course.created_at.desc(), Course.id.desc())
    )
    return [(course, n) for course, n in rows]


_NAME = func.coalesce(func.nullif(User.full_name, ""), User.username)  # as others know them


def teacher_name(course: Course) -> str:
    """Return the name students know a class's instructor by."""
    return db.session.scalar(select(_NAME).where(User.id == course.instructor_id))


def courses_joined(user_id: int) -> list[tuple[Course, str]]:
    """Return the classes a student belongs to, each with its instructor's name."""
    return [
        (course, name)
        for course, name in db.session.execute(
            select(Course, _NAME)
            .join(Membership, Membership.course_id == Course.id)
            .join(User, User.id == Course.instructor_id)
            .where(Membership.user_id == user_id)
            .order_by(Course.name, Course.id)
        )
    ]


def joined(user_id: int, course_id: int) -> Course | None:
    """Return the class when this student belongs to it."""
    return db.session.scalar(
        select(Course)
        .join(Membership, Membership.course_id == Course.id)
        .where(Membership.user_id == user_id, Course.id == course_id)
    )


def course_of(instructor_id: int, course_id: int) -> Course | None:
    """Return the class when this instructor teaches it (others' classes do not exist for them)."""
    course = db.session.get(Course, course_id)
    return course if course is not None and course.instructor_id == instructor_id else None


def member_ids(course_id: int):
    """Return a subquery of the ids of a class's students.

    An instructor who joined a class (to try its quizzes as a student would) is no student:
    the gradebook, its averages, the heatmap and the class's exports leave them out, as item
    analysis always has.
    """
    return (
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.course_id == course_id, User.role == "student")
    )


def students(course_id: int) -> list[User]:
    """Return a class's students (not instructors who joined it) by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(member_ids(course_id)))
            .order_by(func.lower(_NAME), User.id)
        )
    )


def student_of(course_id: int, user_id: int) -> User | None:
    """Return the student when they belong to the class."""
    return db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.course_id == course_id, User.id == user_id)
    )


def remove_member(course_id: int, user_id: int) -> None:
    """Take a student out of a class; their attempts and answers stay in their account."""
    with unit_of_work() as session:
        session.execute(
            delete(Membership).where(
                Membership.course_id == course_id, Membership.user_id == user_id
            )
        )


def set_policy(course: Course, policy: str) -> None:
    """Change how a class's gradebook combines attempts."""
    if policy in SCORE_POLICIES:
        with unit_of_work() as session:
            session.get_one(Course, course.id).score_policy = policy


def set_timezone(course: Course, zone: str) -> None:
    """Set the time zone a class's assignment dates are entered and shown in.

    Raises ValueError for a name the server does not know. Dates already set keep their
    moment (they are stored in UTC) and show in the new zone.
    """
    if not is_zone(zone):
        raise ValueError(f"Unknown time zone {zone!r}: use a name such as Europe/London.")
    with unit_of_work() as session:
        session.get_one(Course, course.id).timezone = zone
