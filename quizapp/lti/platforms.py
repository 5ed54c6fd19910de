"""Registering LMS platforms (an administrator's job): checked fields, one unit of work."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, func, select

from quizapp import clock
from quizapp.db.transactions import unit_of_work
from quizapp.extensions import db
from quizapp.lti import keys
from quizapp.models import (
    Course,
    LtiContext,
    LtiDeployment,
    LtiIdentity,
    LtiKey,
    LtiLink,
    LtiPlatform,
    LtiScore,
)


class Invalid(ValueError):
    """Settings refused, with messages by field."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class PlatformSettings:
    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    deployment_ids: list[str] = field(default_factory=list)
    auth_audience: str = ""


URL_FIELDS = ("auth_login_url", "auth_token_url", "key_set_url")
# The columns' sizes (models.lti): longer values are refused with a message, not a database error.
LIMITS = {
    "name": 200,
    "issuer": 500,
    "client_id": 500,
    "auth_login_url": 2000,
    "auth_token_url": 2000,
    "key_set_url": 2000,
    "auth_audience": 2000,
}


def _url_problem(value: str, *, required: bool = True) -> str | None:
    if not value:
        return "Required." if required else None
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return "Give a full web address starting with https://."
    return None


def check(s: PlatformSettings) -> dict[str, list[str]]:
    """Return what is wrong with the settings, by field (empty when they are fine)."""
    errors: dict[str, list[str]] = {}
    if not s.name.strip():
        errors["name"] = ["Give the platform a name you will recognise (e.g. Moodle)."]
    problem = _url_problem(s.issuer.strip())
    if problem:
        # The issuer is an identifier, but LTI requires it to be an https URL (Moodle's site
        # address, https://canvas.instructure.com for Canvas cloud).
        errors["issuer"] = [problem]
    if not s.client_id.strip():
        errors["client_id"] = ["Required: the platform shows it once the tool is added."]
    for name in URL_FIELDS:
        problem = _url_problem(getattr(s, name).strip())
        if problem:
            errors[name] = [problem]
    problem = _url_problem(s.auth_audience.strip(), required=False)
    if problem:
        errors["auth_audience"] = [problem]
    for name, limit in LIMITS.items():
        if name not in errors and len(getattr(s, name).strip()) > limit:
            errors[name] = [f"At most {limit} characters."]
    ids = [d.strip() for d in s.deployment_ids if d.strip()]
    if not ids:
        errors["deployment_ids"] = ["Give at least one deployment id (the platform shows it)."]
    else:
        problems = {deployment_problem(d) for d in ids} - {None}
        if problems:
            errors["deployment_ids"] = sorted(p for p in problems if p)
    return errors


def deployment_problem(deployment_id: str) -> str | None:
    """Return why a deployment id is refused, or None when it is fine."""
    if not deployment_id.strip():
        return "Give the deployment id the platform shows."
    if len(deployment_id.strip()) > 500:
        return "A deployment id is at most 500 characters."
    return None


def add_platform(s: PlatformSettings) -> LtiPlatform:
    """Register a platform with its deployments; raise ``Invalid`` for bad or taken settings.

    Makes the tool's first key pair if there is none, so the JWKS is ready to paste.
    """
    errors = check(s)
    if errors:
        raise Invalid(errors)
    issuer, client_id = s.issuer.strip(), s.client_id.strip()
    with unit_of_work() as session:
        taken = session.scalar(
            select(LtiPlatform.id).where(
                LtiPlatform.issuer == issuer, LtiPlatform.client_id == client_id
            )
        )
        if taken:
            raise Invalid({"client_id": ["This issuer and client id are registered already."]})
        platform = LtiPlatform(
            name=s.name.strip(),
            issuer=issuer,
            client_id=client_id,
            auth_login_url=s.auth_login_url.strip(),
            auth_token_url=s.auth_token_url.strip(),
            key_set_url=s.key_set_url.strip(),
            auth_audience=s.auth_audience.strip() or None,
        )
        for deployment_id in dict.fromkeys(d.strip() for d in s.deployment_ids if d.strip()):
            platform.deployments.append(LtiDeployment(deployment_id=deployment_id))
        session.add(platform)
        keys.ensure_key(session)
    return platform


def add_deployment(platform_id: int, deployment_id: str) -> bool:
    """Accept launches from one more deployment of a platform; False if it was known.

    Raises ``Invalid`` (field ``deployment_ids``) for an empty or overlong id.
    """
    deployment_id = deployment_id.strip()
    problem = deployment_problem(deployment_id)
    if problem:
        raise Invalid({"deployment_ids": [problem]})
    with unit_of_work() as session:
        known = session.scalar(
            select(LtiDeployment.id).where(
                LtiDeployment.platform_id == platform_id,
                LtiDeployment.deployment_id == deployment_id,
            )
        )
        if known:
            return False
        session.add(LtiDeployment(platform_id=platform_id, deployment_id=deployment_id))
    return True


def platforms() -> list[LtiPlatform]:
    """Return every registered platform, by name."""
    return list(db.session.scalars(select(LtiPlatform).order_by(LtiPlatform.name, LtiPlatform.id)))


class NotFound(LookupError):
    """No platform, or more than one, answers to what was given; the message says which."""


def platform_by(ref: str) -> LtiPlatform:
    """Return the platform with this id or issuer; raise ``NotFound`` for none or several."""
    ref = ref.strip()
    if ref.isdigit():
        found = db.session.get(LtiPlatform, int(ref)) if len(ref) < 19 else None
        if found is None:
            raise NotFound(f"no platform with id {ref}")
        return found
    matches = list(db.session.scalars(select(LtiPlatform).where(LtiPlatform.issuer == ref)))
    if not matches:
        raise NotFound(f"no platform with issuer {ref!r}")
    if len(matches) > 1:
        ids = ", ".join(str(p.id) for p in matches)
        raise NotFound(f"{len(matches)} platforms have issuer {ref!r} (ids {ids}): give the id")
    return matches[0]


@dataclass
class Usage:
    """What launches from a platform left behind: all of it goes when the platform does."""

    users: int = 0  # LMS users mapped to quizapp accounts (the accounts stay)
    courses: int = 0  # LMS courses mapped to classes (the classes stay)
    links: int = 0  # links placed in those courses (the assignments stay)
    unsent_scores: int = 0  # grades not yet delivered to the LMS

    def __str__(self) -> str:
        def n(count: int, one: str, many: str) -> str:
            return f"{count} {one if count == 1 else many}"

        return ", ".join(
            [
                n(self.users, "LMS user", "LMS users"),
                n(self.courses, "course", "courses"),
                n(self.links, "link", "links"),
                n(self.unsent_scores, "unsent grade", "unsent grades"),
            ]
        )


def _contexts(platform_id: int):
    return select(LtiContext.id).where(LtiContext.platform_id == platform_id)


def _links(platform_id: int):
    return select(LtiLink.id).where(LtiLink.context_id.in_(_contexts(platform_id)))


def usage(platform_id: int) -> Usage:
    """Return how many users, courses, links and unsent grades a platform's launches made."""
    session = db.session

    def count(stmt) -> int:
        return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0

    return Usage(
        users=count(select(LtiIdentity.id).where(LtiIdentity.platform_id == platform_id)),
        courses=count(_contexts(platform_id)),
        links=count(_links(platform_id)),
        unsent_scores=count(
            select(LtiScore.id).where(
                LtiScore.link_id.in_(_links(platform_id)),
                LtiScore.sent_version < LtiScore.version,
            )
        ),
    )


def remove_platform(platform_id: int) -> Usage:
    """Forget a platform, its deployments and what its launches mapped; return what went.

    Accounts, classes, assignments and attempts are quizapp's own and stay: a student who
    launched keeps their work and can still sign in with a password link.
    """
    with unit_of_work() as session:
        gone = usage(platform_id)
        links = _links(platform_id)
        session.execute(delete(LtiScore).where(LtiScore.link_id.in_(links)))
        session.execute(delete(LtiLink).where(LtiLink.id.in_(links)))
        session.execute(delete(LtiContext).where(LtiContext.platform_id == platform_id))
        session.execute(delete(LtiIdentity).where(LtiIdentity.platform_id == platform_id))
        platform = session.get(LtiPlatform, platform_id)
        if platform is not None:
            session.delete(platform)  # its deployments go with it (delete-orphan)
    return gone


# The tool's key pair. Platforms cache the tool's JWKS (quizapp says five minutes; an LMS may
# keep it longer), so a key retired less than this long ago may still be the one they hold.
KEEP_RETIRED = timedelta(hours=1)


def tool_keys() -> list[LtiKey]:
    """Return the tool's keys still published, the signing one first."""
    return keys.published(db.session())


def rotate_key() -> LtiKey:
    """Make a new signing key; the old one stays in the JWKS until dropped."""
    with unit_of_work() as session:
        return keys.rotate(session)


def drop_old_keys(retired_for: timedelta = KEEP_RETIRED) -> int:
    """Stop publishing keys retired at least ``retired_for`` ago; return how many."""
    before: datetime = clock.now() - retired_for
    with unit_of_work() as session:
        return keys.drop_retired(session, before)


@dataclass
class LmsCourse:
    """An LMS course that launched quizapp, and the class it maps to."""

    id: int  # what `quizapp lti sync-roster` takes
    platform_id: int
    context_id: str
    title: str
    class_id: int | None
    class_name: str | None
    roster_synced_at: datetime | None


def courses() -> list[LmsCourse]:
    """Return every LMS course known from launches, by platform and title."""
    rows = db.session.execute(
        select(LtiContext, Course.name)
        .outerjoin(Course, Course.id == LtiContext.course_id)
        .order_by(LtiContext.platform_id, LtiContext.title, LtiContext.id)
    )
    return [
        LmsCourse(
            id=context.id,
            platform_id=context.platform_id,
            context_id=context.context_id,
            title=context.title,
            class_id=context.course_id,
            class_name=name,
            roster_synced_at=context.roster_synced_at,
        )
        for context, name in rows
    ]
