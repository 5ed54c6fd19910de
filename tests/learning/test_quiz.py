"""Taking a quiz: attempts, hidden answer key, cited feedback, exactly-once, resume, results."""

import html as htmlmod
import re
import threading

import pytest
import requests
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Answer, Attempt, Question, QuestionVersion, ReviewCard
from tests.conftest import Auth, csrf_from
from tests.quizhelp import (
    CHOICE,
    answer,
    answer_values,
    attempt_id_of,
    bank_ids,
    current_view,
    start,
    take_quiz,
)


def test_quiz_list_shows_every_bank_with_counts(app, student):
    html = student.get("/quizzes").get_data(as_text=True)
    for bank_id in bank_ids(app):
        assert f"/quizzes/{bank_id}/start" in html
    assert re.search(r"\d+ questions?", html)
    assert "Not started" in html and "Not finished yet" not in html
    start(student, bank_ids(app)[0])
    assert "Not finished yet" in student.get("/quizzes").get_data(as_text=True)


def test_quiz_cards_show_the_banks_description_and_link_its_article(app, student):
    html = student.get("/quizzes").text
    card = html.split("Sample: China&#39;s big-science bet</h3>", 1)[1].split("</li>", 1)[0]
    assert re.search(r'On <a href="/read/big-science">“China’s big-science bet”', card)
    description = "Sample questions on China&#39;s big-science facilities and what they are for."
    assert f'<p class="quiz-description">{description}</p>' in card
    cross = html.split("Sample: across the articles</h3>", 1)[1].split("</li>", 1)[0]
    assert 'Across <a href="/">the articles</a>' in cross
    assert "quiz-description" not in cross  # a bank without one shows none


def test_start_creates_one_attempt_and_resumes_it(app, student):
    bank = bank_ids(app)[0]
    first = start(student, bank)
    again = start(student, bank)
    assert first == again and first.endswith("/q/1")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_unknown_bank_is_404(student):
    token = csrf_from(student.get("/quizzes").get_data(as_text=True))
    assert student.post("/quizzes/nope/start", data={"csrf_token": token}).status_code == 404


def test_question_page_is_stable_on_reload(app, student):
    url = start(student, bank_ids(app)[0])
    strip = re.compile(r'value="[^"]*"(?= ?/?>)|name="shown"[^>]*>|csrf_token[^>]*>')
    one = strip.sub("", student.get(url).get_data(as_text=True))
    two = strip.sub("", student.get(url).get_data(as_text=True))
    assert one == two


def _secret_strings(view) -> list[str]:
    """Texts that would reveal the key if they appeared before submitting."""
    secrets = [re.sub(r"<[^>]+>", "", str(view.explanation)).strip()[:40]]
    for choice in view.choices:
        if choice.feedback:
            secrets.append(re.sub(r"<[^>]+>", "", str(choice.feedback)).strip()[:40])
    spec = view.spec
    if view.type == "numeric":
        secrets.append(f'value="{spec["answer"]}"')
    if view.type == "short_text":
        secrets += [f'"{a}"' for a in spec["accept"]]
    return [s for s in secrets if s]


def test_answer_key_never_reaches_the_browser_before_submit(app, student):
    for bank in bank_ids(app):
        url = start(student, bank)
        while "/q/" in url:
            response = student.get(url)
            page = response.get_data(as_text=True)
            view = current_view(app, url)
            for secret in _secret_strings(view):
                assert htmlmod.escape(secret) not in page and secret not in page, secret
            assert "correct" not in page.lower().split("<main", 1)[1].replace("correct horse", "")
            assert "<mark>" not in page
            # Choice values are opaque: the same for the right and wrong choices in form.
            values = re.findall(r'name="answer" id="[^"]+" value="([^"]+)"', page)
            assert all(re.fullmatch(r"[0-9a-f]{16}|true|false", v) for v in values)
            assert (
                response.headers.get("Cache-Control") is None
                or "no-store" in response.headers["Cache-Control"]
            )
            posted = answer(app, student, url, correct=False)
            nxt = re.search(
                r'class="btn" href="([^"]+)"', student.get(posted.location).get_data(as_text=True)
            ).group(1)
            url = htmlmod.unescape(nxt)


def test_feedback_shows_verdict_explanation_and_highlighted_excerpt(app, student):
    url = start(student, bank_ids(app)[0])
    view = current_view(app, url)
    response = answer(app, student, url, correct=False)
    assert response.status_code == 303 and response.location.endswith("/feedback")
    page = student.get(response.location).get_data(as_text=True)
    assert "Not quite" in page or "Partly right" in page
    assert "Your answer" in page and "Correct answer" in page
    assert htmlmod.escape(view.correct_answer()) in page or view.correct_answer() in page
    assert page.count("<mark>") >= len(view.excerpts) >= 1
    link = re.search(r'<a href="(/read/[^"]+)">Read in context', page).group(1)
    reader = student.get(htmlmod.unescape(link))
    assert reader.status_code == 200 and "<mark>" in reader.get_data(as_text=True)
    assert view.excerpts[0].doc_title in page


def test_right_answer_is_marked_right(app, student):
    url = start(student, bank_ids(app)[0])
    response = answer(app, student, url, correct=True)
    assert "Right" in student.get(response.location).get_data(as_text=True)


def test_double_submit_keeps_first_answer(app, student):
    url = start(student, bank_ids(app)[0])
    page = student.get(url).get_data(as_text=True)
    view = current_view(app, url)
    token = csrf_from(page)
    shown = re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1)
    wrong = {
        "csrf_token": token,
        "shown": shown,
        "answer": answer_values(app, page, view, correct=False),
    }
    right = dict(wrong, answer=answer_values(app, page, view, correct=True))
    first = student.post(url, data=wrong)
    with app.app_context():
        card_after_first = db.session.scalars(select(ReviewCard.card)).one()
    second = student.post(url, data=right)
    assert first.location == second.location
    # The student sees that the first answer is the one kept, not a silent swap.
    feedback = student.get(second.location).get_data(as_text=True)
    assert "your first answer stands" in feedback
    # An empty submit from a stale tab goes to the feedback too, not back to the form.
    empty = student.post(url, data={"csrf_token": token, "shown": shown})
    assert empty.status_code == 303 and empty.location == first.location
    with app.app_context():
        rows = db.session.scalars(select(Answer)).all()
        assert len(rows) == 1 and rows[0].correct is False
        # the repeat is not a second recall: the spaced-review card is as the first left it
        assert db.session.scalars(select(ReviewCard.card)).one() == card_after_first


def test_time_on_question_comes_from_the_signed_stamp_and_a_forged_one_is_ignored(app, student):
    bank = bank_ids(app)[0]
    url = start(student, bank)
    page = student.get(url).get_data(as_text=True)
    shown = re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1)
    data = {"csrf_token": csrf_from(page), "shown": shown}
    data["answer"] = answer_values(app, page, current_view(app, url), correct=True)
    assert student.post(url, data=data).status_code == 303
    digits, signature = shown.split(".")
    url = url.replace("/q/1", "/q/2")
    page = student.get(url).get_data(as_text=True)
    forged = {"csrf_token": csrf_from(page), "shown": f"{int(digits) - 600_000}.{signature}"}
    forged["answer"] = answer_values(app, page, current_view(app, url), correct=True)
    assert student.post(url, data=forged).status_code == 303  # the answer still counts
    with app.app_context():
        durations = db.session.scalars(select(Answer.duration_ms).order_by(Answer.position))
        first, second = durations.all()
    assert 0 <= first < 60_000 and second is None


def test_invalid_answer_is_refused_and_nothing_is_stored(app, student):
    url = start(student, bank_ids(app)[0])
    page = student.get(url).get_data(as_text=True)
    response = student.post(url, data={"csrf_token": csrf_from(page), "answer": ["bogus"]})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    # The error is focused on load and the answer's inputs point at it.
    assert re.search(r'class="error-summary" role="alert" id="answer-error"[^>]*autofocus', html)
    assert re.search(
        r'<fieldset aria-describedby="(answer-help )?answer-error">'
        r'|aria-describedby="answer-help answer-error" aria-invalid="true"',
        html,
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_a_multiple_answer_questions_hint_is_read_with_its_choices(app, student):
    with app.app_context():
        version = db.session.scalar(
            select(QuestionVersion.id).where(QuestionVersion.type == "multiple").limit(1)
        )
        bank = db.session.scalar(
            select(Question.bank_id).where(Question.current_version_id == version)
        )
    url = start(student, bank)
    with app.app_context():
        items = db.session.get(Attempt, attempt_id_of(url)).items
    number = next(n for n, (_, v) in enumerate(items, 1) if v == version)
    page = student.get(re.sub(r"/q/\d+", f"/q/{number}", url)).get_data(as_text=True)
    assert '<fieldset aria-describedby="answer-help">' in page
    assert '<p class="help" id="answer-help">Select every answer that applies.</p>' in page


def test_answer_without_csrf_token_is_refused_and_nothing_is_stored(app, student):
    url = start(student, bank_ids(app)[0])
    page = student.get(url).get_data(as_text=True)
    values = answer_values(app, page, current_view(app, url), correct=True)
    for token in (None, "forged"):
        data = {"answer": values} | ({"csrf_token": token} if token else {})
        response = student.post(url, data=data)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "nothing was saved" in html
        # Reloading would repost the stale token: the page itself is offered instead.
        assert f'<a href="{url}">Open the page again</a>' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_a_csrf_token_once_accepted_still_holds_only_for_its_own_session(app, client, auth):
    auth.register("first")
    url = start(client, bank_ids(app)[0])
    page = client.get(url).get_data(as_text=True)
    values = answer_values(app, page, current_view(app, url), correct=True)
    token = csrf_from(page)
    assert client.post(url, data={"csrf_token": token, "answer": values}).status_code == 303
    # Accepted once: a tampered copy, or the same token in another session, is still refused.
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    other = app.test_client()
    Auth(other).register("second")
    other_url = start(other, bank_ids(app)[0])
    for who, where, sent in ((client, url, tampered), (other, other_url, token)):
        response = who.post(where.replace("/q/1", "/q/2"), data={"csrf_token": sent, "answer": "x"})
        assert response.status_code == 400
        assert "nothing was saved" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 1


def test_another_students_attempt_is_404(app, client, auth):
    auth.register("owner")
    url = start(client, bank_ids(app)[0])
    auth.logout()
    auth.register("intruder")
    attempt = attempt_id_of(url)
    for path in (
        url,
        f"/attempts/{attempt}",
        f"/attempts/{attempt}/results",
        f"/attempts/{attempt}/q/1/feedback",
    ):
        assert client.get(path).status_code == 404
    token = csrf_from(client.get("/quizzes").get_data(as_text=True))
    assert client.post(url, data={"csrf_token": token, "answer": "x"}).status_code == 404
    assert client.post(f"/attempts/{attempt}/finish", data={"csrf_token": token}).status_code == 404


def test_resume_after_logout_continues_at_first_unanswered(app, client, auth):
    auth.register("res")
    url = start(client, bank_ids(app)[0])
    answer(app, client, url)
    auth.logout()
    other_device = app.test_client()
    Auth(other_device).login("res")
    html = other_device.get("/quizzes").get_data(as_text=True)
    assert "Resume" in html and "1 of" in html
    assert start(other_device, bank_ids(app)[0]).endswith("/q/2")


def test_results_show_score_answers_and_passages_to_reread(app, student):
    bank = bank_ids(app)[0]
    attempt_id = take_quiz(app, student, bank, wrong_at={1})
    page = student.get(f"/attempts/{attempt_id}/results").get_data(as_text=True)
    assert "Score:" in page and "Passages to reread" in page
    assert re.search(r'<h3 id="reread-1">[^<]+</h3>\s*<ul class="reread">\s*<li>', page)
    assert re.search(r'<a href="/read/[^"]+&amp;back=/attempts/\d+/results#p-', page)
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.finished_at is not None
        assert attempt.score == pytest.approx(
            db.session.scalar(
                select(func.sum(Answer.points)).where(Answer.attempt_id == attempt_id)
            )
        )
    quizzes = student.get("/quizzes").get_data(as_text=True)
    assert "Best score" in quizzes and "Take again" in quizzes


def _quoted(page: str) -> set[str]:
    """The quoted spans listed under "Passages to reread"."""
    quotes = re.findall(r'<p class="reread-quote">(.*?)</p>', page, re.S)
    return set(re.findall(r"“([^”]+)”", htmlmod.unescape(" ".join(quotes))))


def test_results_of_an_open_attempt_quote_only_what_was_answered(app, student):
    url = start(student, bank_ids(app)[0])
    attempt = attempt_id_of(url)
    results = f"/attempts/{attempt}/results"
    # Unanswered questions' excerpts would quote their answers: none while the quiz is open.
    assert "Passages to reread" not in student.get(results).get_data(as_text=True)
    first = current_view(app, url)
    answer(app, student, url, correct=False)
    page = student.get(results).get_data(as_text=True)
    wrong = {text for e in first.excerpts for text, marked in e.segments if marked}
    assert _quoted(page) == wrong
    token = csrf_from(page)
    student.post(f"/attempts/{attempt}/finish", data={"csrf_token": token})
    # Finished: unanswered questions count as wrong, so their passages are listed too.
    assert _quoted(student.get(results).get_data(as_text=True)) > wrong


def test_finishing_early_asks_first_and_says_what_scores_zero(app, student):
    url = start(student, bank_ids(app)[0])
    answer(app, student, url)
    attempt = attempt_id_of(url)
    question = student.get(url.replace("/q/1", "/q/2")).get_data(as_text=True)
    assert f'href="/attempts/{attempt}/finish"' in question  # a link, not a one-tap form
    page = student.get(f"/attempts/{attempt}/finish").get_data(as_text=True)
    with app.app_context():
        total = len(db.session.get(Attempt, attempt).items)
        assert db.session.get(Attempt, attempt).finished_at is None  # asking changes nothing
    assert f"{total - 1} of {total} questions are not answered yet and will score 0" in page
    assert f'href="/attempts/{attempt}">Go back and keep answering' in page
    done = student.post(f"/attempts/{attempt}/finish", data={"csrf_token": csrf_from(page)})
    assert done.status_code == 303
    with app.app_context():
        assert db.session.get(Attempt, attempt).finished_at is not None
    assert student.get(f"/attempts/{attempt}/finish").location.endswith("/results")


def test_an_answer_sent_after_the_finish_says_it_was_not_recorded(app, student):
    url = start(student, bank_ids(app)[0])
    attempt = attempt_id_of(url)
    page = student.get(url).get_data(as_text=True)  # the question, open in a second tab
    done = student.post(f"/attempts/{attempt}/finish", data={"csrf_token": csrf_from(page)})
    assert done.status_code == 303
    form = {
        "csrf_token": csrf_from(page),
        "answer": answer_values(app, page, current_view(app, url), correct=True),
    }
    late = student.post(url, data=form)
    assert late.status_code == 303 and late.location.endswith(f"/attempts/{attempt}/results")
    results = student.get(late.location).get_data(as_text=True)
    assert "This quiz was already finished, so that answer was not recorded." in results
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_finish_twice_gives_one_score(app, student):
    url = start(student, bank_ids(app)[0])
    answer(app, student, url)
    attempt = attempt_id_of(url)
    token = csrf_from(student.get("/quizzes").get_data(as_text=True))
    student.post(f"/attempts/{attempt}/finish", data={"csrf_token": token})
    with app.app_context():
        first = db.session.get(Attempt, attempt)
        finished, score = first.finished_at, first.score
    student.post(f"/attempts/{attempt}/finish", data={"csrf_token": token})
    with app.app_context():
        again = db.session.get(Attempt, attempt)
        assert (again.finished_at, again.score) == (finished, score)


def test_concurrent_identical_submits_store_exactly_one_answer(app, live_server):
    session = requests.Session()
    login = session.get(f"{live_server}/auth/register").text
    password = Auth.PASSWORD
    session.post(
        f"{live_server}/auth/register",
        data={
            "username": "racer",
            "password": password,
            "confirm": password,
            "csrf_token": csrf_from(login),
        },
    )
    token = csrf_from(session.get(f"{live_server}/quizzes").text)
    bank = bank_ids(app)[0]
    started = session.post(f"{live_server}/quizzes/{bank}/start", data={"csrf_token": token})
    url = started.url
    page = session.get(url).text
    view = current_view(app, url.replace(live_server, ""))
    data = {
        "csrf_token": csrf_from(page),
        "shown": re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1),
        "answer": answer_values(app, page, view, correct=True),
    }
    results = []

    def post():
        r = session.post(url, data=data, allow_redirects=False)
        results.append((r.status_code, r.headers.get("Location")))

    threads = [threading.Thread(target=post) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 10
    assert {status for status, _ in results} == {303}
    assert len({location for _, location in results}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 1


def test_every_bank_answered_right_scores_full_marks(app, student):
    for bank in bank_ids(app):
        attempt_id = take_quiz(app, student, bank)
        with app.app_context():
            attempt = db.session.get(Attempt, attempt_id)
            assert attempt.score == pytest.approx(attempt.max_score)
            assert all(
                a.correct
                for a in db.session.scalars(select(Answer).where(Answer.attempt_id == attempt_id))
            )


def test_passages_to_reread_separate_quotes_and_do_not_double_quotation_marks(app):
    from types import SimpleNamespace

    from flask import render_template

    from quizapp.learning.progress import RereadArticle, RereadPassage

    excerpt = SimpleNamespace(
        link="/read/big-science#p3",
        doc_title="China's big-science bet",
        ordinal=3,
        segments=[("“Cooperating with China”", True), (" said one, and ", False), ("later", True)],
    )
    article = RereadArticle("big-science", excerpt.doc_title, (RereadPassage(excerpt, (2,)),))
    attempt = SimpleNamespace(id=1, finished_at=True, score=1, max_score=2)
    with app.test_request_context("/attempts/1/results"):
        page = render_template("learner/results.html", attempt=attempt, reread=[article], items=[])
    assert "“Cooperating with China” … “later”</p>" in page
    assert 'href="/read/big-science?back=/attempts/1/results#p3"' in page


def test_a_misspelt_typed_answer_is_stored_right_and_its_feedback_gives_the_spelling(app, student):
    url = start(student, "sample-cross")
    while "/q/" in url:
        page = student.get(url).get_data(as_text=True)
        view = current_view(app, url)
        typo = view.type == "short_text"
        values = ["Micuis"] if typo else answer_values(app, page, view, True)
        data = {
            "csrf_token": csrf_from(page),
            "shown": re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1),
            "answer": values,
        }
        response = student.post(url, data=data)
        assert response.status_code == 303
        feedback = student.get(response.location).get_data(as_text=True)
        assert ("Accepted; it is spelt Micius." in feedback) is typo
        if typo:
            assert "✓</span> Right" in feedback and "Micuis" in feedback
        url = htmlmod.unescape(re.search(r'class="btn" href="([^"]+)"', feedback).group(1))
    with app.app_context():
        stored = db.session.scalars(
            select(Answer).where(Answer.attempt_id == attempt_id_of(response.location))
        ).all()
    typed = [a for a in stored if a.question_id == "sample-micius-name"]
    assert [(a.response, a.correct, a.points) for a in typed] == [("Micuis", True, 1.0)]


def _excerpt(doc: str, passage: int, ordinal: int):
    from types import SimpleNamespace

    return SimpleNamespace(doc_id=doc, doc_title=doc.title(), passage_id=passage, ordinal=ordinal)


def test_passages_to_reread_are_grouped_by_article_each_passage_once():
    from types import SimpleNamespace

    from quizapp.learning.progress import passages_to_reread

    wrong, right = SimpleNamespace(correct=False), SimpleNamespace(correct=True)
    shared = _excerpt("cities", 10, 7)
    items = [
        (1, SimpleNamespace(excerpts=(shared, _excerpt("big", 20, 4))), wrong),
        (2, SimpleNamespace(excerpts=(_excerpt("cities", 11, 2), shared)), wrong),
        (3, SimpleNamespace(excerpts=(_excerpt("big", 21, 1),)), right),  # right: not listed
        (4, SimpleNamespace(excerpts=(_excerpt("big", 22, 9),)), None),  # unanswered
    ]
    grouped = passages_to_reread(items, finished=True)
    assert [
        (a.doc_id, [(p.excerpt.passage_id, p.numbers) for p in a.passages]) for a in grouped
    ] == [
        ("cities", [(11, (2,)), (10, (1, 2))]),  # in the article's order, each once
        ("big", [(20, (1,)), (22, (4,))]),
    ]
    open_attempt = passages_to_reread(items, finished=False)  # question 4 is still open
    assert [p.excerpt.passage_id for a in open_attempt for p in a.passages] == [11, 10, 20]


def _to_question_of_type(app, client, bank: str, qtype: str) -> str:
    """Answer a quiz's questions rightly until one of ``qtype`` is on screen; return its URL."""
    url = start(client, bank)
    while current_view(app, url).type != qtype:
        feedback = client.get(answer(app, client, url).location).text
        url = htmlmod.unescape(re.search(r'class="btn" href="([^"]+)"', feedback).group(1))
    return url


def test_multiple_answer_feedback_states_how_each_choice_went(app, student):
    url = _to_question_of_type(app, student, "sample-cross", "multiple")
    page = student.get(url).text
    shown = [(label, value) for _id, value, label in CHOICE.findall(page)]
    values = dict(shown)
    data = {
        "csrf_token": csrf_from(page),
        "shown": re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1),
        "answer": [values["JUNO"], values["Earthlab"]],  # one right, one wrong
    }
    feedback = student.get(student.post(url, data=data).location).text
    marks = re.findall(
        r'<li class="choice-mark mark-([\w-]+)">\s*<span class="mark-icon" aria-hidden="true">'
        r'(.)</span>\s*<div class="mark-body">\s*<strong class="mark-words">([^<]+):</strong>\s*'
        r'<span class="mark-choice">([^<]+)</span>',
        feedback,
    )
    assert [choice for *_rest, choice in marks] == [label for label, _value in shown]
    assert {choice: (status, icon, words) for status, icon, words, choice in marks} == {
        "JUNO": ("picked-right", "✓", "You picked it, and it is right"),
        "Earthlab": ("picked-wrong", "✗", "You picked it, but it is wrong"),
        "China Jinping Underground Laboratory": ("missed", "!", "Right, but you missed it"),
        "Micius": ("left-out", "–", "Wrong, and you left it out"),
    }
    # The picked wrong choice's feedback sits with it; the one left out says nothing more
    earthlab = feedback.split('<span class="mark-choice">Earthlab</span>', 1)[1]
    assert earthlab.split("</li>", 1)[0].count("a virtual laboratory in Beijing") == 1
    assert "far from underground" not in feedback


def test_the_next_step_is_beside_the_verdict_and_at_the_end(app, student):
    url = start(student, bank_ids(app)[0])
    feedback = student.get(answer(app, student, url).location).text
    head = feedback.split('<div class="outcome-head">', 1)[1].split("</div>", 1)[0]
    assert 'id="verdict"' in head and ">Next question</a>" in head
    end = feedback.split('<nav class="next" aria-label="Quiz">', 1)[1].split("</nav>", 1)[0]
    assert ">Next question</a>" in end
    assert feedback.count(">Next question</a>") == 2
