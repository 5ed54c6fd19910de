"""A safe Markdown subset for prompts, choices, feedback and explanations (pure)."""

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# html=False makes markdown-it escape any HTML in the source; only inline rules are enabled,
# so headings, lists, images and the like stay plain text.
_RULES = ["emphasis", "backticks", "link", "escape", "newline", "paragraph"]
_md = MarkdownIt("zero", {"html": False, "linkify": False, "typographer": False}).enable(_RULES)
# The same, seeing images too, only to tell authors theirs are not shown. A regex over the text
# took quadratic time: half a megabyte of "![" in one upload held a worker for minutes.
_md_images = MarkdownIt("zero", {"html": False}).enable([*_RULES, "image"])
_TAGS = {"em", "strong", "code", "a", "p", "br"}
# "*": set() clears nh3's default generic attributes (title, lang) so only href survives.
_ATTRIBUTES = {"a": {"href"}, "*": set()}
_SCHEMES = {"http", "https", "mailto"}


def _clean(html: str) -> Markup:
    """Return html sanitised down to the allowed tags, as safe Markup (belt and braces)."""
    return Markup(
        nh3.clean(
            html,
            tags=_TAGS,
            attributes=_ATTRIBUTES,
            url_schemes=_SCHEMES,
            url_relative="deny",  # a relative or //host link is not one of the allowed schemes
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


def markdown_problem(text: str) -> str | None:
    """Return why some Markdown in a bank text would not show as written, or None.

    Rendering drops what is not allowed without a word; the checker says it instead.
    """
    children = [c for token in _md_images.parseInline(text or "") for c in token.children or ()]
    if any(child.type == "image" for child in children):
        return "images (![...](...)) are not shown in questions: link to the picture instead"
    for child in children:
        href = child.attrGet("href") if child.type == "link_open" else None
        if isinstance(href, str) and href.split(":", 1)[0].lower() not in _SCHEMES:
            return (
                f'link "{href}" would be dropped: links must start with https://, http:// '
                "or mailto:"
            )
    return None
