"""`python -m bench.classload`: a class of students taking quizzes at once (see --help)."""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.data import DEMO_PASSWORD, SECRET
from bench.servers import ROOT, WORKER_CLASS, WORKERS, Server

RESULTS = Path(__file__).with_name("results")
USER_FILE = Path(__file__).with_name("classload_user.py")
STEPS = ("login form", "login", "quiz list", "start", "resume", "question", "answer", "feedback")
P95_TARGET_MS = 200
DESCRIPTION = f"""\
Simulate a class: N students (locust users) log in through the real form, start a quiz and
answer-read-next with a think time between steps, against the app under gunicorn
({WORKERS} {WORKER_CLASS} workers) on a fresh database, first SQLite, then PostgreSQL (a
throwaway cluster from Debian's pg_virtualenv). Prints p50/p95/p99 per step, the errors, and
whether every acknowledged answer (a 303 to its feedback) is in the database exactly once.
Writes the table to bench/results/classload-latest.md and a dated copy.
Defaults are the issue's scenario: 2,000 students, 5-15 s think time, 5 minutes per backend.
"""


def parse_args(argv=None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.classload",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--students", type=int, default=2000, help="simulated students")
    parser.add_argument("--minutes", type=float, default=5, help="run time per backend")
    parser.add_argument(
        "--think", type=float, nargs=2, default=(5, 15), metavar=("MIN", "MAX"), help="seconds"
    )
    parser.add_argument("--spawn-rate", type=float, default=40, help="students starting per s")
    parser.add_argument(
        "--backend", choices=("sqlite", "postgresql", "both"), default="both", help="database"
    )
    parser.add_argument("--banks", default="big-science,us-china,science-cities,nanoscience")
    parser.add_argument("--output", type=Path, help="write the table here instead of results/")
    args = parser.parse_args(argv)
    if args.students < 1 or args.minutes <= 0 or not 0 <= args.think[0] <= args.think[1]:
        parser.error("need at least one student, a positive duration and MIN <= MAX")
    return args


def _quizapp(env: dict, *args: str) -> None:
    exe = Path(sys.executable).with_name("quizapp")
    subprocess.run(
        [str(exe), *args], cwd=ROOT, env=dict(os.environ, **env), check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def _engine(url: str):
    from sqlalchemy import create_engine

    return create_engine(url)


def prepare(url: str, students: int) -> dict:
    """Create the schema, load the banks and add the students; return the app's environment."""
    from sqlalchemy import insert
    from werkzeug.security import generate_password_hash

    from quizapp.models import User

    # Sign-in rate limiting stays on, as in production: the whole class signs in from one
    # address, as from a lab behind one NAT, and successful sign-ins do not count.
    env = {"DATABASE_URL": url, "SECRET_KEY": SECRET}
    _quizapp(env, "db", "upgrade")
    _quizapp(env, "load", "--quiet")
    # a cheap hash, as the demo accounts use: the run measures quizzes, not password hashing
    password_hash = generate_password_hash(DEMO_PASSWORD, method="pbkdf2:sha256:1000")
    rows = [
        {"username": f"load-{i:04d}", "full_name": f"Load {i}", "password_hash": password_hash}
        for i in range(1, students + 1)
    ]
    engine = _engine(url)
    with engine.begin() as conn:
        conn.execute(insert(User.__table__), rows)
    engine.dispose()
    return env


def stored_answers(url: str) -> tuple[int, int]:
    """Return (answers, distinct attempt positions) stored for the simulated students."""
    from sqlalchemy import func, select

    from quizapp.models import Answer, User

    engine = _engine(url)
    with engine.connect() as conn:
        mine = select(User.id).where(User.username.like("load-%"))
        total = conn.scalar(select(func.count()).where(Answer.user_id.in_(mine)))
        distinct = conn.scalar(
            select(func.count()).select_from(
                select(Answer.attempt_id, Answer.position)
                .where(Answer.user_id.in_(mine))
                .distinct()
                .subquery()
            )
        )
    engine.dispose()
    return total, distinct


def run_locust(host: str, args, prefix: Path) -> tuple[dict[str, dict], int]:
    """Run the class headless against ``host``; return statistics per step and answers acked."""
    acked_file = Path(f"{prefix}-acked")
    env = dict(
        os.environ,
        CLASSLOAD_ACKED_FILE=str(acked_file),
        CLASSLOAD_BANKS=args.banks,
        CLASSLOAD_PASSWORD=DEMO_PASSWORD,
        CLASSLOAD_THINK=f"{args.think[0]} {args.think[1]}",
    )
    with open(f"{prefix}.log", "w") as log:
        _locust(host, args, prefix, env, log)
    with open(f"{prefix}_stats.csv", newline="") as stream:
        stats = {row["Name"]: row for row in csv.DictReader(stream)}
    return stats, int(acked_file.read_text())


def _locust(host: str, args, prefix: Path, env: dict, log) -> None:
    subprocess.run(
        [
            sys.executable, "-m", "locust", "-f", str(USER_FILE), "--headless",
            "--users", str(args.students), "--spawn-rate", str(args.spawn_rate),
            "--run-time", f"{int(args.minutes * 60)}s", "--stop-timeout", "60",
            "--host", host, "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING",
        ],
        cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip


def run_backend(backend: str, args) -> tuple[list[list[str]], list[str], bool]:
    """Run the class on one backend; return its table rows, notes and overall verdict."""
    with tempfile.TemporaryDirectory(prefix="quizapp-classload-") as tmp:
        if backend == "sqlite":
            url = f"sqlite:///{tmp}/classload.sqlite3"
        else:
            url = _fresh_postgres_database()
        print(f"[{backend}] preparing {args.students:,} students", flush=True)
        env = prepare(url, args.students)
        started = time.monotonic()
        with Server("quizapp:create_app()", env) as server:
            print(f"[{backend}] running the class for {args.minutes:g} min", flush=True)
            stats, acked = run_locust(server.url, args, Path(tmp) / "locust")
        elapsed = time.monotonic() - started
        total, distinct = stored_answers(url)
    rows, ok = [], True
    for step in (*STEPS, "Aggregated"):
        row = stats.get(step)
        if row is None:
            continue
        p95 = float(row["95%"])
        errors = int(row["Failure Count"])
        good = p95 <= P95_TARGET_MS and errors == 0
        ok &= good
        rows.append(
            [
                backend,
                "all steps" if step == "Aggregated" else step,
                f"{int(row['Request Count']):,}",
                f"{errors:,}",
                f"{float(row['50%']):.0f}",
                f"{p95:.0f}",
                f"{float(row['99%']):.0f}",
                f"{float(row['Max Response Time']):.0f}",
                "PASS" if good else "FAIL",
            ]
        )
    exact = acked == total == distinct
    ok &= exact
    notes = [
        f"{backend}: {acked:,} answers acknowledged (303 to feedback), {total:,} stored for the "
        f"simulated students, {distinct:,} distinct (attempt, position): "
        f"{'exactly once PASS' if exact else 'MISMATCH FAIL'}; run took {elapsed:.0f} s"
    ]
    return rows, notes, ok


def _fresh_postgres_database() -> str:
    import psycopg
    from psycopg import sql

    name = f"classload_{os.getpid()}"
    with psycopg.connect(dbname=os.environ.get("PGDATABASE", "postgres"), autocommit=True) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = os.environ
    return (
        f"postgresql+psycopg://{env.get('PGUSER', 'postgres')}:{env.get('PGPASSWORD', '')}"
        f"@{env.get('PGHOST')}:{env.get('PGPORT', '5432')}/{name}"
    )


def report(args, rows, notes, ok: bool) -> str:
    """Return the Markdown report of a run."""
    header = ["backend", "step", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    lines = [
        f"# quizapp class load {datetime.now():%Y-%m-%d %H:%M}",
        "",
        "Command: `.venv/bin/python -m bench.classload"
        + (f" --students {args.students}" if args.students != 2000 else "")
        + (f" --minutes {args.minutes:g}" if args.minutes != 5 else "")
        + (f" --backend {args.backend}" if args.backend != "both" else "")
        + "`",
        "",
        f"- {args.students:,} students (locust users), think time {args.think[0]:g}-"
        f"{args.think[1]:g} s, spawned at {args.spawn_rate:g}/s, {args.minutes:g} min per backend",
        f"- gunicorn {WORKERS} {WORKER_CLASS} workers on loopback; locust on the same 2 cores",
        f"- target: p95 <= {P95_TARGET_MS} ms on every step, 0 errors, every acknowledged "
        f"answer stored exactly once: {'PASS' if ok else 'FAIL'}",
        "",
        "| " + " | ".join([*header, f"p95 <= {P95_TARGET_MS} ms, 0 errors"]) + " |",
        "|" + " --- |" * (len(header) + 1),
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
        *(f"- {note}" for note in notes),
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    """Run the class on the chosen backends and print and save the table."""
    args = parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and not os.environ.get("PGHOST"):
        # Start a throwaway PostgreSQL cluster and run again inside it.
        argv = sys.argv[1:] if argv is None else list(argv)
        cmd = ["pg_virtualenv", "-t", "--", sys.executable, "-m", "bench.classload", *argv]
        return subprocess.run(cmd, cwd=ROOT, check=False).returncode
    rows, notes, ok = [], [], True
    for backend in backends:
        r, n, good = run_backend(backend, args)
        rows += r
        notes += n
        ok &= good
    text = report(args, rows, notes, ok)
    print(text)
    if args.output:
        args.output.write_text(text)
    else:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"classload-{datetime.now():%Y-%m-%d-%H%M}.md").write_text(text)
        (RESULTS / "classload-latest.md").write_text(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
