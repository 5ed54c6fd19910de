"""The LTI platform's process for tests, and a browser's part in its launches.

``Platform`` starts tests/lti/platform_server.py on a loopback port with its state in a folder,
stops it, and restarts it on the same port with the same state. ``Platform.launch()`` plays the
browser through a whole LTI 1.3 launch with a ``requests.Session`` (cookies kept), and
``replay()`` posts a launch's id_token again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import jwt
import requests

from tests.lti import platform_server
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Form:
    """A page's form: where it posts and its fields."""

    action: str
    method: str
    fields: dict[str, str]


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[dict[str, str | None], dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "form":
            self.forms.append((dict(attrs), {}))
        elif tag in ("input", "button", "textarea") and self.forms:
            named = dict(attrs)
            if named.get("name"):
                self.forms[-1][1][named["name"]] = named.get("value") or ""


def forms_in(response: requests.Response) -> list[Form]:
    """Return the forms of an HTML page, their actions made absolute against the page's URL."""
    parser = _Forms()
    parser.feed(response.text)
    parser.close()
    return [
        Form(
            action=urljoin(response.url, attrs.get("action") or ""),
            method=(attrs.get("method") or "get").lower(),
            fields=fields,
        )
        for attrs, fields in parser.forms
    ]


@dataclass(frozen=True)
class LaunchForm:
    """The id_token and state the platform auto-posted, and where to."""

    action: str
    id_token: str
    state: str

    @property
    def claims(self) -> dict[str, Any]:
        """Return the id_token's claims (read, not verified: the tool's job)."""
        return jwt.decode(self.id_token, options={"verify_signature": False})


@dataclass(frozen=True)
class Launched:
    """A launch played through: the tool's final answer, and the form posted to get it.

    ``form`` is None when no launch form came back (the tool's login refused, say); then
    ``response`` is the page that came back instead.
    """

    response: requests.Response
    form: LaunchForm | None


def replay(http: requests.Session, form: LaunchForm, follow: bool = True) -> requests.Response:
    """Post a launch's id_token and state to the tool again (a replayed nonce)."""
    data = {"id_token": form.id_token, "state": form.state}
    return http.post(form.action, data=data, allow_redirects=follow)


def submit(http: requests.Session, response: requests.Response) -> requests.Response:
    """Submit the page's first form as its script would (the tool's deep-linking response)."""
    forms = forms_in(response)
    assert forms, f"no form on {response.url} ({response.status_code}): {response.text[:500]}"
    form = forms[0]
    if form.method == "post":
        return http.post(form.action, data=form.fields)
    return http.get(form.action, params=form.fields)


class Platform:
    """One LTI 1.3 platform process on a fixed loopback port, its state in ``state_dir``."""

    client_id = platform_server.CLIENT_ID
    deployment_id = platform_server.DEPLOYMENT_ID

    def __init__(self, tool_url: str, state_dir: Path, port: int | None = None):
        self.tool_url = tool_url.rstrip("/")
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_file = self.state_dir / "platform.json"
        self.log_file = self.state_dir / "platform.log"
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        """The platform's issuer (iss): its base URL."""
        return self.url

    @property
    def auth_login_url(self) -> str:
        """The OIDC authorization endpoint the tool redirects the browser to."""
        return self.url + "/authorize"

    @property
    def auth_token_url(self) -> str:
        """The OAuth2 token endpoint (client_credentials with a signed client assertion)."""
        return self.url + "/token"

    @property
    def key_set_url(self) -> str:
        """The platform's JWKS."""
        return self.url + "/jwks"

    # -- the process ------------------------------------------------------------------------

    def start(self, timeout: float = 20) -> Platform:
        """Start the server and return once it answers."""
        args = [sys.executable, "-m", "tests.lti.platform_server", "--port", str(self.port)]
        args += ["--state", str(self.state_file), "--tool", self.tool_url]
        with open(self.log_file, "ab") as log:
            self.proc = subprocess.Popen(
                args,
                cwd=ROOT,
                env=dict(os.environ, PYTHONUNBUFFERED="1"),
                start_new_session=True,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the LTI platform exited: {self.log()[-2000:]}")
            try:
                with requests.get(self.key_set_url, timeout=1) as answer:
                    if answer.status_code == 200:
                        return self
            except requests.RequestException:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the LTI platform did not start in time: {self.log()[-2000:]}")

    def stop(self) -> None:
        """Stop the server (its state stays for restart())."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None

    def restart(self) -> Platform:
        """Stop and start again on the same port with the same state (keys, items, scores)."""
        self.stop()
        return self.start()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        """Return what the server wrote to stderr (its errors' tracebacks land here)."""
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def __enter__(self) -> Platform:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self, tool_url: str) -> Platform:
        """Forget all launches, items, scores and rosters; serve the tool at ``tool_url``."""
        self.tool_url = tool_url.rstrip("/")
        with requests.post(
            self.url + "/_test/reset", json={"tool": self.tool_url}, timeout=10
        ) as answer:
            answer.raise_for_status()
        return self

    # -- what the platform recorded ---------------------------------------------------------

    def _get(self, path: str) -> Any:
        with requests.get(self.url + path, timeout=10) as answer:
            answer.raise_for_status()
            return answer.json()

    def scores(self) -> list[dict[str, Any]]:
        """Return every score posted, in order: {context, lineitem_id, lineitem, score}."""
        return self._get("/_test/scores")

    def lineitems(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Return the line items as {context: {lineitem_id: line item JSON}}."""
        return self._get("/_test/lineitems")

    def deep_links(self) -> list[dict[str, Any]]:
        """Return the deep-linking responses: {context, items, data, created}."""
        return self._get("/_test/deep_links")

    def requests(self) -> dict[str, int]:
        """Return request counts: token, ags (ags.lineitems, ags.scores, ...), nrps, ..."""
        return self._get("/_test/requests")

    def set_members(self, context: str, members: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Set a context's NRPS roster ({user_id, name, email, roles}); return it as stored."""
        with requests.put(f"{self.url}/_test/members/{context}", json=members, timeout=10) as r:
            r.raise_for_status()
            return r.json()

    # -- the browser's part -----------------------------------------------------------------

    def start_url(self, **params: Any) -> str:
        """Return the /start URL for a launch (params as launch() takes them)."""
        return (
            requests.Request("GET", self.url + "/start", params=_start_params(**params))
            .prepare()
            .url
        )

    def course_url(self, **params: Any) -> str:
        """Return the URL of a course page framing the launch params describe (as launch())."""
        return self.start_url(**params).replace("/start?", "/course?", 1)

    def launch(
        self,
        http: requests.Session,
        *,
        user: str,
        roles: str | list[str] = "Learner",
        context: str = "course-1",
        context_title: str | None = "Science Policy",
        link: str | None = None,
        name: str | None = None,
        email: str | None = None,
        message: str = "resource",
        custom: dict[str, Any] | None = None,
        tamper: str | None = None,
        follow: bool = True,
    ) -> Launched:
        """Play the browser through a launch and return the tool's final answer.

        GET /start, follow the redirects through the tool's /lti/login to /authorize, then post
        the id_token and state to the tool's launch URL, following its redirects (or, with
        ``follow=False``, returning the launch's own answer).
        """
        params = _start_params(
            user=user,
            roles=roles,
            context=context,
            context_title=context_title,
            link=link,
            name=name,
            email=email,
            message=message,
            custom=custom,
            tamper=tamper,
        )
        page = http.get(self.url + "/start", params=params)
        forms = [f for f in forms_in(page) if {"id_token", "state"} <= f.fields.keys()]
        if not page.url.startswith(self.auth_login_url) or not forms:
            return Launched(response=page, form=None)
        fields = forms[0].fields
        form = LaunchForm(forms[0].action, fields["id_token"], fields["state"])
        return Launched(response=replay(http, form, follow), form=form)

    def deep_link_launch(self, http: requests.Session, *, user: str, **kwargs: Any) -> Launched:
        """Play a deep-linking launch (message=deep_link); roles default to Instructor."""
        kwargs.setdefault("roles", "Instructor")
        return self.launch(http, user=user, message="deep_link", **kwargs)


def _start_params(**params: Any) -> dict[str, str]:
    roles = params.pop("roles", None)
    custom = params.pop("custom", None)
    out = {key: str(value) for key, value in params.items() if value is not None}
    if roles is not None:
        out["roles"] = roles if isinstance(roles, str) else ",".join(roles)
    if custom is not None:
        out["custom"] = json.dumps(custom)
    return out
