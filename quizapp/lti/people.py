"""LMS users as quizapp accounts: roles mapped, accounts found or made, students put in classes.

Launches (``quizapp.lti.launches``) and roster syncs (``quizapp.lti.roster``) both come here, so
an account made from the roster is the one its owner's first launch signs in. No Flask request
is read: the caller passes the claims and its unit of work's session.
"""

import re
import secrets
import unicodedata
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quizapp import clock
from quizapp.accounts.users import email_problem, normalise_username, username_problem
from quizapp.db.statements import insert_ignoring_duplicates
from quizapp.models import LtiIdentity, LtiPlatform, Membership, User
from quizapp.models.users import email_key

# LIS v2 vocabularies (LTI 1.3 core, appendix A.2). Context roles say what someone is in this
# course; institution and system roles say what they are at the school, and count only when
# no context role decides.
_CONTEXT = "http://purl.imsglobal.org/vocab/lis/v2/membership"
_INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person"
_SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person"
# LTI 1.1 URNs, which some platforms still put in 1.3 launches.
_URN_CONTEXT = "urn:lti:role:ims/lis/"
_URN_INSTITUTION = "urn:lti:instrole:ims/lis/"
_URN_SYSTEM = "urn:lti:sysrole:ims/lis/"

# Principal role -> quizapp role. A context Administrator runs the course in the LMS (Canvas's
# course admins, Moodle's managers): they teach it here. Mentors and observers see a student's
# work in the LMS, which quizapp has no place for, so they get nothing.
_CONTEXT_ROLES = {
    "Instructor": "instructor",
    "ContentDeveloper": "instructor",
    "Administrator": "instructor",
    "Learner": "student",
}
_INSTITUTION_ROLES = {
    "Instructor": "instructor",
    "Administrator": "instructor",
    "Learner": "student",
    "Student": "student",
}
_SYSTEM_ROLES = {"Administrator": "instructor", "SysAdmin": "instructor"}
_RANK = {"instructor": 2, "student": 1}

USERNAME_MAX = 64
NAME_MAX = 200  # User.full_name
# A password hash no password matches (werkzeug reads no method from it); random, so each
# account's password-link stamp differs. An instructor's password link still sets a real one.
UNUSABLE_PREFIX = "!lti$"
_NOT_USERNAME = re.compile(r"[^a-z0-9_.-]+")


def _principal(role: str) -> tuple[str, str] | None:
    """Return (vocabulary, principal role name) of a role URI or short name, or None."""
    role = role.strip()
    if not role:
        return None
    for prefix, vocabulary in (
        (_URN_CONTEXT, "context"),
        (_URN_INSTITUTION, "institution"),
        (_URN_SYSTEM, "system"),
    ):
        if role.startswith(prefix):
            # urn:lti:role:ims/lis/Instructor/TeachingAssistant: the principal comes first
            return vocabulary, role[len(prefix) :].split("/")[0]
    for prefix, vocabulary in (
        (_CONTEXT, "context"),
        (_INSTITUTION, "institution"),
        (_SYSTEM, "system"),
    ):
        if role.startswith(prefix):
            rest = role[len(prefix) :]
            if rest[:1] not in ("#", "/"):
                return None
            # membership#Instructor, membership/Instructor#TeachingAssistant (a sub-role, named
            # after its principal), and membership#Instructor#TeachingAssistant as some write it
            return vocabulary, rest[1:].split("#")[0]
    if "://" in role or ":" in role:
        return None  # another vocabulary altogether
    # LTI 1.3 allows a context role's bare name (deprecated, still sent).
    return "context", role.split("#")[0]


def role_of(roles: Iterable[str]) -> str | None:
    """Return the quizapp role LIS roles give ("instructor", "student"), or None for none taken.

    Context roles decide when there are any; institution, then system roles, only otherwise.
    Instructor beats Learner. quizapp's admin role is never given from an LMS.
    """
    if isinstance(roles, str):
        roles = [roles]  # one role given bare would otherwise be read letter by letter
    found: dict[str, set[str]] = {"context": set(), "institution": set(), "system": set()}
    for role in roles:
        parsed = _principal(role) if isinstance(role, str) else None
        if parsed:
            found[parsed[0]].add(parsed[1])
    for vocabulary, table in (
        ("context", _CONTEXT_ROLES),
        ("institution", _INSTITUTION_ROLES),
        ("system", _SYSTEM_ROLES),
    ):
        if not found[vocabulary]:
            continue
        # Any context role decides, even one quizapp does not take: a Mentor in this course
        # who is an Instructor at the school is no instructor of this class.
        taken = {table[name] for name in found[vocabulary] if name in table}
        return max(taken, key=_RANK.__getitem__) if taken else None
    return None


def _clean_name(name: str | None) -> str:
    return " ".join((name or "").split())[:NAME_MAX]


def _clean_email(email: str | None) -> str | None:
    """Return the email as the LMS sent it, or None when quizapp would refuse it."""
    email = (email or "").strip()
    return email if email and email_problem(email) is None else None


def _email_free(session: Session, email: str, user_id: int | None) -> bool:
    """Return whether no account but ``user_id`` has this email (in any case)."""
    stmt = select(User.id).where(User.email_key == email_key(email))
    if user_id is not None:
        stmt = stmt.where(User.id != user_id)
    return session.scalar(stmt.limit(1)) is None


def username_base(email: str | None, name: str | None) -> str:
    """Return the username to start from: the email's local part, else the name (pure)."""
    for source in ((email or "").split("@")[0], name or ""):
        ascii_text = unicodedata.normalize("NFKD", source).encode("ascii", "ignore").decode()
        text = _NOT_USERNAME.sub(".", ascii_text.strip().lower())
        # Usernames starting with - (or another formula character) are refused; dots at the
        # ends read badly.
        text = re.sub(r"\.{2,}", ".", text).strip(".-_")[: USERNAME_MAX - 8]
        if text:
            return text if len(text) >= 3 else f"{text}-lms"
    return "lms-user"


def _free_username(session: Session, base: str) -> str:
    """Return ``base``, or ``base-2``, ``base-3``... whichever no account has."""
    base = normalise_username(base)
    pattern = base.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    taken = set(session.scalars(select(User.username).where(User.username.like(pattern, "\\"))))
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    assert username_problem(candidate) is None, candidate
    return candidate


def _identity(session: Session, platform_id: int, subject: str) -> LtiIdentity | None:
    return session.scalar(
        select(LtiIdentity).where(
            LtiIdentity.platform_id == platform_id, LtiIdentity.subject == subject
        )
    )


def _new_identity(
    session: Session,
    platform: LtiPlatform,
    subject: str,
    name: str,
    email: str | None,
    role: str | None,
) -> LtiIdentity:
    """Make an account and its identity; on PostgreSQL, a racing launch's if it won."""
    base = username_base(email, name)
    for _ in range(5):
        user = User(
            username=_free_username(session, base),
            email=email if email and _email_free(session, email, None) else None,
            full_name=name,
            # The LMS signs them in; a student who wants a password gets a password link.
            password_hash=UNUSABLE_PREFIX + secrets.token_urlsafe(24),
            role="instructor" if role == "instructor" else "student",
        )
        try:
            with session.begin_nested():  # losing a race undoes only this account
                session.add(user)
                session.flush()
                identity = LtiIdentity(platform_id=platform.id, subject=subject, user_id=user.id)
                session.add(identity)
                session.flush()
            return identity
        except IntegrityError:
            # PostgreSQL: another transaction took the username, the email, or made this
            # very identity (the same user's two launches at once) and committed.
            found = _identity(session, platform.id, subject)
            if found is not None:
                return found
    raise RuntimeError(f"could not make an account for LMS user {subject!r}")


def _refresh(session: Session, user: User, name: str, email: str | None) -> None:
    """Take the LMS's name and email; an email another account has stays where it is."""
    if name and user.full_name != name:
        user.full_name = name
    if email and user.email != email and _email_free(session, email, user.id):
        try:
            with session.begin_nested():
                user.email = email
                session.flush()
        except IntegrityError:
            session.refresh(user)  # an account took it since the check (PostgreSQL)


def member_account(
    session: Session,
    platform: LtiPlatform,
    subject: str,
    *,
    name: str | None,
    email: str | None,
    roles: Iterable[str],
    launched: bool,
) -> User:
    """Return the account of an LMS user, made on first sight (inside the caller's unit of work).

    Name and email are refreshed from the LMS. The LMS's Instructor makes a student an
    instructor; nothing the LMS says makes an instructor or admin less. ``launched`` records
    the first launch (roster members who never launched have none).
    """
    role = role_of(roles)
    name_text = _clean_name(name)
    email_text = _clean_email(email)
    identity = _identity(session, platform.id, subject)
    if identity is None:
        identity = _new_identity(session, platform, subject, name_text, email_text, role)
        user = session.get_one(User, identity.user_id)
    else:
        user = session.get_one(User, identity.user_id)
        _refresh(session, user, name_text, email_text)
    if role == "instructor" and user.role == "student":
        user.role = "instructor"
    if launched and identity.launched_at is None:
        identity.launched_at = clock.now()
    session.flush()
    return user


def join_class(session: Session, course_id: int, user: User) -> bool:
    """Put a student in a class; return True if newly joined (instructors never join as one)."""
    if user.role != "student":
        return False
    added = session.execute(
        insert_ignoring_duplicates(Membership)
        .values(course_id=course_id, user_id=user.id)
        .returning(Membership.id)
    ).first()
    return added is not None
