"""Keyboard only: log in, answer, land on the feedback, read in context and come back."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import Auth
from tests.factories import make_user

pytestmark = pytest.mark.browser

FOCUSED = (
    "() => { const e = document.activeElement; return {tag: e.tagName, id: e.id, "
    "name: e.name || '', type: e.type || '', text: (e.innerText || '').trim().slice(0, 80), "
    "outline: getComputedStyle(e).outlineStyle} }"
)


def tab_to(page, wanted, presses: int = 60) -> dict:
    """Press Tab until the focused element satisfies ``wanted``; return what is focused."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if wanted(focused):
            assert focused["outline"] != "none", f"focus is invisible on {focused}"
            return focused
    raise AssertionError("could not reach the element with Tab")


def test_a_quiz_by_keyboard_alone(app, live_server, browser):
    make_user(app, "keys", "student")
    page = browser.new_context().new_page()
    page.goto(f"{live_server}/auth/login")
    tab_to(page, lambda f: f["name"] == "username")
    page.keyboard.type("keys")
    page.keyboard.press("Tab")
    page.keyboard.type(Auth.PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/quizzes"))

    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"].startswith("Start"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/q/1$"))
    answer = tab_to(page, lambda f: f["name"] == "answer")
    if answer["type"] in ("radio", "checkbox"):
        page.keyboard.press("Space")
    else:
        page.keyboard.type("12")
    tab_to(page, lambda f: f["text"] == "Submit answer")
    page.keyboard.press("Enter")

    expect(page.locator("#feedback")).to_be_focused()  # screen readers start at the verdict
    link = tab_to(page, lambda f: f["text"].startswith("Read in context"))
    assert link["tag"] == "A"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/read/"))
    expect(page.locator("main mark").first).to_be_visible()
    page.go_back()  # the browser's Back (Alt+Left is handled by the browser UI, not the page)
    expect(page).to_have_url(re.compile(r"/feedback$"))
    tab_to(page, lambda f: f["text"] in ("Next question", "See your results"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/q/2$|/results$"))
    page.context.close()
