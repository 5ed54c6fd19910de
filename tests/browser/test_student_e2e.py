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
        screenshot(page, f"student-feedback-{name}-{backend}")
    page.set_viewport_size(VIEWPORTS["desktop"])

    feedback_url = page.url
    page.get_by_role("link", name=re.compile("Read in context")).first.click()
    expect(page).to_have_url(re.compile(r"/read/big-science\?highlight="))
    in_context = page.locator("main mark")
    expect(in_context).to_have_text(quoted)
    expect(in_context).to_be_in_viewport()
    # The way back, right under the quoted passage (no need for the browser's Back)
    back = page.locator(".passage:has(mark) + .back-link a")
    expect(back).to_be_in_viewport()
    back.click()
    expect(page).to_have_url(feedback_url)
    page.get_by_role("link", name="Next question").first.click()
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
        other.get_by_role("link", name=re.compile("Next question|See your results")).first.click()
        other.wait_for_url(lambda url, left=feedback_url: url != left)
    expect(other.get_by_role("main")).to_contain_text("of 3")
    screenshot(other, f"student-results-phone-{backend}")

    page.goto(f"{live_server}/progress")
    expect(page.locator("svg").first).to_be_visible()
    screenshot(page, f"student-dashboard-{backend}")
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
    page.get_by_role("link", name="Next question").last.click()
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


# The sizes: a laptop and a phone (390 x 844, an iPhone 12 to 15).
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": VIEWPORTS["phone"]}
HEADER = "() => document.querySelector('.site-header').getBoundingClientRect().height"
STATUSES = {
    "JUNO": "You picked it, and it is right",
    "Earthlab": "You picked it, but it is wrong",
    "China Jinping Underground Laboratory": "Right, but you missed it",
    "Micius": "Wrong, and you left it out",
}
CROSS = "Sample: across the articles"


def test_feedback_results_and_dashboard_on_a_laptop_and_a_phone(
    app, live_server, browser, database_url
):
    docs = database_url.startswith("sqlite")  # one backend writes the README's pictures
    backend = "sqlite" if docs else "postgresql"
    page = browser.new_context(viewport=SIZES["phone"]).new_page()
    register(page, live_server, "pia")
    for _ in range(2):  # two attempts at the big-science quiz, for the chart
        page.goto(f"{live_server}/quizzes")
        page.get_by_role("button", name=re.compile(f"^(Start|Take again) {BANK}")).click()
        while "/q/" in page.url:
            answer(page, app, right=True)
            page.get_by_role(
                "link", name=re.compile("Next question|See your results")
            ).first.click()
            page.wait_for_url(re.compile(r"/q/\d+$|/results$"))

    page.goto(f"{live_server}/quizzes")
    page.get_by_role("button", name=f"Start {CROSS}").click()
    while current_view(app, page.url).type != "multiple":
        answer(page, app, right=False)
        page.get_by_role("link", name="Next question").first.click()
        page.wait_for_url(re.compile(r"/q/\d+$"))
    for choice in ("JUNO", "Earthlab"):
        page.get_by_label(choice, exact=True).check()
    page.get_by_role("button", name="Submit answer").click()
    expect(page.locator("#feedback")).to_be_focused()
    assert page.locator("figure.excerpt").count() >= 2  # a long page on a phone
    for name, size in SIZES.items():
        page.set_viewport_size(size)
        page.reload()
        marks = page.locator(".choice-mark")
        expect(marks).to_have_count(len(STATUSES))
        for choice, words in STATUSES.items():  # each choice says how it went, in words
            mark = marks.filter(has=page.locator(".mark-choice", has_text=choice))
            expect(mark.locator(".mark-words")).to_have_text(f"{words}:")
            expect(mark.locator(".mark-icon")).to_have_attribute("aria-hidden", "true")
        page.evaluate("window.scrollTo(0, 0)")  # the first screen, header and all
        nearby = page.get_by_role("link", name=re.compile("Next question|See your results")).first
        box = nearby.bounding_box()
        assert box["y"] + box["height"] <= size["height"], f"{name}: the next step is off screen"
        if name == "phone":
            assert page.evaluate(HEADER) < 100
            assert page.evaluate("document.documentElement.scrollHeight") > 2 * size["height"]
        screenshot(
            page,
            f"student-feedback-multiple-{name}-{backend}",
            f"feedback-{name}" if docs else None,
        )

    page.get_by_role("link", name=re.compile("Next question|See your results")).first.click()
    page.wait_for_url(re.compile(r"/q/\d+$|/results$"))
    if "/q/" in page.url:  # the other question is still open: finish without it
        page.get_by_role("link", name="Finish the quiz now").click()
        page.get_by_role("button", name=re.compile("Finish")).click()
    expect(page).to_have_url(re.compile(r"/results$"))
    articles = page.locator(".reread-article h3").all_inner_texts()  # each article once
    assert len(set(articles)) == len(articles) == 2 and "China’s big-science bet" in articles
    links = page.locator(".reread a[href*='/read/']").evaluate_all("as => as.map(a => a.href)")
    assert len(links) == len(set(links)), "a passage listed twice"
    statuses = page.locator(".result-status").all_inner_texts()  # words, the glyph aside
    assert len(statuses) == 2
    assert {s.split(maxsplit=1)[1] for s in statuses} <= {
        "Right",
        "Partly right",
        "Wrong",
        "Not answered",
    }
    for name, size in SIZES.items():
        page.set_viewport_size(size)
        if name == "phone":
            assert page.evaluate(HEADER) < 100
        page.locator("#reread-title").scroll_into_view_if_needed()
        screenshot(page, f"student-results-{name}-{backend}", f"results-{name}" if docs else None)

    page.goto(f"{live_server}/progress")
    dates = page.locator(".chart text.date")
    expect(dates.first).to_be_visible()
    for name, size in SIZES.items():
        page.set_viewport_size(size)
        sizes = page.locator(".chart text.axis").evaluate_all(
            "ts => ts.map(t => parseFloat(getComputedStyle(t).fontSize)"
            " * t.ownerSVGElement.getScreenCTM().a)"
        )
        assert min(sizes) >= 13, f"{name}: chart labels of {min(sizes):.1f} px"
        chart = page.locator(".chart svg").bounding_box()
        for label in dates.all():
            box = label.bounding_box()
            assert chart["x"] <= box["x"] and box["x"] + box["width"] <= chart["x"] + chart["width"]
        quizzes = page.locator(".table-wrap").first
        assert quizzes.evaluate("w => w.scrollWidth <= w.clientWidth"), f"{name}: table cut"
        if name == "phone":
            assert page.evaluate(HEADER) < 100
        page.locator("#history-title").scroll_into_view_if_needed()
        screenshot(
            page, f"student-dashboard-{name}-{backend}", f"dashboard-{name}" if docs else None
        )
    page.context.close()


def test_the_phone_menu_opens_without_javascript(live_server, browser):
    context = browser.new_context(viewport=SIZES["phone"], java_script_enabled=False)
    page = context.new_page()
    register(page, live_server, "menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Progress")).to_be_hidden()
    nav.get_by_text("Menu", exact=True).click()
    nav.get_by_role("link", name="Progress").click()
    expect(page).to_have_url(re.compile(r"/progress$"))
    context.close()
