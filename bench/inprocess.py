"""`python -m bench.inprocess`: where a request's time goes, measured inside one process.

Calls the WSGI apps directly (no server, no sockets), so the numbers are the Python work per
request: the bare hello-world, a route of the real app that returns a constant, the same behind
the login (Flask-Login, the session-user query), an empty page in the site layout (the stack
floor's routes, ``floor.py``), and the question page.
Under gunicorn every request also pays the server and the network; `python -m bench` measures
that whole.
"""

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.test import EnvironBuilder

from bench import data, floor
from bench.hello import app as hello_app
from bench.plan import CSRF, USER_AGENT

ROUNDS = 5


def _environ(path: str, cookie: str = "") -> dict:
    headers = {"User-Agent": USER_AGENT} | ({"Cookie": cookie} if cookie else {})
    return EnvironBuilder(
        path=path, headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    ).get_environ()


def _call(app, environ: dict) -> str:
    status = []
    body = app(dict(environ), lambda s, h, exc=None: status.append(s))
    b"".join(body)
    getattr(body, "close", lambda: None)()
    return status[0]


def per_request_us(app, environ: dict, n: int) -> float:
    """Return the median over ROUNDS of the mean microseconds per request."""
    status = _call(app, environ)
    if not status.startswith("200"):
        raise RuntimeError(f"{environ['PATH_INFO']} answered {status}")
    for _ in range(n // 10):
        _call(app, environ)
    rounds = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(n):
            _call(app, environ)
        rounds.append((time.perf_counter() - started) / n * 1e6)
    return statistics.median(rounds)


def signed_in_student(app) -> tuple[str, str]:
    """Log a demo student in through the real form, start a quiz; return cookie and question."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    token = CSRF.search(client.get("/auth/login").text).group(1)
    form = {"username": "demo1-0001", "password": data.DEMO_PASSWORD, "csrf_token": token}
    if client.post("/auth/login", data=form).status_code != 302:
        raise RuntimeError("the demo student could not log in")
    page = client.get("/quizzes").text
    bank = re.search(r'action="/quizzes/([^/"]+)/start"', page).group(1)
    started = client.post(f"/quizzes/{bank}/start", data={"csrf_token": CSRF.search(page)[1]})
    question = urlsplit(client.get(started.location).location).path
    return "session=" + client.get_cookie("session").value, question


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number, 1 or more, not {text!r}")
    return int(text)


def main(argv=None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__)
    parser.add_argument("-n", type=_positive, default=2000, help="requests per round (2000)")
    args = parser.parse_args(argv)
    from quizapp import create_app

    with tempfile.TemporaryDirectory(prefix="quizapp-inprocess-") as tmp:
        db = data.create(Path(tmp) / "inprocess.sqlite3", 5, log=lambda m: None)
        # Rate limiting on, as in production (one sign-in here).
        config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db}", "SECRET_KEY": data.SECRET}
        app = create_app(config)
        floor.add_probes(app)
        cookie, question = signed_in_student(app)
        rows = [
            ("bare Flask hello-world", hello_app, _environ("/")),
            ("app: constant route, anonymous", app, _environ(floor.ROUTES["anonymous"], cookie)),
            ("app: constant route, signed in", app, _environ(floor.ROUTES["signed in"], cookie)),
            ("app: empty page in the site layout", app, _environ(floor.ROUTES["layout"], cookie)),
            ("app: question page", app, _environ(question, cookie)),
        ]
        results = [(name, per_request_us(a, env, args.n)) for name, a, env in rows]
    hello = results[0][1]
    print("| request (in-process, no server) | µs per request | × hello |")
    print("| --- | --- | --- |")
    for name, us in results:
        print(f"| {name} | {us:,.0f} | {us / hello:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
