"""pylti1p3 wired to quizapp's database: registrations, deployments and launch state.

``ToolConf`` answers pylti1p3's lookups from the registered platforms; ``LaunchStore`` is the
cache pylti1p3's ``FlaskCacheDataStorage`` keeps OIDC state, nonces and launch claims in.
Writes are held until ``flush`` so that a launch checks its token (fetching the platform's
keys over HTTP) before it takes the database's writer turn.
"""

from datetime import timedelta
from typing import Any

from flask import request
from pylti1p3.contrib.flask import (
    FlaskCacheDataStorage,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.deployment import Deployment
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from quizapp import clock
from quizapp.extensions import db
from quizapp.lti import keys
from quizapp.models import LtiDeployment, LtiLaunchState, LtiPlatform

# pylti1p3 keeps launch data a day by default; an OIDC state lives 5 minutes in its cookie.
LIFETIME = timedelta(days=1)


def registration_of(platform: LtiPlatform, session: Session) -> Registration:
    """Return a platform's registration as pylti1p3 needs it, with the tool's signing key."""
    key = keys.signing_key(session)
    reg = (
        Registration()
        .set_issuer(platform.issuer)
        .set_client_id(platform.client_id)
        .set_auth_login_url(platform.auth_login_url)
        .set_auth_token_url(platform.auth_token_url)
        .set_key_set_url(platform.key_set_url)
    )
    if platform.auth_audience:
        reg.set_auth_audience(platform.auth_audience)
    if key is not None:
        reg.set_tool_private_key(key.private_pem).set_tool_public_key(key.public_pem)
    return reg


def find_platform(session: Session, issuer: str, client_id: str | None) -> LtiPlatform | None:
    """Return the registration of ``issuer`` (and ``client_id``, when the platform sent it)."""
    stmt = select(LtiPlatform).where(LtiPlatform.issuer == issuer)
    if client_id:
        return session.scalar(stmt.where(LtiPlatform.client_id == client_id))
    found = session.scalars(stmt.limit(2)).all()
    return found[0] if len(found) == 1 else None  # several clients: the login must say which


class ToolConf(ToolConfAbstract[FlaskRequest]):
    """Registrations from the ``lti_platform`` table; one issuer may hold several clients."""

    def __init__(self, session: Session):
        self.session = session

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False  # always look up by issuer and client id (pylti1p3's advice)

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        platform = find_platform(self.session, iss, None)
        return registration_of(platform, self.session) if platform else None  # type: ignore[return-value]

    def find_registration_by_params(
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Registration:
        platform = find_platform(self.session, iss, client_id)
        return registration_of(platform, self.session) if platform else None  # type: ignore[return-value]

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, "")

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        platform = find_platform(self.session, iss, client_id or None)
        if platform is None or not deployment_id:
            return None
        found = self.session.scalar(
            select(LtiDeployment.id).where(
                LtiDeployment.platform_id == platform.id,
                LtiDeployment.deployment_id == deployment_id,
            )
        )
        return Deployment().set_deployment_id(deployment_id) if found else None


class LaunchStore:
    """The cache interface pylti1p3's cache storage calls: ``get`` and ``set`` with expiry."""

    def __init__(self, session: Session):
        self.session = session
        self.pending: dict[str, tuple[Any, int | None]] = {}

    def get(self, key: str) -> Any:
        if key in self.pending:
            return self.pending[key][0]
        row = self.session.get(LtiLaunchState, key)
        if row is None or row.expires_at <= clock.now():
            return None
        return row.value

    def set(self, key: str, value: Any, exp: int | None = None) -> None:
        self.pending[key] = (value, exp)

    def flush(self, session: Session) -> None:
        """Write the held values (inside the caller's unit of work)."""
        now = clock.now()
        for key, (value, exp) in self.pending.items():
            expires = now + (timedelta(seconds=exp) if exp else LIFETIME)
            session.merge(LtiLaunchState(key=key, value=value, expires_at=expires))
        self.pending.clear()


def purge_expired(session: Session) -> None:
    """Delete launch state past its lifetime (called now and then by writers)."""
    session.execute(delete(LtiLaunchState).where(LtiLaunchState.expires_at <= clock.now()))


class Tool:
    """One request's pylti1p3 objects over the request's session."""

    def __init__(self) -> None:
        self.session = db.session()
        self.conf = ToolConf(self.session)
        self.store = LaunchStore(self.session)
        self.request = FlaskRequest(request_data=_params())
        self.storage = FlaskCacheDataStorage(self.store)

    def oidc_login(self) -> FlaskOIDCLogin:
        return FlaskOIDCLogin(self.request, self.conf, launch_data_storage=self.storage)

    def message_launch(self) -> FlaskMessageLaunch:
        return FlaskMessageLaunch(self.request, self.conf, launch_data_storage=self.storage)

    def restored_launch(self, launch_id: str) -> MessageLaunch:
        """Return a launch checked earlier in this browser, from its stored claims."""
        return FlaskMessageLaunch.from_cache(
            launch_id, self.request, self.conf, launch_data_storage=self.storage
        )


def _params() -> dict[str, str]:
    # The OIDC login may come as GET or POST; the launch always POSTs its id_token and state.
    source = request.form if request.method == "POST" else request.args
    return {key: source.get(key, "") for key in source}
