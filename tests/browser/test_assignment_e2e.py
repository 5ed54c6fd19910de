"""An assignment from start to grade in real Chromium, on a clock the test moves.

The instructor sets a timed assignment with feedback after the close date and gives one
student extra time; one student runs out of time, the other finishes within the extension;
the gradebook, both CSVs and the item analysis show it; after the close the feedback appears.
The server runs in this process, so moving ``quizapp.clock`` moves its time.
"""

import csv
import io
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from quizapp import clock
from quizapp.extensions import db
from quizapp.learning.question_cache import question_view
from quizapp.models import Assignment, Attempt, User
from quizapp.teaching import classes
from tests.browser.forms import log_in
from tests.browser.test_countdown import choose
from tests.conftest import screenshot
from tests.factories import make_user

pytestmark = pytest.mark.browser

MONDAY = datetime(2026, 9, 7, 9, 30)  # UTC; the class meets in London (BST, UTC+1)


@pytest.fixture
def moved(monkeypatch):
    state = {"now": MONDAY}
    monkeypatch.setattr(clock, "now", lambda: state["now"])
    return state


def _class_with_students(app) -> int:
    make_user(app, "prof", "instructor", full_name="Ada Lovelace")
    with app.app_context():
        teacher = db.session.query(User).filter_by(username="prof").one()
        course = classes.create_course(teacher.id, "Policy 101")
        for name, full in (("ana", "Ana Silva"), ("ben", "Ben Okafor")):
            make_user(app, name, email=f"{name}@example.org", full_name=full)
            student = db.session.query(User).filter_by(username=name).one()
            classes.join_course(student.id, course.join_code)
        return course.id


def _set_the_assignment(page, base: str, course_id: int, docs: bool) -> None:
    page.goto(f"{base}/teach/classes/{course_id}/settings")
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_role("button", name="Set the time zone").click()
    page.goto(f"{base}/teach/classes/{course_id}/assignments")
    page.get_by_role("link", name="New assignment").click()
    page.get_by_label("Title").fill("Week 1")
    page.get_by_label(re.compile("^Questions from Sample: China")).fill("3")
    page.get_by_label(re.compile(r"^Opens at")).fill("2026-09-07T09:00")
    page.get_by_label(re.compile(r"^Closes at")).fill("2026-09-11T17:00")
    page.get_by_label("Time limit (minutes)").fill("20")
    page.get_by_label("Attempts allowed").fill("1")
    page.get_by_label("After the close date").check()
    page.get_by_role("button", name="Set the assignment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Week 1")
    screenshot(page, "assignment-instructor", "assignment-desktop" if docs else None)


def _give_ben_double_time(page) -> None:
    page.get_by_role("link", name="Accommodations").click()
    page.get_by_role("link", name=re.compile("Ben Okafor's accommodation")).click()
    page.get_by_label("Time factor").fill("2")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Ben Okafor's accommodation is saved.")).to_be_visible()


def _start(page, base: str) -> None:
    page.goto(f"{base}/quizzes")
    expect(page.get_by_role("heading", name="Assigned")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Start")).first.click()
    expect(page.get_by_text(re.compile("Submit by"))).to_be_visible()


def _answer(page, app) -> None:
    with app.test_request_context():
        choose(page, app)
    page.get_by_role("button", name="Submit answer").click()


def test_a_timed_assignment_with_an_extension_from_setting_to_feedback(
    app, live_server, browser, moved, database_url
):
    course_id = _class_with_students(app)
    docs = database_url.startswith("sqlite")  # one backend writes the README's pictures
    teacher = browser.new_context(accept_downloads=True).new_page()
    log_in(teacher, live_server, "prof")
    _set_the_assignment(teacher, live_server, course_id, docs)
    _give_ben_double_time(teacher)

    ana = browser.new_context().new_page()
    log_in(ana, live_server, "ana")
    ben = browser.new_context().new_page()
    log_in(ben, live_server, "ben")
    _start(ana, live_server)
    _start(ben, live_server)
    screenshot(ben, "assignment-question", "assignment-question-desktop" if docs else None)

    # Ana answers one question, then her 20 minutes run out before the second.
    _answer(ana, app)
    expect(ana.get_by_role("heading", name="Answer saved")).to_be_visible()
    ana.get_by_role("link", name="Next question").click()
    moved["now"] += timedelta(minutes=25)
    _answer(ana, app)
    expect(ana.get_by_text(re.compile("Time was up at .*not recorded"))).to_be_visible()

    # Ben, with twice the time, answers all three at minute 25.
    for _ in range(3):
        _answer(ben, app)
        expect(ben.get_by_role("heading", name="Answer saved")).to_be_visible()
        ben.get_by_role("link", name=re.compile("Next question|See your results")).click()
    expect(ben.get_by_role("heading", level=1)).to_contain_text("result", ignore_case=True)
    # Before the close: the score, no key, and when the feedback comes.
    expect(ben.get_by_text(re.compile("show from"))).to_be_visible()
    expect(ben.get_by_text("the answer is")).to_have_count(0)
    screenshot(ben, "assignment-results-held", "assignment-held-desktop" if docs else None)
    with app.app_context():
        attempt = (
            db.session.query(Attempt)
            .join(User, User.id == Attempt.user_id)
            .filter(User.username == "ben")
            .one()
        )
        explanation = question_view_text(app, attempt.items[0][1])
    first_feedback = f"{live_server}/attempts/{attempt.id}/q/1/feedback"
    ben.goto(first_feedback)
    expect(ben.get_by_role("heading", name="Answer saved")).to_be_visible()
    assert explanation not in ben.content()

    # The instructor's views: the gradebook column, both CSVs, the item analysis.
    class_url = f"{live_server}/teach/classes/{course_id}"
    teacher.goto(class_url)
    expect(teacher.get_by_role("columnheader", name=re.compile("Week 1"))).to_be_visible()
    # The assignments' table comes first; practice has a table of its own, not counted.
    ben_row = teacher.get_by_role("row", name=re.compile("Ben Okafor")).first
    ana_row = teacher.get_by_role("row", name=re.compile("Ana Silva")).first
    expect(ben_row).to_contain_text("10")  # three right answers of three: 10 out of 10
    expect(ana_row).to_contain_text("3.33")  # one answer in time of three
    screenshot(teacher, "assignment-gradebook")
    with teacher.expect_download() as download:
        teacher.get_by_role("link", name="gradebook CSV", exact=True).click()
    wide = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    header = next(h for h in wide[0] if h.startswith("Week 1"))
    assert header == "Week 1 (out of 10)"
    grades = {r["username"]: r[header] for r in wide}
    assert set(grades) == {"ana", "ben"} and all(grades.values())
    teacher.goto(class_url)
    with teacher.expect_download() as download:
        teacher.get_by_role("link", name="every answer (CSV)", exact=True).click()
    long = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert len(long) == 4  # Ana's one answer in time and Ben's three
    assert {r["assignment"] for r in long} == {"Week 1"}
    with app.app_context():
        assignment_id = db.session.query(Assignment.id).scalar()
    teacher.goto(f"{live_server}/teach/items?course={course_id}&assignment={assignment_id}")
    expect(teacher.get_by_role("heading", name="Item analysis")).to_be_visible()
    expect(teacher.locator("select[name=assignment] option:checked")).to_have_text(
        "Assignment: Week 1"
    )
    expect(teacher.get_by_role("row").filter(has_text="sample-").first).to_be_visible()

    # After the close (Ben's window ends with everyone's), the feedback shows.
    moved["now"] = datetime(2026, 9, 11, 16, 1)  # 17:01 in London
    ben.goto(first_feedback)
    expect(ben.get_by_text(explanation, exact=False).first).to_be_visible()
    ben.goto(f"{live_server}/attempts/{attempt.id}/results")
    expect(ben.get_by_text("the answer is").first).to_be_visible()
    screenshot(ben, "assignment-results-released")
    for page in (teacher, ana, ben):
        page.context.close()


def question_view_text(app, version_id: int) -> str:
    """Return a question's explanation as plain text (its first sentence: enough to find)."""
    with app.test_request_context():
        html = str(question_view(version_id).explanation)
    text = re.sub(r"<[^>]+>", "", html).strip()
    return text.split(". ")[0][:60]
