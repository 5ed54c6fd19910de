"""A timed assignment in real Chromium: the countdown's warnings reach the live regions and, at
zero, the answer chosen on the page is sent and the attempt submitted. The page's own clock is
Playwright's (moved by hand); the server's is the real one, so the answer arrives in time."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from quizapp.accounts.users import create_user
from quizapp.extensions import db
from quizapp.models import Answer, Attempt
from quizapp.models.content import utcnow
from quizapp.teaching import assignments, classes
from quizapp.teaching.assignments import Settings
from tests.browser.forms import log_in
from tests.browser.test_a11y import problems
from tests.conftest import Auth, screenshot
from tests.quizhelp import attempt_id_of, current_view

pytestmark = pytest.mark.browser


def choose(page, app) -> None:
    """Pick (or type) a right answer to the question on screen, without sending it."""
    view = current_view(app, page.url)
    if view.type == "true_false":
        page.get_by_label(str(view.spec["answer"]), exact=True).check()
    elif view.type in ("single", "multiple"):
        for choice in [c for c in view.choices if c.correct]:
            page.get_by_label(re.sub(r"<[^>]+>", "", str(choice.html)), exact=True).check()
    else:
        value = view.spec["answer"] if view.type == "numeric" else view.spec["accept"][0]
        page.locator("input[name=answer]").fill(str(value))


def test_the_countdown_warns_and_sends_the_answer_at_zero(app, live_server, browser):
    with app.test_request_context():
        teacher = create_user("prof", Auth.PASSWORD, role="instructor")
        student = create_user("ana", Auth.PASSWORD)
        db.session.commit()
        course = classes.create_course(teacher.id, "Policy 101")
        classes.join_course(student.id, course.join_code)
        assignments.create(
            course.id,
            Settings(
                title="Quick check",
                draw=[("sample-big-science", 2)],
                opens_at=utcnow() - timedelta(hours=1),
                closes_at=utcnow() + timedelta(days=1),
                time_limit=2,
                feedback="after_close",
            ),
        )
    context = browser.new_context()
    page = context.new_page()
    page.clock.install()  # the page's timers and Date move only when the test says
    log_in(page, live_server, "ana")
    page.goto(f"{live_server}/quizzes")
    screenshot(page, "assignment-quiz-list")
    assert problems(page) == []
    page.get_by_role("button", name="Start Quick check").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+/q/1$"))

    deadline = page.locator("#deadline")
    expect(deadline).to_contain_text(re.compile(r"Submit by \d\d:\d\d UTC"))
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"^[12]:\d\d left$"))
    expect(page.get_by_role("status")).to_have_text("2 minutes left.")  # under 5 at the start
    expect(page.get_by_role("alert")).to_have_text("")
    assert problems(page) == []

    page.clock.fast_forward("01:05")
    expect(page.get_by_role("alert")).to_have_text(
        "Less than 1 minute left. At zero, what you have answered is submitted."
    )
    expect(page.get_by_role("status")).to_have_text("")  # the 2-minute warning, now stale
    choose(page, app)
    screenshot(page, "assignment-countdown")
    page.clock.fast_forward("01:00")  # zero: the chosen answer goes, and the attempt ends
    expect(page).to_have_url(re.compile(r"/attempts/\d+/results$"))
    expect(page.locator(".flash")).to_contain_text("so your attempt was submitted")
    expect(page.locator(".score")).to_contain_text("Score:")
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id_of(page.url))
        answers = db.session.scalar(select(func.count()).where(Answer.attempt_id == attempt.id))
    assert attempt.finished_at is not None and answers == 1
    assert attempt.score > 0  # the right answer chosen before zero counts
    assert problems(page) == []  # the results before feedback is released
    page.goto(f"{page.url.rsplit('/', 1)[0]}/q/1/feedback")
    expect(page.get_by_role("heading", level=1)).to_have_text("Answer saved")
    assert problems(page) == []
    context.close()
