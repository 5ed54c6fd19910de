"""Smoke tests of the benchmarks: wrk output parsing, the results table, tiny runs of the tools."""

import os
import socket
import threading

import pytest

from bench import plan, report, wrk
from bench.__main__ import options, parse_args
from quizapp.extensions import db

OUTPUT = """Running 10s test @ http://127.0.0.1:8000
  2 threads and 4 connections
Requests/sec:   4215.60
BENCH {"requests": 42156, "duration_us": 10000000, "p50": 693, "p95": 2806, "p99": 5359, \
"errors": 0, "status_errors": 3, "wrapped": 0}
"""


def test_parse_reads_the_bench_line():
    result = wrk.parse(OUTPUT)
    assert result.requests == 42156 and result.status_errors == 3
    assert result.rps == pytest.approx(4215.6)
    assert (result.p50_ms, result.p95_ms, result.p99_ms) == (0.693, 2.806, 5.359)


def test_parse_without_bench_line_fails():
    with pytest.raises(ValueError, match="no BENCH line"):
        wrk.parse("Requests/sec: 10\n")


def test_write_requests_refuses_tabs(tmp_path):
    path = wrk.write_requests(tmp_path / "ok.tsv", [("GET", "/", "", "")])
    assert path.read_text() == "GET\t/\t\t\n"
    with pytest.raises(ValueError):
        wrk.write_requests(tmp_path / "bad.tsv", [("GET", "/\t", "", "")])


def test_rows_show_share_of_hello_and_of_floor_target_verdict_and_scale():
    hello = wrk.WrkResult(50_000, 10.0, 0.5, 1.0, 2.0)
    answer = wrk.WrkResult(16_000, 10.0, 5.0, 9.0, 12.0)
    # The floor reached 64% of its hello: the answer's 32% of hello is 50% of the floor.
    row = report.endpoint_row("answer submit", answer, hello.rps, (5.0, 6.0), None, 0.64)
    assert row[1] == "1,600" and row[5] == "32%" and row[6] == "50%"
    assert row[7] == "≥ 30%" and row[8] == "PASS"
    assert row[9:] == ["5.0 → 6.0", "1.20x", "PASS"]
    page = report.endpoint_row("question page", answer, hello.rps, None, None, 0.64)
    assert page[6] == "50%" and page[7] == "≥ 60%" and page[8] == "FAIL"
    slow = report.endpoint_row("gradebook", wrk.WrkResult(100, 10.0, 50, 60, 70), 5000, (1, 2))
    assert slow[7:9] == ["—", "—"] and slow[11] == "FAIL"  # no share target; scale fails
    assert report.endpoint_row("item analysis", answer, 5000)[6:9] == ["—", "—", "—"]


def test_csv_row_and_table():
    row = report.csv_row(1_000_000, 8.0, 12.0)
    assert row[1] == "125,000 rows/s" and row[8] == "PASS"
    assert report.csv_row(1_000_000, 8.0, 60.0)[8] == "FAIL"
    text = report.table([row])
    lines = text.splitlines()
    assert len(lines) == 3 and lines[1].startswith("| --- |")
    assert all(line.count("|") == len(report.HEADER) + 1 for line in lines)


def test_quick_options():
    opts = options(parse_args(["--quick", "--connections", "8"]))
    assert opts.quick and opts.connections == 8 and opts.seconds < 10


def test_class_load_smoke_run_counts_every_answer_once(tmp_path):
    """A tiny class through the real locust scenario: no errors, acknowledged == stored."""
    import subprocess
    import sys
    from pathlib import Path

    out = tmp_path / "classload.md"
    args = ["--students", "8", "--minutes", "0.2", "--think", "0.1", "0.3", "--spawn-rate", "8"]
    subprocess.run(
        [sys.executable, "-m", "bench.classload", *args, "--backend", "sqlite", "--output", out],
        cwd=Path(__file__).resolve().parents[1],
        check=False,
        timeout=180,
        capture_output=True,
    )
    text = out.read_text()
    rows = [line.split(" | ") for line in text.splitlines() if line.startswith("| sqlite |")]
    steps = {row[1]: row for row in rows}
    assert {"login", "start", "question", "answer", "feedback"} <= steps.keys()
    assert int(steps["answer"][2].replace(",", "")) > 0
    assert all(row[3] == "0" for row in rows), text  # no errors on any step
    assert "exactly once PASS" in text, text


def test_inprocess_breakdown_measures_every_row(capsys):
    from bench import inprocess

    assert inprocess.main(["-n", "20"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    names = [row.split(" | ")[0].lstrip("| ") for row in rows[2:]]
    assert names == [
        "bare Flask hello-world",
        "app: constant route, anonymous",
        "app: constant route, signed in",
        "app: empty page in the site layout",
        "app: question page",
    ]
    microseconds = [float(row.split(" | ")[1].replace(",", "")) for row in rows[2:]]
    assert all(us > 0 for us in microseconds)


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_inprocess_refuses_a_bad_request_count_with_a_message(value, capsys):
    from bench import inprocess

    with pytest.raises(SystemExit) as exit_info:
        inprocess.main(["-n", value])
    assert exit_info.value.code == 2
    assert "must be a whole number, 1 or more" in capsys.readouterr().err


def test_the_stack_floor_pages_need_a_sign_in_and_exist_only_in_the_benchmark_app(app, auth):
    from bench import floor

    shipped = {rule.rule for rule in app.url_map.iter_rules()}
    assert shipped.isdisjoint(floor.ROUTES.values())
    floor.add_probes(app)
    signed_in, layout = floor.ROUTES["signed in"], floor.ROUTES["layout"]
    assert auth.client.get(floor.ROUTES["anonymous"]).text == "ok"
    assert auth.client.get(signed_in).status_code == 302  # to the sign-in page
    auth.register("floor-student")
    assert auth.client.get(signed_in).text.isdigit()
    page = auth.client.get(layout).text
    assert "floor-student" in page and 'id="main"' in page  # the site's layout, signed in


def test_cpu_seconds_counts_this_process_and_skips_gone_ones():
    from bench import cpu

    started = cpu.cpu_seconds([os.getpid()])
    sum(i * i for i in range(300_000))  # burn a little CPU
    assert cpu.cpu_seconds([os.getpid(), 2**22 + 7]) > started
    assert os.getpid() in cpu.process_group(os.getpgid(0))


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan", "inf"])
def test_cpu_refuses_bad_seconds_with_a_message(value, capsys):
    from bench import cpu

    with pytest.raises(SystemExit) as exit_info:
        cpu.main(["--seconds", value])
    assert exit_info.value.code == 2
    assert "must be a number of seconds, 1 or more" in capsys.readouterr().err


def test_each_simulated_student_connects_from_a_loopback_address_of_its_own():
    names = [f"demo1-{i:04d}" for i in range(1000)]
    addresses = {plan.loopback_address(name) for name in names}
    assert len(addresses) == len(names)
    assert all(a.startswith("127.") and a != "127.0.0.1" for a in addresses)
    seen = []
    with socket.create_server(("127.0.0.1", 0)) as server:

        def answer_once():
            conn, peer = server.accept()
            with conn:
                seen.append(peer[0])
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")

        thread = threading.Thread(target=answer_once)
        thread.start()
        url = f"http://127.0.0.1:{server.getsockname()[1]}/"
        with plan.browser_session("demo1-0001") as http:
            assert http.get(url, timeout=5).status_code == 204
        thread.join(5)
    assert seen == [plan.loopback_address("demo1-0001")]


def test_a_simulated_students_cookie_is_the_one_its_requests_from_wrk_keep(app, live_server):
    import requests

    from bench.data import DEMO_PASSWORD
    from quizapp.accounts.users import create_user

    with app.app_context():
        create_user("demo1-0001", DEMO_PASSWORD)
        db.session.commit()
    browser = plan.login(live_server, "demo1-0001")  # signed in from 127.x.y.z, not 127.0.0.1
    replayed = requests.get(
        live_server + "/quizzes",
        headers={"Cookie": browser.cookie, "User-Agent": plan.USER_AGENT},
        allow_redirects=False,
        timeout=10,
    )
    assert replayed.status_code == 200
    assert "Set-Cookie" not in replayed.headers  # nothing re-issued on each replay


def test_the_ceiling_reports_its_median_run(tmp_path):
    from bench.run import Ceiling, Options

    ceiling = Ceiling(Options(), tmp_path)  # not entered: no server is started
    ceiling.runs = [wrk.WrkResult(n * 1000, 10.0, 0.5, 1.0, 2.0) for n in (58, 51, 55, 60, 49)]
    assert ceiling.typical().rps == 5_500
