"""Read-side queries for course content."""

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import selectinload

from quizapp.content import passages
from quizapp.db.transactions import read
from quizapp.extensions import db, table
from quizapp.models import Document, Passage


def list_documents() -> list[Document]:
    """Return every article, in reading order."""
    return list(db.session.scalars(select(Document).order_by(Document.id)))


def get_document(doc_id: str) -> Document | None:
    """Return the article with its live passages, or None."""
    stmt = select(Document).where(Document.id == doc_id).options(selectinload(Document.passages))
    return db.session.scalars(stmt).first()


def find_document(documents: list[Document], doc_id: str | None) -> Document | None:
    """Return the article with ``doc_id`` from a list already loaded, or None."""
    return next((d for d in documents if d.id == doc_id), None)


_PASSAGES = table(Passage)
# Enough text for any `truncate(n)` up to n = 190 to come out as it would on the whole text.
SNIPPET = 200
_PASSAGE_MAP = (
    select(
        _PASSAGES.c.id, _PASSAGES.c.anchor, func.substr(_PASSAGES.c.text, 1, SNIPPET).label("text")
    )
    .where(_PASSAGES.c.doc_id == bindparam("doc"), _PASSAGES.c.retired.is_(False))
    .order_by(_PASSAGES.c.ordinal)
)


def passage_map(doc_id: str):
    """Return an article's live passages as (id, anchor, first 200 characters) rows, in order.

    Mastery maps show a line of every passage: loading whole passages cost most of the page.
    """
    return read(_PASSAGE_MAP, {"doc": doc_id}).all()


def retired_passages(doc_id: str, anchors) -> list[Passage]:
    """Return the article's retired passages with these anchors (paragraphs since edited)."""
    stmt = select(Passage).where(
        Passage.doc_id == doc_id, Passage.retired.is_(True), Passage.anchor.in_(list(anchors))
    )
    return list(db.session.scalars(stmt))


def as_pure(passage: Passage) -> passages.PassageText:
    """Return a loaded passage as the pure module's (for a Corpus, relocate or most_alike)."""
    return passages.PassageText(
        passage.doc_id, passage.ordinal, passage.heading, passage.text, passage.anchor
    )
