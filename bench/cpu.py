"""`python -m bench.cpu`: CPU time per request of the server's processes and of wrk.

`python -m bench` gives throughput; this says where the two cores go. It serves hello and the
app under the same gunicorn settings, drives hello, the question page and the answer submit
(on a database with synchronous=FULL, then NORMAL) with wrk, and reads the CPU time that the
gunicorn master and workers, and wrk, used during each run from /proc. Compare the app's
microseconds per request with `python -m bench.inprocess` (the same work without a server):
the difference is what serving costs (sockets, WSGI, and for the answer the kernel's work for
fsync, the WAL and checkpoints).
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bench import data, wrk
from bench.run import request_files
from bench.servers import Server, settings

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids) -> float:
    """Return the user + system CPU seconds used so far by these processes (gone ones: 0)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def process_group(pgid: int) -> list[int]:
    """Return the pids of a process group (gunicorn's master and its workers)."""
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if os.getpgid(int(name)) == pgid:
                    pids.append(int(name))
            except ProcessLookupError:
                continue
    return pids


def measure(server: Server, file: Path, seconds: float) -> tuple[float, float, float]:
    """Return (requests/s, server µs per request, wrk µs per request) of one wrk run."""
    pids = process_group(server.proc.pid)
    server_before, wrk_before = cpu_seconds(pids), _children_cpu()
    result = wrk.run(server.url, file, seconds)
    server_used, wrk_used = cpu_seconds(pids) - server_before, _children_cpu() - wrk_before
    return result.rps, server_used / result.requests * 1e6, wrk_used / result.requests * 1e6


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 3600:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(
            f"must be a number of seconds, 1 or more (at most 3600), not {text!r}"
        )
    return value


def main(argv=None) -> int:
    """Measure and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__)
    parser.add_argument(
        "--seconds", type=_seconds, default=8, help="seconds per endpoint (default 8)"
    )
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="quizapp-cpu-") as tmp:
        folder = Path(tmp)
        hello = wrk.write_requests(folder / "hello.tsv", [("GET", "/", "", "")])
        with Server("bench.hello:app", {}) as server:
            wrk.run(server.url, hello, 2)
            rows.append(("hello", *measure(server, hello, args.seconds)))
        full = data.create(folder / "full.sqlite3", 20, log=lambda m: None)
        students = data.add_fresh_students(full, 60)
        copies = {"FULL": full, "NORMAL": data.copy(full, folder / "normal.sqlite3")}
        for synchronous, db in copies.items():
            env = data.env(db) | {"QUIZAPP_SQLITE_SYNCHRONOUS": synchronous}
            with Server("quizapp:create_app()", env) as server:
                (folder / synchronous).mkdir()
                files = request_files(db, server.url, students, folder / synchronous)
                wrk.run(server.url, files["answer warm-up"], 2)
                if synchronous == "FULL":
                    question = measure(server, files["question page"], args.seconds)
                    rows.append(("question page", *question))
                answer = measure(server, files["answer submit"], args.seconds)
                rows.append((f"answer submit, synchronous={synchronous}", *answer))
    print(f"{settings()}; CPU time from /proc, per request, during each run")
    print()
    print("| endpoint | requests/s | server CPU µs per request | wrk CPU µs per request |")
    print("| --- | --- | --- | --- |")
    for name, rps, server_us, wrk_us in rows:
        print(f"| {name} | {rps:,.0f} | {server_us:,.0f} | {wrk_us:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
