"""A student's whole visit in real Chromium: register, quiz, a wrong answer with its excerpt,
read in context, reload and resume elsewhere, results and dashboard; desktop and phone; and
the same without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.forms import log_in, register
from tests.conftest import VIEWPORTS, screenshot
from tests.quizhelp import current_view

pytestmark = pytest.mark.browser
BANK = "Sample: China's big-science bet"


def answer(page, app, right: bool):
    """Answer the question on screen rightly or wrongly, as a student would, by its labels."""
    view = current_view(app, page.url)
    if view.type == "true_false":
        page.get_by_label(str(view.spec["answer"] == right), exact=True).check()
    elif view.type in ("single", "multiple"):
        right_ones = [c for c in view.choices if c.correct]
        wrong_ones = [c for c in view.choices if not c.correct]
        wanted = (
            (right_ones if view.type == "multiple" else right_ones[:1]) if right else wrong_ones[:1]
        )
        for choice in wanted:
            page.get_by_label(re.sub(r"<[^>]+>", "", str(choice.html)), exact=True).check()
    else:
        if view.type == "numeric":
            value = view.spec["answer"] + (0 if right else (view.spec.get("tolerance") or 0) + 1000)
        else:
            value = view.spec["accept"][0] if right else "no idea"
        page.locator("input[name=answer]").fill(str(value))
    page.get_by_role("button", name="Submit answer").click()
    expect(page.locator("#feedback")).to_be_visible()


def test_student_journey(app, live_server, browser, database_url):
    backend = database_url.split(":", 1)[0].split("+")[0]
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    register(page, live_server, "lin")
    page.goto(f"{live_server}/quizzes")
    page.get_by_role("button", name=f"Start {BANK}").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+/q/1$"))
    docs = backend == "sqlite"  # one backend writes the README's pictures
    screenshot(page, f"student-question-{backend}", "question-desktop" if docs else None)

    answer(page, app, right=False)
    feedback = page.locator("#feedback")
    expect(feedback).to_contain_text("Not quite")
    expect(feedback).to_contain_text("Correct answer")
    mark = page.locator("figure.excerpt mark").first
    expect(mark).to_be_visible()
    quoted = mark.inner_text()
    for name, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        screenshot(page, f"student-feedback-{name}-{backend}", f"feedback-{name}" if docs else None)
    page.set_viewport_size(VIEWPORTS["desktop"])

    page.get_by_role("link", name=re.compile("Read in context")).first.click()
    expect(page).to_have_url(re.compile(r"/read/big-science\?highlight="))
    in_context = page.locator("main mark")
    expect(in_context).to_have_text(quoted)
    expect(in_context).to_be_in_viewport()
    page.go_back()
    page.get_by_role("link", name="Next question").click()
    page.wait_for_url(re.compile(r"/q/2$"))
    question_two = page.url
    page.reload()
    assert page.url == question_two  # a reload stays on the same question

    # Another device: log in afresh, resume at the first unanswered question
    other = browser.new_context(viewport=VIEWPORTS["phone"]).new_page()
    log_in(other, live_server, "lin")
    other.goto(f"{live_server}/quizzes")
    other.get_by_role("button", name=f"Resume {BANK}").click()
    expect(other).to_have_url(question_two)
    while "/q/" in other.url:
        answer(other, app, right=True)
        feedback_url = other.url
        other.get_by_role("link", name=re.compile("Next question|See your results")).click()
        other.wait_for_url(lambda url, left=feedback_url: url != left)
    expect(other.get_by_role("main")).to_contain_text("of 3")
    screenshot(other, f"student-results-phone-{backend}")

    page.goto(f"{live_server}/progress")
    expect(page.locator("svg").first).to_be_visible()
    screenshot(page, f"student-dashboard-{backend}", "dashboard-desktop" if docs else None)
    other.context.close()
    context.close()


def test_times_show_in_the_readers_time_zone(app, live_server, browser):
    context = browser.new_context(timezone_id="Asia/Shanghai", locale="en-GB")
    page = context.new_page()
    register(page, live_server, "mei")
    page.goto(f"{live_server}/quizzes")
    page.get_by_role("button", name=f"Start {BANK}").click()
    answer(page, app, right=True)
    page.goto(f"{live_server}/review")  # the new card is due later: the page says when
    when = page.locator("main time")
    expect(when).not_to_contain_text("UTC")
    stamp = when.get_attribute("datetime")
    local = page.evaluate(
        "s => new Date(s).toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'short'})",
        stamp,
    )
    assert stamp.endswith("Z") and when.inner_text() == local
    context.close()


def test_without_javascript_a_student_can_do_everything(app, live_server, browser):
    # The one script only rewrites times into the reader's zone; every step is plain HTML.
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    register(page, live_server, "noscript")
    page.goto(f"{live_server}/quizzes")
    page.get_by_role("button", name=f"Start {BANK}").click()
    expect(page).to_have_url(re.compile(r"/attempts/\d+/q/1$"))
    answer(page, app, right=False)
    expect(page.locator("#feedback")).to_contain_text("Not quite")
    expect(page.locator("figure.excerpt mark").first).to_be_visible()
    page.get_by_role("link", name="Next question").click()
    page.wait_for_url(re.compile(r"/q/2$"))
    page.get_by_role("link", name="Finish the quiz now").click()
    page.get_by_role("button", name=re.compile("Finish")).click()
    expect(page).to_have_url(re.compile(r"/results$"))
    expect(page.get_by_role("main")).to_contain_text("of 3")
    page.goto(f"{live_server}/review")
    expect(page.locator("main time").first).to_contain_text("UTC")  # no script: the server's text
    page.goto(f"{live_server}/progress")
    expect(page.locator("svg").first).to_be_visible()
    context.close()
