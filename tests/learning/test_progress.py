"""The progress dashboard and spaced review."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from quizapp import clock
from quizapp.extensions import db
from quizapp.models import Answer, Attempt, Citation, Review, ReviewCard
from tests.conftest import DATA, csrf_from
from tests.quizhelp import (
    answer,
    answer_values,
    attempt_id_of,
    bank_ids,
    correct_first_paragraph,
    current_view,
    reload_article,
    review_due_cards_rightly,
    start,
    take_quiz,
)

SAMPLE = DATA / "banks/sample-big-science.yaml"


@pytest.fixture
def frozen(monkeypatch):
    """A clock the test moves by hand."""
    state = {"now": datetime(2026, 9, 1, 9, 0, 0)}
    monkeypatch.setattr(clock, "now", lambda: state["now"])
    return state


def test_dashboard_is_empty_before_any_answer(student):
    html = student.get("/progress").get_data(as_text=True)
    assert "Finish a quiz to see your score over time." in html
    assert "No answers yet." in html


def test_dashboard_shows_scores_history_and_mastery(app, student):
    bank = bank_ids(app)[0]
    take_quiz(app, student, bank, wrong_at={1})
    assert re.search(r">1 attempt, finished [^;<]+; latest 67%\.", student.get("/progress").text)
    take_quiz(app, student, bank)
    html = student.get("/progress").get_data(as_text=True)
    assert re.search(r">2 attempts, in the order finished, from [^;<]+; latest 100%\.", html)
    assert "<svg" in html and '<title id="history-svg-title">' in html
    assert html.count('class="dot series-0"') == 2
    assert "Data table" in html
    assert "Weakest passages" in html and re.search(r"\d of \d right", html)
    assert re.search(r'class="band-[1-4]"', html)


def test_finished_attempts_keep_their_results_within_reach(app, student):
    bank = bank_ids(app)[0]
    first = take_quiz(app, student, bank, wrong_at={1})
    second = take_quiz(app, student, bank)
    quizzes = student.get("/quizzes").get_data(as_text=True)
    assert f'href="/attempts/{second}/results"' in quizzes  # the last one, from the quiz list
    assert f'href="/attempts/{first}/results"' not in quizzes
    progress = student.get("/progress").get_data(as_text=True)
    for n, attempt_id in enumerate((first, second), 1):  # every one, from the score history
        link = re.search(rf'href="/attempts/{attempt_id}/results">([^<]+)</a>', progress)[1]
        assert link.endswith(f", attempt {n}")  # not a UTC date beside a local finish time
    assert student.get(f"/attempts/{first}/results").status_code == 200


def _answers_per_passage(app, user_id: int) -> dict[int, tuple[int, int]]:
    """Count, in Python, each passage's answers: an answer counts once per passage it cites."""
    with app.app_context():
        cited: dict[int, set[int]] = {}
        for version_id, passage_id in db.session.execute(
            select(Citation.version_id, Citation.passage_id)
        ):
            cited.setdefault(version_id, set()).add(passage_id)
        counts: dict[int, tuple[int, int]] = {}
        answers = db.session.execute(
            select(Answer.version_id, Answer.correct).where(Answer.user_id == user_id)
        )
        for version_id, correct in answers:
            for passage_id in cited.get(version_id, ()):
                n, right = counts.get(passage_id, (0, 0))
                counts[passage_id] = (n + 1, right + bool(correct))
        return counts


def test_passage_mastery_counts_each_answer_once_per_cited_passage(app, runner, student, tmp_path):
    from quizapp.learning.progress import passage_mastery

    # A question that quotes one passage twice still counts once there.
    folder = tmp_path / "banks"
    folder.mkdir()
    bank = folder / SAMPLE.name
    bank.write_text(
        SAMPLE.read_text().replace(
            '      - quote: "at 2,400 metres below the Jinping Mountains"\n',
            '      - quote: "at 2,400 metres below the Jinping Mountains"\n'
            '      - quote: "world’s largest and deepest underground lab"\n',
        )
    )
    result = runner.invoke(args=["load", str(folder)])
    assert "questions: 1 changed" in result.output, result.output
    take_quiz(app, student, "sample-big-science", wrong_at={1})
    with app.app_context():
        user_id = db.session.scalar(select(Answer.user_id).limit(1))
        mastery = passage_mastery(user_id)
    expected = _answers_per_passage(app, user_id)
    assert {p: (m.answers, m.correct) for p, m in mastery.items()} == expected
    assert 0 < sum(right for _n, right in expected.values()) < sum(n for n, _ in expected.values())


def test_each_answered_question_becomes_a_card(app, student, frozen):
    bank = bank_ids(app)[0]
    take_quiz(app, student, bank, wrong_at={1})
    with app.app_context():
        cards = db.session.scalars(select(ReviewCard)).all()
        answers = db.session.scalar(select(func.count()).select_from(Answer))
    assert len(cards) == answers
    # Not minutes later, as in a flashcard session: wrong comes back tomorrow, right in 2 days.
    with app.app_context():
        correct = dict(db.session.execute(select(Answer.question_id, Answer.correct)).all())
    for card in cards:
        days = 2 if correct[card.question_id] else 1
        assert card.due == frozen["now"] + timedelta(days=days), card.question_id
    assert not all(correct.values()) and any(correct.values())


def test_review_runs_due_cards_and_does_not_touch_quiz_scores(app, student, frozen):
    bank = bank_ids(app)[0]
    attempt_id = take_quiz(app, student, bank, wrong_at={1})
    with app.app_context():
        score_before = db.session.get(Attempt, attempt_id).score
        n_cards = db.session.scalar(select(func.count()).select_from(ReviewCard))
    assert "No review cards" not in student.get("/review").get_data(as_text=True)
    assert "Nothing is due right now" in student.get("/review").get_data(as_text=True)
    frozen["now"] += timedelta(days=2)
    html = student.get("/review").get_data(as_text=True)
    assert f"<strong>{n_cards}</strong>" in html
    page = student.get("/review/next")
    assert page.status_code == 200
    page_html = page.get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page_html).group(1)
    question = re.search(r'name="question" type="hidden" value="([^"]+)"', page_html).group(1)
    with app.test_request_context():
        from quizapp.learning.attempts import current_version
        from quizapp.learning.question_cache import question_view

        view = question_view(current_version(question))
    values = answer_values(app, page_html, view, correct=True)
    data = {
        "csrf_token": csrf_from(page_html),
        "token": token,
        "question": question,
        "shown": re.search(r'name="shown" type="hidden" value="([^"]*)"', page_html).group(1),
        "answer": values,
    }
    first = student.post("/review/answer", data=data)
    again = student.post("/review/answer", data=data)
    assert first.status_code == 303 and first.location == again.location
    feedback = student.get(first.location).get_data(as_text=True)
    assert "Right" in feedback and "<mark>" in feedback
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Review)) == 1
        assert db.session.get(Attempt, attempt_id).score == score_before
        card = db.session.scalar(select(ReviewCard).where(ReviewCard.question_id == question))
        assert card.due > frozen["now"]
    html = student.get("/review").get_data(as_text=True)
    assert f"<strong>{n_cards - 1}</strong>" in html


def test_review_with_nothing_due_goes_back_to_review_home(student):
    response = student.get("/review/next")
    assert response.status_code == 302 and response.location.endswith("/review")


def test_fsrs_mapping_correct_is_good_wrong_is_again():
    from fsrs import Rating

    from quizapp.learning.cards import rating_for

    assert rating_for(True) == Rating.Good and rating_for(False) == Rating.Again


def test_known_card_answered_right_again_is_spaced_out_by_days(app, student, frozen):
    bank = bank_ids(app)[0]
    take_quiz(app, student, bank)  # every answer right: each card is due in 2 days
    frozen["now"] += timedelta(days=2)
    page_html = student.get("/review/next").get_data(as_text=True)
    question = re.search(r'name="question" type="hidden" value="([^"]+)"', page_html).group(1)
    with app.test_request_context():
        from quizapp.learning.attempts import current_version
        from quizapp.learning.question_cache import question_view

        view = question_view(current_version(question))
    data = {
        "csrf_token": csrf_from(page_html),
        "token": re.search(r'name="token" type="hidden" value="([^"]+)"', page_html).group(1),
        "question": question,
        "answer": answer_values(app, page_html, view, correct=True),
    }
    assert student.post("/review/answer", data=data).status_code == 303
    with app.app_context():
        card = db.session.scalar(select(ReviewCard).where(ReviewCard.question_id == question))
        assert card.due >= frozen["now"] + timedelta(days=7)  # growing: 2 days, then 11


def test_mastery_opens_on_the_article_the_student_answered_on(app, student):
    url = start(student, "sample-cross")
    for number in (1, 2):
        at = re.sub(r"/q/\d+", f"/q/{number}", url)
        if current_view(app, at).question_id == "sample-micius-name":  # cites us-china only
            answer(app, student, at)
    html = student.get("/progress").get_data(as_text=True)
    assert re.search(r'<option value="us-china" selected', html), "not the first article"
    html = student.get("/progress?doc=big-science").get_data(as_text=True)
    assert re.search(r'<option value="big-science" selected', html)


def test_score_chart_draws_a_line_per_quiz(app, student):
    first, second = bank_ids(app)[:2]
    take_quiz(app, student, first, wrong_at={1})
    take_quiz(app, student, second)
    take_quiz(app, student, first)
    html = student.get("/progress").get_data(as_text=True)
    lines = re.findall(r'<path class="line series-(\d)" d="([^"]+)"/>', html)
    # The first quiz's line joins its two attempts (1st and 3rd); the second quiz is one dot
    assert [(s, d.count("L")) for s, d in lines] == [("0", 1), ("1", 0)]
    assert html.count('class="dot series-0"') == 2 and html.count('class="dot series-1"') == 1
    assert '<div class="legend" aria-hidden="true">' in html


def test_reviews_count_towards_a_students_passage_mastery(app, student, frozen):
    take_quiz(app, student, "sample-big-science", wrong_at={1, 2, 3})
    labels = re.compile(r"\d+ of \d+ right \(\d+%\)")
    before = labels.findall(student.get("/progress?doc=big-science").get_data(as_text=True))
    assert before and all(label.startswith("0 of") for label in before)
    frozen["now"] += timedelta(days=2)
    assert review_due_cards_rightly(app, student) == 3
    after = labels.findall(student.get("/progress?doc=big-science").get_data(as_text=True))
    # Each passage: as many right answers in review as wrong ones in the quiz
    halves = [label.replace("0 of ", "").split(" ")[0] for label in before]
    assert after == [f"{n} of {2 * int(n)} right (50%)" for n in halves]


def test_a_review_sent_after_its_question_changed_is_asked_again_not_misgraded(
    app, runner, student, frozen, tmp_path
):
    from quizapp.learning.attempts import current_version
    from quizapp.learning.question_cache import question_view

    take_quiz(app, student, "sample-big-science")
    frozen["now"] += timedelta(days=2)
    while True:  # the page of the JUNO question, with its choices as the student sees them
        html = student.get("/review/next").get_data(as_text=True)
        data = dict(re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', html))
        with app.test_request_context():
            view = question_view(current_version(data["question"]))
        data["answer"] = answer_values(app, html, view, correct=True)
        if data["question"] == "sample-juno-liquid":
            break
        student.post("/review/answer", data=data)
    # Meanwhile the instructor reloads the bank with the right choice moved to another place.
    folder = tmp_path / "banks"
    folder.mkdir()
    right = '      - text: "20,000 tonnes"\n        correct: true\n'
    last = '        feedback: "700 m is how deep JUNO\'s laboratory lies."\n'
    moved = SAMPLE.read_text().replace(right, "").replace(last, last + right)
    (folder / SAMPLE.name).write_text(moved)
    assert "questions: 1 changed" in runner.invoke(args=["load", str(folder)]).output
    with app.app_context():
        reviews = db.session.scalar(select(func.count()).select_from(Review))
    response = student.post("/review/answer", data=data)  # "20,000 tonnes", as it was shown
    assert response.status_code == 303 and response.location.endswith("/review/next")
    page = student.get(response.location).get_data(as_text=True)
    assert "That question was changed since you opened it" in page
    with app.app_context():  # not graded against the new choices, where that pick is wrong
        assert db.session.scalar(select(func.count()).select_from(Review)) == reviews
    again = dict(re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', page))
    assert again["question"] == "sample-juno-liquid"
    with app.test_request_context():
        view = question_view(current_version(again["question"]))
    again["answer"] = answer_values(app, page, view, correct=True)
    feedback = student.get(student.post("/review/answer", data=again).location)
    assert "Right" in feedback.get_data(as_text=True)
    # The old form sent once more, say from another tab: answered since, which says more
    late = student.get(student.post("/review/answer", data=data).location)
    shown = late.get_data(as_text=True)
    assert "your first answer stands" in shown and "changed since" not in shown


def test_a_retired_quizs_attempts_keep_its_title_in_the_score_history(
    app, runner, student, tmp_path
):
    take_quiz(app, student, "sample-cross")
    (tmp_path / SAMPLE.name).write_text(SAMPLE.read_text())
    app.config["QUESTIONS_DIR"] = str(tmp_path)  # a full load without the cross quiz retires it
    assert "banks: 1 retired" in runner.invoke(args=["load"]).output
    html = student.get("/progress").get_data(as_text=True)
    assert ">Sample: across the articles, attempt 1</a>" in html  # not its id, sample-cross
    assert "sample-cross" not in html


def test_a_review_of_a_question_not_yet_answered_gives_nothing_away(app, student):
    """The review form names its question: any other would be graded and its answer shown."""
    page = student.get(start(student, "sample-big-science")).get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(page),
        "token": "forged-token-1",
        "question": "sample-jinping-depth",  # in the quiz just started, not yet answered
        "answer": "1",
    }
    response = student.post("/review/answer", data=data)
    assert response.status_code == 303 and response.location.endswith("/review/next")
    page = student.get(response.location, follow_redirects=True).get_data(as_text=True)
    assert "That question is not among your review cards" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Review)) == 0
        assert db.session.scalar(select(func.count()).select_from(ReviewCard)) == 0


def test_a_review_sent_after_its_question_was_retired_goes_on_to_the_next(app, student, frozen):
    from sqlalchemy import update

    from quizapp.models import Question

    take_quiz(app, student, "sample-big-science")
    frozen["now"] += timedelta(days=2)
    html = student.get("/review/next").get_data(as_text=True)
    data = dict(re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', html))
    with app.app_context():  # the instructor's reload drops it while the page is open
        retire = update(Question).where(Question.id == data["question"]).values(retired=True)
        db.session.execute(retire)
        db.session.commit()
    response = student.post("/review/answer", data=data | {"answer": ["true"]})
    assert response.status_code == 303 and response.location.endswith("/review/next")
    page = student.get(response.location, follow_redirects=True).get_data(as_text=True)
    assert "That question is no longer offered, so your answer was not recorded." in page
    assert 'name="question"' in page and data["question"] not in page  # the next card


def test_answers_before_an_article_correction_count_toward_the_corrected_paragraph(app, student):
    from quizapp.learning.progress import passage_mastery
    from quizapp.models import Passage

    take_quiz(app, student, "sample-big-science", wrong_at={1})
    with app.app_context():
        user_id = db.session.scalar(select(Answer.user_id).limit(1))
        before = passage_mastery(user_id)
        old = db.session.scalar(select(Passage).where(Passage.text.contains("colossal sphere")))
    assert before[old.id].answers > 0
    reload_article(app, "big-science", correct_first_paragraph)
    with app.app_context():
        new = db.session.scalar(select(Passage).where(Passage.text.startswith("A correction.")))
        after = passage_mastery(user_id)
    assert old.id not in after  # not a line of its own, whose link names no paragraph
    assert (after[new.id].answers, after[new.id].correct) == (
        before[old.id].answers,
        before[old.id].correct,
    )
    page = student.get("/progress?doc=big-science").text
    assert f"#{new.anchor}" in page and f"#{old.anchor}" not in page


def test_answers_on_a_paragraph_since_removed_count_nowhere(app, student):
    from quizapp.learning.progress import passage_mastery
    from quizapp.models import Passage

    take_quiz(app, student, "sample-big-science")
    with app.app_context():
        user_id = db.session.scalar(select(Answer.user_id).limit(1))
        cited = set(passage_mastery(user_id))
    # Retire every cited paragraph by rewriting the whole article beyond recognition.
    reload_article(app, "big-science", lambda _body: "A different article altogether.")
    with app.app_context():
        retired = set(db.session.scalars(select(Passage.id).where(Passage.retired.is_(True))))
        assert cited <= retired
        assert passage_mastery(user_id) == {}


def test_a_quiz_in_progress_counts_the_questions_of_its_attempt_after_the_bank_grows(
    app, runner, student, tmp_path
):
    url = start(student, "sample-big-science")
    answer(app, student, url)  # 1 of the attempt's 3 questions
    added = """  - id: sample-juno-added
    type: true_false
    prompt: "JUNO holds 20,000 tonnes of liquid."
    answer: true
    explanation: "It does."
    cite:
      - quote: "Centred on a colossal sphere filled with 20,000 tonnes of liquid"
    difficulty: easy
"""
    # The new question goes last in the question list, before the bank's closing description.
    head, last, tail = SAMPLE.read_text().partition("# Last, so")
    (tmp_path / SAMPLE.name).write_text(head + added.lstrip("\n") + last + tail)
    assert "1 added" in runner.invoke(args=["load", str(tmp_path)]).output
    # The attempt keeps the 3 questions it started with; a new one would have 4
    finish = student.get(f"/attempts/{attempt_id_of(url)}/finish").get_data(as_text=True)
    assert "2 of 3 questions are not answered yet" in finish
    dashboard = student.get("/progress").get_data(as_text=True)
    assert "<td>1 of 3</td>" in dashboard
    quizzes = student.get("/quizzes").get_data(as_text=True)
    assert "in progress: 1 of 3 answered" in quizzes
    assert "4 questions" in quizzes  # what a new attempt would ask


LIMIT_FIELD = r'<input [^>]*name="daily_reviews"[^>]*type="number" value="{}">'


def _set_daily_limit(student, value) -> object:
    page = student.get("/review").get_data(as_text=True)
    return student.post(
        "/review", data={"csrf_token": csrf_from(page), "daily_reviews": str(value)}
    )


def test_a_daily_review_limit_holds_the_rest_back_and_the_student_chooses_it(app, student, frozen):
    for bank in bank_ids(app):
        take_quiz(app, student, bank)  # every answer right: each card due in 2 days
    with app.app_context():
        cards = db.session.scalar(select(func.count()).select_from(ReviewCard))
    assert cards >= 4
    assert re.search(LIMIT_FIELD.format(20), student.get("/review").text)

    refused = _set_daily_limit(student, 0)
    assert refused.status_code == 400
    assert re.search(
        r'<p class="error" id="daily_reviews-error"><strong>Error:</strong> '
        r"Reviews a day: choose a number from 1 to 500\.</p>",
        refused.text,
    )
    assert _set_daily_limit(student, 2).status_code == 303
    assert re.search(LIMIT_FIELD.format(2), student.get("/review").text)

    frozen["now"] += timedelta(days=2)
    home = student.get("/review").text
    assert "<strong>2</strong> reviews for today" in home and f"({cards} questions are due" in home
    assert "2 reviews for today" in student.get("/progress").text
    assert review_due_cards_rightly(app, student) == 2  # then /review/next says no more
    home = student.get("/review").text
    assert "That is 2 reviews in the last 24 hours, your daily limit." in home
    assert f"{cards - 2} questions wait" in home
    assert "Today's reviews are done" in student.get("/progress").text

    frozen["now"] += timedelta(hours=23)
    assert review_due_cards_rightly(app, student) == 0
    frozen["now"] += timedelta(hours=1, seconds=1)  # 24 hours after the first review
    assert review_due_cards_rightly(app, student) == 2


def test_after_a_review_the_page_says_when_the_question_comes_back(app, student, frozen):
    take_quiz(app, student, bank_ids(app)[0])
    frozen["now"] += timedelta(days=2)
    assert review_due_cards_rightly(app, student) >= 1
    with app.app_context():
        review_row = db.session.scalars(select(Review).order_by(Review.id)).first()
        card = db.session.scalar(
            select(ReviewCard).where(ReviewCard.question_id == review_row.question_id)
        )
    days = round((card.due - review_row.reviewed_at).total_seconds() / 86400)
    assert days >= 7  # the second right answer spaces it out
    page = student.get(f"/review/{review_row.id}").text
    stamp = card.due.isoformat(timespec="seconds") + "Z"
    assert re.search(
        rf'Comes back in {days} days, on <time datetime="{stamp}" data-date-only>'
        rf"{card.due.strftime('%a %-d %b')}</time>\.",
        page,
    ), page[page.find("comeback") - 200 : page.find("comeback") + 400]


def test_a_wrong_review_says_the_question_comes_back_tomorrow(app, student, frozen):
    from quizapp.learning.attempts import current_version
    from quizapp.learning.question_cache import question_view

    take_quiz(app, student, bank_ids(app)[0])
    frozen["now"] += timedelta(days=2)
    html = student.get("/review/next").text
    data = dict(re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', html))
    with app.test_request_context():
        view = question_view(current_version(data["question"]))
    wrong = answer_values(app, html, view, correct=False)
    response = student.post("/review/answer", data=data | {"answer": wrong})
    page = student.get(response.location).text
    tomorrow = (frozen["now"] + timedelta(days=1)).strftime("%a %-d %b")
    assert re.search(rf"Comes back tomorrow, <time [^>]+>{tomorrow}</time>\.", page)


def test_existing_accounts_get_the_default_daily_limit_from_the_migration(app, runner, auth):
    from quizapp.models import User

    auth.register("before")
    assert runner.invoke(args=["db", "downgrade", "e3a9c7f1b5d2"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        db.session.remove()
        limit = db.session.scalar(select(User.daily_reviews).where(User.username == "before"))
    assert limit == 20


def test_the_chart_dates_its_x_axis_a_lone_attempt_under_its_dot():
    from quizapp.learning import charts

    one = datetime(2026, 12, 3, 15, 0)
    (tick,) = charts.date_ticks([one])
    (x,) = charts.x_positions(1)
    assert (tick.x, tick.text, tick.anchor, tick.stamp) == (
        x,
        "3 Dec",
        "middle",
        "2026-12-03T15:00:00Z",
    )
    days = [datetime(2026, 10, 29) + timedelta(days=d) for d in (0, 0, 1, 13, 14, 15, 29)]
    ticks = charts.date_ticks(days)
    assert (ticks[0].text, ticks[0].anchor) == ("29 Oct", "start")
    assert (ticks[-1].text, ticks[-1].anchor) == ("27 Nov", "end")
    gaps = [b.x - a.x for a, b in zip(ticks, ticks[1:], strict=False)]
    assert len(ticks) > 2 and min(gaps) >= charts.MIN_TICK_GAP  # labels never overlap
    across = charts.date_ticks([datetime(2026, 12, 30), datetime(2027, 1, 2)])
    assert [t.text for t in across] == ["30 Dec 2026", "2 Jan 2027"]


def test_the_dashboard_chart_shows_the_dates_of_the_attempts(app, student, frozen):
    take_quiz(app, student, bank_ids(app)[0])
    html = student.get("/progress").text
    axis = re.findall(r'<text class="axis date"[^>]*data-date="([^"]+)">([^<]+)</text>', html)
    assert axis == [("2026-09-01T09:00:00Z", "1 Sep")]
    frozen["now"] += timedelta(days=5)
    take_quiz(app, student, bank_ids(app)[1])
    html = student.get("/progress").text
    axis = re.findall(r'<text class="axis date"[^>]*>([^<]+)</text>', html)
    assert axis == ["1 Sep", "6 Sep"]
