"""Benchmark databases: made by the app's own commands, then grown by bulk SQL."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from bench.servers import ROOT

SECRET = "bench-secret-shared-by-every-process"
DEMO_PASSWORD = "demo-password-123"

# ~1,000,000 answers in seconds: copy every demo user, attempt and answer ``copies`` times under
# new ids in one transaction (INSERT ... SELECT against a table of copy numbers). The copies are
# other students (not in the demo class), so per-student pages see the same amount of data.
# Only practice is copied: the copies are in no class, so the class's assignments are not theirs.
BULK_SQL = """
CREATE TEMP TABLE copies(n INTEGER PRIMARY KEY);
WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {copies})
  INSERT INTO copies SELECT n FROM c;
CREATE TEMP TABLE base AS
  SELECT (SELECT max(id) FROM user) AS u, (SELECT max(id) FROM attempt) AS a;
INSERT INTO user (id, username, email, full_name, password_hash, role, created_at)
  SELECT u.id + c.n * b.u, 'bulk' || c.n || '-' || u.username, NULL, u.full_name,
         u.password_hash, 'student', u.created_at
  FROM user u, copies c, base b WHERE u.username LIKE 'demo%' AND u.role = 'student';
INSERT INTO attempt (id, user_id, bank_id, items, seed, started_at, finished_at, score, max_score,
                     assignment_id, deadline, preview)
  SELECT a.id + c.n * b.a, a.user_id + c.n * b.u, a.bank_id, a.items, a.seed, a.started_at,
         a.finished_at, a.score, a.max_score, a.assignment_id, a.deadline, a.preview
  FROM copies c, attempt a, base b WHERE a.finished_at IS NOT NULL;
INSERT INTO answer (attempt_id, position, user_id, question_id, version_id, response, correct,
                    points, max_points, submitted_at, duration_ms)
  SELECT x.attempt_id + c.n * b.a, x.position, x.user_id + c.n * b.u, x.question_id,
         x.version_id, x.response, x.correct, x.points, x.max_points, x.submitted_at,
         x.duration_ms
  FROM copies c, answer x JOIN attempt a ON a.id = x.attempt_id, base b
  WHERE a.finished_at IS NOT NULL ORDER BY c.n, x.id;
"""


def env(db: Path) -> dict[str, str]:
    """Return the environment every process of a run gets for one database."""
    return {
        "DATABASE_URL": f"sqlite:///{db}",
        "SECRET_KEY": SECRET,
        # Sign-in rate limiting stays on, as in production: each simulated student logs in
        # from a loopback address of its own (plan.login), as a class would from its devices.
    }


def quizapp(db: Path, *args: str, log=print) -> None:
    """Run one ``quizapp`` command on a database, echoing it."""
    log(f"  $ quizapp {' '.join(args)}   [{db.name}]")
    exe = Path(sys.executable).with_name("quizapp")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "flask", "--app", "quizapp"]
    subprocess.run(
        [*cmd, *args],
        cwd=ROOT,
        env=dict(os.environ, **env(db)),
        check=True,
        stdout=subprocess.DEVNULL,
    )


BENCH_ASSIGNMENT = "Bench: timed quiz"
BENCH_DRAW = 10  # questions from each bank: 60 fresh answers per answering student


def create(db: Path, students: int, log=print) -> Path:
    """Create the schema, load articles and banks, add a demo class of ``students`` and an
    open, timed assignment with immediate feedback that the answering students take."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    quizapp(db, "db", "upgrade", log=log)
    quizapp(db, "load", "--quiet", log=log)
    quizapp(db, "demo", "--students", str(students), "--seed", "1", "--quiet", log=log)
    with sqlite3.connect(db) as conn:
        course_id = conn.execute(
            "SELECT id FROM course WHERE name LIKE 'Demo class%' ORDER BY id LIMIT 1"
        ).fetchone()[0]
        banks = [b for (b,) in conn.execute("SELECT id FROM bank WHERE NOT retired ORDER BY id")]
    draws = [arg for bank in banks for arg in ("--draw", f"{bank}={BENCH_DRAW}")]
    quizapp(db, "assignment", "create", "--class", str(course_id), "--title", BENCH_ASSIGNMENT,
            *draws, "--time-limit", "600", "--feedback", "immediately", log=log)  # fmt: skip
    return db


def add_fresh_students(db: Path, count: int) -> list[str]:
    """Add students with no history (the demo password) to the demo class: they answer fresh
    questions of the practice quizzes and of the bench assignment."""
    names = [f"bench-{i:04d}" for i in range(1, count + 1)]
    with sqlite3.connect(db) as conn:
        password_hash = conn.execute(
            "SELECT password_hash FROM user WHERE role = 'student' LIMIT 1"
        ).fetchone()[0]
        conn.executemany(
            "INSERT INTO user (username, full_name, password_hash, role, created_at)"
            " VALUES (?, ?, ?, 'student', CURRENT_TIMESTAMP)",
            [(n, n, password_hash) for n in names],
        )
        conn.execute(
            "INSERT INTO membership (course_id, user_id, joined_at)"
            " SELECT (SELECT id FROM course WHERE name LIKE 'Demo class%' ORDER BY id LIMIT 1),"
            " id, CURRENT_TIMESTAMP FROM user WHERE username LIKE 'bench-%'"
        )
    return names


def copy(source: Path, target: Path) -> Path:
    """Copy a database with SQLite's backup API (safe in WAL mode)."""
    target.unlink(missing_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def bulk_answers(db: Path, copies: int) -> int:
    """Multiply the demo history ``copies`` times by bulk SQL; return the answer count."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.executescript("BEGIN IMMEDIATE;" + BULK_SQL.format(copies=int(copies)) + "COMMIT;")
        return count(db, "answer")
    finally:
        conn.close()


def count(db: Path, table: str) -> int:
    """Return the number of rows in a table."""
    with sqlite3.connect(db) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
