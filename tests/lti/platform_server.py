"""An LTI 1.3 platform (the LMS side) built on lti1p3platform, served by Flask for the LTI tests.

Run as ``python -m tests.lti.platform_server --port P --state FILE --tool URL``. The platform is
one issuer (its own base URL) with one registration for the tool at ``URL``: client id
``quizapp-client``, deployment ``deployment-1``. Its keys, launches, line items, scores,
deep-link results and rosters live in the JSON state file, so a restart keeps them.

lti1p3platform is used through its abstract classes, bound to Flask below the way its
``framework/django`` package binds them to Django: ``FlaskPlatformRequest``,
``PlatformConf``, ``PlatformOIDCLogin``, ``PlatformMessageLaunch``, ``PlatformAGS`` and
``PlatformNRPS``.
"""

from __future__ import annotations

import argparse
import copy
import html
import json
import logging
import os
import secrets
import threading
import typing as t
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import flask
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lti1p3platform.exceptions import (
    InvalidKeySetUrl,
    LineItemNotFoundException,
    LtiDeepLinkingResponseException,
    LtiException,
    LtiServiceException,
    MissingRequiredClaim,
    PreflightRequestValidationException,
    UnsupportedGrantType,
)
from lti1p3platform.lineitem import TLineItem
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.membership import Context
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request, TRequest
from lti1p3platform.response import Response
from lti1p3platform.score import TScore, UpdateScoreStatus
from lti1p3platform.service_connector import (
    AssignmentsGradesService,
    NamesRoleProvisioningService,
    TPage,
)
from werkzeug.exceptions import HTTPException

CLIENT_ID = "quizapp-client"
DEPLOYMENT_ID = "deployment-1"
# What a tampered launch claims instead: a deployment the tool was never told about.
UNKNOWN_DEPLOYMENT_ID = "deployment-unknown"
OTHER_AUDIENCE = "some-other-tool"
TAMPERS = ("signature", "audience", "expired", "deployment")
MESSAGES = ("resource", "deep_link")

LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
SHORT_ROLES = {
    "Instructor": LIS + "Instructor",
    "Learner": LIS + "Learner",
    "ContentDeveloper": LIS + "ContentDeveloper",
    "Mentor": LIS + "Mentor",
    "TeachingAssistant": LIS + "Instructor#TeachingAssistant",
    "Administrator": LIS + "Administrator",
}
COURSE_OFFERING = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCORE_REQUIRED = ("userId", "activityProgress", "gradingProgress", "timestamp")
LINEITEM_FIELDS = (
    "label",
    "scoreMaximum",
    "resourceId",
    "resourceLinkId",
    "tag",
    "startDateTime",
    "endDateTime",
    "gradesReleased",
)
LOOPBACK = {"127.0.0.1", "::1"}


class BadRequest(Exception):
    """A request the platform refuses: answered as JSON with this status."""

    def __init__(self, message: str, status: int = 400, error: str = "invalid_request"):
        super().__init__(message)
        self.status = status
        self.error = error


def expand_roles(roles: t.Iterable[str]) -> list[str]:
    """Return LIS role URIs for a mix of URIs and short names (Instructor, Learner, ...)."""
    expanded = []
    for role in roles:
        role = role.strip()
        if not role:
            continue
        if role in SHORT_ROLES:
            expanded.append(SHORT_ROLES[role])
        elif role.startswith("http://") or role.startswith("https://"):
            expanded.append(role)
        else:
            raise BadRequest(f"unknown role {role!r}: use a LIS role URI or one of {SHORT_ROLES}")
    return expanded


def _new_private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _public_key(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def fresh_data(private_key: str, forger_key: str) -> dict[str, t.Any]:
    """Return a platform's data with nothing launched, posted or recorded yet."""
    return {
        "private_key": private_key,
        "forger_key": forger_key,
        "next_id": 1,
        "pending": {},
        "contexts": {},
        "resource_links": {},
        "lineitems": {},
        "scores": [],
        "deep_links": [],
        "members": {},
        "requests": {},
    }


class State:
    """The platform's durable data: one JSON file, rewritten whole (atomically) on each change."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.Lock()
        if path.exists():
            self.data = json.loads(path.read_text())
        else:
            # forger_key signs the tamper=signature launches: a key the tool has never seen.
            self.data = fresh_data(_new_private_key(), _new_private_key())
            self._save()

    def _save(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.data, indent=1))
        os.replace(tmp, self.path)

    @contextmanager
    def edit(self) -> Iterator[dict[str, t.Any]]:
        """Yield the data to change under the lock; saved when the block ends without error."""
        with self.lock:
            backup = copy.deepcopy(self.data)
            try:
                yield self.data
            except BaseException:
                self.data = backup
                raise
            self._save()

    def read(self, *keys: str) -> t.Any:
        """Return a copy of the value at data[key1][key2]..., or None when missing."""
        with self.lock:
            value: t.Any = self.data
            for key in keys:
                if not isinstance(value, dict) or key not in value:
                    return None
                value = value[key]
            return copy.deepcopy(value)

    def new_id(self, data: dict[str, t.Any]) -> str:
        """Return a fresh id for a line item or resource link (call inside edit())."""
        value = data["next_id"]
        data["next_id"] = value + 1
        return str(value)


class Urls:
    """Where things live on this platform and on the tool."""

    def __init__(self, base: str, tool: str):
        self.base = base.rstrip("/")
        self.tool = tool.rstrip("/")

    def lineitems(self, context: str) -> str:
        return f"{self.base}/ags/{quote(context, safe='')}/lineitems"

    def lineitem(self, context: str, lineitem_id: str) -> str:
        return f"{self.lineitems(context)}/{quote(lineitem_id, safe='')}"

    def memberships(self, context: str) -> str:
        return f"{self.base}/nrps/{quote(context, safe='')}/memberships"

    def deep_link_return(self, context: str) -> str:
        return f"{self.base}/deep_link_return/{quote(context, safe='')}"

    @property
    def token(self) -> str:
        return self.base + "/token"

    @property
    def tool_launch(self) -> str:
        return self.tool + "/lti/launch"


# -- lti1p3platform bound to Flask -------------------------------------------------------------


class FlaskPlatformRequest(Request):
    """lti1p3platform's view of the current Flask request."""

    def build_metadata(self, request: flask.Request) -> TRequest:
        get_data: dict[str, t.Any] = request.args.to_dict()
        # The services do arithmetic on page (page + 1 for the next link) and slice by limit.
        for key in ("page", "limit"):
            if key in get_data:
                try:
                    get_data[key] = int(get_data[key])
                except ValueError as exc:
                    raise BadRequest(f"{key} must be a whole number") from exc
        return {
            "method": request.method,
            "form_data": request.form.to_dict(),
            "get_data": get_data,
            "headers": request.headers,
            "content_type": request.content_type,
            "path": request.path,
            "json": request.get_json(silent=True) if request.is_json else None,
        }


class ForgedRegistration(Registration):
    """Signs with a key the tool does not know under the kid of the one it does."""

    def __init__(self, kid: str):
        self.kid = kid

    def get_kid(self) -> str:
        return self.kid


class PlatformConf(LTI1P3PlatformConfAbstract):
    """The one registration: this platform's issuer and keys, the tool's URLs.

    Made afresh for every request, so the tool's JWKS is fetched for every token and deep-link
    response (a rotated tool key is seen at once).
    """

    def init_platform_config(self, **kwargs: t.Any) -> None:
        self.state: State = kwargs["state"]
        self.urls: Urls = kwargs["urls"]
        self.tamper: str | None = kwargs.get("tamper")
        # Loaded now: the token and service checks assume it is (they assert, not load).
        self.get_registration()

    def get_registration_by_params(self, **kwargs: t.Any) -> Registration:
        private_key = self.state.read("private_key")
        registration = Registration()
        if self.tamper == "signature":
            registration = ForgedRegistration(Registration.get_jwk(private_key)["kid"])
            private_key = self.state.read("forger_key")
        deployment = UNKNOWN_DEPLOYMENT_ID if self.tamper == "deployment" else DEPLOYMENT_ID
        return (
            registration.set_iss(self.urls.base)
            .set_client_id(CLIENT_ID)
            .set_deployment_id(deployment)
            .set_oidc_login_url(self.urls.tool + "/lti/login")
            .set_launch_url(self.urls.tool_launch)
            .set_deeplink_launch_url(self.urls.tool_launch)
            .set_tool_key_set_url(self.urls.tool + "/lti/jwks")
            .set_platform_private_key(private_key)
            .set_platform_public_key(_public_key(private_key))
        )


class PlatformOIDCLogin(OIDCLoginAbstract):
    """Third-party login initiation: the redirect to the tool's /lti/login."""

    def set_lti_message_hint(self, **kwargs: t.Any) -> None:
        # The attribute the base class's get_lti_message_hint() reads.
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> flask.Response:
        return flask.redirect(url)


class PlatformMessageLaunch(LTIAdvantageMessageLaunchAbstract):
    """The authentication response: the id_token for the pending launch, auto-posted."""

    def __init__(
        self, request: Request, platform_config: PlatformConf, pending: dict[str, t.Any]
    ) -> None:
        super().__init__(request, platform_config)
        self.conf = platform_config
        self.pending = pending

    def prepare_launch(self, preflight_response: dict[str, t.Any]) -> None:
        urls, pending = self.conf.urls, self.pending
        checks = {
            "redirect_uri": (preflight_response.get("redirect_uri"), urls.tool_launch),
            "response_type": (preflight_response.get("response_type"), "id_token"),
            "response_mode": (preflight_response.get("response_mode"), "form_post"),
            "login_hint": (preflight_response.get("login_hint"), pending["user"]),
        }
        for name, (got, want) in checks.items():
            if got != want:
                raise PreflightRequestValidationException(f"{name} is {got!r}, not {want!r}")
        if "openid" not in (preflight_response.get("scope") or "").split():
            raise PreflightRequestValidationException("scope must include openid")

        context = pending["context"]
        self.set_user_data(
            pending["user"], pending["roles"], pending.get("name"), pending.get("email")
        )
        self.set_launch_context_claim(
            context, [COURSE_OFFERING], pending.get("context_title"), context_label=context
        )
        if pending.get("custom"):
            self.set_custom_parameters_claim(pending["custom"])
        self.set_nrps(urls.memberships(context))
        if pending["message"] == "deep_link":
            self.set_dl(
                urls.deep_link_return(context),
                title=pending.get("context_title") or "",
                accept_types={"ltiResourceLink"},
                extra_data={"hint": pending["hint"]},
            )
            self.set_ags(urls.lineitems(context))
        else:
            link = pending["link"]
            self.set_resource_link_claim(link, title=pending.get("link_title"))
            lineitem_id = pending.get("lineitem_id")
            lineitem = urls.lineitem(context, lineitem_id) if lineitem_id else None
            self.set_ags(urls.lineitems(context), lineitem)
        if self.conf.tamper == "audience":
            self.set_extra_claims({"aud": OTHER_AUDIENCE, "azp": OTHER_AUDIENCE})
        elif self.conf.tamper == "expired":
            self.set_id_token_expiration(-600)

    def render_launch_form(self, launch_data: dict[str, t.Any], **kwargs: t.Any) -> flask.Response:
        action = launch_data["launch_url"]
        fields = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(launch_data[name])}">'
            for name in ("id_token", "state")
        )
        page = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            "<title>LTI launch</title></head><body>"
            f'<form id="lti-launch" method="post" action="{html.escape(action)}">'
            f'{fields}<noscript><button type="submit">Continue</button></noscript></form>'
            '<script>document.getElementById("lti-launch").submit();</script>'
            "</body></html>"
        )
        return flask.Response(page, mimetype="text/html")


def _page(items: list[t.Any], page: int, limit: int | None) -> TPage:
    if not limit:
        return {"content": items, "has_next": False}
    start = (page - 1) * limit
    return {"content": items[start : start + limit], "has_next": start + limit < len(items)}


class PlatformAGS(AssignmentsGradesService):
    """Assignment and Grade Services for one context's line items."""

    def __init__(self, request: Request, conf: PlatformConf, context: str) -> None:
        self.state = conf.state
        self.urls = conf.urls
        self.context = context
        super().__init__(request, conf, conf.urls.lineitems(context))

    def _items(self, data: dict[str, t.Any]) -> dict[str, t.Any]:
        return data["lineitems"].setdefault(self.context, {})

    def _stored(self, data: dict[str, t.Any], line_item_id: str) -> dict[str, t.Any]:
        try:
            return self._items(data)[line_item_id]
        except KeyError:
            raise LineItemNotFoundException(line_item_id) from None

    def find_lineitems(
        self,
        page: int = 1,
        limit: int | None = None,
        line_item_id: str | None = None,
        resource_link_id: str | None = None,
        resource_id: str | None = None,
        tag: str | None = None,
    ) -> TPage:
        items = list((self.state.read("lineitems", self.context) or {}).values())
        wanted = {"resourceLinkId": resource_link_id, "resourceId": resource_id, "tag": tag}
        items = [
            item
            for item in items
            if all(value is None or item.get(key) == value for key, value in wanted.items())
        ]
        return _page(items, page, limit)

    def _read(self, line_item_id: str) -> dict[str, t.Any]:
        item = self.state.read("lineitems", self.context, line_item_id)
        if item is None:
            raise LineItemNotFoundException(line_item_id)
        return item

    def find_lineitem(self, line_item_id: str) -> TLineItem:
        return self._read(line_item_id)  # type: ignore[return-value]

    def create_lineitem(self, creation_data: TLineItem) -> TLineItem:
        body = _lineitem_body(creation_data)
        with self.state.edit() as data:
            return create_lineitem(data, self.urls, self.context, body)  # type: ignore[return-value]

    def update_lineitem(self, update_data: TLineItem) -> TLineItem:
        line_item_id = update_data["id"]
        body = _lineitem_body(update_data)
        with self.state.edit() as data:
            item = self._stored(data, line_item_id)
            item.update(body)
            return copy.deepcopy(item)  # type: ignore[return-value]

    def delete_lineitem(self, line_item_id: str) -> None:
        with self.state.edit() as data:
            self._stored(data, line_item_id)
            del self._items(data)[line_item_id]

    def update_score(self, line_item_id: str, score: TScore) -> UpdateScoreStatus:
        if not isinstance(score, dict):
            raise LtiServiceException("the score must be a JSON object", 400)
        missing = [key for key in SCORE_REQUIRED if key not in score]
        if missing:
            raise LtiServiceException(f"the score lacks {', '.join(missing)}", 400)
        with self.state.edit() as data:
            item = self._stored(data, line_item_id)
            data["scores"].append(
                {
                    "context": self.context,
                    "lineitem_id": line_item_id,
                    "lineitem": item["id"],
                    "score": score,
                }
            )
        return UpdateScoreStatus.SUCCESS

    def get_results(
        self,
        line_item_id: str,
        page: int = 1,
        limit: int | None = None,
        user_id: str | None = None,
    ) -> TPage:
        item = self._read(line_item_id)
        latest: dict[str, dict[str, t.Any]] = {}
        for entry in self.state.read("scores"):
            if entry["context"] == self.context and entry["lineitem_id"] == line_item_id:
                latest[entry["score"]["userId"]] = entry["score"]
        results = [
            {
                "id": f"{item['id']}/results/{quote(str(user), safe='')}",
                "scoreOf": item["id"],
                "userId": user,
                "resultScore": score.get("scoreGiven"),
                "resultMaximum": score.get("scoreMaximum", 1),
                "comment": score.get("comment"),
            }
            for user, score in latest.items()
            if user_id is None or user == user_id
        ]
        return _page(results, page, limit)


def _lineitem_body(data: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    if not isinstance(data, t.Mapping):
        raise LtiServiceException("the line item must be a JSON object", 400)
    body = {key: data[key] for key in LINEITEM_FIELDS if key in data}
    maximum = body.get("scoreMaximum")
    if isinstance(maximum, bool) or not isinstance(maximum, int | float) or maximum <= 0:
        raise LtiServiceException("scoreMaximum must be a number above 0", 400)
    if not body.get("label"):
        raise LtiServiceException("label is required", 400)
    return body


def create_lineitem(
    data: dict[str, t.Any], urls: Urls, context: str, body: dict[str, t.Any]
) -> dict[str, t.Any]:
    """Store a new line item in the context and return it (call inside State.edit())."""
    line_item_id = str(data["next_id"])
    data["next_id"] += 1
    item = {"id": urls.lineitem(context, line_item_id), **body}
    data["lineitems"].setdefault(context, {})[line_item_id] = item
    return copy.deepcopy(item)


class PlatformNRPS(NamesRoleProvisioningService):
    """Names and Role Provisioning for one context: the roster set through /_test/members."""

    def __init__(self, request: Request, conf: PlatformConf, context: str) -> None:
        self.state = conf.state
        self.context = context
        super().__init__(request, conf, conf.urls.memberships(context))

    def get_member_data_page(
        self,
        page: int = 1,
        limit: int | None = None,
        role: str | None = None,
        since: str | None = None,
        rlid: str | None = None,
    ) -> TPage:
        members = self.state.read("members", self.context) or []
        if role:
            wanted = SHORT_ROLES.get(role, role)
            members = [member for member in members if wanted in member["roles"]]
        return _page(members, page, limit)

    def get_context_by_id(self) -> Context:
        title = self.state.read("contexts", self.context, "title") or ""
        return Context(id=self.context, label=self.context, title=title)

    def is_resource_link_valid(self, context_id: str, resource_link_id: str) -> bool:
        return self.state.read("resource_links", resource_link_id, "context") == context_id


def _serve(
    service: AssignmentsGradesService | NamesRoleProvisioningService,
    handler: t.Callable[..., Response],
    **kwargs: t.Any,
) -> flask.Response:
    """Run a service handler; a bad bearer token is a 401, other failures its own status."""
    try:
        return _service_response(service.handle_resp(handler, **kwargs))
    except (LtiException, jwt.PyJWTError) as exc:
        # lti1p3platform's validate_token() raises these rather than returning False.
        raise BadRequest(str(exc) or type(exc).__name__, 401, "invalid_token") from exc


def _service_response(resp: Response) -> flask.Response:
    """Turn an lti1p3platform service Response into a Flask one (see framework/django)."""
    if not 200 <= resp.code < 300:
        out = flask.jsonify({"error": resp.message})
        out.status_code = resp.code
        return out
    if resp.result is None or resp.code == 204:
        return flask.Response(status=resp.code)
    result = resp.result
    data = result["content"] if isinstance(result, dict) and "content" in result else result
    out = flask.Response(json.dumps(data), status=resp.code, mimetype=resp.media_type)
    if isinstance(result, dict) and result.get("next"):
        # lti1p3platform's generate_next_link() writes rel=next unquoted, which pylti1p3 (and
        # RFC 8288's usual reading) does not match: write the quoted form.
        out.headers["Link"] = f'<{result["next"]}>; rel="next"'
    return out


# -- the app -------------------------------------------------------------------------------------


def create_app(state_path: Path, base_url: str, tool_url: str) -> flask.Flask:
    """Return the platform's Flask app, its state kept in state_path."""
    app = flask.Flask(__name__)
    state = State(state_path)
    urls = Urls(base_url, tool_url)

    def conf(tamper: str | None = None) -> PlatformConf:
        return PlatformConf(state=state, urls=urls, tamper=tamper)

    @app.before_request
    def count_and_guard() -> flask.Response | None:
        path = flask.request.path
        if path.startswith("/_test/"):
            if flask.request.remote_addr not in LOOPBACK:
                raise BadRequest("test control is for loopback clients", 403, "forbidden")
            return None
        kinds = []
        if path == "/token":
            kinds = ["token"]
        elif path.startswith("/ags/"):
            last = path.rstrip("/").rsplit("/", 1)[-1]
            kind = last if last in ("lineitems", "scores", "results") else "lineitem"
            kinds = ["ags", f"ags.{kind}"]
        elif path.startswith("/nrps/"):
            kinds = ["nrps"]
        elif path.startswith("/deep_link_return/"):
            kinds = ["deep_link_return"]
        if kinds:
            with state.edit() as data:
                for kind in kinds:
                    data["requests"][kind] = data["requests"].get(kind, 0) + 1
        return None

    @app.errorhandler(BadRequest)
    def bad_request(exc: BadRequest) -> tuple[flask.Response, int]:
        return flask.jsonify({"error": exc.error, "error_description": str(exc)}), exc.status

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> tuple[flask.Response, int]:
        code = exc.code or 500
        return flask.jsonify({"error": exc.name, "error_description": exc.description}), code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[flask.Response, int]:
        app.logger.exception("unexpected error")  # to the server's log, never to the client
        return flask.jsonify(
            {"error": "server_error", "error_description": type(exc).__name__}
        ), 500

    @app.get("/jwks")
    def jwks() -> flask.Response:
        platform = conf()
        return flask.jsonify(platform.get_jwks())

    @app.post("/token")
    def token() -> flask.Response:
        form = flask.request.form.to_dict()
        platform = conf()
        if form.get("client_assertion_type", CLIENT_ASSERTION_TYPE) != CLIENT_ASSERTION_TYPE:
            raise BadRequest("client_assertion_type must be jwt-bearer")
        try:
            # lti1p3platform checks the signature but not aud, iss or sub of the assertion.
            claims = platform.tool_validate_and_decode(form.get("client_assertion", ""))
            _check_client_assertion(claims, urls.token)
            answer = platform.get_access_token(form)
        except MissingRequiredClaim as exc:
            raise BadRequest(str(exc)) from exc
        except UnsupportedGrantType as exc:
            message = "grant_type must be client_credentials"
            raise BadRequest(message, 400, "unsupported_grant_type") from exc
        except (LtiException, InvalidKeySetUrl, jwt.PyJWTError) as exc:
            raise BadRequest(str(exc) or type(exc).__name__, 401, "invalid_client") from exc
        return flask.jsonify(answer)

    @app.get("/start")
    def start() -> flask.Response:
        args = flask.request.args
        pending = _pending_launch(args, state)
        platform = conf(pending["tamper"])
        login = PlatformOIDCLogin(FlaskPlatformRequest(flask.request), platform)
        login.set_lti_message_hint(hint=pending["hint"])
        if pending["message"] == "deep_link":
            login.set_deeplinking_launch_url()
        return login.initiate_login(pending["user"])

    @app.get("/course")
    def course() -> flask.Response:
        """A course page that shows the tool in an iframe, as an LMS does (for browser tests)."""
        start = "/start?" + flask.request.query_string.decode("ascii", "replace")
        page = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            "<title>Course</title></head><body><h1>Course page</h1>"
            f'<iframe title="quizapp" src="{html.escape(start)}" width="1000" height="900">'
            "</iframe></body></html>"
        )
        return flask.Response(page, mimetype="text/html")

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize() -> flask.Response:
        request = FlaskPlatformRequest(flask.request)
        params = request.get_data or request.form_data
        pending = state.read("pending", params.get("lti_message_hint") or "")
        if pending is None:
            raise BadRequest("unknown lti_message_hint")
        launch = PlatformMessageLaunch(request, conf(pending["tamper"]), pending)
        try:
            return launch.lti_launch()
        except PreflightRequestValidationException as exc:
            raise BadRequest(str(exc) or "invalid authentication request") from exc

    def ags(context: str) -> PlatformAGS:
        return PlatformAGS(FlaskPlatformRequest(flask.request), conf(), context)

    @app.route("/ags/<context>/lineitems", methods=["GET", "POST"])
    def lineitems(context: str) -> flask.Response:
        service = ags(context)
        if flask.request.method == "POST":
            return _serve(service, service.handle_create_lineitem)
        return _serve(service, service.handle_get_lineitems)

    @app.route("/ags/<context>/lineitems/<lineitem_id>", methods=["GET", "PUT", "DELETE"])
    def lineitem(context: str, lineitem_id: str) -> flask.Response:
        service = ags(context)
        handler = {
            "GET": service.handle_get_lineitem,
            "PUT": service.handle_update_lineitem,
            "DELETE": service.handle_delete_lineitem,
        }[flask.request.method]
        return _serve(service, handler, line_item_id=lineitem_id)

    @app.post("/ags/<context>/lineitems/<lineitem_id>/scores")
    def scores(context: str, lineitem_id: str) -> flask.Response:
        service = ags(context)
        handler = service.handle_update_score
        return _serve(service, handler, line_item_id=lineitem_id)

    @app.get("/ags/<context>/lineitems/<lineitem_id>/results")
    def results(context: str, lineitem_id: str) -> flask.Response:
        service = ags(context)
        handler = service.handle_get_results
        return _serve(service, handler, line_item_id=lineitem_id)

    @app.get("/nrps/<context>/memberships")
    def memberships(context: str) -> flask.Response:
        service = PlatformNRPS(FlaskPlatformRequest(flask.request), conf(), context)
        return _serve(service, service.handle_get_members)

    @app.post("/deep_link_return/<context>")
    def deep_link_return(context: str) -> flask.Response:
        form = flask.request.form.to_dict()
        if not form.get("JWT"):
            raise BadRequest("the deep linking response has no JWT")
        platform = conf()
        try:
            items = platform.validate_deeplinking_resp(form)
            claims = platform.tool_validate_and_decode(form["JWT"])
        except (LtiException, LtiDeepLinkingResponseException, jwt.PyJWTError) as exc:
            raise BadRequest(str(exc) or type(exc).__name__, 401, "invalid_response") from exc
        _check_deep_link_response(claims, urls.base)
        _check_deep_link_request(state, context, claims)
        record = _record_deep_link(state, urls, context, items, claims)
        listing = "".join(
            f"<li>{html.escape(str(item.get('title') or item.get('type')))}</li>" for item in items
        )
        page = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            "<title>Content added</title></head><body>"
            f"<h1>{len(items)} item(s) added</h1><ul>{listing}</ul>"
            f'<script type="application/json" id="deep-link">{html.escape(json.dumps(record))}'
            "</script></body></html>"
        )
        return flask.Response(page, mimetype="text/html")

    @app.post("/_test/reset")
    def test_reset() -> flask.Response:
        """Forget everything but the keys and serve another tool (one process, many tests)."""
        body = flask.request.get_json(silent=True)
        tool = body.get("tool") if isinstance(body, dict) else None
        if not isinstance(tool, str) or not tool.startswith("http"):
            raise BadRequest('send {"tool": "http://..."}')
        with state.edit() as data:
            keys = data["private_key"], data["forger_key"]
            data.clear()
            data.update(fresh_data(*keys))
        urls.tool = tool.rstrip("/")
        return flask.jsonify({"tool": urls.tool})

    @app.get("/_test/scores")
    def test_scores() -> flask.Response:
        return flask.jsonify(state.read("scores"))

    @app.get("/_test/lineitems")
    def test_lineitems() -> flask.Response:
        return flask.jsonify(state.read("lineitems"))

    @app.get("/_test/deep_links")
    def test_deep_links() -> flask.Response:
        return flask.jsonify(state.read("deep_links"))

    @app.get("/_test/requests")
    def test_requests() -> flask.Response:
        return flask.jsonify(state.read("requests"))

    @app.put("/_test/members/<context>")
    def test_members(context: str) -> flask.Response:
        members = flask.request.get_json(silent=True)
        if not isinstance(members, list):
            raise BadRequest("send a JSON list of members")
        roster = []
        for member in members:
            if not isinstance(member, dict) or not member.get("user_id"):
                raise BadRequest("every member needs a user_id")
            roles = member.get("roles") or []
            if isinstance(roles, str):
                roles = roles.split(",")
            roster.append({**member, "roles": expand_roles(roles)})
        with state.edit() as data:
            data["members"][context] = roster
            data["contexts"].setdefault(context, {"title": ""})
        return flask.jsonify(roster)

    return app


def _pending_launch(args: t.Mapping[str, str], state: State) -> dict[str, t.Any]:
    """Store the launch /start describes under a new lti_message_hint and return it."""
    user = args.get("user")
    if not user:
        raise BadRequest("user is required")
    message = args.get("message", "resource")
    if message not in MESSAGES:
        raise BadRequest(f"message must be one of {MESSAGES}")
    tamper = args.get("tamper") or None
    if tamper is not None and tamper not in TAMPERS:
        raise BadRequest(f"tamper must be one of {TAMPERS}")
    custom = None
    if args.get("custom"):
        try:
            custom = json.loads(args["custom"])
        except ValueError as exc:
            raise BadRequest("custom must be JSON") from exc
        if not isinstance(custom, dict):
            raise BadRequest("custom must be a JSON object")
    context = args.get("context", "course-1")
    pending: dict[str, t.Any] = {
        "hint": secrets.token_urlsafe(16),
        "user": user,
        "name": args.get("name"),
        "email": args.get("email"),
        "roles": expand_roles(args.get("roles", "Learner").split(",")),
        "context": context,
        "context_title": args.get("context_title"),
        "message": message,
        "custom": custom,
        "tamper": tamper,
        "link": None,
    }
    with state.edit() as data:
        context_data = data["contexts"].setdefault(context, {"title": ""})
        if pending["context_title"]:
            context_data["title"] = pending["context_title"]
        else:
            pending["context_title"] = context_data["title"] or None
        if message == "resource":
            link = args.get("link") or f"{context}-link-1"
            known = data["resource_links"].setdefault(link, {"context": context, "title": None})
            if known["context"] != context:
                raise BadRequest(f"resource link {link} belongs to context {known['context']}")
            pending["link"] = link
            pending["link_title"] = known.get("title")
            if known.get("custom"):
                pending["custom"] = {**known["custom"], **(custom or {})}
            bound = [
                line_item_id
                for line_item_id, item in data["lineitems"].get(context, {}).items()
                if item.get("resourceLinkId") == link
            ]
            pending["lineitem_id"] = bound[0] if bound else None
        data["pending"][pending["hint"]] = pending
    return pending


def _check_client_assertion(claims: dict[str, t.Any], token_url: str) -> None:
    if claims.get("iss") != CLIENT_ID or claims.get("sub") != CLIENT_ID:
        raise LtiException(f"the client assertion must be issued by {CLIENT_ID}")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if token_url not in audiences:
        raise LtiException(f"the client assertion's aud must be {token_url}")


def _check_deep_link_response(claims: dict[str, t.Any], issuer: str) -> None:
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    problems = []
    if issuer not in audiences:
        problems.append(f"aud must be {issuer}")
    if claims.get("iss") != CLIENT_ID:
        problems.append(f"iss must be {CLIENT_ID}")
    deployment = claims.get("https://purl.imsglobal.org/spec/lti/claim/deployment_id")
    if deployment != DEPLOYMENT_ID:
        problems.append(f"deployment_id must be {DEPLOYMENT_ID}")
    if problems:
        raise BadRequest("; ".join(problems), 401, "invalid_response")


def _check_deep_link_request(state: State, context: str, claims: dict[str, t.Any]) -> None:
    """Refuse a response that answers no deep-linking request of ours for this context."""
    data = claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/data")
    hint = data.get("hint") if isinstance(data, dict) else None
    pending = state.read("pending", hint) if isinstance(hint, str) else None
    if not pending or pending["message"] != "deep_link" or pending["context"] != context:
        raise BadRequest("the response answers no deep-linking request here", 400)


def _record_deep_link(
    state: State,
    urls: Urls,
    context: str,
    items: list[dict[str, t.Any]],
    claims: dict[str, t.Any],
) -> dict[str, t.Any]:
    """Record the content items; give each ltiResourceLink a resource link (and line item)."""
    with state.edit() as data:
        created = []
        for item in items:
            if item.get("type") != "ltiResourceLink":
                continue
            link = f"{context}-link-{state.new_id(data)}"
            data["resource_links"][link] = {
                "context": context,
                "title": item.get("title"),
                "url": item.get("url"),
                "custom": item.get("custom") or None,
            }
            entry: dict[str, t.Any] = {"resource_link_id": link, "lineitem": None}
            if isinstance(item.get("lineItem"), dict):
                body = {**item["lineItem"], "resourceLinkId": link}
                body.setdefault("label", item.get("title") or link)
                try:
                    entry["lineitem"] = create_lineitem(data, urls, context, _lineitem_body(body))
                except LtiServiceException as exc:
                    raise BadRequest(f"lineItem: {exc.message}") from exc
            created.append(entry)
        record = {
            "context": context,
            "items": items,
            "data": claims.get("https://purl.imsglobal.org/spec/lti-dl/claim/data"),
            "created": created,
        }
        data["deep_links"].append(record)
    return copy.deepcopy(record)


def main(argv: list[str] | None = None) -> None:
    """Serve the platform on 127.0.0.1 until killed."""
    from werkzeug.serving import make_server

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", type=Path, required=True, help="JSON state file")
    parser.add_argument("--tool", required=True, help="the tool's base URL")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_app(args.state, f"http://127.0.0.1:{args.port}", args.tool)
    make_server("127.0.0.1", args.port, app, threaded=True).serve_forever()


if __name__ == "__main__":
    main()
