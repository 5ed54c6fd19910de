"""Helpers that take quizzes through the real pages, as a browser would."""

import html as htmlmod
import re

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.learning import attempts
from quizapp.learning.question_cache import question_view
from quizapp.models import Attempt, Bank
from tests.conftest import csrf_from

CHOICE = re.compile(
    r'<input type="(?:radio|checkbox)" name="answer" id="([^"]+)" value="([^"]+)"[^>]*>\s*'
    r'<label for="\1">(.*?)</label>',
    re.S,
)


def bank_ids(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Bank.id).order_by(Bank.position)))


def start(client, bank_id: str) -> str:
    """Start (or resume) a quiz; return the URL of the question it lands on."""
    token = csrf_from(client.get("/quizzes").get_data(as_text=True))
    response = client.post(f"/quizzes/{bank_id}/start", data={"csrf_token": token})
    assert response.status_code == 303, response.status_code
    response = client.get(response.location)
    assert response.status_code == 302
    return response.location


def attempt_id_of(url: str) -> int:
    return int(re.search(r"/attempts/(\d+)", url).group(1))


def current_view(app, url: str):
    """Return the QuestionView behind a question URL."""
    attempt_id = attempt_id_of(url)
    number = int(re.search(r"/q/(\d+)", url).group(1))
    with app.test_request_context():
        attempt = db.session.get(Attempt, attempt_id)
        return question_view(attempt.items[number - 1][1])


def _label_text(label_html: str) -> str:
    return htmlmod.unescape(re.sub(r"<[^>]+>", "", label_html)).strip()


def answer_values(app, page_html: str, view, correct: bool) -> list[str]:
    """Return the form values that answer the question rightly or wrongly."""
    spec = view.spec
    if view.type in ("single", "multiple"):
        options = {_label_text(label): value for _id, value, label in CHOICE.findall(page_html)}
        texts = {c.index: _label_text(str(c.html)) for c in view.choices}
        right = [options[texts[c.index]] for c in view.choices if c.correct]
        wrong = [options[texts[c.index]] for c in view.choices if not c.correct]
        return right if correct else wrong[:1]
    if view.type == "true_false":
        return [str(spec["answer"] if correct else not spec["answer"]).lower()]
    if view.type == "numeric":
        value = (
            spec["answer"] if correct else spec["answer"] + 10 * (spec.get("tolerance") or 1) + 7
        )
        return [str(value)]
    return [spec["accept"][0] if correct else "certainly not this"]


def answer(app, client, url: str, correct: bool = True):
    """Answer the question at ``url``; return the POST response."""
    page = client.get(url).get_data(as_text=True)
    view = current_view(app, url)
    data = {
        "csrf_token": csrf_from(page),
        "shown": re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1),
        "answer": answer_values(app, page, view, correct),
    }
    return client.post(url, data=data)


def take_quiz(app, client, bank_id: str, wrong_at=frozenset()) -> int:
    """Answer every question of a quiz (wrongly at the given 1-based numbers); return attempt id."""
    url = start(client, bank_id)
    attempt_id = attempt_id_of(url)
    number = 1
    while "/q/" in url:
        response = answer(app, client, url, correct=number not in wrong_at)
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        feedback = client.get(response.location).get_data(as_text=True)
        nxt = re.search(r'class="btn" href="([^"]+)"', feedback).group(1)
        url = htmlmod.unescape(nxt)
        number += 1
    return attempt_id


def review_due_cards_rightly(app, student) -> int:
    """Answer every due review card rightly through the pages; return how many."""
    from quizapp.learning.attempts import current_version

    done = 0
    while (page := student.get("/review/next")).status_code == 200:
        html = page.get_data(as_text=True)
        data = dict(re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', html))
        with app.test_request_context():
            view = question_view(current_version(data["question"]))
        response = student.post(
            "/review/answer", data=data | {"answer": answer_values(app, html, view, correct=True)}
        )
        assert response.status_code == 303
        done += 1
    return done


def reload_article(app, doc_id: str, edit) -> None:
    """Load one seed article again with its body passed through ``edit`` (a correction)."""
    from dataclasses import replace

    from quizapp.content.articles import load_articles
    from quizapp.content.loader import load_documents
    from tests.conftest import ROOT

    with app.app_context():
        article = next(a for a in load_articles(ROOT / "seeds") if a.id == doc_id)
        load_documents(db.session, [replace(article, body=edit(article.body))])
        db.session.commit()


def correct_first_paragraph(body: str) -> str:
    """Return an article's body with a correction at the start of its first paragraph."""
    return "A correction. " + body


def take_quiz_typing(app, client, bank_id: str, typed: str) -> int:
    """Answer every question of a quiz rightly, but type ``typed`` into short-text answers."""
    url = start(client, bank_id)
    attempt_id = attempt_id_of(url)
    while "/q/" in url:
        page = client.get(url).get_data(as_text=True)
        view = current_view(app, url)
        values = [typed] if view.type == "short_text" else answer_values(app, page, view, True)
        shown = re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1)
        data = {"csrf_token": csrf_from(page), "shown": shown, "answer": values}
        response = client.post(url, data=data)
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        feedback = client.get(response.location).get_data(as_text=True)
        url = htmlmod.unescape(re.search(r'class="btn" href="([^"]+)"', feedback).group(1))
    return attempt_id


def right_values(attempt, position: int) -> list[str]:
    """Return the form values of a right answer at one position of an attempt (in a request)."""
    view = question_view(attempt.items[position][1])
    if view.qtype.has_choices:
        return [
            attempts.choice_token(attempt.id, position, c.index) for c in view.choices if c.correct
        ]
    if view.type == "true_false":
        return [str(view.spec["answer"]).lower()]
    if view.type == "numeric":
        return [str(view.spec["answer"])]
    return [view.spec["accept"][0]]
