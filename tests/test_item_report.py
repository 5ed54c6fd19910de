"""The item analysis computed in SQL agrees with the pure formulas, on demo data."""

import pytest
from sqlalchemy import func, select

from quizapp import analysis, item_report
from quizapp.accounts import create_user
from quizapp.extensions import db
from quizapp.models import Answer, Question

from .conftest import DATA, Auth
from .quizhelp import answer, bank_ids, start, take_quiz


def first_answers(bank_id: str) -> list[analysis.Response]:
    first = select(func.min(Answer.id)).group_by(Answer.user_id, Answer.question_id)
    rows = db.session.execute(
        select(
            Answer.user_id,
            Answer.question_id,
            Answer.points,
            Answer.max_points,
            Answer.response,
            Answer.duration_ms,
            Answer.id,
        )
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.id.in_(first), Question.bank_id == bank_id, Question.retired.is_(False))
    )
    return [
        analysis.Response(
            user, qid, points, max_points, seconds=ms / 1000 if ms is not None else None
        )
        for user, qid, points, max_points, _response, ms, _id in rows
    ]


def test_sql_statistics_match_the_pure_module(app, runner):
    result = runner.invoke(args=["demo", "--students", "25", "--seed", "3", "--quiet"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        reports = item_report.report()
        checked = 0
        for bank in reports:
            responses = first_answers(bank.bank_id)
            pure = analysis.item_statistics(responses)
            for row in bank.items:
                expected, got = pure.get(row.question_id), row.stats
                if expected is None:
                    assert got.n == 0
                    continue
                assert got.n == expected.n
                for name in ("facility", "discrimination_pb", "discrimination_ul", "mean_seconds"):
                    want = getattr(expected, name)
                    assert getattr(got, name) == (
                        pytest.approx(want) if want is not None else None
                    ), (row.question_id, name)
                checked += 1
            want = analysis.reliability(responses)
            assert (bank.reliability.k, bank.reliability.n) == (want.k, want.n)
            for name in ("alpha", "kr20"):
                value = getattr(want, name)
                assert getattr(bank.reliability, name) == (
                    pytest.approx(value) if value is not None else None
                )
        assert checked >= 5
        shares = [
            r.stats.choice_shares
            for b in reports
            for r in b.items
            if r.stats.choice_shares and r.type != "multiple"
        ]
        assert shares and all(sum(s.values()) == pytest.approx(1.0) for s in shares)


def test_multiple_answer_questions_share_every_choice_picked(app, runner):
    result = runner.invoke(args=["demo", "--students", "25", "--seed", "3", "--quiet"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = [r for b in item_report.report() for r in b.items if r.type == "multiple"]
        assert rows and all(r.stats.n for r in rows)
        for row in rows:
            first = select(func.min(Answer.id)).group_by(Answer.user_id, Answer.question_id)
            picks = db.session.scalars(
                select(Answer.response).where(
                    Answer.id.in_(first), Answer.question_id == row.question_id
                )
            ).all()
            letters = sorted(row.choice_labels)
            expected = {
                key: sum(i in p for p in picks) / len(picks) for i, key in enumerate(letters)
            }
            assert row.stats.choice_shares == pytest.approx(expected), row.question_id
        # Each response counts once per choice it picked, so some add up to more than one
        assert any(sum(r.stats.choice_shares.values()) > 1 for r in rows)


def test_sql_rest_scores_count_unanswered_items_as_zero(app, client):
    """Students who stopped early rank by their whole quiz in SQL as in the pure module."""
    bank = bank_ids(app)[0]
    for username, wrong_at in (("all", set()), ("most", {1}), ("none", {1, 2, 3})):
        take_quiz(app, student(app, username), bank, wrong_at=wrong_at)
    for username in ("early1", "early2"):  # wrong, right, then stopped
        browser = student(app, username)
        url = start(browser, bank)
        answer(app, browser, url, correct=False)
        answer(app, browser, url.replace("/q/1", "/q/2"), correct=True)
    with app.app_context():
        pure = analysis.item_statistics(first_answers(bank))
        items = next(b for b in item_report.report() if b.bank_id == bank).items
        for row in items:
            want = pure[row.question_id].discrimination_pb
            assert row.stats.discrimination_pb == pytest.approx(want), row.question_id


def student(app, username, role="student"):
    """Return a test client signed in as a new user."""
    with app.app_context():
        create_user(username, Auth.PASSWORD, role=role)
        db.session.commit()
    browser = app.test_client()
    Auth(browser).login(username)
    return browser


def test_an_instructor_trying_a_quiz_does_not_count(app):
    bank = bank_ids(app)[0]
    take_quiz(app, student(app, "learner"), bank)
    take_quiz(app, student(app, "teacher", role="instructor"), bank, wrong_at={1, 2, 3})
    with app.app_context():
        items = next(b for b in item_report.report() if b.bank_id == bank).items
    assert [(row.stats.n, row.stats.facility) for row in items] == [(1, 1.0)] * len(items)


def test_choice_shares_follow_each_choice_across_versions(app, runner, tmp_path):
    """Answers keep their version; a reordered choice is counted as itself, a reworded one apart."""
    for username, wrong in (("right1", set()), ("right2", set()), ("wrong", {1, 2, 3})):
        take_quiz(app, student(app, username), "sample-big-science", wrong_at=wrong)
    folder = tmp_path / "banks"
    folder.mkdir()
    text = (DATA / "banks/sample-big-science.yaml").read_text()
    old = text[text.index('      - text: "20,000 tonnes"') : text.index("    explanation:")]
    new = (
        '      - text: "700 tonnes"\n'
        '      - text: "20,000 tonnes"\n        correct: true\n'
        '      - text: "2,500 tonnes"\n'
    )
    (folder / "sample-big-science.yaml").write_text(text.replace(old, new, 1))
    result = runner.invoke(args=["load", str(folder)])
    assert "1 changed" in result.output, result.output
    with app.app_context():
        bank = next(b for b in item_report.report() if b.bank_id == "sample-big-science")
    row = next(r for r in bank.items if r.question_id == "sample-juno-liquid")
    # "20,000 tonnes" moved from A to B; "2,400 tonnes" (picked once) is no longer a choice
    want = {"A": 0, "B": 2 / 3, "C": 0, item_report.EARLIER: 1 / 3}
    assert row.stats.choice_shares == pytest.approx(want)
    assert row.choice_labels[item_report.EARLIER] == item_report.EARLIER_LABEL
