"""pylti1p3 wired to quizapp's database: registrations, deployments and launch state.

``ToolConf`` answers pylti1p3's lookups from the registered platforms; ``LaunchStore`` is the
cache pylti1p3's ``FlaskCacheDataStorage`` keeps OIDC state, nonces and launch claims in.
Writes are held until ``flush`` so that a launch checks its token (fetching the platform's
keys over HTTP) before it takes the database's writer turn.
"""

import threading
import time
from datetime import timedelta
from typing import Any

from flask import request
from flask import session as flask_session
from pylti1p3.contrib.flask import (
    FlaskCacheDataStorage,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.deployment import Deployment
from pylti1p3.exception import LtiException
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
        # pylti1p3 asks for the same registration several times per message: once is enough.
        self._platforms: dict[tuple[str, str | None], LtiPlatform | None] = {}
        self._registrations: dict[int, Registration] = {}

    def platform(self, iss: str, client_id: str | None) -> LtiPlatform | None:
        if (iss, client_id) not in self._platforms:
            self._platforms[iss, client_id] = find_platform(self.session, iss, client_id)
        return self._platforms[iss, client_id]

    def registration(self, platform: LtiPlatform | None) -> Registration:
        if platform is None:
            return None  # type: ignore[return-value]  # pylti1p3 checks for a missing one
        if platform.id not in self._registrations:
            self._registrations[platform.id] = registration_of(platform, self.session)
        return self._registrations[platform.id]

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False  # always look up by issuer and client id (pylti1p3's advice)

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        return self.registration(self.platform(iss, None))

    def find_registration_by_params(
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Registration:
        return self.registration(self.platform(iss, client_id))

    def find_deployment(self, iss: str, deployment_id: str) -> Deployment | None:
        return self.find_deployment_by_params(iss, deployment_id, "")

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Deployment | None:
        platform = self.platform(iss, client_id or None)
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
    """The cache interface pylti1p3's cache storage calls: ``get`` and ``set`` with expiry.

    The nonce a login issues goes into the browser's signed session, not the database: the
    login then writes nothing, and any app process can check it (the launch's single use of
    it is ``LtiNonce``'s job). Launch data go to the database, for deep linking's later steps.
    """

    def __init__(self, session: Session):
        self.session = session
        self.pending: dict[str, tuple[Any, int | None]] = {}

    def get(self, key: str) -> Any:
        if key.startswith(NONCE_KEY):
            return True if key in flask_session.get(NONCES, ()) else None
        if key in self.pending:
            return self.pending[key][0]
        row = self.session.get(LtiLaunchState, key)
        if row is None or row.expires_at <= clock.now():
            return None
        return row.value

    def set(self, key: str, value: Any, exp: int | None = None) -> None:
        if key.startswith(NONCE_KEY):
            # A few logins may be pending at once (several tabs); older ones fall off.
            flask_session[NONCES] = [*flask_session.get(NONCES, [])[-(KEPT_NONCES - 1) :], key]
            return
        self.pending[key] = (value, exp)

    def flush(self, session: Session) -> None:
        """Write the held values (inside the caller's unit of work; the keys are new), and
        drop the launch state past its lifetime, so the table holds a day of launches."""
        if not self.pending:
            return
        purge_expired(session)
        now = clock.now()
        for key, (value, exp) in self.pending.items():
            expires = now + (timedelta(seconds=exp) if exp else LIFETIME)
            session.add(LtiLaunchState(key=key, value=value, expires_at=expires))
        self.pending.clear()


NONCE_KEY = "lti1p3-nonce-"  # how pylti1p3's session service names a nonce it issued
NONCES = "lti_nonces"
KEPT_NONCES = 5


class KeySetCache:
    """The platforms' public key sets, kept in this process for pylti1p3's key caching.

    Fetching a platform's JWKS over HTTP on every launch would cost more than the rest of the
    launch; a platform that rotates its key is read again at once (``Tool.validated``).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, tuple[Any, float]] = {}

    def get(self, key: str) -> Any:
        with self._lock:
            value, expires = self._items.get(key, (None, 0.0))
            return value if expires > time.monotonic() else None

    def set(self, key: str, value: Any, exp: int | None = None) -> None:
        with self._lock:
            self._items[key] = (value, time.monotonic() + (exp or KEY_SET_LIFETIME))

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


KEY_SET_LIFETIME = 300  # seconds
key_sets = KeySetCache()


def purge_expired(session: Session) -> None:
    """Delete launch state past its lifetime (each launch's write does)."""
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

    def message_launch(self, cached_keys: bool = True) -> FlaskMessageLaunch:
        launch = FlaskMessageLaunch(self.request, self.conf, launch_data_storage=self.storage)
        if cached_keys:
            launch.set_public_key_caching(FlaskCacheDataStorage(key_sets), KEY_SET_LIFETIME)
        return launch

    def validated(self) -> FlaskMessageLaunch:
        """Return the request's launch, checked; raise pylti1p3's LtiException if it fails.

        Checked first against the platform's cached key set; a signature that does not verify
        against it is checked once more against a fresh one (the platform may have rotated).
        """
        launch = self.message_launch()
        try:
            launch.validate()
        except LtiException as exc:
            if "public key" not in str(exc) and "decode id_token" not in str(exc):
                raise
            key_sets.clear()
            launch = self.message_launch(cached_keys=False)
            launch.validate()
        return launch

    def restored_launch(self, launch_id: str) -> MessageLaunch:
        """Return a launch checked earlier in this browser, from its stored claims."""
        return FlaskMessageLaunch.from_cache(
            launch_id, self.request, self.conf, launch_data_storage=self.storage
        )


def _params() -> dict[str, str]:
    # The OIDC login may come as GET or POST; the launch always POSTs its id_token and state.
    source = request.form if request.method == "POST" else request.args
    return {key: source.get(key, "") for key in source}
