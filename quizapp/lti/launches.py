"""What a checked LTI launch means in quizapp: an account, a class, an assignment to open.

pylti1p3 has already checked the id_token (signature, audience, expiry, state, registration,
deployment) before ``accept`` runs; this module adds what pylti1p3 leaves to the tool: a nonce
is good for one launch, and the launch's user, course and link map to quizapp's own rows.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quizapp import clock
from quizapp.lti import people, scores
from quizapp.lti.tool import find_platform
from quizapp.models import Assignment, Course, LtiContext, LtiLink, LtiNonce, LtiPlatform, User
from quizapp.teaching.classes import create_course

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DEEP_LINK = "LtiDeepLinkingRequest"
DEEP_LINK_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
# A nonce is kept as long as an id_token may live, with room for clock skew.
NONCE_LIFETIME = timedelta(hours=2)
# An instructor's launch refreshes the class's roster from the LMS at most this often.
ROSTER_EVERY = timedelta(minutes=5)
# The custom parameter a deep-linked resource link carries (LTI custom keys are lowercase).
ASSIGNMENT_KEY = "quizapp_assignment"


class Refused(Exception):
    """A launch quizapp will not honour, with a message for the person launching."""

    def __init__(self, message: str, status: int = 403):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Claims:
    """The parts of a launch's id_token quizapp uses."""

    issuer: str
    client_id: str
    deployment_id: str
    subject: str
    nonce: str
    message: str  # LtiResourceLinkRequest or LtiDeepLinkingRequest
    roles: tuple[str, ...]
    name: str | None = None
    email: str | None = None
    context_id: str | None = None
    context_title: str = ""
    resource_link_id: str | None = None
    custom: Mapping[str, Any] = field(default_factory=dict)
    lineitem_url: str | None = None
    lineitems_url: str | None = None
    memberships_url: str | None = None

    @property
    def deep_link(self) -> bool:
        return self.message == DEEP_LINK


def claims_of(data: Mapping[str, Any]) -> Claims:
    """Read a validated launch's claims (pure: no database, no request)."""
    audience = data.get("aud")
    client_id = data.get("azp") or (audience[0] if isinstance(audience, list) else audience)
    context = _mapping(data.get(LTI + "context"))
    link = _mapping(data.get(LTI + "resource_link"))
    ags = _mapping(data.get(AGS))
    nrps = _mapping(data.get(NRPS))
    name = data.get("name") or " ".join(
        part for part in (data.get("given_name"), data.get("family_name")) if part
    )
    return Claims(
        issuer=str(data.get("iss") or ""),
        client_id=str(client_id or ""),
        deployment_id=str(data.get(LTI + "deployment_id") or ""),
        subject=str(data.get("sub") or ""),
        nonce=str(data.get("nonce") or ""),
        message=str(data.get(LTI + "message_type") or ""),
        roles=tuple(str(role) for role in data.get(LTI + "roles") or ()),
        name=name or None,
        email=data.get("email") or None,
        context_id=_text(context.get("id")),
        context_title=str(context.get("title") or context.get("label") or ""),
        resource_link_id=_text(link.get("id")),
        custom=_mapping(data.get(LTI + "custom")),
        lineitem_url=_text(ags.get("lineitem")),
        lineitems_url=_text(ags.get("lineitems")),
        memberships_url=_text(nrps.get("context_memberships_url")),
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


@dataclass(frozen=True)
class Accepted:
    """Where a launch leads: who signed in, in which class, to which assignment."""

    user_id: int
    instructor: bool
    platform_id: int
    course_id: int | None
    context_row_id: int | None
    link_id: int | None
    assignment_id: int | None
    new_class: bool = False
    sync_roster: bool = False  # an instructor launch of a course whose roster is not fresh


def accept(session: Session, claims: Claims) -> Accepted:
    """Map a checked launch to quizapp's rows inside the caller's unit of work.

    Raises ``Refused`` for a replayed nonce, a role quizapp has no place for, a launch with no
    course, or a student arriving before any instructor has opened quizapp from the course.
    """
    platform = find_platform(session, claims.issuer, claims.client_id)
    if platform is None:  # removed between pylti1p3's check and now
        raise Refused("This LMS is not registered with quizapp.", 401)
    _use_nonce(session, claims)
    role = people.role_of(claims.roles)
    if role is None:
        raise Refused(
            "quizapp takes launches from instructors and students; your role in this course "
            "is neither. Ask your instructor if you should have access."
        )
    if not claims.context_id:
        raise Refused("This launch came from outside a course: open quizapp from a course.", 400)
    user = people.member_account(
        session,
        platform,
        claims.subject,
        name=claims.name,
        email=claims.email,
        roles=claims.roles,
        launched=True,
    )
    instructor = role == "instructor" and user.is_instructor
    context = _context(session, platform, claims)
    new_class = False
    if context.course_id is None or session.get(Course, context.course_id) is None:
        if not instructor:
            raise Refused(
                "Your instructor has not set up quizapp for this course yet: the class is made "
                "the first time an instructor opens quizapp from it. Try again later.",
                409,
            )
        title = claims.context_title or f"Course {claims.context_id}"
        course = create_course(user.id, title[:200])
        session.flush()  # the nested unit of work leaves the insert pending
        context.course_id = course.id
        new_class = True
    if not instructor:
        people.join_class(session, context.course_id, user)
    link = _link(session, context, claims) if not claims.deep_link else None
    if link is not None and link.assignment_id is not None and not instructor:
        # A grade earned before this link knew the student (a first launch after finishing)
        scores.record(session, link.assignment_id, [user.id])
    return Accepted(
        user_id=user.id,
        instructor=instructor,
        platform_id=platform.id,
        course_id=context.course_id,
        context_row_id=context.id,
        link_id=link.id if link else None,
        assignment_id=link.assignment_id if link else None,
        new_class=new_class,
        sync_roster=instructor and _roster_stale(context),
    )


def _roster_stale(context: LtiContext) -> bool:
    if not context.memberships_url:
        return False
    synced = context.roster_synced_at
    return synced is None or synced <= clock.now() - ROSTER_EVERY


def _use_nonce(session: Session, claims: Claims) -> None:
    """Record the launch's nonce; a second launch with it is a replay and is refused."""
    now = clock.now()
    session.execute(delete(LtiNonce).where(LtiNonce.expires_at <= now))
    try:
        with session.begin_nested():  # a savepoint: PostgreSQL's transaction stays usable
            session.add(
                LtiNonce(issuer=claims.issuer, nonce=claims.nonce, expires_at=now + NONCE_LIFETIME)
            )
    except IntegrityError:
        raise Refused(
            "This launch was already used. Open quizapp again from your course in the LMS.", 401
        ) from None


def _context(session: Session, platform: LtiPlatform, claims: Claims) -> LtiContext:
    context = session.scalar(
        select(LtiContext).where(
            LtiContext.platform_id == platform.id, LtiContext.context_id == claims.context_id
        )
    )
    if context is None:
        context = LtiContext(platform_id=platform.id, context_id=claims.context_id)
        session.add(context)
    context.deployment_id = claims.deployment_id
    if claims.context_title:
        context.title = claims.context_title[:500]
    # The services the newest launch offers replace older ones (a platform may move them).
    context.memberships_url = claims.memberships_url
    context.lineitems_url = claims.lineitems_url
    session.flush()
    return context


def _link(session: Session, context: LtiContext, claims: Claims) -> LtiLink | None:
    if not claims.resource_link_id:
        return None
    link = session.scalar(
        select(LtiLink).where(
            LtiLink.context_id == context.id, LtiLink.resource_link_id == claims.resource_link_id
        )
    )
    if link is None:
        link = LtiLink(context_id=context.id, resource_link_id=claims.resource_link_id)
        session.add(link)
    if link.assignment_id is None:
        link.assignment_id = _assignment_from_custom(session, context, claims.custom)
    if claims.lineitem_url:
        link.lineitem_url = claims.lineitem_url
    session.flush()
    return link


def _assignment_from_custom(
    session: Session, context: LtiContext, custom: Mapping[str, Any]
) -> int | None:
    """Return the assignment a deep-linked link names, if it is one of the course's class."""
    try:
        wanted = int(str(custom.get(ASSIGNMENT_KEY, "")))
    except ValueError:
        return None
    return session.scalar(
        select(Assignment.id).where(
            Assignment.id == wanted, Assignment.course_id == context.course_id
        )
    )


def bind_link(session: Session, link_id: int, assignment_id: int, course_id: int) -> bool:
    """Point a link that opens nothing yet at one of its class's assignments."""
    link = session.get(LtiLink, link_id)
    owned = session.scalar(
        select(Assignment.id).where(
            Assignment.id == assignment_id, Assignment.course_id == course_id
        )
    )
    if link is None or owned is None:
        return False
    link.assignment_id = assignment_id
    session.flush()
    scores.record(session, assignment_id)  # grades already earned go to the new column
    return True


def user_of(session: Session, user_id: int) -> User:
    return session.get_one(User, user_id)
