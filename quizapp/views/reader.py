"""Public pages: the list of articles and the article reader."""

import re

from flask import Blueprint, abort, redirect, render_template, request, url_for

from ..content import get_document, list_documents
from ..passages import highlight_segments

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
    paragraphs = [
        (passage, highlight_segments(passage.text, spans.get(passage.anchor, ())))
        for passage in document.passages
    ]
    return render_template("reader/read.html", document=document, paragraphs=paragraphs)
