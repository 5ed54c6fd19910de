"""A safe Markdown subset for prompts, choices, feedback and explanations (pure)."""

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# HTML in the source is escaped by markdown-it (html=False); nh3 then keeps only these tags.
_md = MarkdownIt("zero", {"html": False, "linkify": False}).enable(
    ["emphasis", "backticks", "link", "escape", "newline", "paragraph"]
)
_TAGS = {"em", "strong", "code", "a", "p", "br"}
_ATTRIBUTES = {"a": {"href"}}
_SCHEMES = {"http", "https", "mailto"}


def _clean(html: str) -> Markup:
    return Markup(
        nh3.clean(
            html,
            tags=_TAGS,
            attributes=_ATTRIBUTES,
            url_schemes=_SCHEMES,
            link_rel="noopener noreferrer",
        ).strip()
    )


@lru_cache(maxsize=4096)
def render_markdown(text: str) -> Markup:
    """Return sanitised HTML (paragraphs) for a Markdown text."""
    return _clean(_md.render(text or ""))


@lru_cache(maxsize=4096)
def render_inline(text: str) -> Markup:
    """Return sanitised inline HTML (no paragraph) for a one-line Markdown text."""
    return _clean(_md.renderInline(text or ""))
