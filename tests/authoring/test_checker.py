"""The bank checker: every malformed file gives exactly the expected located diagnostics."""

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizapp.authoring.checker import (
    check_paths,
    check_text,
    corpus_from_seeds,
    format_gcc,
    format_json,
)
from quizapp.authoring.schema import build_schema, schema_text
from quizapp.authoring.source import parse_bank
from quizapp.cli.banks import check_command, schema_command
from quizapp.qtypes import REGISTRY

ROOT = Path(__file__).parents[2]
SEEDS = ROOT / "seeds"
SAMPLES = ROOT / "tests" / "data" / "banks"
BAD = sorted((ROOT / "tests" / "data" / "bad").glob("*.yaml"))
EXPECT = b"# expect: "

VALID = """\
bank: {bank}
title: A valid bank
doc: big-science
questions:
  - id: {qid}
    type: true_false
    prompt: "JUNO is the largest instrument of its kind."
    answer: true
    explanation: "The article says so."
    cite:
      - quote: "It is the largest and most sensitive instrument of its kind ever built."
    difficulty: easy
"""


@pytest.fixture(scope="module")
def corpus():
    return corpus_from_seeds(SEEDS)


def expectations(path: Path) -> list[str]:
    """Return the diagnostics a bad file announces in its leading `# expect:` comments."""
    lines = path.read_bytes().split(b"\n")
    return [line[len(EXPECT) :].decode() for line in lines if line.startswith(EXPECT)]


def test_there_are_enough_bad_files():
    assert len(BAD) >= 40
    assert all(expectations(p) for p in BAD)


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_file_diagnostics(path, corpus):
    result = check_paths([path], corpus)
    got = [str(d).removeprefix(f"{path}:") for d in result.diagnostics]
    assert got == expectations(path)
    assert not result.ok


def test_several_problems_are_all_reported(corpus):
    path = ROOT / "tests" / "data" / "bad" / "several-problems.yaml"
    assert len(check_paths([path], corpus).diagnostics) == len(expectations(path)) >= 5


def test_samples_are_clean_and_cover_every_type(corpus):
    result = check_paths([SAMPLES], corpus)
    assert result.diagnostics == []
    assert [b.id for b in result.banks] == ["sample-big-science", "sample-cross"]
    assert {q.type for b in result.banks for q in b.questions} == set(REGISTRY)
    assert format_gcc(result) == "checked 2 banks, 5 questions: no problems"


def test_sample_question_fields(corpus):
    bank = check_paths([SAMPLES / "sample-big-science.yaml"], corpus).banks[0]
    juno = bank.questions[0]
    assert (juno.id, juno.type, juno.difficulty, juno.points) == (
        "sample-juno-liquid",
        "single",
        "easy",
        1.0,
    )
    assert juno.spec["choices"][0] == {"text": "20,000 tonnes", "correct": True, "feedback": None}
    assert juno.cites[0].doc == "big-science" and (juno.line, juno.col) == (6, 5)
    assert (juno.cites[0].line, juno.cites[0].col) == (18, 16)
    assert bank.doc == "big-science" and bank.path.endswith("sample-big-science.yaml")


def test_content_hash_follows_content_not_position(corpus):
    text = (SAMPLES / "sample-big-science.yaml").read_text()
    first = check_text(text, "a.yaml", corpus).banks[0].questions[0]
    moved = check_text(text.replace("questions:\n", "questions:\n\n\n"), "b.yaml", corpus)
    edited = check_text(text.replace("Sample: China", "Renamed: China"), "c.yaml", corpus)
    changed = check_text(text.replace('"700 tonnes"', '"800 tonnes"'), "d.yaml", corpus)
    assert moved.banks[0].questions[0].content_hash() == first.content_hash()
    assert edited.banks[0].questions[0].content_hash() == first.content_hash()
    assert changed.banks[0].questions[0].content_hash() != first.content_hash()
    assert len(first.content_hash()) == 16
    assert json.dumps(first.canonical())  # JSON-serialisable
    assert "id" not in first.canonical()


def test_summary_counts_errors_and_files(corpus):
    bad = [BAD[0], BAD[1]]
    result = check_paths(bad, corpus)
    n = sum(len(expectations(p)) for p in bad)
    assert format_gcc(result).splitlines()[-1] == f"{n} errors in 2 files"
    one = check_paths([ROOT / "tests" / "data" / "bad" / "empty.yaml"], corpus)
    assert format_gcc(one).splitlines() == [
        f"{ROOT}/tests/data/bad/empty.yaml:1:1: error: file is empty: a bank needs bank, title "
        "and questions",
        "1 error in 1 file",
    ]


def test_json_format(corpus):
    path = ROOT / "tests" / "data" / "bad" / "unknown-type.yaml"
    data = json.loads(format_json(check_paths([SAMPLES, path], corpus)))
    assert data["ok"] is False
    assert data["summary"] == "1 error in 1 file"
    assert [b["id"] for b in data["banks"]] == ["sample-big-science", "sample-cross", "bad-sample"]
    [diag] = data["diagnostics"]
    assert diag == {
        "path": str(path),
        "line": 7,
        "col": 11,
        "severity": "error",
        "message": expectations(path)[0].split(": error: ", 1)[1],
        "code": None,  # only warnings have codes
    }
    clean = json.loads(format_json(check_paths([SAMPLES], corpus)))
    assert clean["ok"] is True and clean["diagnostics"] == []


def test_duplicate_ids_across_files(tmp_path, corpus):
    (tmp_path / "a.yaml").write_text(VALID.format(bank="one", qid="same-id"))
    (tmp_path / "b.yml").write_text(VALID.format(bank="one", qid="same-id"))
    result = check_paths([tmp_path], corpus)
    assert [str(d) for d in result.diagnostics] == [
        f'{tmp_path}/b.yml:1:7: error: duplicate bank id "one" (first used at {tmp_path}/a.yaml:1)',
        f'{tmp_path}/b.yml:5:9: error: duplicate question id "same-id" '
        f"(first used at {tmp_path}/a.yaml:5)",
    ]


def test_a_file_named_twice_is_checked_once(tmp_path, corpus):
    (tmp_path / "a.yaml").write_text(VALID.format(bank="one", qid="only-id"))
    result = check_paths([tmp_path, tmp_path / "a.yaml", tmp_path / "." / "a.yaml"], corpus)
    assert result.ok and result.files == 1 and result.diagnostics == []


def test_check_text_against_known_ids(corpus):
    text = VALID.format(bank="upload", qid="taken")
    result = check_text(text.encode(), "upload.yaml", corpus, known_question_ids={"taken": "x:3"})
    assert [str(d) for d in result.diagnostics] == [
        'upload.yaml:5:9: error: duplicate question id "taken" (first used at x:3)'
    ]
    assert check_text(text, "upload.yaml", corpus).ok


def test_alias_bomb_is_refused_at_once(corpus):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 30):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    start = time.perf_counter()
    result = check_text("\n".join(lines), "bomb.yaml", corpus)
    assert time.perf_counter() - start < 1
    assert [str(d) for d in result.diagnostics] == [
        "bomb.yaml:1:4: error: anchors (&a) are not allowed in question banks"
    ]


def test_deep_nesting_is_refused_without_recursion(corpus):
    for text in ("x: " + "[" * 10_000 + "]" * 10_000, "x: " + "{a: " * 10_000 + "}" * 10_000):
        result = check_text(text, "deep.yaml", corpus)
        assert [str(d) for d in result.diagnostics] == [
            # the 51st opening bracket, caught before the parser scans ahead
            "deep.yaml:1:54: error: nesting is deeper than 50 levels"
            if text[3] == "["
            else "deep.yaml:1:204: error: nesting is deeper than 50 levels"
        ]


def test_big_file_is_refused_before_parsing(tmp_path, corpus):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * 2_000_000 + b"\n[unclosed")
    expected = ["1:1: error: file is 2,000,012 bytes; the limit is 1,048,576 (split the bank)"]
    result = check_paths([path], corpus)
    assert [str(d).removeprefix(f"{path}:") for d in result.diagnostics] == expected
    result = check_text(path.read_bytes(), "big.yaml", corpus)
    assert [str(d).removeprefix("big.yaml:") for d in result.diagnostics] == expected


def test_non_utf8_position_counts_characters(corpus):
    data = "bank: x\ntitle: é€ ".encode() + b"\xff\n"
    result = check_text(data, "latin.yaml", corpus)
    assert [str(d) for d in result.diagnostics] == [
        "latin.yaml:2:11: error: file is not UTF-8 (byte 0xff); save it as UTF-8"
    ]


def test_unreadable_path_and_empty_folder(tmp_path, corpus):
    missing = tmp_path / "missing.yaml"
    assert [str(d) for d in check_paths([missing], corpus).diagnostics] == [
        f"{missing}:1:1: error: cannot read: No such file or directory"
    ]
    assert [str(d) for d in check_paths([tmp_path], corpus).diagnostics] == [
        f"{tmp_path}:1:1: error: no bank files (*.yaml, *.yml) found"
    ]


def test_unexpected_exception_becomes_a_diagnostic(monkeypatch, corpus):
    def explode(node, diag):
        raise RuntimeError("boom")

    monkeypatch.setattr(REGISTRY["true_false"], "parse", explode)
    bank, diagnostics = parse_bank(VALID.format(bank="b1", qid="q1"), "x.yaml", corpus)
    assert bank is None
    assert [str(d) for d in diagnostics] == [
        "x.yaml:1:1: error: internal error while checking this file: RuntimeError('boom')"
    ]


def test_python_tag_is_never_constructed(tmp_path, corpus):
    marker = tmp_path / "pwned"
    text = f'bank: !!python/object/apply:os.system ["touch {marker}"]\n'
    result = check_text(text, "evil.yaml", corpus)
    assert not marker.exists()
    assert "not allowed" in result.diagnostics[0].message


def test_cli_exit_codes(corpus):
    runner = CliRunner()
    ok = runner.invoke(check_command, [str(SAMPLES), "--seeds", str(SEEDS)])
    assert ok.exit_code == 0, ok.output
    assert ok.output == "checked 2 banks, 5 questions: no problems\n"
    bad = runner.invoke(check_command, [str(BAD[0]), "--seeds", str(SEEDS)])
    assert bad.exit_code == 1
    assert bad.output.splitlines()[-1] == "1 error in 1 file"
    as_json = runner.invoke(check_command, [str(BAD[0]), "--seeds", str(SEEDS), "--format", "json"])
    assert as_json.exit_code == 1 and json.loads(as_json.output)["ok"] is False
    no_seeds = runner.invoke(check_command, [str(SAMPLES), "--seeds", str(ROOT / "nowhere")])
    assert no_seeds.exit_code == 2  # click refuses a seeds folder that does not exist
    assert "quizapp check" in runner.invoke(check_command, ["--help"]).output


def test_schema_json_is_in_sync():
    assert (ROOT / "questions" / "schema.json").read_text(encoding="utf-8") == schema_text()
    assert schema_text().endswith("}\n")


def test_schema_describes_every_type():
    schema = build_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    item = schema["properties"]["questions"]["items"]
    assert item["properties"]["type"]["enum"] == sorted(REGISTRY)
    consts = [v["if"]["properties"]["type"]["const"] for v in item["allOf"]]
    assert consts == sorted(REGISTRY)
    assert all("description" in item["properties"][k] for k in item["properties"])


def test_schema_command_writes_and_checks(tmp_path):
    runner = CliRunner()
    out = tmp_path / "schema.json"
    stale = runner.invoke(schema_command, ["-o", str(out), "--check"])
    assert stale.exit_code == 1 and "out of date" in stale.output
    assert runner.invoke(schema_command, ["-o", str(out)]).exit_code == 0
    assert out.read_text() == schema_text()
    fresh = runner.invoke(schema_command, ["-o", str(out), "--check"])
    assert fresh.exit_code == 0, fresh.output
    nowhere = tmp_path / "nowhere" / "schema.json"
    missing = runner.invoke(schema_command, ["-o", str(nowhere)])
    assert missing.exit_code == 1
    assert missing.output == f"Error: cannot write {nowhere}: No such file or directory\n"


def test_check_and_schema_default_to_the_configured_folders_from_anywhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no questions/ or seeds/ here
    monkeypatch.setenv("QUIZAPP_QUESTIONS", str(SAMPLES))
    runner = CliRunner()
    result = runner.invoke(check_command, [])
    assert result.exit_code == 0, result.output
    assert result.output == "checked 2 banks, 5 questions: no problems\n"
    monkeypatch.setenv("QUIZAPP_QUESTIONS", str(tmp_path))
    assert runner.invoke(schema_command, []).exit_code == 0
    assert (tmp_path / "schema.json").read_text(encoding="utf-8") == schema_text()
    monkeypatch.setenv("QUIZAPP_SEEDS", str(tmp_path / "nowhere"))
    result = runner.invoke(check_command, [str(SAMPLES)])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: no such articles folder: {tmp_path / 'nowhere'}; point QUIZAPP_SEEDS at the "
        "articles\n"
    )


def test_check_in_the_app_reads_its_questions_folder(app, runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app.config["QUESTIONS_DIR"] = str(SAMPLES)
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert result.output == "checked 2 banks, 5 questions: no problems\n"


QUOTE = "It is the largest and most sensitive instrument of its kind ever built."


@pytest.mark.parametrize(
    ("explanation", "warned"),
    [
        (f"The article: {QUOTE.upper()}", True),  # copied, whatever the case
        ("It is the largest of its kind, the article says.", False),
        ("The largest and most sensitive one.", False),  # five words of the quote
    ],
)
def test_an_explanation_that_repeats_its_quote_is_a_warning_at_the_explanation(
    corpus, explanation, warned
):
    text = VALID.format(bank="warned", qid="warned-1").replace(
        '"The article says so."', json.dumps(explanation)
    )
    result = check_text(text, "w.yaml", corpus)
    assert result.ok and len(result.banks[0].questions) == 1  # a warning does not stop a load
    if not warned:
        assert result.diagnostics == []
        return
    line = text.splitlines().index(f"    explanation: {json.dumps(explanation)}") + 1
    assert [str(d) for d in result.diagnostics] == [
        f"w.yaml:{line}:18: warning: the explanation repeats a quote word for word; the feedback"
        " shows the quote highlighted under it, so say in your own words why the answer is right"
        " [repeated-quote]"
    ]
    assert format_gcc(result).endswith("checked 1 bank, 1 question: no errors, 1 warning")


def test_level_defaults_to_recall_and_only_another_level_changes_the_version():
    from quizapp.authoring.source import QuestionSource

    common = dict(
        id="q",
        type="single",
        prompt="p",
        explanation="e",
        cites=(),
        tags=(),
        difficulty="easy",
        points=1.0,
        spec={},
    )
    recall = QuestionSource(**common)
    assert recall.level == "recall"
    assert QuestionSource(**common, level="recall").content_hash() == recall.content_hash()
    assert QuestionSource(**common, level="explain").content_hash() != recall.content_hash()


WARN = sorted((ROOT / "tests" / "data" / "warn").glob("*.yaml"))


@pytest.mark.parametrize("path", WARN, ids=[p.stem for p in WARN])
def test_item_writing_warnings_fire_on_the_unfair_question_only(path, corpus):
    """Each file holds an unfair question (warned), fair ones and one allowed with a reason."""
    result = check_paths([path], corpus)
    got = [str(d).removeprefix(f"{path}:") for d in result.diagnostics]
    assert got == expectations(path)
    assert result.ok and len(result.banks[0].questions) >= 3  # warnings do not stop a load
    code = path.stem
    assert all(d.code == code and d.message.endswith(f" [{code}]") for d in result.diagnostics)
    allowed = [q for q in result.banks[0].questions if q.allow]
    assert [list(q.allow) for q in allowed] == [[code]]


def test_silencing_a_warning_leaves_the_question_version_alone(corpus):
    bank = check_paths([ROOT / "tests/data/warn/absolute-word.yaml"], corpus).banks[0]
    questions = {q.id: q for q in bank.questions}
    warned, allowed = questions["absolute-distractor"], questions["absolute-allowed"]
    assert allowed.allow == {"absolute-word": "the article itself says only"}
    assert "allow" not in allowed.canonical()
    assert allowed.content_hash() == warned.content_hash()


def _report_bank(tmp_path, levels: list[str]) -> Path:
    """Write a bank of true/false questions, one per level given."""
    questions = "".join(
        VALID.split("questions:\n")[1].replace("{qid}", f"q-{i}")
        + ("" if level == "recall" else f"    level: {level}\n")
        for i, level in enumerate(levels)
    )
    path = tmp_path / "levels.yaml"
    path.write_text(
        VALID.split("questions:\n")[0].format(bank="levels") + "questions:\n" + questions
    )
    return path


def test_report_shows_each_banks_mix_and_strict_fails_on_few_questions_above_recall(tmp_path):
    runner = CliRunner()
    path = _report_bank(tmp_path, ["recall", "recall", "explain"])
    plain = runner.invoke(check_command, [str(path), "--seeds", str(SEEDS)])
    assert plain.exit_code == 0 and plain.output.endswith("no problems\n")
    report = runner.invoke(check_command, [str(path), "--seeds", str(SEEDS), "--report"])
    assert report.exit_code == 0, report.output  # a warning
    assert report.output == (
        f"{path}:1:7: warning: 1 of 3 questions ask more than recall: make at least half explain,"
        " apply or compare (level:), so the quiz tests reading [few-above-recall]\n"
        "checked 1 bank, 3 questions: no errors, 1 warning\n"
        f"levels ({path}): 3 questions\n"
        "  types: true_false 3\n"
        "  levels: recall 2, explain 1; above recall: 1 (33%)\n"
        "  difficulties: easy 3\n"
        "  warnings: few-above-recall 1\n"
    )
    strict = runner.invoke(
        check_command, [str(path), "--seeds", str(SEEDS), "--report", "--strict"]
    )
    assert strict.exit_code == 1
    assert "failed: --strict counts the 1 warning as errors\n" in strict.output
    as_json = runner.invoke(
        check_command,
        [str(path), "--seeds", str(SEEDS), "--report", "--strict", "--format", "json"],
    )
    data = json.loads(as_json.output)
    assert as_json.exit_code == 1 and data["ok"] is False
    assert [d["code"] for d in data["diagnostics"]] == ["few-above-recall"]
    assert data["banks"][0]["report"] == {
        "questions": 3,
        "types": {"true_false": 3},
        "levels": {"recall": 2, "explain": 1},
        "difficulties": {"easy": 3},
        "above_recall": 1,
        "warnings": {"few-above-recall": 1},
    }
    half = _report_bank(tmp_path, ["recall", "apply", "compare", "recall"])
    fine = runner.invoke(check_command, [str(half), "--seeds", str(SEEDS), "--report", "--strict"])
    assert fine.exit_code == 0, fine.output
    assert "above recall: 2 (50%)" in fine.output and "warnings: none" in fine.output


def test_strict_fails_on_an_item_writing_warning_and_says_so(corpus):
    path = ROOT / "tests/data/warn/long-key.yaml"
    runner = CliRunner()
    lenient = runner.invoke(check_command, [str(path), "--seeds", str(SEEDS)])
    assert lenient.exit_code == 0 and "[long-key]" in lenient.output
    strict = runner.invoke(check_command, [str(path), "--seeds", str(SEEDS), "--strict"])
    assert strict.exit_code == 1
    assert strict.output.splitlines()[-2:] == [
        "checked 1 bank, 3 questions: no errors, 1 warning",
        "failed: --strict counts the 1 warning as errors",
    ]


def test_a_short_text_without_reject_keeps_its_spec_and_so_its_version(corpus):
    bank = check_paths([SAMPLES / "sample-cross.yaml"], corpus).banks[0]
    micius = bank.questions[0]
    assert micius.spec == {"accept": ["Micius", "Mozi"], "regex": None}  # as before reject
    text = (SAMPLES / "sample-cross.yaml").read_text()
    rejecting = text.replace(
        'accept: ["Micius", "Mozi"]', 'accept: ["Micius", "Mozi"]\n    reject: [Mencius]'
    )
    [changed] = check_text(rejecting, "r.yaml", corpus).banks
    assert changed.questions[0].spec["reject"] == ["Mencius"]
    assert changed.questions[0].content_hash() != micius.content_hash()  # it grades otherwise


def test_a_cue_from_another_question_is_counted_by_report_and_fails_strict(tmp_path):
    path = ROOT / "tests/data/warn/cued-by-other.yaml"
    runner = CliRunner()
    report = runner.invoke(check_command, [str(path), "--seeds", str(SEEDS), "--report"])
    assert report.exit_code == 0, report.output
    assert "  warnings: cued-by-other 1, few-above-recall 1\n" in report.output
    strict = runner.invoke(check_command, [str(path), "--seeds", str(SEEDS), "--strict"])
    assert strict.exit_code == 1
    assert strict.output.splitlines()[-1] == "failed: --strict counts the 1 warning as errors"
    # Reworded so that it no longer says how deep JUNO's laboratory lies, the bank passes
    fixed = tmp_path / "fixed.yaml"
    fixed.write_text(
        path.read_text().replace("700 m is how deep JUNO's laboratory lies.", "700 is no mass.")
    )
    passed = runner.invoke(check_command, [str(fixed), "--seeds", str(SEEDS), "--strict"])
    assert passed.exit_code == 0, passed.output
