"""A class's roster from its LMS course, through LTI Names and Role Provisioning Services.

``fetch`` reads every page of the course's memberships over HTTP (pylti1p3 gets the token and
makes the requests); ``apply`` makes the accounts, identities and class memberships;
``sync`` does both, fetching before it takes the database's writer turn. Students who left
the LMS course stay in the class (their answers and grades are quizapp's) and are counted.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from pylti1p3.exception import LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector
from requests.utils import parse_header_links
from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp import clock
from quizapp.db.transactions import unit_of_work
from quizapp.extensions import db
from quizapp.lti import keys
from quizapp.lti.people import join_class, member_account, role_of
from quizapp.lti.tool import registration_of
from quizapp.models import Course, LtiContext, LtiIdentity, LtiPlatform, Membership, User

TIMEOUT = 20  # seconds for each request to the LMS: a page or a token
MAX_PAGES = 1000  # a platform whose "next" links never end is not waited on for ever


class RosterError(Exception):
    """The roster could not be synced; the message says why, for an instructor to read."""


class UnknownCourse(RosterError):
    """No LMS course has the id given."""


@dataclass(frozen=True)
class Member:
    """One member of an LMS course as NRPS lists them."""

    subject: str  # the LMS's user id: the ``sub`` of their launches
    name: str | None
    email: str | None
    roles: tuple[str, ...]
    active: bool  # False: Inactive or Deleted in the LMS (a suspended enrolment, say)


@dataclass
class Report:
    """What a sync did to a class."""

    added: int = 0  # students put in the class
    already: int = 0  # students who were in it
    left: int = 0  # students in the class (from this LMS) no longer in the course: kept
    instructors: int = 0  # teachers on the roster: accounts made, never class members
    skipped: int = 0  # mentors, observers, inactive enrolments: nothing made

    def __str__(self) -> str:
        parts = [
            f"{self.added} added",
            f"{self.already} already in the class",
            f"{self.left} no longer in the LMS course",
        ]
        if self.instructors:
            parts.append(f"{self.instructors} teaching (not made students)")
        if self.skipped:
            parts.append(f"{self.skipped} neither students nor teachers, or inactive (skipped)")
        return ", ".join(parts)


class _TimedSession(requests.Session):
    """A requests session whose calls time out: pylti1p3 passes no timeout of its own."""

    def __init__(self) -> None:
        super().__init__()
        self.headers["User-Agent"] = "quizapp (PyLTI1p3)"

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


def _member(data: Any) -> Member | None:
    """Return a member from one NRPS entry, or None for an entry without a user id."""
    if not isinstance(data, dict) or not data.get("user_id"):
        return None
    name = data.get("name") or " ".join(
        str(part) for part in (data.get("given_name"), data.get("family_name")) if part
    )
    roles = data.get("roles") or []
    return Member(
        subject=str(data["user_id"]),
        name=str(name) if name else None,
        email=str(data["email"]) if data.get("email") else None,
        roles=tuple(str(role) for role in roles) if isinstance(roles, list) else (),
        active=data.get("status", "Active") == "Active",
    )


def _next_page(headers: Any) -> str | None:
    # pylti1p3's own next_page_url is lower-cased, which breaks case-sensitive paths
    # (Moodle's .../CourseSection/...); read the Link header as sent.
    for link in parse_header_links(headers.get("Link") or headers.get("link") or ""):
        if link.get("rel") == "next" and link.get("url"):
            return link["url"]
    return None


def _course_name(context: LtiContext) -> str:
    return context.title or context.context_id


def _refused(platform: LtiPlatform, context: LtiContext, exc: LtiServiceException) -> RosterError:
    response = exc.response
    detail = f"HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("error"):
        reason = body.get("error_description") or body["error"]
        detail += f": {reason}"
    if response.url == platform.auth_token_url or response.request.url == platform.auth_token_url:
        return RosterError(
            f"{platform.name} refused quizapp's request for a roster token ({detail}). Check "
            "that the LMS has quizapp's public keyset URL and that the platform's client ID "
            "and access token URL are right (Admin → LMS platforms)."
        )
    if response.status_code in (401, 403):
        return RosterError(
            f"{platform.name} refused to give the roster of {_course_name(context)} ({detail}). "
            "Check that the tool may use Names and Role Provisioning in the LMS."
        )
    return RosterError(
        f"{platform.name} could not give the roster of {_course_name(context)} ({detail}). "
        "Try again later."
    )


def fetch(
    context: LtiContext, *, session: Session | None = None, http: requests.Session | None = None
) -> list[Member]:
    """Return every member of the LMS course, all pages; raise RosterError when that fails.

    Reads the platform and the tool's key, writes nothing: call it before a unit of work.
    """
    session = session or db.session()
    platform = session.get_one(LtiPlatform, context.platform_id)
    url = context.memberships_url
    if not url:
        raise RosterError(
            f"{platform.name} offers no roster for {_course_name(context)}: turn on Names and "
            "Role Provisioning in the LMS's settings for quizapp (Moodle: IMS LTI Names and "
            "Role Provisioning), then launch quizapp from the course again."
        )
    if keys.signing_key(session) is None:
        raise RosterError("quizapp has no signing key to ask the LMS with: rotate one first.")
    nrps = NamesRolesProvisioningService(
        ServiceConnector(
            registration_of(platform, session), requests_session=http or _TimedSession()
        ),
        {"context_memberships_url": url},
    )
    members: list[Member] = []
    seen: set[str] = set()
    page_url: str | None = url
    try:
        while page_url and page_url not in seen and len(seen) < MAX_PAGES:
            seen.add(page_url)
            data = nrps.get_nrps_data(page_url)
            body = data.get("body")
            entries = body.get("members") if isinstance(body, dict) else None
            if not isinstance(entries, list):
                raise RosterError(
                    f"{platform.name} answered with something that is not a roster "
                    f"({_course_name(context)})."
                )
            members.extend(m for m in map(_member, entries) if m is not None)
            page_url = _next_page(data.get("headers") or {})
    except LtiServiceException as exc:
        raise _refused(platform, context, exc) from exc
    except requests.Timeout as exc:
        raise RosterError(
            f"{platform.name} did not answer within {TIMEOUT} seconds. Try again later."
        ) from exc
    except requests.exceptions.InvalidJSONError as exc:  # before RequestException: it is one
        raise RosterError(
            f"{platform.name} answered with something that is not a roster "
            f"({_course_name(context)})."
        ) from exc
    except requests.RequestException as exc:
        host = urlsplit(url).netloc
        raise RosterError(
            f"Could not reach {platform.name} at {host}: it may be down. Try again later."
        ) from exc
    except KeyError as exc:  # pylti1p3 reads access_token from the token answer
        raise RosterError(f"{platform.name} answered the token request without a token.") from exc
    return members


def _class_of(session: Session, context: LtiContext) -> Course:
    course = session.get(Course, context.course_id) if context.course_id is not None else None
    if course is None:
        raise RosterError(
            f"{_course_name(context)} has no quizapp class yet: an instructor's launch from "
            "the course makes one."
        )
    return course


def apply(session: Session, context: LtiContext, members: list[Member]) -> Report:
    """Make accounts, identities and memberships for the members (inside a unit of work).

    Nobody leaves the class: students who left the LMS course are only counted.
    """
    course = _class_of(session, context)
    platform = session.get_one(LtiPlatform, context.platform_id)
    report = Report()
    in_course: set[int] = set()
    done: set[str] = set()
    for member in members:
        if member.subject in done:
            continue  # listed twice (two sections of one course): once is enough
        done.add(member.subject)
        if not member.active or role_of(member.roles) is None:
            report.skipped += 1
            continue
        user = member_account(
            session,
            platform,
            member.subject,
            name=member.name,
            email=member.email,
            roles=member.roles,
            launched=False,
        )
        if user.role != "student":
            report.instructors += 1
            continue
        in_course.add(user.id)
        if join_class(session, course.id, user):
            report.added += 1
        else:
            report.already += 1
    from_this_lms = session.scalars(
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .join(LtiIdentity, LtiIdentity.user_id == Membership.user_id)
        .where(
            Membership.course_id == course.id,
            User.role == "student",
            LtiIdentity.platform_id == platform.id,
        )
        .distinct()
    )
    report.left = len(set(from_this_lms) - in_course)
    return report


def sync(context_id: int, *, http: requests.Session | None = None) -> Report:
    """Fetch an LMS course's roster, then apply it to its class in one unit of work.

    Call it outside any unit of work: it fetches over HTTP before it takes the writer turn.
    Raises RosterError (nothing written) for an unknown course, one without a class, or a
    platform without NRPS, down, or refusing quizapp's token.
    """
    context = db.session.get(LtiContext, context_id)
    if context is None:
        raise UnknownCourse(
            f"There is no LMS course with id {context_id} (see `quizapp lti list`)."
        )
    _class_of(db.session(), context)
    members = fetch(context, http=http)
    with unit_of_work() as session:
        # Read again in the write transaction: the course may have changed during the fetch.
        context = session.get(LtiContext, context_id, populate_existing=True)
        if context is None:
            raise UnknownCourse(f"The LMS course with id {context_id} was removed meanwhile.")
        report = apply(session, context, members)
        context.roster_synced_at = clock.now()
    return report


@dataclass(frozen=True)
class LinkedCourse:
    """An LMS course a class is mapped to, as the class page shows it."""

    id: int  # the LtiContext: what ``sync`` and `quizapp lti sync-roster` take
    platform_name: str
    title: str
    roster_synced_at: datetime | None
    has_roster: bool  # the platform offered NRPS at the last launch


def linked_courses(course_id: int) -> list[LinkedCourse]:
    """Return the LMS courses mapped to a class (usually one), by platform and title."""
    rows = db.session.execute(
        select(LtiContext, LtiPlatform.name)
        .join(LtiPlatform, LtiPlatform.id == LtiContext.platform_id)
        .where(LtiContext.course_id == course_id)
        .order_by(LtiPlatform.name, LtiContext.title, LtiContext.id)
    )
    return [
        LinkedCourse(
            id=context.id,
            platform_name=name,
            title=_course_name(context),
            roster_synced_at=context.roster_synced_at,
            has_roster=bool(context.memberships_url),
        )
        for context, name in rows
    ]
