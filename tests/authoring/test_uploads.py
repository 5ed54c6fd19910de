"""Bank upload from the browser: same checker as the CLI, all or nothing, hostile files refused."""

import html
import io
import re
import time
import tracemalloc
from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from quizapp.authoring.checker import check_text, corpus_from_seeds
from quizapp.extensions import db
from quizapp.models import Bank, Question, QuestionVersion
from tests.conftest import csrf_from

ROOT = Path(__file__).resolve().parents[2]
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


def test_valid_bank_is_loaded_and_the_page_says_what_changed(app, teacher):
    banks, questions = counts(app)
    response = upload(teacher, fresh_bank().encode())
    assert response.status_code == 303
    page = teacher.get(response.location).get_data(as_text=True)
    added = len(re.findall(r"- id: ", fresh_bank()))
    # The message names the bank, by title and id: an instructor uploads several in a row
    title = escape("Sample: China's big-science bet")
    assert f"Loaded “{title}” (uploaded): {added} added, 0 changed, 0 retired" in page
    assert counts(app) == (banks + 1, questions + added)
    # Editing one question and uploading again makes a new version of that one only
    edited = fresh_bank().replace("How much liquid fills", "What mass of liquid fills")
    page = teacher.get(upload(teacher, edited.encode()).location).get_data(as_text=True)
    assert f"): 0 added, 1 changed, 0 retired, {added - 1} unchanged" in page


def test_errors_are_shown_beside_their_lines_and_nothing_is_loaded(app, teacher):
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


def test_upload_cannot_steal_another_banks_question_ids(app, teacher):
    before = counts(app)
    clash = fresh_bank().replace("- id: uploaded-juno-liquid", "- id: sample-juno-liquid")
    response = upload(teacher, clash.encode())
    assert response.status_code == 400
    assert "sample-juno-liquid" in response.get_data(as_text=True)
    assert counts(app) == before


@pytest.mark.parametrize("filename", ["bank.txt", "bank.exe", "bank"])
def test_only_yaml_files_are_accepted(app, teacher, filename):
    response = upload(teacher, fresh_bank().encode(), filename)
    assert response.status_code == 400
    assert "Upload a .yaml or .yml file." in response.get_data(as_text=True)


def test_oversized_upload_is_a_friendly_413(app, teacher):
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
    # A valid bank but for an escape that makes text no database or page holds (it was a 500)
    "lone surrogate": (
        fresh_bank().replace("prompt: ", 'prompt: "\\ud800" #', 1).encode(),
        "lone surrogate",
    ),
    "control character": (
        fresh_bank().replace("prompt: ", 'prompt: "\\f" #', 1).encode(),
        "control character",
    ),
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


@pytest.mark.parametrize(
    "name",
    ["billion laughs", "10,000-deep nesting", "not UTF-8", "binary", "lone surrogate"],
)
def test_hostile_uploads_get_a_clear_error_page(app, teacher, name):
    before = counts(app)
    response = upload(teacher, HOSTILE[name][0])
    assert response.status_code == 400
    assert HOSTILE[name][1] in response.get_data(as_text=True)
    assert counts(app) == before


def test_the_banks_page_says_what_gift_and_moodle_xml_leave_out(app, teacher):
    text = (ROOT / "tests/data/banks/sample-cross.yaml").read_text(encoding="utf-8")
    regex = 'accept: ["Micius", "Mozi"]\n    regex: "mo.*"\n    reject: ["Mencius"]'
    assert (
        upload(teacher, text.replace('accept: ["Micius", "Mozi"]', regex).encode()).status_code
        == 303
    )
    page = teacher.get("/teach/banks").get_data(as_text=True)
    assert page.count("leave out the regular expression") == 1  # only the bank that has one
    assert "leave out the regular expression of sample-micius-name: Moodle has no" in page
    assert page.count("leave out the reject list of sample-micius-name:") == 1
    for fmt in ("gift", "xml"):
        text = teacher.get(f"/teach/banks/sample-cross.{fmt}").get_data(as_text=True)
        assert "mo.*" not in text and "Micius" in text  # what the note says is what happens
        assert "Mencius" not in text


def first_question_only(text: str = SAMPLE) -> str:
    """Return the bank cut down to its first question, as an instructor trimming it might."""
    return text[: text.index("  - id: sample-jinping-depth")]


def versions(app) -> dict[str, tuple[int, bool]]:
    """Return per question of the sample bank its number of versions and whether it is retired."""
    with app.app_context():
        rows = db.session.execute(
            select(Question.id, func.count(QuestionVersion.id), Question.retired)
            .join(QuestionVersion, QuestionVersion.question_id == Question.id)
            .where(Question.bank_id == "sample-big-science")
            .group_by(Question.id, Question.retired)
        )
        return {qid: (n, retired) for qid, n, retired in rows}


def confirm(client, page: str):
    """Press "Load it" on a confirmation page."""
    token = re.search(r'name="upload" type="hidden" value="([^"]+)"', page)[1]
    return client.post(
        "/teach/banks/confirm", data={"csrf_token": csrf_from(page), "upload": token}
    )


def test_an_upload_that_retires_questions_is_confirmed_before_anything_changes(app, teacher):
    before = versions(app)
    response = upload(teacher, first_question_only().encode(), "big.yaml")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Load big.yaml?</h1>" in page
    assert "retire 2 questions</strong>: they leave the quiz\n      for every class" in page
    assert "leave 1 question unchanged" in page
    assert (
        "<code>sample-jinping-depth</code>" in page and "<code>sample-juno-largest</code>" in page
    )
    # Each with its prompt, so a question left out by mistake is recognised.
    assert re.search(r"<code>sample-jinping-depth</code>: [^<]*Jinping", page)
    assert '<button type="submit" class="btn">Load it</button>' in page
    assert 'href="/teach/banks">Cancel' in page
    assert versions(app) == before  # nothing is retired until confirmed
    done = confirm(teacher, page)
    assert done.status_code == 303
    shown = teacher.get(done.location).get_data(as_text=True)
    assert "): 0 added, 0 changed, 2 retired, 1 unchanged." in shown
    assert {qid: retired for qid, (_n, retired) in versions(app).items()} == {
        "sample-juno-liquid": False,
        "sample-jinping-depth": True,
        "sample-juno-largest": True,
    }


def test_an_upload_that_only_adds_or_changes_loads_at_once(app, teacher):
    edited = SAMPLE.replace("How much liquid fills", "What mass of liquid fills")
    response = upload(teacher, edited.encode())
    assert response.status_code == 303
    assert "): 0 added, 1 changed, 0 retired, 2 unchanged." in teacher.get(
        response.location
    ).get_data(as_text=True)


def test_retired_questions_uploaded_again_unchanged_are_restored_without_new_versions(
    app,
    teacher,
):
    before = versions(app)
    page = upload(teacher, first_question_only().encode()).get_data(as_text=True)
    assert confirm(teacher, page).status_code == 303
    response = upload(teacher, SAMPLE.encode())
    assert response.status_code == 303
    shown = teacher.get(response.location).get_data(as_text=True)
    assert "): 0 added, 0 changed, 2 restored, 0 retired, 1 unchanged." in shown
    assert versions(app) == before  # the same versions, live again


def test_a_confirmation_overtaken_by_another_upload_asks_again(app, teacher):
    before = versions(app)
    page = upload(teacher, first_question_only().encode()).get_data(as_text=True)
    # Meanwhile the first question is edited: the confirmed counts no longer hold
    edited = SAMPLE.replace("How much liquid fills", "What mass of liquid fills")
    assert upload(teacher, edited.encode()).status_code == 303
    again = confirm(teacher, page)
    assert again.status_code == 200
    text = again.get_data(as_text=True)
    assert "The question banks changed since you checked this file" in text
    assert "change 1 question" in text and "retire 2 questions" in text
    assert {q: r for q, (_n, r) in versions(app).items()} == {q: r for q, (_n, r) in before.items()}
    assert confirm(teacher, text).status_code == 303  # confirming the new counts applies them
    assert versions(app)["sample-jinping-depth"] == (1, True)


def test_a_forged_or_foreign_confirmation_loads_nothing(app, teacher, client):
    from tests.factories import make_user

    before = versions(app)
    page = upload(teacher, first_question_only().encode()).get_data(as_text=True)
    token = re.search(r'name="upload" type="hidden" value="([^"]+)"', page)[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = teacher.post(
        "/teach/banks/confirm", data={"csrf_token": csrf_from(page), "upload": forged}
    )
    assert response.status_code == 303
    assert "is not valid: upload the file again" in teacher.get(response.location).text
    make_user(app, "prof2", "instructor")
    other = app.test_client()
    from tests.conftest import Auth

    Auth(other).login("prof2")
    mine = csrf_from(other.get("/teach/banks").get_data(as_text=True))
    assert (
        other.post("/teach/banks/confirm", data={"csrf_token": mine, "upload": token}).status_code
        == 303
    )
    assert versions(app) == before


def test_a_file_over_the_limit_is_refused_with_its_limit_and_not_shown_back(app, teacher):
    before = counts(app)
    data = ("# padding\n" * 160_000).encode()  # 1,600,000 bytes: under the request limit
    response = upload(teacher, data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The file is larger than 1 MB, the limit for one bank" in page
    assert "1,048,577" not in page
    assert "# padding" not in page and "src-line" not in page  # the file is not echoed
    assert counts(app) == before


def test_the_upload_help_is_plain_words_an_instructor_can_use(teacher):
    page = teacher.get("/teach/banks").get_data(as_text=True)
    assert "`" not in page and "questions/README.md" not in page
    assert "must match the article’s words and capitals" in page
    assert "listed with its line and column" in page
    assert page.count("nothing is loaded") == 1  # said once, not again under the field


def test_load_it_sent_twice_reports_the_load_not_a_change(app, teacher):
    page = upload(teacher, first_question_only().encode()).get_data(as_text=True)
    assert confirm(teacher, page).status_code == 303
    again = confirm(teacher, page)  # Back and "Load it", a double click, a second tab
    assert again.status_code == 303
    shown = teacher.get(again.location).get_data(as_text=True)
    assert "): 0 added, 0 changed, 0 retired, 1 unchanged." in shown
    assert "changed since you checked" not in shown


def test_an_uploaded_bank_keeps_its_place_and_a_new_one_goes_last(app, teacher):
    def order():
        with app.app_context():
            return list(db.session.scalars(select(Bank.id).order_by(Bank.position, Bank.id)))

    before = order()
    assert before[-1] != "sample-big-science"  # not last already: a move would show
    edited = SAMPLE.replace("How much liquid fills", "What mass of liquid fills")
    assert upload(teacher, edited.encode()).status_code == 303
    assert order() == before
    assert upload(teacher, fresh_bank("brand-new").encode()).status_code == 303
    assert order() == [*before, "brand-new"]


def test_a_bank_of_almost_1_mb_can_be_confirmed(app, teacher):
    import random

    rng = random.Random(1)
    filler = "".join(
        "# " + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(98)) + "\n"
        for _ in range(9000)
    )  # ~900 KB of comments that compress badly
    page = upload(teacher, (filler + first_question_only()).encode()).get_data(as_text=True)
    assert "too large to confirm" not in page
    assert confirm(teacher, page).status_code == 303


def test_an_upload_with_many_problems_lists_the_first_hundred(app, teacher):
    """A page of thousands of errors helps nobody; links point only at lines shown."""
    question = '  - id: many-{n}\n    type: true_false\n    prompt: "p{n}"\n' + "\n" * 14
    body = "bank: many\ntitle: Many\ndoc: big-science\nquestions:\n"
    body += "".join(question.format(n=n) for n in range(150))
    page = upload(teacher, body.encode()).get_data(as_text=True)
    listed = re.findall(r"<li>(?:<a [^>]*>)?line \d+, column \d+", page)
    assert len(listed) == 100 and "…and" in page and "more. Fix these first" in page
    assert 'href="#line-' in page and "Your file is shown up to line 2000 of 2554." in page
    linked = [int(n) for n in re.findall(r'<a href="#line-(\d+)">', page)]
    assert linked and max(linked) <= 2000


def test_an_upload_with_a_warning_loads_and_shows_the_warning(app, teacher):
    quote = re.search(r'quote: "([^"]{60,})"', SAMPLE).group(1)
    warned = re.sub(r'explanation: ".*"', f'explanation: "As it says: {quote}."', SAMPLE, count=1)
    assert warned != SAMPLE
    response = upload(teacher, warned.encode())
    assert response.status_code == 303
    shown = teacher.get(response.location).get_data(as_text=True)
    assert "): 0 added, 1 changed, 0 retired, 2 unchanged." in shown
    assert "Warning, line" in shown and "the explanation repeats a quote word for word" in shown


def test_an_upload_of_many_wrong_quotes_looks_for_few_closest_texts(app, teacher):
    """Each hint compares the quote with every stretch of the article: a second for some."""
    right = '"Centred on a colossal sphere filled with 20,000 tonnes of liquid"'
    quotes = [right.replace("filled", f"filled{'x' * n}") for n in range(1, 16)]
    cites = "".join(f"\n      - quote: {quote}" for quote in quotes)
    bank = fresh_bank().replace(f"\n      - quote: {right}", cites, 1)
    response = upload(teacher, bank.encode())
    assert response.status_code == 400
    listed = re.findall(r"<li>.*?</li>", response.get_data(as_text=True))
    assert sum("quote not found" in item for item in listed) == len(quotes)
    assert sum("closest passage text" in item for item in listed) == 10  # UPLOAD_HINTS


def _live(app, bank_id: str) -> tuple[bool, int]:
    """Return whether a bank is live and how many of its questions are."""
    with app.app_context():
        bank = db.session.get(Bank, bank_id)
        live = select(func.count()).where(Question.bank_id == bank_id, ~Question.retired)
        return not bank.retired, db.session.scalar(live)


def test_a_full_load_of_the_folder_leaves_uploaded_banks_alone(app, teacher, runner):
    """A deploy runs `quizapp load` (or setup): it must not take a class's uploaded quiz away."""
    app.config["QUESTIONS_DIR"] = str(Path(__file__).parents[1] / "data/banks")
    assert upload(teacher, fresh_bank().encode()).status_code == 303
    uploaded = _live(app, "uploaded")
    assert uploaded[0] and uploaded[1] > 0
    result = runner.invoke(args=["load", "--quiet"])
    assert result.exit_code == 0, result.output
    assert _live(app, "uploaded") == uploaded
    assert "uploaded" in teacher.get("/quizzes").get_data(as_text=True)
    # The operator retires it by name; an upload brings it back
    result = runner.invoke(args=["retire", "uploaded"])
    assert result.exit_code == 0 and f"with {uploaded[1]} live questions" in result.output
    assert _live(app, "uploaded") == (False, 0)
    assert upload(teacher, fresh_bank().encode()).status_code == 303
    assert _live(app, "uploaded") == uploaded


def test_a_full_load_cannot_take_an_uploaded_banks_question_ids(app, teacher, runner, tmp_path):
    assert upload(teacher, fresh_bank().encode()).status_code == 303
    folder = tmp_path / "banks"
    folder.mkdir()
    clash = SAMPLE.replace("- id: sample-juno-liquid", "- id: uploaded-juno-liquid")
    (folder / "clash.yaml").write_text(clash, encoding="utf-8")
    app.config["QUESTIONS_DIR"] = str(folder)
    result = runner.invoke(args=["load", "--quiet"])
    assert result.exit_code == 1
    assert 'duplicate question id "uploaded-juno-liquid" (already used in bank "uploaded")' in (
        result.output
    )
    assert "`quizapp retire uploaded` frees its ids" in result.output
    # Once the operator retires the uploaded bank, the deploy's load goes through again
    assert runner.invoke(args=["retire", "uploaded"]).exit_code == 0
    result = runner.invoke(args=["load", "--quiet"])
    assert result.exit_code == 0, result.output


def test_loading_an_uploaded_banks_file_from_the_shell_keeps_it_uploaded(
    app,
    teacher,
    runner,
    tmp_path,
):
    """Else the next deploy's full load would retire it as a folder bank gone missing."""
    app.config["QUESTIONS_DIR"] = str(Path(__file__).parents[1] / "data/banks")
    assert upload(teacher, fresh_bank().encode()).status_code == 303
    uploaded = _live(app, "uploaded")
    copy = tmp_path / "uploaded.yaml"
    copy.write_text(fresh_bank(), encoding="utf-8")
    assert runner.invoke(args=["load", "--quiet", str(copy)]).exit_code == 0
    assert runner.invoke(args=["load", "--quiet"]).exit_code == 0
    assert _live(app, "uploaded") == uploaded


def test_retiring_an_unknown_bank_names_the_close_one(app, runner):
    result = runner.invoke(args=["retire", "sample-big-sciense"])
    assert result.exit_code == 1
    assert 'no bank "sample-big-sciense" (did you mean "sample-big-science"?)' in result.output


def test_a_bank_another_instructor_uploaded_is_theirs_to_change(app, teacher):
    from tests.conftest import Auth
    from tests.factories import make_user

    assert upload(teacher, fresh_bank().encode()).status_code == 303
    make_user(app, "prof2", "instructor")
    other = app.test_client()
    Auth(other).login("prof2")
    edited = fresh_bank().replace("How much liquid fills", "What mass of liquid fills")
    response = upload(other, edited.encode())
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "was uploaded by prof, and only they can change it: give your bank another id" in page
    # A bank from the folder stays the folder's, open to every instructor, as before
    shipped = SAMPLE.replace("How much liquid fills", "What mass of liquid fills")
    assert upload(other, shipped.encode()).status_code == 303
    assert upload(teacher, SAMPLE.encode()).status_code == 303
    # and an uploader may go on changing their own
    assert upload(teacher, edited.encode()).status_code == 303
    listed = teacher.get("/teach/banks").get_data(as_text=True)
    assert "uploaded by prof<" in listed and "uploaded by prof2" not in listed
    assert "the questions folder" in listed


def test_an_upload_shows_item_writing_warnings_with_their_codes_and_still_loads(
    app,
    teacher,
):
    bank = fresh_bank("item-writing").replace('- text: "700 tonnes"', '- text: "Only 700 tonnes"')
    response = upload(teacher, bank.encode())
    assert response.status_code == 303  # a warning never blocks an upload
    shown = html.unescape(teacher.get(response.location).get_data(as_text=True))
    assert "3 added" in shown
    assert 'this wrong choice says "only" and no right choice does' in shown
    assert "[absolute-word]" in shown


def test_a_quote_not_found_shows_its_differing_words_and_the_file_single_spaced(app, teacher):
    right = "Centred on a colossal sphere filled with 20,000 tonnes of liquid"
    assert right in fresh_bank()
    bank = fresh_bank().replace(right, right.replace("colossal", "huge"), 1)
    page = upload(teacher, bank.encode()).get_data(as_text=True)
    problem = re.search(r"<li>.*?quote not found.*?</li>", page)[0]
    # The quote's word struck out, the article's marked as inserted; the rest plain
    assert re.findall(r"<del>([^<]*)</del>", problem) == ["huge"]
    assert re.findall(r"<ins>([^<]*)</ins>", problem) == ["colossal"]
    assert "Your quote:</span> Centred on a <del>" in problem
    # One line of the file per line on the page: no blank line between them
    listing = re.search(r'<pre class="source".*?</pre>', page, re.S)[0]
    assert listing.count('class="src-line') == bank.count("\n")
    assert "</span>\n" not in listing
