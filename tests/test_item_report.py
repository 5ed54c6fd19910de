"""The item analysis computed in SQL agrees with the pure formulas, on demo data."""

import pytest
from sqlalchemy import func, select

from quizapp import analysis, item_report
from quizapp.extensions import db
from quizapp.models import Answer, Question


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
