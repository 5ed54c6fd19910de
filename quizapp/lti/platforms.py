"""Registering LMS platforms (an administrator's job): checked fields, one unit of work."""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import select

from quizapp.db.transactions import unit_of_work
from quizapp.extensions import db
from quizapp.lti import keys
from quizapp.models import LtiDeployment, LtiPlatform


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
    ids = [d.strip() for d in s.deployment_ids if d.strip()]
    if not ids:
        errors["deployment_ids"] = ["Give at least one deployment id (the platform shows it)."]
    elif any(len(d) > 500 for d in ids):
        errors["deployment_ids"] = ["A deployment id is at most 500 characters."]
    return errors


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
    """Accept launches from one more deployment of a platform; False if it was known."""
    deployment_id = deployment_id.strip()
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
