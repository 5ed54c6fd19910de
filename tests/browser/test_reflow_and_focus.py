"""At 320 CSS px nothing scrolls sideways; focus lands on errors; quotes are not a tint alone."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.forms import log_in, register
from tests.factories import make_user
from tests.quizhelp import current_view

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 720}
LONG_WORD = "Interdisciplinaritycharacteristically"
WIDTH = "() => document.documentElement.scrollWidth"


def _short_answer_feedback(app, page, base: str) -> str:
    """Answer the sample short-text question with one long word; return its feedback URL."""
    page.goto(f"{base}/quizzes")
    page.locator('form[action$="/quizzes/sample-cross/start"] button').click()
    page.wait_for_url(re.compile(r"/q/\d+$"))
    while current_view(app, page.url).type != "short_text":
        page.locator("input[name=answer]").first.check()
        page.get_by_role("button", name="Submit answer").click()
        page.get_by_role("link", name="Next question").first.click()
        page.wait_for_url(re.compile(r"/q/\d+$"))
    page.locator("input[name=answer]").fill(LONG_WORD)
    page.get_by_role("button", name="Submit answer").click()
    page.wait_for_url(re.compile(r"/feedback$"))
    return page.url


def test_pages_reflow_at_320_px_without_sideways_scrolling(app, live_server, browser):
    student = browser.new_context(viewport=NARROW).new_page()
    register(student, live_server, "narrow")
    _short_answer_feedback(app, student, live_server)
    expect(student.locator(".answers")).to_contain_text(LONG_WORD)
    assert student.evaluate(WIDTH) <= NARROW["width"], "feedback with a long answer"

    make_user(app, "narrow-prof", "instructor")
    teacher = browser.new_context(viewport=NARROW).new_page()
    log_in(teacher, live_server, "narrow-prof")
    teacher.goto(f"{live_server}/teach/banks")
    assert teacher.evaluate(WIDTH) <= NARROW["width"], "the bank upload form"
    teacher.goto(f"{live_server}/teach/")
    teacher.get_by_label("Class name").fill("Narrow class")
    teacher.get_by_role("button", name="Create class").click()
    expect(teacher.locator("code.join-link")).to_be_visible()
    assert teacher.evaluate(WIDTH) <= NARROW["width"], "the gradebook's join address"


def test_after_an_error_focus_is_on_what_went_wrong(app, live_server, browser):
    page = browser.new_context().new_page()
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".error-summary")).to_be_focused()

    make_user(app, "focus-prof", "instructor")
    log_in(page, live_server, "focus-prof")
    page.goto(f"{live_server}/teach/banks")
    bad = {"name": "bad.yaml", "mimeType": "application/x-yaml", "buffer": b"bank: Bad Id\n"}
    page.set_input_files("input[type=file]", files=[bad])
    page.get_by_role("button", name="Check and load").click()
    expect(page.locator("#report-title")).to_be_focused()
    file_input = page.locator("input[type=file]")
    expect(file_input).to_have_attribute("aria-invalid", "true")
    expect(file_input).to_have_attribute("aria-describedby", re.compile(r"\breport-title\b"))


def test_the_feedback_names_its_verdict_first_and_quotes_are_underlined(app, live_server, browser):
    page = browser.new_context().new_page()
    register(page, live_server, "verdict")
    _short_answer_feedback(app, page, live_server)
    region = page.get_by_role("region", name=re.compile(r"^(Right|Not quite|Partly right)\b"))
    expect(region).to_be_focused()
    shadow = page.locator("figure.excerpt mark").first.evaluate(
        "m => getComputedStyle(m).boxShadow"
    )
    assert shadow not in ("", "none"), "the quoted words are marked by a tint alone"
