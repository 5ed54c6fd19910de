"""The reader in real Chromium: the highlighted span is visible at desktop and phone width."""

import pytest
from playwright.sync_api import expect

from quizapp.content.queries import get_document
from tests.conftest import VIEWPORTS, screenshot

pytestmark = pytest.mark.browser


def test_read_in_context_link_shows_the_highlighted_span(app, live_server, browser, database_url):
    with app.app_context():
        passage = get_document("big-science").passages[3]
        anchor, text = passage.anchor, passage.text
    start, end = 0, min(len(text), 60)
    url = f"{live_server}/read/big-science?highlight={anchor}:{start}-{end}#{anchor}"
    backend = database_url.split(":", 1)[0].split("+")[0]
    for name, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(url)
        mark = page.locator(f"#{anchor} mark")
        assert mark.count() == 1
        assert mark.inner_text() == text[start:end]
        assert mark.is_visible()
        # The link's #anchor scrolls the span into view (smoothly, so let it arrive).
        expect(mark).to_be_in_viewport()
        screenshot(page, f"reader-{name}-{backend}")
        context.close()
