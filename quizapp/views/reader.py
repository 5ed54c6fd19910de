"""Public pages: the list of articles and the article reader."""

import re
from urllib.parse import quote, urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RoutingException

from quizapp.content import passages
from quizapp.content.passages import highlight_segments
from quizapp.content.queries import (
    as_pure,
    get_document,
    list_documents,
    retired_passages,
)

bp = Blueprint("reader", __name__)

MAX_HIGHLIGHTS = 10  # a question cites a few spans; more in a URL is not from this app
HIGHLIGHT = re.compile(r"^(p-[0-9a-f]{6,40}(?:-\d+)?):(\d{1,7})-(\d{1,7})$")


def parse_highlight(value: str | None) -> tuple[str, int, int] | None:
    """Return (anchor, start, end) from ``anchor:start-end``, or None when malformed."""
    match = HIGHLIGHT.match(value or "")
    if not match:
        return None
    anchor, start, end = match.group(1), int(match.group(2)), int(match.group(3))
    return (anchor, start, end) if start < end else None


# The pages whose "Read in context" links carry a way back, and the back link's words.
BACK_TO = {
    "learner.feedback": "Back to the question",
    "learner.review_feedback": "Back to the question",
    "learner.results": "Back to your results",
}
MAX_BACK = 200


def back_target(value: str | None) -> tuple[str, str] | None:
    """Return (address, words) of a ``back`` parameter naming one of this app's BACK_TO pages.

    Anything else is ignored, never followed: another site (``https://…``, ``//host``,
    ``/\\host``), a query or fragment, or a path of the app that is not such a page.
    """
    if not value or len(value) > MAX_BACK or not value.startswith("/"):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.query or parts.fragment or value.startswith("//"):
        return None
    if "\\" in value or not value.isprintable() or " " in value:
        return None
    try:
        endpoint, _args = current_app.url_map.bind("localhost").match(value, method="GET")
    except (HTTPException, RoutingException):
        return None
    words = BACK_TO.get(endpoint)
    return (request.script_root + value, words) if words else None


@bp.app_template_filter("with_back")
def with_back(link: str, back: str) -> str:
    """Return a reader link that offers a way back to ``back`` (a path of this app)."""
    base, hash_, anchor = link.partition("#")
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}back={quote(back, safe='/')}{hash_}{anchor}"


@bp.get("/")
def index():
    """List the course articles."""
    return render_template("reader/index.html", documents=list_documents())


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on their own: point them at the site's icon."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.get("/read/<doc_id>")
def read(doc_id: str):
    """Show one article, optionally with spans highlighted (one ``highlight`` per span)."""
    document = get_document(doc_id)
    if document is None:
        abort(404, description=f"There is no article called “{doc_id}”.")
    spans: dict[str, list[tuple[int, int]]] = {}
    for value in request.args.getlist("highlight")[:MAX_HIGHLIGHTS]:
        if (found := parse_highlight(value)) is not None:
            spans.setdefault(found[0], []).append(found[1:])
    back = back_target(request.args.get("back"))
    live = {passage.anchor for passage in document.passages}
    if not live.issuperset(spans) and (moved := _moved_highlights(document, spans, live)):
        return redirect(with_back(moved, request.args["back"]) if back else moved, 302)
    paragraphs = [
        (passage, highlight_segments(passage.text, spans.get(passage.anchor, ())))
        for passage in document.passages
    ]
    return render_template("reader/read.html", document=document, paragraphs=paragraphs, back=back)


def _moved_highlights(document, spans, live) -> str | None:
    """Return the reader URL with spans of since-edited paragraphs moved to where their words
    are now, or None when no highlight names a retired paragraph of this article.

    Answers keep the question version they were given, so their "Read in context" links name
    the paragraph as it was; after a correction of the article that anchor is on no page.
    """
    old = {p.anchor: p for p in retired_passages(document.id, set(spans) - live)}
    if not old:
        return None
    current = [as_pure(p) for p in document.passages]
    kept: list[tuple[str, int, int]] = []
    alike: list[str] = []  # where to scroll when the quoted words themselves were edited
    for anchor, found in spans.items():  # in the link's order: the first is scrolled to
        if anchor in live:
            kept += [(anchor, start, end) for start, end in found]
        elif anchor in old:
            moved, most_alike = passages.relocate(old[anchor].text, found, current)
            kept += moved
            alike += [most_alike] if most_alike else []
    return url_for(
        ".read",
        doc_id=document.id,
        highlight=[f"{anchor}:{s}-{e}" for anchor, s, e in kept],
        _anchor=kept[0][0] if kept else next(iter(alike), None),
    )
