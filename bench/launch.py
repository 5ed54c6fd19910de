"""An LTI launch against a sign-in: what the tool's own requests cost, in one run.

A sign-in is the login form (GET) and its POST, for an account with the app's own password
hash (scrypt, as registering makes); the demo's cheap-hash accounts are timed beside it. A
launch is the tool's two requests of the OIDC flow, /lti/login (GET) and /lti/launch (POST,
which checks the platform-signed id_token against the platform's key set, cached after the
first launch). The platform's own work (signing, its pages) is not the tool's and is not
counted: only responses from the tool's address are timed. All run one flow at a time against
the same gunicorn server, so the figures are per-flow latencies on an idle server. A first
launch also makes the account and joins the class; a returning one finds them.
"""

import sqlite3
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

import requests

from bench import data, plan
from bench.servers import Server

FLOWS = 40  # of each kind; sign-ins use distinct demo students (one per loopback address)


@dataclass
class Timing:
    name: str
    per_flow_ms: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.per_flow_ms)

    @property
    def p90(self) -> float:
        return statistics.quantiles(self.per_flow_ms, n=10)[-1]


def _timed(http: requests.Session, base: str) -> list[float]:
    """Record the elapsed time of every response from ``base`` the session receives."""
    spent: list[float] = []

    def hook(response: requests.Response, *args, **kwargs) -> None:
        if response.url.startswith(base):
            spent.append(response.elapsed.total_seconds() * 1000)

    http.hooks["response"].append(hook)
    return spent


def give_real_passwords(db: Path, names: list[str]) -> None:
    """Give these demo students the password hash a registered account has.

    The demo seeds its students with a deliberately cheap hash (pbkdf2, 1,000 rounds) so that
    thousands are made in seconds; an account made by registering or by ``quizapp user`` has
    the app's own (scrypt), and its sign-in checks that. The gate compares a launch with that
    sign-in; the demo account's is shown beside it.
    """
    from werkzeug.security import generate_password_hash

    real = generate_password_hash(data.DEMO_PASSWORD, method="scrypt")  # as accounts.users
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "UPDATE user SET password_hash = ? WHERE username = ?", [(real, n) for n in names]
        )


def sign_ins(base: str, names: list[str], label: str = "sign-in") -> Timing:
    """Time the sign-in form and its POST for each student, once each."""
    flows = []
    for name in names:
        http = plan.browser_session(name)
        spent = _timed(http, base)
        token = plan.CSRF.search(http.get(base + "/auth/login").text).group(1)
        form = {"username": name, "password": data.DEMO_PASSWORD, "csrf_token": token}
        response = http.post(base + "/auth/login", data=form, allow_redirects=False)
        if response.status_code != 302:
            raise RuntimeError(f"sign-in of {name} answered {response.status_code}")
        flows.append(sum(spent))
    return Timing(label, flows)


def launches(platform, base: str, users: list[str], name: str) -> Timing:
    """Time the tool's part of one student launch per user."""
    flows = []
    for user in users:
        http = requests.Session()
        spent = _timed(http, base)
        # Stop at the tool's redirect after the launch: its landing page is not the launch.
        launched = platform.launch(
            http, user=user, roles="Learner", name=f"Bench {user}", follow=False
        )
        if launched.response.status_code not in (302, 303):
            raise RuntimeError(f"launch of {user} answered {launched.response.status_code}")
        flows.append(sum(spent))
    return Timing(name, flows)


def register(db: Path, platform) -> None:
    """Register the platform through the CLI, as an administrator would."""
    data.quizapp(
        db,
        "lti",
        "add-platform",
        "--name=Bench LMS",
        f"--issuer={platform.issuer}",
        f"--client-id={platform.client_id}",
        f"--login-url={platform.auth_login_url}",
        f"--token-url={platform.auth_token_url}",
        f"--jwks-url={platform.key_set_url}",
        f"--deployment={platform.deployment_id}",
        log=lambda _m: None,
    )


def measure(db: Path, log=print) -> list[Timing]:
    """Serve the app on ``db``; time sign-ins, first launches and returning launches."""
    from tests.lti.platform import Platform

    _course, students = plan.demo_class(db)
    # Two disjoint sets of demo students (cheap hash, then the app's own); a quick run's class
    # is smaller, so each kind then runs fewer flows.
    flows = min(FLOWS, (len(students) - 3) // 2)
    if flows < 5:
        raise RuntimeError("the launch bench needs at least 13 demo students")
    cheap, registered = students[:flows], students[flows + 3 : 2 * flows + 3]
    give_real_passwords(db, registered)
    with (
        Server("quizapp:create_app()", data.env(db)) as server,
        tempfile.TemporaryDirectory() as state,
        Platform(server.url, Path(state)) as lms,
    ):
        register(db, lms)
        # The class exists once its instructor has launched.
        teacher = lms.launch(requests.Session(), user="bench-teacher", roles="Instructor")
        if teacher.form is None:
            raise RuntimeError("the instructor's launch did not reach the tool")
        users = [f"bench-student-{i}" for i in range(flows)]
        # Warm both paths (imports, the JWKS fetch's connection) before timing.
        sign_ins(server.url, students[flows : flows + 3])
        launches(lms, server.url, ["bench-warm-1", "bench-warm-2"], "warm")
        timings = [
            sign_ins(server.url, registered, "sign-in"),
            sign_ins(server.url, cheap, "sign-in, demo account (cheap hash)"),
            launches(lms, server.url, users, "first launch"),
            launches(lms, server.url, users, "returning launch"),
        ]
    for t in timings:
        log(f"  {t.name}: p50 {t.p50:.1f} ms, p90 {t.p90:.1f} ms per flow")
    return timings


def rows(timings: list[Timing]) -> list[list[str]]:
    """Return table cells: each kind's per-flow latency and the launches' ratio to sign-in."""
    sign_in, demo = timings[0], timings[1]
    cells = []
    for t in timings:
        ratio = t.p50 / sign_in.p50 if sign_in.p50 else float("inf")
        to_demo = t.p50 / demo.p50 if demo.p50 else float("inf")
        is_launch = "launch" in t.name
        cells.append(
            [
                f"{t.name} (tool's requests, one flow at a time)",
                "—",
                f"{t.p50:.1f}",
                f"p90 {t.p90:.1f}",
                "—",
                "—",
                f"{ratio:.2f}x sign-in ({to_demo:.2f}x demo's)" if is_launch else "—",
                "≤ 1.00x sign-in" if is_launch else "—",
                ("PASS" if ratio <= 1.0 else "FAIL") if is_launch else "—",
                "—",
                "—",
                "—",
            ]
        )
    return cells
