"""`quizapp load`: checked first, all or nothing, idempotent, versioned; shipped banks playable."""

import re
import shutil
from pathlib import Path

from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt, Question, QuestionVersion
from tests.quizhelp import take_quiz

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests/data/banks/sample-big-science.yaml"


def versions(app) -> dict[str, tuple[int, bool]]:
    """Return per question its number of versions and whether it is retired."""
    with app.app_context():
        rows = db.session.execute(
            select(Question.id, func.count(QuestionVersion.id), Question.retired)
            .join(QuestionVersion, QuestionVersion.question_id == Question.id)
            .group_by(Question.id, Question.retired)
        )
        return {qid: (n, retired) for qid, n, retired in rows}


def copy_sample(tmp_path) -> Path:
    folder = tmp_path / "banks"
    folder.mkdir()
    return Path(shutil.copy(SAMPLE, folder))


def test_loading_twice_changes_nothing(app, runner):
    first = runner.invoke(args=["load"])
    assert first.exit_code == 0, first.output
    assert re.search(r"questions: \d+ added", first.output), first.output
    before = versions(app)
    again = runner.invoke(args=["load"])
    assert again.exit_code == 0, again.output
    assert re.search(r"banks: \d+ loaded; questions: \d+ unchanged\n", again.output), again.output
    assert versions(app) == before


def test_changed_question_gets_a_new_version_and_old_answers_keep_theirs(
    app, runner, student, tmp_path
):
    attempt_id = take_quiz(app, student, "sample-big-science")
    bank = copy_sample(tmp_path)
    bank.write_text(bank.read_text().replace("How much liquid fills", "What mass of liquid fills"))
    result = runner.invoke(args=["load", str(bank.parent)])
    assert result.exit_code == 0, result.output
    assert "questions: 1 changed, 2 unchanged" in result.output
    assert versions(app)["sample-juno-liquid"] == (2, False)
    with app.app_context():
        answered = db.session.scalar(
            select(QuestionVersion.prompt)
            .join(Answer, Answer.version_id == QuestionVersion.id)
            .where(Answer.attempt_id == attempt_id, Answer.question_id == "sample-juno-liquid")
        )
        score = db.session.get(Attempt, attempt_id).score
    assert answered.startswith("How much liquid fills")  # the version that was answered
    take_quiz(app, student, "sample-big-science")  # a new attempt runs on the new version
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).score == score


def test_removed_question_is_retired_with_its_history(app, runner, student, tmp_path):
    take_quiz(app, student, "sample-big-science")
    bank = copy_sample(tmp_path)
    text = bank.read_text()
    start = text.index("  - id: sample-jinping-depth")
    end = text.index("  - id:", start + 1)
    bank.write_text(text[:start] + text[end:])
    result = runner.invoke(args=["load", str(bank.parent)])
    assert result.exit_code == 0, result.output
    assert "questions: 1 retired, 2 unchanged" in result.output
    assert versions(app)["sample-jinping-depth"] == (1, True)
    with app.app_context():
        kept = db.session.scalar(
            select(func.count()).where(Answer.question_id == "sample-jinping-depth")
        )
    assert kept == 1
    attempt_id = take_quiz(app, student, "sample-big-science")
    with app.app_context():
        offered = db.session.get(Attempt, attempt_id).items
    assert "sample-jinping-depth" not in {qid for qid, _version in offered}


def test_one_invalid_bank_means_nothing_changes(app, runner, tmp_path):
    before = versions(app)
    bank = copy_sample(tmp_path)
    bank.write_text(bank.read_text().replace("How much liquid fills", "What mass of liquid fills"))
    (bank.parent / "broken.yaml").write_text("bank: broken\ntitle: Broken\nquestions: 7\n")
    result = runner.invoke(args=["load", str(bank.parent)])
    assert result.exit_code == 1
    assert "broken.yaml:3:" in result.output
    assert "Traceback" not in result.output
    assert versions(app) == before


def test_every_shipped_bank_can_be_taken_end_to_end(app, runner, student):
    result = runner.invoke(args=["load"])
    assert result.exit_code == 0, result.output
    shipped = [path.stem for path in sorted((ROOT / "questions").glob("*.yaml"))]
    for bank in shipped:
        attempt_id = take_quiz(app, student, bank)
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            assert attempt.finished_at is not None or attempt.score is not None, bank
            assert attempt.score == attempt.max_score, bank


def test_commands_on_an_empty_database_say_what_to_run(tmp_path):
    from quizapp import create_app

    empty = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}", "SECRET_KEY": "t"}
    )
    for args in (
        ["load"],
        ["demo", "--students", "2"],
        ["export", "scores"],
        ["user", "create", "xavier", "--password", "long enough password"],
    ):
        result = empty.test_cli_runner().invoke(args=args)
        assert result.exit_code == 1, (args, result.output)
        assert "run `quizapp setup`" in result.output, (args, result.output)
        assert "Traceback" not in result.output
    with empty.app_context():
        db.engine.dispose()


def test_a_missing_articles_folder_is_one_error_not_one_per_quote(app, runner, tmp_path):
    result = runner.invoke(args=["load", "--seeds", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.output and "unknown article" not in result.output
    app.config["SEEDS_DIR"] = str(tmp_path / "nowhere")
    result = runner.invoke(args=["load"])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: no such articles folder: {tmp_path / 'nowhere'}; point QUIZAPP_SEEDS at the "
        "articles\n"
    )


def test_a_question_put_back_unchanged_is_restored_with_its_old_version(app, runner, tmp_path):
    before = versions(app)
    bank = copy_sample(tmp_path)
    text = bank.read_text()
    bank.write_text(text[: text.index("  - id: sample-jinping-depth")])
    assert "questions: 2 retired, 1 unchanged" in runner.invoke(args=["load", str(bank)]).output
    bank.write_text(text)
    result = runner.invoke(args=["load", str(bank)])
    assert result.exit_code == 0, result.output
    assert "questions: 2 restored, 1 unchanged" in result.output
    assert versions(app) == before  # no new version: the same ones are live again


def test_a_dry_run_counts_what_loading_does_and_writes_nothing(app, tmp_path):
    from quizapp.authoring.checker import check_paths, corpus_from_seeds
    from quizapp.content.loader import load_banks, plan_banks

    corpus = corpus_from_seeds(ROOT / "seeds")
    text = SAMPLE.read_text()
    cut = text[: text.index("  - id: sample-jinping-depth")]
    edited = cut.replace("How much liquid fills", "What mass of liquid fills")
    bank = copy_sample(tmp_path)
    for content in (cut, edited, text, text.replace("sample-juno-largest", "sample-juno-new")):
        bank.write_text(content)
        banks = check_paths([bank], corpus).banks
        with app.app_context():
            before = versions(app)
            planned, retiring = plan_banks(db.session, banks, corpus, retire_missing_banks=False)
            assert versions(app) == before
            counts = load_banks(db.session, banks, corpus, retire_missing_banks=False)
            db.session.commit()
        assert planned == counts, content
        assert len(retiring) == counts["questions retired"]


def test_loading_one_file_cannot_take_another_banks_question(app, runner, tmp_path):
    """A partial load whose question id is another loaded bank's refuses, naming both."""
    thief = tmp_path / "thief.yaml"
    text = SAMPLE.read_text().replace("bank: sample-big-science", "bank: thief", 1)
    thief.write_text(text[: text.index("  - id: sample-jinping-depth")])
    result = runner.invoke(args=["load", str(thief)])
    assert result.exit_code == 1
    assert 'thief.yaml:6:5: error: duplicate question id "sample-juno-liquid"' in result.output
    assert '(already used in bank "sample-big-science")' in result.output
    with app.app_context():
        assert db.session.get(Question, "sample-juno-liquid").bank_id == "sample-big-science"
    # Moving it between two banks loaded together is fine
    rest = copy_sample(tmp_path)
    rest.write_text(
        rest.read_text().replace(
            text[
                text.index("  - id: sample-juno-liquid") : text.index(
                    "  - id: sample-jinping-depth"
                )
            ],
            "",
        )
    )
    moved = runner.invoke(args=["load", str(thief), str(rest)])
    assert moved.exit_code == 0, moved.output
    with app.app_context():
        assert db.session.get(Question, "sample-juno-liquid").bank_id == "thief"


def test_coverage_of_some_files_lists_only_their_articles(runner):
    one = runner.invoke(args=["check", str(SAMPLE), "--coverage"])
    assert one.exit_code == 0, one.output
    assert re.findall(r"^([\w-]+): \d+/\d+ substantive", one.output, re.M) == ["big-science"]
    every = runner.invoke(args=["check", "--coverage"])
    assert len(re.findall(r"^[\w-]+: \d+/\d+ substantive", every.output, re.M)) == 5


def test_a_folder_check_reads_upper_case_extensions_as_the_upload_page_does(runner, tmp_path):
    folder = tmp_path / "banks"
    folder.mkdir()
    (folder / "Broken.YAML").write_text("bank: broken\ntitle: Broken\nquestions: 7\n")
    result = runner.invoke(args=["check", str(folder)])
    assert result.exit_code == 1 and "Broken.YAML:3:" in result.output


def test_load_prints_warnings_and_loads(app, runner, tmp_path):
    quote = "It is the largest and most sensitive instrument of its kind ever built."
    bank = tmp_path / "warned.yaml"
    bank.write_text(
        "bank: warned\ntitle: Warned\ndoc: big-science\nquestions:\n"
        "  - id: warned-1\n    type: true_false\n    prompt: JUNO is the largest of its kind.\n"
        f'    answer: true\n    explanation: "{quote}"\n    cite:\n      - quote: "{quote}"\n'
        "    difficulty: easy\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["load", str(bank)])
    assert result.exit_code == 0, result.output
    assert f"{bank}:9:18: warning: the explanation repeats a quote" in result.stderr
    assert "banks: 1 loaded; questions: 1 added" in result.stdout


def test_a_level_is_stored_and_a_changed_level_is_a_new_version(app, runner, tmp_path):
    from quizapp.authoring.upload import bank_from_db

    bank = copy_sample(tmp_path)
    text = bank.read_text()
    bank.write_text(
        text.replace("    difficulty: medium\n", "    difficulty: medium\n    level: apply\n")
    )
    result = runner.invoke(args=["load", str(bank.parent)])
    assert result.exit_code == 0, result.output
    assert "questions: 1 changed, 2 unchanged" in result.output
    with app.app_context():
        stored = dict(
            db.session.execute(
                select(Question.id, QuestionVersion.level).join(
                    QuestionVersion, QuestionVersion.id == Question.current_version_id
                )
            ).all()
        )
        levels = {q.id: q.level for q in bank_from_db("sample-big-science").questions}
    assert stored["sample-jinping-depth"] == levels["sample-jinping-depth"] == "apply"
    assert stored["sample-juno-liquid"] == levels["sample-juno-liquid"] == "recall"
    assert versions(app)["sample-jinping-depth"] == (2, False)


def test_a_silenced_warning_makes_no_new_version_and_the_yaml_download_keeps_it(
    app, runner, tmp_path
):
    from quizapp.authoring.upload import export_bank

    bank = copy_sample(tmp_path)
    reason = "the liquid is what the article measures"
    allow = f'    difficulty: easy\n    allow: {{give-away: "{reason}"}}\n'
    bank.write_text(bank.read_text().replace("    difficulty: easy\n", allow, 1))
    result = runner.invoke(args=["load", str(bank.parent)])
    assert result.exit_code == 0, result.output
    assert "questions: 3 unchanged" in result.output  # not content: no new version
    assert versions(app)["sample-juno-liquid"] == (1, False)
    with app.test_request_context():
        text, _ = export_bank("sample-big-science", "yaml")
    assert f"allow:\n      give-away: {reason}\n" in text
    assert text.count("allow:") == 1
