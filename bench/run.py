"""One benchmark run: prepare databases, measure hello and the app, export, scale."""

import os
import sqlite3
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench import data, floor, launch, plan, wrk
from bench.export import run_export
from bench.servers import Server

FRESH_STUDENTS = 200  # students without history on the scale databases: they answer
NORMAL_STUDENTS = 80  # answering students on the synchronous=NORMAL copy (~16,000 fresh POSTs)


@dataclass(frozen=True)
class Options:
    seconds: float = 10
    warm: float = 2
    scale_seconds: float = 5
    connections: int = 4
    threads: int = 2
    students: int = 200
    scale_students: int = 5
    copies: int = 996  # 5 demo students give ~1,004 answers; x 997 is ~1,000,000
    quick: bool = False
    db_dir: str | None = None  # where the temp databases go (default: the system temp dir)


@dataclass
class AppRun:
    results: dict[str, wrk.WrkResult]
    notes: list[str]
    hello: dict[str, float] = field(default_factory=dict)  # req/s of the paired hello run


class Ceiling:
    """The hello-world server, measured again just before each endpoint it is the ceiling of.

    The machine's speed drifts over a run (other tenants, the disk, CPU caches): one hello at
    the start once put every share of a later run ten points low, the floor rows with them.
    Pairing each endpoint with a hello measured beside it lets the drift cancel out.
    """

    def __init__(self, opts: Options, folder: Path, log=print):
        self.opts, self.log = opts, log
        self.file = wrk.write_requests(folder / "hello.tsv", [("GET", "/", "", "")])
        self.server = Server("bench.hello:app", {})
        self.runs: list[wrk.WrkResult] = []

    def __enter__(self) -> "Ceiling":
        self.server.__enter__()
        wrk.run(
            self.server.url, self.file, self.opts.warm, self.opts.connections, self.opts.threads
        )
        return self

    def __exit__(self, *exc) -> None:
        self.server.__exit__(*exc)

    def measure(self) -> float:
        """Measure hello now; return its requests/s."""
        o = self.opts
        result = wrk.run(self.server.url, self.file, o.seconds, o.connections, o.threads)
        self.runs.append(result)
        self.log(f"  hello: {result.rps:,.0f} req/s")
        return result.rps

    def typical(self) -> wrk.WrkResult:
        """Return the median hello run (by requests/s)."""
        ordered = sorted(self.runs, key=lambda r: r.rps)
        return ordered[len(ordered) // 2]


def _check_status(base: str, row: tuple, expected: int = 200) -> None:
    method, path, cookie, _body = row
    got = requests.request(
        method, base + path, headers={"Cookie": cookie}, allow_redirects=False, timeout=30
    )
    if got.status_code != expected:
        raise RuntimeError(f"{method} {path} answered {got.status_code}, not {expected}")


def _banks(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [b for (b,) in conn.execute("SELECT id FROM bank WHERE NOT retired ORDER BY id")]


def request_files(
    db: Path, base: str, answering: list[str] | None, folder: Path
) -> dict[str, Path]:
    """Log the students in, start their quizzes and write one request file per endpoint."""
    course_id, students = plan.demo_class(db)
    answering = answering or students
    assignment = plan.bench_assignment(db)
    browsers = plan.login_all(base, answering, _banks(db), [assignment])
    history = plan.login_all(base, [s for s in students if s not in browsers])
    history.update({k: v for k, v in browsers.items() if k in students})
    teacher = plan.login(base, "demo-instructor")
    gets, posts = plan.fresh_questions(db, browsers)
    warm = max(50, len(posts) // 40)
    set_gets, set_posts = plan.fresh_questions(db, browsers, assignments=True)
    set_warm = max(50, len(set_posts) // 40)
    rows = {
        "question page": gets,
        "answer warm-up": posts[:warm],
        "answer submit": posts[warm:],
        "feedback page": plan.feedback_pages(db, history),
        "assignment question page": set_gets,
        "assignment answer warm-up": set_posts[:set_warm],
        "assignment answer submit": set_posts[set_warm:],
        "assignment feedback page": plan.feedback_pages(db, history, assignments=True),
        "student dashboard": plan.pages("/progress", history.values()),
        "gradebook": plan.pages(f"/teach/classes/{course_id}", [teacher]),
        "item analysis": plan.pages(f"/teach/items?course={course_id}", [teacher]),
    }
    for lines in rows.values():
        if lines and lines[0][0] == "GET":
            _check_status(base, lines[0])
    slug = {name: name.replace(" ", "-") for name in rows}
    return {n: wrk.write_requests(folder / f"{slug[n]}.tsv", r) for n, r in rows.items()}


def _warmed_run(url: str, file: Path, opts: Options) -> wrk.WrkResult:
    """Warm the endpoint with wrk, then measure it for the run's length."""
    wrk.run(url, file, opts.warm, opts.connections, opts.threads)
    return wrk.run(url, file, opts.seconds, opts.connections, opts.threads)


FLOOR_STUDENTS = 50


def measure_floor(
    db: Path, opts: Options, folder: Path, ceiling: Ceiling, log=print
) -> tuple[dict[str, wrk.WrkResult], dict[str, float]]:
    """Measure the stack floor's routes (``floor.py``): what the required layers leave of hello.

    Returns each route's result and the hello measured just before it.
    """
    _course, students = plan.demo_class(db)
    results, hello = {}, {}
    with Server("bench.floor:create_app()", data.env(db)) as server:
        browsers = plan.login_all(server.url, students[:FLOOR_STUDENTS]).values()
        for name, path in floor.ROUTES.items():
            rows = plan.pages(path, browsers) if name != "anonymous" else [("GET", path, "", "")]
            _check_status(server.url, rows[0])
            file = wrk.write_requests(folder / f"floor-{path.rsplit('/', 1)[1]}.tsv", rows)
            hello[name] = ceiling.measure()
            result = results[name] = _warmed_run(server.url, file, opts)
            log(f"  {floor.LABELS[name]}: {result.rps:,.0f} req/s")
    return results, hello


def _drive(
    server: Server,
    db: Path,
    name: str,
    file: Path,
    seconds: float,
    opts,
    run: AppRun,
    ceiling: Ceiling | None = None,
):
    """Warm one endpoint, measure it and record notes (answer POSTs are counted in the DB)."""
    if ceiling is not None and not name.endswith("answer warm-up"):
        run.hello[name] = ceiling.measure()
    if not name.endswith("answer submit"):
        wrk.run(server.url, file, opts.warm, opts.connections, opts.threads)
    if name.endswith("answer warm-up"):
        return
    before = data.count(db, "answer")
    result = run.results[name] = wrk.run(server.url, file, seconds, opts.connections, opts.threads)
    if result.errors or result.status_errors:
        run.notes.append(
            f"{name} [{db.name}]: {result.errors} socket errors, "
            f"{result.status_errors} non-2xx/3xx responses"
        )
    if name.endswith("answer submit"):
        stored = data.count(db, "answer") - before
        run.notes.append(
            f"{name} [{db.name}]: {result.requests:,} POSTs acknowledged, "
            f"{stored:,} new answers stored (each POST a fresh question; "
            f"{result.wrapped} replays after the list ran out)"
        )


def measure_app(
    dbs: list[Path],
    seconds: float,
    opts: Options,
    answering=None,
    log=print,
    only: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    ceiling: Ceiling | None = None,
):
    """Serve the real app on each database; drive each endpoint (or ``only`` these) in turn.

    With a ``ceiling``, hello is measured again just before each endpoint.
    """
    runs = [AppRun({}, []) for _ in dbs]
    with ExitStack() as stack:
        servers = [
            stack.enter_context(Server("quizapp:create_app()", data.env(d) | (env or {})))
            for d in dbs
        ]
        files = [
            request_files(d, s.url, answering, Path(tempfile.mkdtemp(dir=d.parent, prefix=d.stem)))
            for d, s in zip(dbs, servers, strict=True)
        ]
        for name in files[0]:
            if only and name not in only:
                continue
            for db, server, file, run in zip(dbs, servers, files, runs, strict=True):
                _drive(server, db, name, file[name], seconds, opts, run, ceiling)
                if name in run.results:
                    r = run.results[name]
                    log(f"  {name}: {r.rps:,.0f} req/s, p50 {r.p50_ms:.1f} ms [{db.name}]")
    return runs


def prepare(opts: Options, tmp: Path, log=print) -> tuple[Path, Path, Path, list[str]]:
    """Create the main database and the ~1k and ~1M answer databases (in parallel)."""
    main, small, big = tmp / "main.sqlite3", tmp / "answers-1k.sqlite3", tmp / "answers-1m.sqlite3"
    with ThreadPoolExecutor(2) as pool:
        made = pool.submit(_create_with_copy, main, tmp / "normal.sqlite3", opts.students, log)
        data.create(small, opts.scale_students, log)
        fresh = data.add_fresh_students(small, FRESH_STUDENTS)
        data.copy(small, big)
        started = time.perf_counter()
        total = data.bulk_answers(big, opts.copies)
        log(f"  bulk SQL copy: {total:,} answers in {time.perf_counter() - started:.1f} s")
        made.result()
    return main, small, big, fresh


def _create_with_copy(db: Path, copy: Path, students: int, log) -> None:
    data.create(db, students, log)
    data.copy(db, copy)


def measure_normal(db: Path, opts: Options, ceiling: Ceiling, log=print) -> AppRun:
    """Answer submit with QUIZAPP_SQLITE_SYNCHRONOUS=NORMAL: what the per-commit fsync costs."""
    _course, students = plan.demo_class(db)
    env = {"QUIZAPP_SQLITE_SYNCHRONOUS": "NORMAL"}
    answering = students[:NORMAL_STUDENTS]
    only = ("answer warm-up", "answer submit")
    (normal,) = measure_app([db], opts.seconds, opts, answering, log, only, env, ceiling)
    return normal


def run(opts: Options, log=print) -> tuple[str, list[str], dict]:
    """Run everything; return the table, notes and facts for the report header."""
    from bench import report

    wrk.ensure_wrk(log)
    tmp = Path(tempfile.mkdtemp(prefix="quizapp-bench-", dir=opts.db_dir))
    log(f"preparing databases in {tmp}")
    main, small, big, fresh = prepare(opts, tmp, log)
    facts = {
        "answers": {p.name: data.count(p, "answer") for p in (main, small, big)},
        "tmp": str(tmp),
    }
    log("measuring the app beside the hello-world ceiling, measured again before each endpoint")
    with Ceiling(opts, tmp, log) as ceiling:
        log("the stack floor (the app's routes that do nothing of their own)")
        floors, floor_hello = measure_floor(main, opts, tmp, ceiling, log)
        log(f"the app on {main.name}")
        (primary,) = measure_app([main], opts.seconds, opts, log=log, ceiling=ceiling)
        log("answer submit with synchronous=NORMAL (reference, not the default)")
        normal = measure_normal(tmp / "normal.sqlite3", opts, ceiling, log)
    log("measuring scale: ~1k and ~1M answers")
    at_1k, at_1m = measure_app([small, big], opts.scale_seconds, opts, fresh, log)
    log("measuring CSV export")
    base_s, base_mb = run_export(small, tmp / "small.csv")
    seconds, peak_mb = run_export(big, tmp / "big.csv")
    hello = ceiling.typical()
    rows = [report.endpoint_row("hello", hello, hello.rps, label="hello (median run)")]
    for name, result in floors.items():
        rows.append(report.endpoint_row(name, result, floor_hello[name], None, floor.LABELS[name]))
    # The yardstick: the empty signed-in page in the layout, as a share of its own hello.
    floor_share = floors["layout"].rps / floor_hello["layout"]
    for name, result in primary.results.items():
        small_r, big_r = at_1k.results.get(name), at_1m.results.get(name)
        scale = (small_r.p50_ms, big_r.p50_ms) if small_r and big_r else None
        label = f"gradebook ({opts.students} students)" if name == "gradebook" else name
        rows.append(
            report.endpoint_row(name, result, primary.hello[name], scale, label, floor_share)
        )
        if name == "answer submit":
            label = "answer submit, synchronous=NORMAL (reference)"
            paired = normal.hello["answer submit"]
            reference = normal.results["answer submit"]
            rows.append(
                report.endpoint_row("answer (NORMAL)", reference, paired, None, label, floor_share)
            )
    rows.append(report.csv_row(facts["answers"][big.name], seconds, peak_mb - base_mb))
    log("measuring an LTI launch against a sign-in")
    rows += launch.rows(launch.measure(main, log))
    facts["export"] = (
        f"{seconds:.1f} s, peak RSS {peak_mb:.0f} MB (1k-answer baseline {base_mb:.0f} MB)"
    )
    rates = [r.rps for r in ceiling.runs]
    notes = [
        f"hello was measured {len(rates)} times, each just before the endpoint whose share it "
        f"divides: {min(rates):,.0f}–{max(rates):,.0f} req/s"
    ]
    notes += primary.notes + normal.notes + at_1k.notes + at_1m.notes
    if os.environ.get("BENCH_KEEP") is None:
        for path in tmp.rglob("*.tsv"):
            path.unlink()
    return report.table(rows), notes, facts
