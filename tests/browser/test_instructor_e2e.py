"""The instructor's loop in real Chromium: class, a student joins and answers, results, CSV."""

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.forms import log_in, register
from tests.conftest import screenshot
from tests.factories import make_user

pytestmark = pytest.mark.browser


def answer_current_question(page):
    """Answer whatever the question asks, with the first choice or a number."""
    # Wait for the question page: counting inputs while the last page is still
    # showing finds none and picks the wrong kind of answer.
    submit = page.get_by_role("button", name="Submit answer")
    expect(submit).to_be_visible()
    choice = page.locator("input[name=answer][type=radio], input[name=answer][type=checkbox]")
    if choice.count():
        choice.first.check()
    else:
        page.locator("input[name=answer]").fill("1")
    submit.click()
    expect(page.locator("#feedback")).to_be_visible()


def test_class_gradebook_items_heatmap_and_csv(app, live_server, browser, database_url):
    backend = database_url.split(":", 1)[0].split("+")[0]
    make_user(app, "ada", "instructor", full_name="Ada Lovelace")
    teacher = browser.new_context(accept_downloads=True).new_page()
    student = browser.new_context().new_page()
    log_in(teacher, live_server, "ada")
    teacher.goto(f"{live_server}/teach/")
    teacher.get_by_label("Class name").fill("Science policy 101")
    teacher.get_by_role("button", name="Create class").click()
    code = teacher.locator("code").first.inner_text()
    assert re.fullmatch(r"[A-Z0-9]{8}", code)
    class_url = teacher.url

    register(student, live_server, "grace", full_name="Grace Hopper", email="grace@example.org")
    student.goto(f"{live_server}/classes/join")
    student.get_by_label("Join code").fill(code.lower())
    student.get_by_role("button", name="Join").click()
    student.goto(f"{live_server}/quizzes")
    student.get_by_role("button", name=re.compile(r"^Start")).first.click()
    for _ in range(3):
        answer_current_question(student)
        feedback_url = student.url
        student.get_by_role("link", name=re.compile("Next question|See your results")).first.click()
        student.wait_for_url(lambda url, left=feedback_url: url != left)
    expect(student.get_by_role("heading", level=1)).to_contain_text("result", ignore_case=True)

    teacher.goto(class_url)
    row = teacher.get_by_role("row", name=re.compile("Grace Hopper"))
    expect(row).to_be_visible()
    docs = backend == "sqlite"  # one backend writes the README's pictures
    screenshot(
        teacher, f"gradebook-{backend}"
    )  # the README's is of a demo class: test_instructor_tables
    # Drill down: the student's attempts, then one attempt's answers
    row.get_by_role("link", name="Grace Hopper").click()
    teacher.get_by_role("link", name=re.compile(r", attempt 1$")).click()
    expect(teacher.get_by_role("heading", level=1)).to_contain_text("attempt 1")
    teacher.locator("main summary").first.click()
    expect(teacher.get_by_text("Their answer").first).to_be_visible()
    teacher.goto(class_url)
    teacher.get_by_role("link", name="Item analysis", exact=True).click()
    expect(teacher.get_by_role("heading", name="Item analysis")).to_be_visible()
    # The three questions Grace answered each have one response
    responses = teacher.get_by_role("row").filter(has_text="sample-").locator("td").nth(0)
    expect(responses.first).to_have_text("1")
    screenshot(teacher, f"items-{backend}")
    teacher.get_by_role("link", name="Passage heatmap", exact=True).click()
    expect(teacher.get_by_role("heading", name="Passage heatmap")).to_be_visible()
    screenshot(teacher, f"heatmap-{backend}", "heatmap-desktop" if docs else None)

    teacher.goto(class_url)
    with teacher.expect_download() as download:
        teacher.get_by_role("link", name="every answer (CSV)", exact=True).click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3
    assert {r["username"] for r in rows} == {"grace"}
    assert all(r["class"] == "Science policy 101" for r in rows)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["submitted at"]) for r in rows)
    teacher.context.close()
    student.context.close()
