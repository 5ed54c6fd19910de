"""Drive a server with wrk and a Lua script; parse what it prints into numbers."""

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).with_name("load.lua")


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int = 0
    status_errors: int = 0
    wrapped: int = 0

    @property
    def rps(self) -> float:
        """Return completed requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0


def ensure_wrk(log=print) -> str:
    """Return the path of wrk, installing Debian's package with apt-get when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        log("wrk is missing; running: " + " ".join(cmd))
        subprocess.run(
            cmd,
            check=True,
            env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk could not be installed")
    return found


def parse(output: str) -> WrkResult:
    """Parse the BENCH line that load.lua's done() prints (latencies in microseconds)."""
    for line in output.splitlines():
        if line.startswith("BENCH "):
            data = json.loads(line[len("BENCH ") :])
            return WrkResult(
                requests=data["requests"],
                seconds=data["duration_us"] / 1e6,
                p50_ms=data["p50"] / 1000,
                p95_ms=data["p95"] / 1000,
                p99_ms=data["p99"] / 1000,
                errors=data["errors"],
                status_errors=data["status_errors"],
                wrapped=data["wrapped"],
            )
    raise ValueError("no BENCH line in wrk output:\n" + output[-2000:])


def write_requests(path: Path, rows) -> Path:
    """Write (method, path, cookie, body) rows as the TSV load.lua replays."""
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            if any("\t" in part or "\n" in part for part in row):
                raise ValueError(f"tab or newline in request {row!r}")
            out.write("\t".join(row) + "\n")
    return path


def run(
    url: str, requests_file: Path, seconds: float, connections: int = 4, threads: int = 2
) -> WrkResult:
    """Run wrk against ``url`` replaying ``requests_file`` and return its numbers."""
    cmd = [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        str(requests_file),
        str(threads),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return parse(done.stdout)
