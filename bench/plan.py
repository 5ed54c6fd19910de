"""Logged-in students (CSRF tokens scraped once) and the request files each endpoint replays."""

import json
import random
import re
import sqlite3
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter

from bench.data import DEMO_PASSWORD, SECRET

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
# load.lua sends the same: Flask-Login marks a session "not fresh" (and so rewrites the
# cookie on every response) when the browser's User-Agent differs from the one that logged in.
USER_AGENT = "quizapp-bench"


@dataclass(frozen=True)
class Browser:
    username: str
    cookie: str
    csrf: str


class _FromAddress(HTTPAdapter):
    """Connect from a given local address (any of 127.0.0.0/8 reaches a loopback server)."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, source_address=(self.address, 0), **kwargs)


def loopback_address(username: str) -> str:
    """Return a loopback address of the user's own, so sign-in limits per address hold apart."""
    n = zlib.crc32(username.encode()) % (254 * 256 * 254)
    return f"127.{1 + n // (256 * 254)}.{n // 254 % 256}.{1 + n % 254}"


def browser_session(username: str) -> requests.Session:
    """Return an HTTP session for one simulated student, from its own loopback address."""
    http = requests.Session()
    http.mount("http://", _FromAddress(loopback_address(username)))
    http.headers["User-Agent"] = USER_AGENT
    return http


def login(
    base: str, username: str, start_banks: tuple[str, ...] = (), start_assignments=()
) -> Browser:
    """Log in through the real pages, optionally start quizzes and assignments; keep the
    cookie and token."""
    http = browser_session(username)
    token = CSRF.search(http.get(base + "/auth/login").text).group(1)
    data = {"username": username, "password": DEMO_PASSWORD, "csrf_token": token}
    response = http.post(base + "/auth/login", data=data, allow_redirects=False)
    if response.status_code != 302:
        raise RuntimeError(f"login of {username} failed: {response.status_code}")
    token = CSRF.search(http.get(base + "/quizzes").text).group(1)
    for bank in start_banks:
        started = http.post(
            f"{base}/quizzes/{bank}/start", data={"csrf_token": token}, allow_redirects=False
        )
        if started.status_code != 303:
            raise RuntimeError(f"{username} could not start {bank}: {started.status_code}")
    for assignment_id in start_assignments:
        started = http.post(
            f"{base}/assignments/{assignment_id}/start",
            data={"csrf_token": token},
            allow_redirects=False,
        )
        if started.status_code != 303 or "/attempts/" not in started.headers.get("Location", ""):
            raise RuntimeError(f"{username} could not start assignment {assignment_id}")
    return Browser(username, _cookie_seen_from_wrk(base, http.cookies["session"]), token)


def _cookie_seen_from_wrk(base: str, value: str) -> str:
    """Return the session cookie as re-issued for the address wrk connects from (127.0.0.1).

    The student signed in from an address of its own. On its first request from another,
    Flask-Login marks the session "not fresh" and sends a new cookie, which a browser keeps;
    replaying the old one instead would make every request re-issue it.
    """
    cookie = "session=" + value
    response = requests.get(
        base + "/quizzes",
        headers={"Cookie": cookie, "User-Agent": USER_AGENT},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 200:
        raise RuntimeError(f"a signed-in page answered {response.status_code} from 127.0.0.1")
    reissued = response.cookies.get("session")
    return cookie if reissued is None else "session=" + reissued


def login_all(base: str, names, start_banks=(), start_assignments=()) -> dict[str, Browser]:
    """Log many users in, a few at a time."""
    with ThreadPoolExecutor(8) as pool:
        found = pool.map(
            lambda n: login(base, n, tuple(start_banks), tuple(start_assignments)), names
        )
        return {b.username: b for b in found}


def interleave(per_user: dict[str, list]) -> list:
    """Round-robin the users' lists so consecutive requests come from different students."""
    return [row for group in zip_longest(*per_user.values()) for row in group if row]


def _values(attempt_id: int, position: int, view, correct: bool) -> list[str]:
    """Return the form values answering one question of an attempt (right or wrong)."""
    from quizapp.learning.attempts import choice_token

    spec = view.spec
    if view.choices:
        right = [c.index for c in view.choices if c.correct]
        wrong = [c.index for c in view.choices if not c.correct]
        picked = right if correct or not wrong else wrong[:1]
        picked = picked[:1] if view.type == "single" else picked
        return [choice_token(attempt_id, position, i) for i in picked]
    if view.type == "true_false":
        return [str(bool(spec["answer"]) == correct).lower()]
    if view.type == "numeric":
        return [str(spec["answer"] if correct else spec["answer"] * 2 + 7)]
    return [spec["accept"][0] if correct else "certainly not this"]


def fresh_questions(
    db: Path, browsers: dict[str, Browser], assignments: bool = False
) -> tuple[list, list]:
    """Return (question GETs, answer POSTs) for every unanswered question of open attempts:
    practice attempts, or with ``assignments`` the assignment attempts."""
    from quizapp import create_app
    from quizapp.learning.question_cache import question_view
    from quizapp.learning.timing import issue_stamp

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db}", "SECRET_KEY": SECRET})
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT a.id, u.username, a.items FROM attempt a JOIN user u ON u.id = a.user_id"
            " WHERE a.finished_at IS NULL AND NOT EXISTS"
            " (SELECT 1 FROM answer x WHERE x.attempt_id = a.id)"
            f" AND a.assignment_id IS {'NOT ' if assignments else ''}NULL ORDER BY a.id"
        ).fetchall()
    gets: dict[str, list] = {}
    posts: dict[str, list] = {}
    with app.test_request_context():
        shown = issue_stamp()
        for attempt_id, username, items in rows:
            browser = browsers.get(username)
            if browser is None:
                continue
            for position, (_qid, version_id) in enumerate(json.loads(items)):
                view = question_view(version_id)
                path = f"/attempts/{attempt_id}/q/{position + 1}"
                values = _values(attempt_id, position, view, correct=position % 3 != 0)
                fields = [("csrf_token", browser.csrf), ("shown", shown)]
                body = urlencode(fields + [("answer", v) for v in values])
                gets.setdefault(username, []).append(("GET", path, browser.cookie, ""))
                posts.setdefault(username, []).append(("POST", path, browser.cookie, body))
    return interleave(gets), interleave(posts)


def bench_assignment(db: Path) -> int:
    """Return the id of the open assignment the answering students take (bench/data.py)."""
    from bench.data import BENCH_ASSIGNMENT

    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT id FROM assignment WHERE title = ?", (BENCH_ASSIGNMENT,)
        ).fetchone()[0]


def demo_class(db: Path) -> tuple[int, list[str]]:
    """Return the demo class id and its students' usernames."""
    with sqlite3.connect(db) as conn:
        course_id = conn.execute(
            "SELECT id FROM course WHERE name LIKE 'Demo class%' ORDER BY id LIMIT 1"
        ).fetchone()[0]
        names = conn.execute(
            "SELECT u.username FROM user u JOIN membership m ON m.user_id = u.id"
            " WHERE m.course_id = ? ORDER BY u.id",
            (course_id,),
        ).fetchall()
    return course_id, [n for (n,) in names]


def feedback_pages(
    db: Path, browsers: dict[str, Browser], limit: int = 5000, assignments: bool = False
) -> list:
    """Return GETs of the feedback pages of answers the students gave, in random order:
    practice answers, or with ``assignments`` answers to assignments whose feedback shows
    (released, or shown immediately: the full page, not "answer saved")."""
    kind = (
        " AND a.assignment_id IS NULL"
        if not assignments
        else " AND (s.feedback = 'immediately' OR s.feedback_from <= CURRENT_TIMESTAMP)"
    )
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT x.attempt_id, x.position, u.username FROM answer x"
            " JOIN user u ON u.id = x.user_id JOIN attempt a ON a.id = x.attempt_id"
            " LEFT JOIN assignment s ON s.id = a.assignment_id"
            " WHERE u.username LIKE 'demo%'" + kind
        ).fetchall()
    rows = [r for r in rows if r[2] in browsers]
    random.Random(1).shuffle(rows)
    return [
        ("GET", f"/attempts/{a}/q/{p + 1}/feedback", browsers[u].cookie, "")
        for a, p, u in rows[:limit]
    ]


def pages(path: str, browsers) -> list:
    """Return one GET of ``path`` per browser."""
    return [("GET", path, b.cookie, "") for b in browsers]
