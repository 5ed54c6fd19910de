"""The item analysis computed in SQL agrees with the pure formulas, on demo data."""

import csv
import io
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from quizapp import clock
from quizapp.accounts.users import create_user
from quizapp.extensions import db
from quizapp.models import Answer, Question
from quizapp.teaching import analysis, item_report, stored_reports
from tests.conftest import DATA, Auth, csrf_from
from tests.quizhelp import answer, bank_ids, start, take_quiz


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


def test_stored_report_round_trips_exactly(app, runner):
    assert runner.invoke(args=["demo", "--students", "8", "--seed", "2", "--quiet"]).exit_code == 0
    with app.app_context():
        reports = item_report.report()
        assert stored_reports.decode(json.loads(json.dumps(stored_reports.encode(reports)))) == (
            reports
        )


def everyone_n(teacher) -> tuple[dict[str, int], str]:
    """Return the responses per question on the all-students item analysis page, and the page."""
    page = teacher.get("/teach/items").get_data(as_text=True)
    rows = re.findall(r'<code>([^<]+)</code>.*?<td class="num">(\d+)</td>', page, re.S)
    return {qid: int(n) for qid, n in rows}, page


def test_item_analysis_of_everyone_is_stored_and_computed_again_when_due(
    app, runner, tmp_path, monkeypatch
):
    now = {"t": datetime(2026, 11, 28, 9, 0)}
    monkeypatch.setattr(clock, "now", lambda: now["t"])
    bank = "sample-big-science"
    teacher = student(app, "prof", role="instructor")
    take_quiz(app, student(app, "first"), bank)
    counts, _ = everyone_n(teacher)
    mine = {qid for qid in counts if qid.startswith(("sample-juno", "sample-jinping"))}
    assert len(mine) == 3 and all(counts[q] == 1 for q in mine)
    take_quiz(app, student(app, "second"), bank)
    now["t"] += timedelta(minutes=5)
    stored, page = everyone_n(teacher)
    assert stored == counts and "students have given 3 answers since" in page
    csv_rows = list(csv.reader(io.StringIO(teacher.get("/teach/items.csv").get_data(as_text=True))))
    assert {r[1]: r[4] for r in csv_rows[1:] if r[1] in mine} == dict.fromkeys(mine, "1")
    # Asked for: computed again at once
    response = teacher.post("/teach/items/recompute", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 303
    fresh, page = everyone_n(teacher)
    assert all(fresh[q] == 2 for q in mine) and "students have given" not in page
    # Due: older than STALE_AFTER, with answers since
    take_quiz(app, student(app, "third"), bank)
    now["t"] += stored_reports.STALE_AFTER - timedelta(seconds=1)
    assert all(everyone_n(teacher)[0][q] == 2 for q in mine)
    now["t"] += timedelta(seconds=2)
    assert all(everyone_n(teacher)[0][q] == 3 for q in mine)
    # The questions changed: computed again whatever its age
    folder = tmp_path / "banks"
    folder.mkdir()
    text = (DATA / "banks/sample-big-science.yaml").read_text()
    (folder / "sample-big-science.yaml").write_text(
        text[: text.index("  - id: sample-jinping-depth")]
    )
    assert "2 retired" in runner.invoke(args=["load", str(folder)]).output
    left, _ = everyone_n(teacher)
    assert "sample-juno-liquid" in left and "sample-jinping-depth" not in left


def test_the_stored_report_follows_question_order_and_ignores_instructors_answers(
    app, runner, tmp_path
):
    teacher = student(app, "prof", role="instructor")
    take_quiz(app, student(app, "learner"), "sample-big-science")
    before, _ = everyone_n(teacher)
    take_quiz(app, teacher, "sample-big-science")  # an instructor trying the quiz
    again, page = everyone_n(teacher)
    assert again == before and "students have given" not in page
    # The same questions in another order: the stored report follows at once
    text = (DATA / "banks/sample-big-science.yaml").read_text()
    first = text.index("  - id: sample-juno-liquid")
    second = text.index("  - id: sample-jinping-depth")
    end = text.index("# Last, so")  # the bank's description closes the file
    swapped = text[:first] + text[second:end] + text[first:second] + text[end:]
    folder = tmp_path / "banks"
    folder.mkdir()
    (folder / "sample-big-science.yaml").write_text(swapped)
    assert "3 unchanged" in runner.invoke(args=["load", str(folder)]).output
    order = [q for q in everyone_n(teacher)[0] if q.startswith(("sample-juno", "sample-jin"))]
    assert order.index("sample-jinping-depth") < order.index("sample-juno-liquid")
