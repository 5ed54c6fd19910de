"""Issue 29's instructor pages in Chromium, with the shipped banks and a demo class of 60.

Every column of the gradebook and of the item analysis can be brought into view at desktop and
phone width (none is cut off by the page's layout), the header row and the first column stay
in view while the table scrolls, the item analysis of one bank is a few screens tall, and an
upload's errors are readable without sideways scrolling. The README's pictures of these pages
are taken here.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import Course
from quizapp.teaching.demo import DEMO_INSTRUCTOR, DEMO_PASSWORD
from tests.browser.forms import log_in
from tests.conftest import ROOT, VIEWPORTS, screenshot
from tests.factories import make_user

pytestmark = pytest.mark.browser
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": VIEWPORTS["phone"]}


@pytest.fixture
def demo_class(app, database_url) -> int:
    """Load the shipped banks and a demo class of 60; return the class id."""
    if not database_url.startswith("sqlite"):
        # The layout is the browser's; the data behind it is alike on both backends.
        pytest.skip("page layout: checked on SQLite only")
    runner = app.test_cli_runner()
    for args in (["load", "-q"], ["demo", "--students", "60", "--seed", "1", "-q"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    with app.app_context():
        return db.session.scalar(select(Course.id).where(Course.name == "Demo class (seed 1)"))


@pytest.fixture
def instructor(browser, live_server, demo_class):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("Username").fill(DEMO_INSTRUCTOR)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name=DEMO_INSTRUCTOR)).to_be_visible()
    yield page
    context.close()


# For each header cell: scroll it into view inside its table's box, then report whether it lies
# inside the box, inside the window, and is what the browser shows at its centre (not hidden
# under the sticky first column or cut off).
REACH_EVERY_HEADER = """box => [...box.querySelectorAll('thead th')].map((th, i) => {
  th.scrollIntoView({block: 'nearest', inline: i ? 'center' : 'start'});
  const r = th.getBoundingClientRect(), b = box.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + Math.min(r.height / 2, 10));
  return {name: th.innerText.trim().slice(0, 40),
          inBox: r.left >= b.left - 1 && r.right <= b.right + 1,
          inWindow: r.left >= -1 && r.right <= innerWidth + 1,
          shown: !!hit && th.contains(hit)};
})"""

# After scrolling the box to its far corner: the header row and the first column still show.
STICKY_AFTER_SCROLLING = """box => {
  box.scrollTop = box.scrollHeight; box.scrollLeft = box.scrollWidth;
  const shows = el => {
    const r = el.getBoundingClientRect(), hit = document.elementFromPoint(r.left + 4, r.top + 4);
    return !!hit && el.contains(hit);
  };
  const rows = [...box.querySelectorAll('tbody th[scope=row]')];
  const last = rows[rows.length - 1];
  return {corner: shows(box.querySelector('thead th')),
          lastHeader: shows([...box.querySelectorAll('thead th')].pop()),
          lastRowName: shows(last),
          scrolled: box.scrollTop > 0
            && (box.scrollLeft > 0 || box.scrollWidth === box.clientWidth)};
}"""


def assert_every_column_reachable(page, box) -> None:
    box.scroll_into_view_if_needed()
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    # The page itself never scrolls sideways, and the box's own scrollbar fits in the window
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert box.bounding_box()["height"] <= height
    for cell in box.evaluate(REACH_EVERY_HEADER):
        assert cell["inBox"] and cell["inWindow"] and cell["shown"], cell
    sticky = box.evaluate(STICKY_AFTER_SCROLLING)
    assert sticky == {"corner": True, "lastHeader": True, "lastRowName": True, "scrolled": True}
    box.evaluate("box => { box.scrollTop = 0; box.scrollLeft = 0; }")


def test_gradebook_columns_all_reachable_sorted_column_marked(instructor, live_server, demo_class):
    for size in SIZES:
        check_gradebook(instructor, live_server, demo_class, size)


def check_gradebook(page, live_server, demo_class, size):
    page.set_viewport_size(SIZES[size])
    page.goto(f"{live_server}/teach/classes/{demo_class}")
    bank = page.get_by_role("columnheader").nth(1)
    bank.get_by_role("link").click()  # sort by the first quiz, highest first
    expect(page).to_have_url(re.compile(r"sort=[\w-]+&dir=desc"))
    sorted_header = page.locator("th[aria-sort=descending]")
    expect(sorted_header).to_have_count(1)
    expect(sorted_header.locator(".sort-arrow")).to_have_text("▼")
    expect(sorted_header.locator(".sort-arrow")).to_be_visible()
    box = page.get_by_role("region", name=re.compile("^Assignment grades"))
    assert box.locator("tbody tr").count() == 50  # a page of the class of 60
    assert_every_column_reachable(page, box)
    # 50 students in a few screens: the rows are compact
    rows = box.locator("tbody tr")
    span = rows.nth(49).bounding_box()["y"] + rows.nth(49).bounding_box()["height"]
    assert span - rows.nth(0).bounding_box()["y"] < 3.5 * SIZES["desktop"]["height"]
    if size == "phone":  # the README shows the table, not the page's heading
        box.evaluate("box => box.scrollIntoView({block: 'start'})")
    screenshot(page, f"gradebook-demo-{size}", f"gradebook-{size}")


def test_item_analysis_of_one_bank_is_a_few_screens_and_every_column_reachable(
    instructor, live_server, demo_class
):
    for size in SIZES:
        check_item_analysis(instructor, live_server, demo_class, size)


def check_item_analysis(page, live_server, demo_class, size):
    page.set_viewport_size(SIZES[size])
    page.goto(f"{live_server}/teach/items?course={demo_class}")
    banks = page.get_by_role("navigation", name="Question banks").get_by_role("link")
    assert banks.count() == 6
    expect(banks.first).to_have_attribute("aria-current", "page")
    assert page.locator("table.items").count() == 1  # one bank, not six
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 6 * SIZES[size]["height"], height
    box = page.get_by_role("region", name=re.compile("^Item statistics"))
    assert_every_column_reachable(page, box)
    expect(box.locator(".key-tag").first).to_be_visible()
    # Another bank is a link away; its typed answers show with counts and marks
    banks.nth(1).click()
    expect(banks.nth(1)).to_have_attribute("aria-current", "page")
    expect(page.locator(".typed li").first).to_contain_text("×")
    page.goto(f"{live_server}/teach/items?course={demo_class}")
    page.get_by_role("navigation", name="Question banks").evaluate(
        "nav => nav.scrollIntoView({block: 'start'})"
    )
    screenshot(page, f"items-demo-{size}", f"items-{size}")


BANK = (ROOT / "questions" / "big-science.yaml").read_text("utf-8")
QUOTE = re.search(r'quote: "([^"]+)"', BANK)[1]


def test_an_upload_error_marks_the_differing_word_and_needs_no_sideways_scrolling(
    app, page, live_server
):
    make_user(app, "ada", "instructor")
    log_in(page, live_server, "ada")
    for size in SIZES:
        check_upload_errors(page, live_server, size)


def check_upload_errors(page, live_server, size):
    page.set_viewport_size(SIZES[size])
    words = QUOTE.split()
    wrong = " ".join([*words[:2], words[2] + "ish", *words[3:]])
    page.goto(f"{live_server}/teach/banks")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "big.yaml",
                "mimeType": "application/x-yaml",
                "buffer": BANK.replace(QUOTE, wrong, 1).encode(),
            }
        ],
    )
    page.get_by_role("button", name="Check and load").click()
    report = page.locator(".diagnostics li").first
    expect(report.locator("del")).to_have_text(words[2] + "ish")
    expect(report.locator("ins")).to_have_text(words[2])
    width = SIZES[size]["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    listing = page.locator("pre.source")
    assert listing.evaluate("e => e.scrollWidth <= e.clientWidth")  # long lines wrap
    # The first line the report names (a quote cited by several questions is named at each)
    line = page.locator(".src-line.has-problem").first
    note = page.locator(".src-problem").filter(has_text="quote not found").first
    line.scroll_into_view_if_needed()
    for part in (line, note):
        box = part.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    assert wrong.split()[-1] in line.inner_text() and "quote not found" in note.inner_text()
    # Single-spaced: two short lines in a row are one line-height apart, not two
    tops = page.locator(".src-line").evaluate_all(
        "lines => lines.slice(0, 3).map(l => l.getBoundingClientRect().top)"
    )
    line_height = listing.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)")
    assert tops[2] - tops[1] < 1.5 * line_height, (tops, line_height)
    report.scroll_into_view_if_needed()
    screenshot(page, f"upload-errors-{size}", f"upload-errors-{size}")
