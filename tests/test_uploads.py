"""Bank upload from the browser: same checker as the CLI, all or nothing, hostile files refused."""

import io
import re
import time
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from quizapp.checker import check_text, corpus_from_seeds
from quizapp.extensions import db
from quizapp.models import Bank, Question

from .conftest import csrf_from
from .test_instructor import teacher  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = (ROOT / "tests/data/banks/sample-big-science.yaml").read_text(encoding="utf-8")


def fresh_bank(bank_id="uploaded") -> str:
    """Return the sample bank under a new bank id with new question ids."""
    text = SAMPLE.replace("bank: sample-big-science", f"bank: {bank_id}")
    return re.sub(r"(- id: )sample-", rf"\1{bank_id}-", text)


def upload(client, data: bytes, filename="bank.yaml"):
    token = csrf_from(client.get("/teach/banks").get_data(as_text=True))
    # Encoded in memory: the test client would spool a large body to a file it never closes
    body, length, boundary = stream_encode_multipart(
        {"csrf_token": token, "file": FileStorage(io.BytesIO(data), filename)},
        use_tempfile=False,
    )
    return client.post(
        "/teach/banks",
        input_stream=body,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def counts(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Bank)),
            db.session.scalar(select(func.count()).select_from(Question)),
        )


def test_valid_bank_is_loaded_and_the_page_says_what_changed(app, teacher):  # noqa: F811
    banks, questions = counts(app)
    response = upload(teacher, fresh_bank().encode())
    assert response.status_code == 303
    page = teacher.get(response.location).get_data(as_text=True)
    added = len(re.findall(r"- id: ", fresh_bank()))
    assert f"Loaded: {added} added, 0 changed, 0 retired" in page
    assert counts(app) == (banks + 1, questions + added)
    # Editing one question and uploading again makes a new version of that one only
    edited = fresh_bank().replace("How much liquid fills", "What mass of liquid fills")
    page = teacher.get(upload(teacher, edited.encode()).location).get_data(as_text=True)
    assert f"Loaded: 0 added, 1 changed, 0 retired, {added - 1} unchanged" in page


def test_errors_are_shown_beside_their_lines_and_nothing_is_loaded(app, teacher):  # noqa: F811
    before = counts(app)
    broken = fresh_bank().replace("difficulty: easy", "difficulty: trivial", 1)
    line = broken.splitlines().index("    difficulty: trivial") + 1
    response = upload(teacher, broken.encode())
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"line {line}, column 17" in page, "the error names its line and column"
    assert "difficulty must be easy, medium or hard" in page
    assert "difficulty: trivial" in page  # the offending source line is shown
    assert counts(app) == before


def test_upload_cannot_steal_another_banks_question_ids(app, teacher):  # noqa: F811
    before = counts(app)
    clash = fresh_bank().replace("- id: uploaded-juno-liquid", "- id: sample-juno-liquid")
    response = upload(teacher, clash.encode())
    assert response.status_code == 400
    assert "sample-juno-liquid" in response.get_data(as_text=True)
    assert counts(app) == before


@pytest.mark.parametrize("filename", ["bank.txt", "bank.exe", "bank"])
def test_only_yaml_files_are_accepted(app, teacher, filename):  # noqa: F811
    response = upload(teacher, fresh_bank().encode(), filename)
    assert response.status_code == 400
    assert "Upload a .yaml or .yml file." in response.get_data(as_text=True)


def test_oversized_upload_is_a_friendly_413(app, teacher):  # noqa: F811
    before = counts(app)
    response = upload(teacher, b"a: " + b"x" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True).lower()
    assert counts(app) == before


def billion_laughs() -> bytes:
    lines = ['a0: &a0 "lol"']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    return ("\n".join(lines) + "\nbank: *a9\n").encode()


HOSTILE = {
    "billion laughs": (billion_laughs(), "anchors"),
    "10,000-deep nesting": (b"bank: " + b"[" * 10_000 + b"]" * 10_000, "nesting"),
    "50 MB scalar": (b"bank: " + b"x" * (50 * 1024 * 1024), "limit is"),
    "not UTF-8": ("bank: caf\u00e9".encode("latin-1"), "not UTF-8"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not"),
}


@pytest.fixture(scope="module")
def corpus():
    return corpus_from_seeds(ROOT / "seeds")


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_files_are_refused_quickly_in_little_memory(corpus, name):
    data, words = HOSTILE[name]
    tracemalloc.start()
    began = time.perf_counter()
    result = check_text(data, "hostile.yaml", corpus)
    elapsed = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert not result.ok
    message = " ".join(d.message for d in result.diagnostics)
    assert words in message, message
    # An expansion or a recursion would take minutes and gigabytes, not this
    assert elapsed < 1.0, f"{name}: {elapsed:.2f}s"
    assert peak < 64 * 1024 * 1024, f"{name}: {peak / 1e6:.0f} MB"


@pytest.mark.parametrize("name", ["billion laughs", "10,000-deep nesting", "not UTF-8", "binary"])
def test_hostile_uploads_get_a_clear_error_page(app, teacher, name):  # noqa: F811
    before = counts(app)
    response = upload(teacher, HOSTILE[name][0])
    assert response.status_code == 400
    assert HOSTILE[name][1] in response.get_data(as_text=True)
    assert counts(app) == before


def test_the_banks_page_says_what_gift_and_moodle_xml_leave_out(app, teacher):  # noqa: F811
    text = (ROOT / "tests/data/banks/sample-cross.yaml").read_text(encoding="utf-8")
    regex = 'accept: ["Micius", "Mozi"]\n    regex: "mo.*"'
    assert (
        upload(teacher, text.replace('accept: ["Micius", "Mozi"]', regex).encode()).status_code
        == 303
    )
    page = teacher.get("/teach/banks").get_data(as_text=True)
    assert page.count("leave out the regular expression") == 1  # only the bank that has one
    assert "leave out the regular expression of sample-micius-name: Moodle has no" in page
    gift = teacher.get("/teach/banks/sample-cross.gift").get_data(as_text=True)
    assert "mo.*" not in gift and "Micius" in gift  # what the note says is what happens
