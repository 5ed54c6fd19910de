"""GIFT and Moodle XML: every shipped question survives the round trip; special characters too."""

import dataclasses
import functools
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.authoring.checker import check_paths, check_text, corpus_from_seeds
from quizapp.formats import bank_yaml, gift, moodle_xml

ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def shipped():
    result = check_paths(
        [ROOT / "questions", ROOT / "tests/data/banks"], corpus_from_seeds(ROOT / "seeds")
    )
    assert result.ok
    return result.banks


@pytest.fixture(scope="module")
def banks():
    return shipped()


def essence(question: dict) -> dict:
    """Return what a round trip must keep: type, prompt, choices, key, feedback, tolerance."""
    keep = {"type": question["type"], "prompt": question["prompt"]}
    if "choices" in question:
        keep["choices"] = [
            (c["text"], bool(c.get("correct")), c.get("feedback") or None)
            for c in question["choices"]
        ]
    for key in ("answer", "unit", "accept"):
        if question.get(key) is not None:
            keep[key] = question[key]
    if question["type"] == "numeric":
        keep["tolerance"] = float(question.get("tolerance") or 0)
        keep["answer"] = float(question["answer"])
    return keep


def authored(bank) -> list[dict]:
    return [essence({"type": q.type, "prompt": q.prompt, **q.spec}) for q in bank.questions]


def test_yaml_to_gift_to_yaml_keeps_every_question(banks):
    for bank in banks:
        back = gift.load(gift.dump(bank), bank.id)
        assert [essence(q) for q in back["questions"]] == authored(bank), bank.id
        assert [q["id"] for q in back["questions"]] == [q.id for q in bank.questions]


def test_moodle_xml_is_well_formed_and_parses_back(banks):
    for bank in banks:
        text = moodle_xml.dump(bank)
        root = ET.fromstring(text.encode("utf-8"))
        assert root.tag == "quiz"
        assert root.find("question[@type='category']") is not None, "banks become categories"
        assert [essence(q) for q in moodle_xml.load(text)] == authored(bank), bank.id


def test_gift_carries_the_explanation_and_excerpt_as_general_feedback(banks):
    bank = banks[0]
    question = bank.questions[0]
    text = gift.dump(bank, {question.id: ["“a quoted excerpt” (An article)"]})
    assert "####" in text
    assert "a quoted excerpt" in text


SPECIAL = st.text(alphabet=st.sampled_from(list("~=#{}:\\ abc-é\"'")), min_size=1, max_size=30)


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(
    prompt=SPECIAL.filter(str.strip),
    right=SPECIAL.filter(str.strip),
    wrong=SPECIAL.filter(str.strip),
    feedback=SPECIAL.filter(str.strip),
)
def test_gift_special_characters_survive(prompt, right, wrong, feedback):
    if right.strip() == wrong.strip():
        return
    bank = shipped()[0]
    question = next(q for q in bank.questions if q.type == "single")
    spec = {
        "choices": [
            {"text": right.strip(), "correct": True},
            {"text": wrong.strip(), "correct": False, "feedback": feedback.strip()},
        ]
    }
    question = dataclasses.replace(question, prompt=prompt.strip(), spec=spec)
    short = dataclasses.replace(
        question, id="short", type="short_text", spec={"accept": [right.strip(), wrong.strip()]}
    )
    one = dataclasses.replace(bank, questions=(question, short))
    for back in (gift.load(gift.dump(one))["questions"], moodle_xml.load(moodle_xml.dump(one))):
        assert [essence(q) for q in back] == authored(one)


def test_escaped_characters_in_short_answers_are_text_not_syntax(banks):
    question = next(q for q in banks[0].questions if q.type == "short_text")
    accept = ["C#", "F=ma", "a ~ b", "x:y", "{set}", "back\\slash"]
    one = dataclasses.replace(
        banks[0], questions=(dataclasses.replace(question, spec={"accept": accept}),)
    )
    text = gift.dump(one)
    assert "=C\\#" in text
    [back] = gift.load(text)["questions"]
    assert (back["type"], back["accept"]) == ("short_text", accept)


PLAIN_GIFT = """// A Moodle export: no cites
::juno-size::How much liquid fills JUNO's sphere? {
=20,000 tonnes#Right.
~2,400 tonnes#That is a depth.
}

::jinping-depth::How deep is Jinping, in metres? {#2400:50}

::micius::Name the quantum satellite. {=Micius =Mozi}
"""


MOODLE_GIFT = """// exported by Moodle
$CATEGORY: $course$/top/Physics//Chemistry

::tf-feedback::The sky is blue.{TRUE#No, look up.#Yes.}

::tf-false::Water is dry.{F}

::pi::[html]<p>What is <b>pi</b>, to two places?</p>{#
=%100%3.14:0.005#Right.
=%50%3:0.5#Close.
}

::range::A number from 1 to 5. {#1..5}

::html-choice::[html]<p>Which is <i>right</i> &amp; true?</p><p>Think.</p>{
=<p>This&nbsp;one</p>#<p>Yes.</p>
~<p>That one</p>
####<p>Because <b>it is</b>.</p>}
"""


def test_moodle_gift_true_false_numeric_and_html_are_understood():
    warnings = []
    data = gift.load(MOODLE_GIFT, "moodle", warn=warnings.append)
    assert data["title"] == "Physics/Chemistry"
    tf, tf_false, pi, span, choice = data["questions"]
    assert (tf["type"], tf["answer"], tf_false["answer"]) == ("true_false", True, False)
    assert "choices" not in tf
    assert (pi["type"], pi["answer"], pi["tolerance"]) == ("numeric", 3.14, 0.005)
    assert pi["prompt"] == "What is pi, to two places?"
    assert (span["answer"], span["tolerance"]) == (3, 2)
    assert choice["prompt"] == "Which is right & true?\n\nThink."
    assert choice["choices"] == [
        {"text": "This one", "correct": True, "feedback": "Yes."},
        {"text": "That one", "correct": False},
    ]
    assert choice["explanation"] == "Because it is."
    assert warnings == [
        "line 4: question tf-feedback: its true/false feedback is dropped "
        "(a bank has none for true/false)",
        "line 8: question pi: the answer '=%50%3:0.5#Close.' is dropped (a bank takes one answer)",
        "line 8: question pi: its numeric feedback is dropped "
        "(a bank has none for numeric answers)",
    ]


MOODLE_SHORT_ANSWERS = """::capital::[html]<p>What is the capital of <b>France</b>?</p>{
\t=Paris#<p>Right!</p>
\t=paris#Right again
}

::sa-one::Name the observatory. {=JUNO#Correct, that is JUNO.}

::partial::Name the satellite. {=%100%Micius =%50%Mozi#Its nickname. =%100%Mo\\#zi}
"""


def test_moodle_short_answers_with_feedback_stay_short_answers():
    warnings = []
    capital, one, partial = gift.load(MOODLE_SHORT_ANSWERS, "s", warn=warnings.append)["questions"]
    assert (capital["type"], capital["accept"]) == ("short_text", ["Paris", "paris"])
    assert capital["prompt"] == "What is the capital of France?"
    assert (one["type"], one["accept"]) == ("short_text", ["JUNO"])
    assert (partial["type"], partial["accept"]) == ("short_text", ["Micius", "Mo#zi"])
    assert warnings == [
        "line 1: question capital: its answer feedback is dropped "
        "(a bank has none for short-text answers)",
        "line 6: question sa-one: its answer feedback is dropped "
        "(a bank has none for short-text answers)",
        "line 8: question partial: the answer '=%50%Mozi#Its nickname.' is dropped "
        "(a bank takes only fully right answers)",
    ]


# Cited and explained as `quizapp export gift` writes them, so that `quizapp check` passes.
CITED = "// [cite:big-science] housed in a subterranean laboratory some 700 metres deep\n"
UNREPRESENTABLE_GIFT = f"""// Moodle kinds a bank cannot hold, among questions it can
{CITED}::deep::JUNO is deep. {{TRUE####Explained.}}

::matching::Match {{=a -> 1 =b -> 2 =c -> 3}}

::essay::Write an essay. {{}}

::desc::Just a description.

Untitled text between questions.

{CITED}::name::Name the observatory. {{=JUNO####Explained.}}
"""


def test_kinds_a_bank_cannot_hold_are_skipped_with_a_warning_naming_the_line(runner, tmp_path):
    source = tmp_path / "mixed.gift"
    source.write_text(UNREPRESENTABLE_GIFT, encoding="utf-8")
    target = tmp_path / "mixed.yaml"
    result = runner.invoke(args=["import", "gift", str(source), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[:-1] == [
        f"Warning: {source}: {message}"
        for message in (
            "line 5: question matching: skipped: a matching question (=item -> match) "
            "has no equivalent in a bank",
            "line 7: question essay: skipped: an essay (an empty answer block {}) needs marking "
            "by hand, and a bank has no essay questions",
            "line 9: question desc: skipped: a description (text with no answer block {...}) "
            "is not a question",
            "line 11: 'Untitled text between questions.': skipped: a description (text with no "
            "answer block {...}) is not a question",
        )
    ]
    assert "(2 questions)" in result.stderr
    checked = check_paths([target], corpus_from_seeds(ROOT / "seeds"))
    assert checked.ok, checked
    assert [(q.id, q.type) for q in checked.banks[0].questions] == [
        ("deep", "true_false"),
        ("name", "short_text"),
    ]
    source.write_text("::essay::Write. {}\n\n::desc::Text.\n", encoding="utf-8")
    result = runner.invoke(args=["import", "gift", str(source)])
    assert result.exit_code == 1
    assert result.output.endswith(f"Error: {source}: no question this importer can read in it\n")


def test_export_warns_that_moodle_reads_an_arrow_in_a_short_answer_as_matching(banks):
    question = next(q for q in banks[0].questions if q.type == "short_text")
    one = dataclasses.replace(
        banks[0], questions=(dataclasses.replace(question, spec={"accept": ["a -> b"]}),)
    )
    warnings = []
    gift.dump(one, warn=warnings.append)
    assert warnings == [
        f"question {question.id}: its accepted answer 'a -> b' contains '->', which Moodle "
        "(and `quizapp import gift`) read as a matching question"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "::a::Fine {T}\n\n::b::Open {=x\n",
            "line 3: not a GIFT question this importer understands",
        ),
        (
            "::a::Fine {T}\n\n::b::Odd {x =y}",
            "line 3: question b: 'x' starts with neither = nor ~",
        ),
        ("::a::Fine {T}\n\n\n::b::How many? {#abc}", "line 4: question b: 'abc' is not a number"),
        ("::n::How many? {#\n=%50%3\n}", "line 1: question n: no numeric answer is worth 100%"),
    ],
)
def test_gift_errors_name_the_line(text, message):
    with pytest.raises(gift.GiftError, match=message):
        gift.load(text)


def test_moodle_missing_word_questions_import_with_a_blank_where_the_answers_stood():
    data = gift.load(
        "::mw::Moodle costs {~lots of money =nothing ~a small amount} to download.\n\n"
        "::sa::Two plus two is {=four =4}!\n"
    )
    missing, short = data["questions"]
    assert (missing["type"], missing["prompt"]) == ("single", "Moodle costs _____ to download.")
    assert [c["text"] for c in missing["choices"] if c["correct"]] == ["nothing"]
    assert (short["type"], short["prompt"], short["accept"]) == (
        "short_text",
        "Two plus two is _____!",
        ["four", "4"],
    )
    with pytest.raises(gift.GiftError, match="line 1: question x: more than one answer block"):
        gift.load("::x::Fine {T} and {F} too")


def test_cli_import_warns_on_stderr_and_errors_name_file_and_line(runner, tmp_path):
    source = tmp_path / "moodle.gift"
    source.write_text(MOODLE_GIFT, encoding="utf-8")
    result = runner.invoke(args=["import", "gift", str(source), "-o", str(tmp_path / "m.yaml")])
    assert result.exit_code == 0, result.output
    assert f"Warning: {source}: line 4: question tf-feedback: its true/false" in result.stderr
    assert "choices" not in (tmp_path / "m.yaml").read_text(encoding="utf-8").split("tf-false")[0]
    source.write_text("::a::Fine {T}\n\n::b::Open {=x\n", encoding="utf-8")
    result = runner.invoke(args=["import", "gift", str(source)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {source}: line 3: not a GIFT question this importer understands: "
        "'::b::Open {=x'\n"
    )


MULTILINE_QUOTE_BANK = """bank: qa-mlq
title: "QA multiline quote"
doc: big-science
questions:
  - id: qa-mlq-a
    type: true_false
    prompt: "JUNO holds 20,000 tonnes of liquid."
    answer: true
    explanation: "x"
    cite:
      - quote: |
          Centred on a colossal sphere
          filled with 20,000 tonnes of liquid
    difficulty: easy
  - id: qa-mlq-b
    type: true_false
    prompt: "JUNO is deep."
    answer: true
    explanation: "x"
    cite:
      - quote: "housed in a subterranean laboratory some 700 metres deep"
    difficulty: easy
"""


def test_every_line_of_a_gift_comment_is_a_comment(runner, tmp_path):
    bank = tmp_path / "qa-mlq.yaml"
    bank.write_text(MULTILINE_QUOTE_BANK, encoding="utf-8")
    exported = tmp_path / "qa-mlq.gift"
    result = runner.invoke(args=["export", "gift", str(bank), "-o", str(exported)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote {exported} (1 bank)\n"
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if line.startswith("filled")] == []
    back = tmp_path / "back.yaml"
    result = runner.invoke(args=["import", "gift", str(exported), "-o", str(back)])
    assert result.exit_code == 0, result.output
    corpus = corpus_from_seeds(ROOT / "seeds")
    [again], [original] = check_paths([back], corpus).banks, check_paths([bank], corpus).banks
    assert [q.canonical() for q in again.questions] == [q.canonical() for q in original.questions]


def test_header_values_stay_on_their_line_and_keep_brackets_and_backslashes(banks):
    bank, question = banks[0], banks[0].questions[0]
    cite = dataclasses.replace(question.cites[0], quote="one\ntwo ] \\n three\n")
    question = dataclasses.replace(question, tags=("odd]tag", "two\nlines"), cites=(cite,))
    one = dataclasses.replace(
        bank, title="Two\nlines", description="A [bracketed] \\ one.", questions=(question,)
    )
    text = gift.dump(one)
    assert "two ] \\\\n three" in text  # the quote's backslash is doubled, not a line break
    data = gift.load(text)
    assert (data["title"], data["description"]) == ("Two lines", "A [bracketed] \\ one.")
    [back] = data["questions"]
    assert back["tags"] == ["odd]tag", "two\nlines"]
    assert back["cite"] == [{"doc": cite.doc, "quote": "one\ntwo ] \\n three\n"}]


def test_an_explanation_keeps_its_own_source_line(banks):
    bank, question = banks[0], banks[0].questions[0]
    question = dataclasses.replace(question, explanation="Because.\n\nSource: my notes")
    one = dataclasses.replace(bank, questions=(question,))
    for excerpts in ({}, {question.id: ["“a quote” (An article)"]}):
        [back] = gift.load(gift.dump(one, excerpts))["questions"]
        assert back["explanation"] == "Because.\n\nSource: my notes"


def test_moodle_xml_drops_what_xml_cannot_hold_with_a_warning(banks):
    bank, question = banks[0], banks[0].questions[0]
    question = dataclasses.replace(question, prompt="Form feed:\f and a bell \a\ttab\nline")
    one = dataclasses.replace(bank, questions=(question,))
    warnings = []
    text = moodle_xml.dump(one, warn=warnings.append)
    prompt = ET.fromstring(text.encode("utf-8")).find("question[@type!='category']")
    assert prompt.findtext("questiontext/text") == "Form feed: and a bell \ttab\nline"
    assert warnings == [f"question {question.id}: U+000C, U+0007 dropped (XML cannot hold them)"]


def test_the_bank_description_travels_in_both_exports(banks):
    bank = next(b for b in banks if b.description)
    data = gift.load(gift.dump(bank))
    assert data["description"] == bank.description
    category = ET.fromstring(moodle_xml.dump(bank).encode()).find("question[@type='category']")
    assert category.findtext("info/text") == bank.description


def test_a_slash_in_a_bank_title_is_escaped_in_the_moodle_category(banks):
    bank = dataclasses.replace(banks[0], title="Physics/Chemistry")
    assert "$CATEGORY: $course$/top/Physics//Chemistry\n" in gift.dump(bank)
    assert gift.load(gift.dump(bank))["title"] == "Physics/Chemistry"
    category = ET.fromstring(moodle_xml.dump(bank).encode()).find("question/category/text")
    assert category.text == "$course$/top/Physics//Chemistry"


def test_export_warns_about_short_text_regexes_it_cannot_carry(runner, tmp_path):
    bank = tmp_path / "sample-cross.yaml"
    text = (ROOT / "tests/data/banks/sample-cross.yaml").read_text(encoding="utf-8")
    bank.write_text(
        text.replace('accept: ["Micius", "Mozi"]', 'accept: ["Micius", "Mozi"]\n    regex: "mo.*"'),
        encoding="utf-8",
    )
    for kind in ("gift", "moodle-xml"):
        result = runner.invoke(args=["export", kind, str(bank)])
        assert result.exit_code == 0, result.output
        assert result.stderr == (
            "Warning: sample-cross: question sample-micius-name: its regex is left out "
            "(Moodle has no regular-expression answers); only its accepted answers are exported\n"
        )


def test_cli_export_and_import_round_trip(runner, tmp_path):
    out = tmp_path / "gift"
    result = runner.invoke(args=["export", "gift", "questions/big-science.yaml", "-o", str(out)])
    assert result.exit_code == 0, result.output
    [exported] = out.glob("*.gift")
    yaml_file = tmp_path / "back.yaml"
    result = runner.invoke(args=["import", "gift", str(exported), "-o", str(yaml_file)])
    assert result.exit_code == 0, result.output
    again = check_paths([yaml_file], corpus_from_seeds(ROOT / "seeds"))
    original = next(b for b in shipped() if b.id == "big-science")

    def carried(question) -> dict:
        """Return the question as GIFT carries it: short-text regexes and rejects left out."""
        canonical = question.canonical()
        spec = {k: v for k, v in canonical["spec"].items() if k != "reject"}
        if "regex" in spec:
            spec["regex"] = None
        return {**canonical, "spec": spec}

    assert [q.canonical() for q in again.banks[0].questions] == [
        carried(q) for q in original.questions
    ]


def test_imported_plain_gift_needs_cites_and_check_says_where(runner, tmp_path):
    source = tmp_path / "moodle.gift"
    source.write_text(PLAIN_GIFT, encoding="utf-8")
    target = tmp_path / "moodle.yaml"
    result = runner.invoke(args=["import", "gift", str(source), "-o", str(target)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["check", str(target)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert len([line for line in result.output.splitlines() if "cite" in line]) >= 3
    assert all(line.startswith(f"{target}:") for line in result.output.splitlines()[:3])


def test_import_gift_reads_a_byte_order_mark_and_refuses_other_encodings_clearly(runner, tmp_path):
    plain = tmp_path / "plain.gift"
    plain.write_text(PLAIN_GIFT, encoding="utf-8")
    marked = tmp_path / "marked.gift"
    marked.write_text(PLAIN_GIFT, encoding="utf-8-sig")  # as Windows Notepad saves UTF-8
    outputs = [
        runner.invoke(args=["import", "gift", str(f), "--bank", "bb"]) for f in (plain, marked)
    ]
    assert outputs[0].exit_code == outputs[1].exit_code == 0, outputs[1].output
    assert outputs[1].stdout == outputs[0].stdout
    utf16 = tmp_path / "utf16.gift"
    utf16.write_text(PLAIN_GIFT, encoding="utf-16")
    result = runner.invoke(args=["import", "gift", str(utf16)])
    assert result.exit_code == 1
    assert result.output == f"Error: {utf16} is not UTF-8 (byte 0xff); save it as UTF-8\n"


def test_unwritable_output_is_a_clear_error(runner, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    source = tmp_path / "moodle.gift"
    source.write_text(PLAIN_GIFT, encoding="utf-8")
    for args in (
        ["export", "gift", "-o", str(blocked / "sub" / "x.gift")],
        ["export", "scores", "-o", str(blocked / "x.csv")],
        ["import", "gift", str(source), "-o", str(tmp_path / "missing" / "x.yaml")],
        ["import", "gift", str(source), "-o", str(blocked / "x.yaml")],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, args
        assert "cannot write" in result.output and "Traceback" not in result.output
        said = [line for line in result.output.splitlines() if not line.startswith("Warning:")]
        assert len(said) == 1, result.output  # one line, beside what the export leaves out


def test_import_gift_into_a_folder_writes_the_bank_file_there(runner, tmp_path):
    source = tmp_path / "moodle.gift"
    source.write_text(PLAIN_GIFT, encoding="utf-8")
    existing = tmp_path / "existing"
    existing.mkdir()
    for folder in (str(existing), f"{tmp_path / 'new'}/"):
        result = runner.invoke(args=["import", "gift", str(source), "-o", folder])
        assert result.exit_code == 0, result.output
        written = Path(folder) / "moodle.yaml"
        assert f"wrote {written} (3 questions)" in result.output
        assert written.read_text(encoding="utf-8").count("- id:") == 3


@pytest.mark.parametrize(
    ("command", "folder_allowed"),
    [
        (["export", "gift"], True),
        (["export", "moodle-xml"], True),
        (["export", "scores"], False),
        (["export", "items"], False),
        (["import", "gift"], True),
    ],
)
def test_output_help_says_what_each_command_writes(runner, tmp_path, command, folder_allowed):
    text = " ".join(runner.invoke(args=[*command, "--help"]).output.split())
    assert ("folder" in text) is folder_allowed, text
    if command[0] == "export" and not folder_allowed:
        result = runner.invoke(args=[*command, "-o", str(tmp_path)])
        assert result.exit_code == 2 and "is a directory" in result.output


@pytest.mark.parametrize("args", [["export", "items"], ["export", "gift"]])
def test_export_into_a_closed_pipe_exits_quietly(database_url, args):
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, "DATABASE_URL": database_url, "SECRET_KEY": "x"}
    with subprocess.Popen(
        [sys.executable, "-c", "from quizapp.cli import main; main()", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as child:
        child.stdout.close()  # like `| head` that has already read enough
        errors = child.stderr.read().decode()
        assert child.wait(timeout=60) == 1
    # Nothing but what the export leaves out: no traceback, no "Broken pipe".
    assert [line for line in errors.splitlines() if not line.startswith("Warning:")] == []


def test_export_gift_reads_the_configured_folders_from_anywhere(app, runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app.config["QUESTIONS_DIR"] = str(ROOT / "tests/data/banks")
    result = runner.invoke(args=["export", "gift"])
    assert result.exit_code == 0, result.output
    assert result.output.count("$CATEGORY:") == 2 and "Sample: across the articles" in result.output
    app.config["SEEDS_DIR"] = str(tmp_path / "nowhere")
    result = runner.invoke(args=["export", "moodle-xml"])
    assert result.exit_code == 1 and "no such articles folder" in result.output
    broken = tmp_path / "broken-seeds"
    broken.mkdir()
    (broken / "zz.md").write_text("no front matter here\n")
    app.config["SEEDS_DIR"] = str(broken)
    result = runner.invoke(args=["export", "gift"])
    assert result.exit_code == 1 and "missing front matter" in result.output


@pytest.mark.parametrize("kind", ["scores", "items"])
def test_export_for_a_class_that_does_not_exist_is_refused(runner, kind):
    result = runner.invoke(args=["export", kind, "--class", "99"])
    assert result.exit_code == 2
    assert "Invalid value for --class: no class with id 99" in result.output
    assert "bank," not in result.output and "username," not in result.output
    huge = runner.invoke(args=["export", kind, "--class", "9" * 30])  # past a database integer
    assert huge.exit_code == 2 and "is not in the range" in huge.output


def test_import_gift_refuses_a_bank_id_that_check_would_refuse(runner, tmp_path):
    gift_file = tmp_path / "Ünïcode quiz.gift"
    gift_file.write_text("::q1:: The sky is blue {T}\n", encoding="utf-8")
    out = tmp_path / "out"
    for extra in (["--bank", "../../escaped"], ["--bank", "Bad Id!"], []):
        result = runner.invoke(args=["import", "gift", str(gift_file), *extra, "-o", f"{out}/"])
        assert result.exit_code == 2 and "is not a bank id" in result.output, extra
    assert not out.exists() and not (tmp_path.parent / "escaped.yaml").exists()


def test_export_to_a_folder_named_with_a_dot_and_a_slash_writes_the_folder(runner, tmp_path):
    folder = tmp_path / "exports" / "v1.0"
    result = runner.invoke(args=["export", "gift", "-o", f"{folder}/"])
    assert result.exit_code == 0, result.output
    assert folder.is_dir() and len(list(folder.glob("*.gift"))) >= 1


def test_yaml_download_has_no_trailing_spaces_and_reads_back_the_same():
    corpus = corpus_from_seeds(ROOT / "seeds")
    banks = check_paths([ROOT / "questions"], corpus).banks
    for bank in banks:
        text = bank_yaml.dump(bank)
        assert not [line for line in text.splitlines() if line.endswith(" ")], bank.id
        [back] = check_text(text.encode(), f"{bank.id}.yaml", corpus).banks
        assert [q.canonical() for q in back.questions] == [q.canonical() for q in bank.questions]


def test_an_untitled_gift_question_is_imported_under_its_line_with_a_warning(runner, tmp_path):
    """GIFT written by hand often has no ::title::; it used to stop the whole import."""
    source = tmp_path / "hand.gift"
    source.write_text(
        "// [doc:big-science]\nHow deep is the JUNO laboratory? {=700 metres =700}\n\n"
        "::named::Is JUNO deep? {T}\n",
        encoding="utf-8",
    )
    target = tmp_path / "hand.yaml"
    result = runner.invoke(args=["import", "gift", str(source), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "line 2: question question-line-2: it has no ::title::" in result.stderr
    text = target.read_text(encoding="utf-8")
    assert "id: question-line-2" in text and "id: named" in text


def test_a_gift_file_that_cannot_be_read_is_one_line(runner):
    # Reading /proc/self/mem from its start fails with EIO, as a flaky network folder might.
    result = runner.invoke(args=["import", "gift", "/proc/self/mem", "--bank", "xx"])
    assert result.exit_code == 1
    assert result.output == "Error: /proc/self/mem: cannot read: Input/output error\n"


def test_moodle_xml_of_several_banks_in_one_file_is_one_quiz_with_a_category_per_bank(
    runner, tmp_path
):
    target = tmp_path / "all.xml"
    result = runner.invoke(args=["export", "moodle-xml", "questions/", "-o", str(target)])
    assert result.exit_code == 0, result.output
    root = ET.parse(target).getroot()  # several documents in a row would not parse
    assert root.tag == "quiz"
    by_category: dict[str, list[str]] = {}
    for question in root.findall("question"):
        if question.get("type") == "category":
            category = question.findtext("category/text")
            by_category[category] = []
        else:
            by_category[category].append(question.findtext("name/text"))
    expected = {gift.category_path(b.title): [q.id for q in b.questions] for b in shipped()}
    assert by_category == {k: v for k, v in expected.items() if k in by_category}
    assert len(by_category) == len(list((ROOT / "questions").glob("*.yaml"))) >= 2


def test_a_level_travels_through_yaml_gift_and_moodle_xml(banks):
    bank = next(b for b in banks if b.id == "sample-big-science")
    first, second, *rest = bank.questions
    one = dataclasses.replace(
        bank, questions=(dataclasses.replace(first, level="compare"), second, *rest)
    )
    corpus = corpus_from_seeds(ROOT / "seeds")
    [back] = check_text(bank_yaml.dump(one).encode(), "back.yaml", corpus).banks
    assert [q.level for q in back.questions] == ["compare", "recall", "recall"]
    assert bank_yaml.dump(one).count("level:") == 1  # recall goes without saying
    gift_back = gift.load(gift.dump(one), bank.id)["questions"]
    assert [q.get("level", "recall") for q in gift_back] == ["compare", "recall", "recall"]
    root = ET.fromstring(moodle_xml.dump(one).encode())
    tags = [
        [t for t in q.findall("tags/tag/text") if t.text.startswith("level-")]
        for q in root.findall("question")[1:]  # after the bank's category
    ]
    assert [[t.text for t in found] for found in tags] == [
        ["level-compare"],
        ["level-recall"],
        ["level-recall"],
    ]


def test_export_says_it_leaves_out_a_short_texts_wrong_answers(runner, tmp_path):
    bank = tmp_path / "sample-cross.yaml"
    text = (ROOT / "tests/data/banks/sample-cross.yaml").read_text(encoding="utf-8")
    bank.write_text(
        text.replace(
            'accept: ["Micius", "Mozi"]', 'accept: ["Micius", "Mozi"]\n    reject: [Mencius]'
        ),
        encoding="utf-8",
    )
    for kind in ("gift", "moodle-xml"):
        result = runner.invoke(args=["export", kind, str(bank)])
        assert result.exit_code == 0, result.output
        assert "Mencius" not in result.stdout and "Micius" in result.stdout
        assert result.stderr == (
            "Warning: sample-cross: question sample-micius-name: its reject list is left out"
            " (Moodle accepts no misspelt answers, so they are wrong there anyway, and so are the"
            " misspellings quizapp would accept)\n"
        )
