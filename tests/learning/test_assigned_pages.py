"""A student's assignment pages, on both backends with a clock the test moves: the Assigned
list, starting within the rules, the deadline with and without time left, and the answer key
kept out of every page until the assignment's feedback is released."""

import html as htmlmod
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from quizapp.accounts.users import create_user
from quizapp.extensions import db
from quizapp.learning.question_cache import question_view
from quizapp.models import Answer, Assignment, Attempt
from quizapp.rounding import percent
from quizapp.teaching import assignments
from quizapp.teaching.assignments import Settings
from tests.conftest import Auth, csrf_from
from tests.factories import class_with_students, frozen_clock
from tests.quizhelp import answer, answer_values, attempt_id_of, bank_ids, start, take_quiz

# The class meets in London: 09:00 UTC is 10:00 BST in September.
MON = datetime(2026, 9, 7, 9, 0)
FRI = datetime(2026, 9, 11, 16, 0)  # 17:00 BST
LONDON = "Europe/London"


@pytest.fixture
def frozen(monkeypatch):
    return frozen_clock(monkeypatch, MON + timedelta(hours=1))  # 11:00 BST


@pytest.fixture
def course(app):
    """A class in London with its instructor and two students; returns its id."""
    return class_with_students(app, timezone=LONDON)[0]


def signed_in(app, username: str):
    client = app.test_client()
    Auth(client).login(username)
    return client


def make(app, course_id: int, **changes) -> int:
    """Set an assignment for the class; return its id."""
    values = dict(
        title="Week 1",
        draw=[("sample-big-science", 3), ("sample-cross", 2)],
        opens_at=MON,
        closes_at=FRI,
        time_limit=20,
        attempts_allowed=2,
        feedback="after_close",
    )
    values.update(changes)
    with app.test_request_context():
        return assignments.create(course_id, Settings(**values)).id


def start_assignment(client, assignment_id: int):
    """Press Start (or Resume) on the quiz list; return the response."""
    token = csrf_from(client.get("/quizzes").text)
    return client.post(f"/assignments/{assignment_id}/start", data={"csrf_token": token})


def first_question(client, assignment_id: int) -> str:
    """Start an assignment; return the URL of the question it lands on."""
    response = start_assignment(client, assignment_id)
    assert response.status_code == 303, response.text
    response = client.get(response.location)
    assert response.status_code == 302
    return response.location


def stored(app, attempt_id: int) -> Attempt:
    with app.app_context():
        return db.session.get(Attempt, attempt_id)


def flash_of(page: str) -> str:
    found = re.search(r'<p class="flash[^"]*">(.*?)</p>', page, re.S)
    return htmlmod.unescape(found.group(1)) if found else ""


def finish(client, attempt_id: int):
    """Finish an attempt through its confirmation page."""
    token = csrf_from(client.get(f"/attempts/{attempt_id}/finish").text)
    return client.post(f"/attempts/{attempt_id}/finish", data={"csrf_token": token})


def section(page: str, heading: str) -> str:
    """The part of a page from a card's heading to the end of its card."""
    return page.split(f">{heading}</h4>", 1)[1].split("</li>", 1)[0]


# The Assigned list


def test_the_quiz_list_shows_assigned_by_class_above_practice(app, course, frozen):
    open_id = make(
        app, course, instructions="Read **the big-science article** <script>x()</script>"
    )
    make(app, course, title="Next week", opens_at=MON + timedelta(days=7),
         closes_at=FRI + timedelta(days=7))  # fmt: skip
    done_id = make(app, course, title="Warm-up", closes_at=MON + timedelta(hours=3),
                   attempts_allowed=None, time_limit=None, feedback="never")  # fmt: skip
    ana = signed_in(app, "ana")
    url = first_question(ana, done_id)
    answer(app, ana, url, correct=True)  # 1 of 5 questions right
    finish(ana, attempt_id_of(url))
    frozen["now"] = MON + timedelta(hours=4)

    page = ana.get("/quizzes").text
    assert (
        page.index(">Assigned</h2>") < page.index(">Policy 101</h3>") < page.index(">Practice</h2>")
    )
    assert "Practice never counts toward a grade" in page
    week1 = section(page, "Week 1")
    assert 'state-open">Open<' in week1
    assert (
        'due <time datetime="2026-09-11T16:00:00Z" data-zone="Europe/London">'
        "Fri 11 Sep 2026, 17:00 BST</time>"
    ) in week1
    assert "Time limit 20 minutes" in week1 and "2 of 2 attempts left" in week1
    assert "<strong>the big-science article</strong>" in week1 and "<script>" not in week1
    assert f'action="/assignments/{open_id}/start"' in week1 and "Start<span" in week1
    upcoming = section(page, "Next week")
    assert 'state-upcoming">Upcoming<' in upcoming and "/start" not in upcoming
    assert "opens <time" in upcoming and "Mon 14 Sep 2026, 10:00 BST" in upcoming
    closed = section(page, "Warm-up")
    assert 'state-closed">Closed<' in closed and "/start" not in closed
    attempt = stored(app, attempt_id_of(url))
    assert f"Your score: <strong>{percent(attempt.score / attempt.max_score)}%</strong>" in closed
    assert "your best attempt" in closed
    assert "Feedback is not shown for this assignment." in closed
    assert f"/attempts/{attempt.id}/results" in closed and "Results and feedback" not in closed
    with app.test_request_context():
        assignments.release_feedback(db.session.get(Assignment, done_id))
    closed = section(ana.get("/quizzes").text, "Warm-up")
    assert "Results and feedback" in closed and "not shown" not in closed


def test_an_open_assignments_card_says_when_feedback_comes(app, course, frozen):
    ana = signed_in(app, "ana")
    url = first_question(ana, make(app, course))
    finish(ana, attempt_id_of(url))
    card = section(ana.get("/quizzes").text, "Week 1")
    assert "Your score so far: <strong>0%</strong>" in card and "1 of 2 attempts left" in card
    assert "Feedback shows from <time" in card and "Fri 11 Sep 2026, 17:00 BST" in card


def test_a_student_without_classes_sees_practice_only(app, student):
    page = student.get("/quizzes").text
    assert ">Assigned</h2>" not in page and ">Practice</h2>" in page


def test_start_is_refused_when_used_up_or_closed_and_404_outside_the_class(app, course, frozen):
    once = make(app, course, attempts_allowed=1)
    ana = signed_in(app, "ana")
    url = first_question(ana, once)
    assert start_assignment(ana, once).location.endswith(
        f"/attempts/{attempt_id_of(url)}"
    )  # resumes
    finish(ana, attempt_id_of(url))
    refused = start_assignment(ana, once)
    assert refused.status_code == 303 and refused.location.endswith("/quizzes")
    page = ana.get(refused.location).text
    assert flash_of(page) == "You have used all 1 attempt at this assignment."
    assert "You have used all your attempts." in section(page, "Week 1")
    frozen["now"] = FRI
    closed = start_assignment(ana, make(app, course, title="Week 2", opens_at=MON))
    assert flash_of(ana.get(closed.location).text) == "This assignment is closed."
    with app.app_context():
        create_user("eve", Auth.PASSWORD)
        db.session.commit()
    eve = signed_in(app, "eve")
    assert start_assignment(eve, once).status_code == 404
    with app.test_request_context():
        assignments.delete_assignment(db.session.get(Assignment, once))
    assert start_assignment(ana, once).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attempt)) == 1


# The deadline


def test_a_timed_attempt_shows_its_deadline_without_javascript(app, course, frozen, student):
    ana = signed_in(app, "ana")
    page = ana.get(first_question(ana, make(app, course))).text
    # Started at 11:00 BST with 20 minutes: due 11:20 in the class's zone, on the server's clock.
    assert (
        'Submit by <time datetime="2026-09-07T10:20:00Z" data-zone="Europe/London">11:20 BST</time>'
        in page
    )
    assert 'data-now="2026-09-07T10:00:00.000Z"' in page
    assert 'role="status" aria-live="polite"' in page and 'aria-live="assertive"' in page
    assert "countdown.js" in page and "Week 1 (assignment)" in page
    practice = student.get(start(student, bank_ids(app)[0])).text
    assert "countdown.js" not in practice and "Submit by" not in practice


def test_a_late_answer_is_refused_with_the_message_and_scored_with_what_came(app, course, frozen):
    ana = signed_in(app, "ana")
    url = first_question(ana, make(app, course, feedback="immediately"))
    attempt = stored(app, attempt_id_of(url))
    frozen["now"] += timedelta(minutes=5)
    assert answer(app, ana, url, correct=True).location.endswith("/q/1/feedback")
    second = url.replace("/q/1", "/q/2")
    page = ana.get(second).text  # shown in time, sent too late
    with app.test_request_context():
        view = question_view(attempt.items[1][1])
    data = {
        "csrf_token": csrf_from(page),
        "shown": re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1),
        "answer": answer_values(app, page, view, correct=True),
    }
    frozen["now"] = attempt.deadline + timedelta(seconds=11)
    response = ana.post(second, data=data)
    assert response.status_code == 303 and response.location.endswith("/results")
    results = ana.get(response.location).text
    assert flash_of(results) == (
        "Time was up at 11:20 BST, so that answer was not recorded. "
        "Your attempt was scored with the answers that came in time."
    )
    row = stored(app, attempt.id)
    with app.test_request_context():
        first_points = question_view(attempt.items[0][1]).points
        answers = db.session.scalar(select(func.count()).where(Answer.attempt_id == attempt.id))
    assert row.finished_at == attempt.deadline and row.score == first_points and answers == 1
    assert "Score: <strong>" in results
    again = ana.post(second, data=data)
    assert "Time was up at 11:20 BST, so that answer" in flash_of(ana.get(again.location).text)


@pytest.mark.parametrize("page", ["q/2", "q/1/feedback", "finish", "results", ""])
def test_an_open_attempt_past_its_deadline_is_finished_when_its_page_is_opened(
    app, course, frozen, page
):
    ana = signed_in(app, "ana")
    url = first_question(ana, make(app, course))
    answer(app, ana, url, correct=True)
    attempt = stored(app, attempt_id_of(url))
    frozen["now"] = attempt.deadline + timedelta(seconds=9)  # in the grace: still open
    assert ana.get(url.replace("/q/1", "/q/2")).status_code == 200
    frozen["now"] = attempt.deadline + timedelta(minutes=3)
    response = ana.get(f"/attempts/{attempt.id}/{page}".rstrip("/"))
    assert response.status_code == 303 and response.location.endswith(f"/{attempt.id}/results")
    results = ana.get(response.location).text
    assert flash_of(results) == (
        "Time was up at 11:20 BST, so your attempt was submitted "
        "with the answers that came in time."
    )
    row = stored(app, attempt.id)
    assert row.finished_at == attempt.deadline and row.score is not None
    assert "Submit by" not in results and "countdown.js" not in results


def test_the_countdown_at_zero_submits_the_answer_or_finishes(app, course, frozen):
    ana = signed_in(app, "ana")
    assignment_id = make(app, course, attempts_allowed=None, feedback="immediately")
    url = first_question(ana, assignment_id)
    attempt = stored(app, attempt_id_of(url))
    frozen["now"] = attempt.deadline
    page = ana.get(url).text
    values = {
        "csrf_token": csrf_from(page),
        "shown": re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1),
    }
    with app.test_request_context():
        view = question_view(attempt.items[0][1])
    sent = ana.post(
        url, data=values | {"answer": answer_values(app, page, view, True), "timeup": "1"}
    )
    assert sent.location.endswith("/results")
    assert (
        flash_of(ana.get(sent.location).text)
        == "Time was up at 11:20 BST, so your attempt was submitted."
    )
    row = stored(app, attempt.id)
    assert row.finished_at == attempt.deadline and row.score == view.points
    # Nothing chosen on the page at zero: the finish form goes instead.
    frozen["now"] = MON + timedelta(hours=2)
    other = attempt_id_of(first_question(ana, assignment_id))
    token = csrf_from(ana.get(f"/attempts/{other}/finish").text)
    frozen["now"] = stored(app, other).deadline
    done = ana.post(f"/attempts/{other}/finish", data={"csrf_token": token, "timeup": "1"})
    assert "so your attempt was submitted" in flash_of(ana.get(done.location).text)
    assert stored(app, other).finished_at == stored(app, other).deadline


# The answer key before release


def _secrets(app, attempt: Attempt) -> dict[str, list[str]]:
    """Texts of the key (their first 40 characters): explanations and per-choice feedback,
    and the quotes the questions cite."""
    found: dict[str, list[str]] = {"key": [], "quotes": []}
    with app.test_request_context():
        for _qid, version_id in attempt.items:
            view = question_view(version_id)
            found["key"].append(re.sub(r"<[^>]+>", "", str(view.explanation)).strip()[:40])
            found["key"] += [
                re.sub(r"<[^>]+>", "", str(c.feedback)).strip()[:40]
                for c in view.choices
                if c.feedback
            ]
            for excerpt in view.excerpts:
                found["quotes"] += [t.strip('“”"')[:40] for t, marked in excerpt.segments if marked]
    return {kind: [s for s in texts if len(s) >= 12] for kind, texts in found.items()}


MARKERS = [
    "Not quite", "Partly right", "Correct answer", "the answer is", "Why</h2>", "<mark>",
    "highlight=", 'class="outcome', 'class="explanation', "excerpt", "Passages to reread",
    "choice-mark", "result-right", "result-wrong", "✓", "✗", "◐", " right ·",
]  # fmt: skip


def _leaks(page: str, secrets: dict[str, list[str]], quotes: bool = True) -> list[str]:
    main = htmlmod.unescape(page.split("<main", 1)[1].split("</main>", 1)[0])
    texts = secrets["key"] + (secrets["quotes"] if quotes else []) + MARKERS
    return [s for s in texts if s in main]


def _scan(client, attempt: Attempt, secrets: dict[str, list[str]]) -> None:
    """Fetch every page a student can reach about the attempt (following redirects)."""
    base = f"/attempts/{attempt.id}"
    total = len(attempt.items)
    urls = [f"{base}/q/{n}" for n in range(1, total + 1)]
    urls += [f"{base}/q/{n}/feedback" for n in range(1, total + 1)]
    urls += [f"{base}/results", f"{base}/finish", base, "/quizzes", "/review", "/review/next"]
    for url in urls:
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        assert _leaks(response.text, secrets) == [], url
    # The dashboard shows the articles' paragraphs (public); which of them the questions cite
    # and how the answers went must not show: no passage counts any answer yet.
    progress = client.get("/progress").text
    assert _leaks(progress, secrets, quotes=False) == []
    assert "No answers yet." in progress


@pytest.mark.parametrize("timing", ["after_attempt", "after_close", "never"])
def test_no_student_page_shows_the_key_before_release_and_it_shows_after(
    app, course, frozen, timing
):
    assignment_id = make(app, course, feedback=timing, time_limit=None,
                         closes_at=FRI if timing != "never" else None)  # fmt: skip
    ana = signed_in(app, "ana")
    url = first_question(ana, assignment_id)
    attempt = stored(app, attempt_id_of(url))
    secrets = _secrets(app, attempt)
    assert len(secrets["key"]) >= 5 and len(secrets["quotes"]) >= 5
    _scan(ana, attempt, secrets)  # nothing answered yet
    number = 1
    while "/q/" in url:
        response = answer(app, ana, url, correct=number == 1)  # one right, the rest wrong
        assert response.status_code == 303
        saved = ana.get(response.location).text
        if timing != "after_attempt" or number < len(attempt.items):  # the last one finishes
            assert "Answer saved" in saved and _leaks(saved, secrets) == []
        if number == 3:  # half way: the open attempt's pages
            _scan(ana, stored(app, attempt.id), secrets)
            results = ana.get(f"/attempts/{attempt.id}/results").text
            assert "Score:" not in results and "This attempt is not finished" in results
        url = htmlmod.unescape(re.search(r'class="btn" href="([^"]+)"', saved).group(1))
        number += 1
    attempt = stored(app, attempt.id)
    assert attempt.finished_at is not None  # the last answer finished it
    if timing == "after_attempt":
        release_note = None
    else:
        results = ana.get(f"/attempts/{attempt.id}/results").text
        assert "Score: <strong>" in results
        release_note = re.search(r'<p class="release-note">(.*?)</p>', results, re.S).group(1)
        _scan(ana, attempt, secrets)
        assert "Week 1 (assignment), attempt 1" in ana.get("/progress").text  # the score shows
    if timing == "after_close":
        assert "show from <time" in release_note and "Fri 11 Sep 2026, 17:00 BST" in release_note
        frozen["now"] = FRI + timedelta(minutes=1)
    elif timing == "never":
        assert "not shown for this assignment" in release_note
        frozen["now"] = FRI + timedelta(days=60)
        _scan(ana, attempt, secrets)  # never: not even long after
        with app.test_request_context():
            assignments.release_feedback(db.session.get(Assignment, assignment_id))
    feedback = ana.get(f"/attempts/{attempt.id}/q/2/feedback").text
    with app.test_request_context():
        explanation = re.sub(r"<[^>]+>", "", str(question_view(attempt.items[1][1]).explanation))
    assert "Not quite" in feedback or "Partly right" in feedback
    assert explanation.strip()[:40] in htmlmod.unescape(feedback) and "<mark>" in feedback
    results = ana.get(f"/attempts/{attempt.id}/results").text
    assert "Passages to reread" in results and "the answer is" in results
    progress = ana.get("/progress").text
    assert "No answers yet." not in progress and " right — " in progress


def test_an_immediate_assignment_gives_feedback_after_each_answer(app, course, frozen):
    ana = signed_in(app, "ana")
    url = first_question(ana, make(app, course, feedback="immediately"))
    page = ana.get(answer(app, ana, url, correct=False).location).text
    assert "Not quite" in page or "Partly right" in page
    assert "Week 1 (assignment)" in page and "Submit by" in page


def test_the_dashboard_tells_practice_from_assignments(app, course, frozen):
    ana = signed_in(app, "ana")
    take_quiz(app, ana, bank_ids(app)[0])
    url = first_question(ana, make(app, course, feedback="immediately"))
    finish(ana, attempt_id_of(url))
    page = ana.get("/progress").text
    assert "Sample: China&#39;s big-science bet, attempt 1" in page
    assert "Week 1 (assignment), attempt 1" in page
    results = ana.get(f"/attempts/{attempt_id_of(url)}/results").text
    assert "Week 1 (assignment for Policy 101)" in results
