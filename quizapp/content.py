"""Read-side queries for course content."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .extensions import db
from .models import Document


def list_documents() -> list[Document]:
    """Return every article, in reading order."""
    return list(db.session.scalars(select(Document).order_by(Document.id)))


def get_document(doc_id: str) -> Document | None:
    """Return the article with its live passages, or None."""
    stmt = select(Document).where(Document.id == doc_id).options(selectinload(Document.passages))
    return db.session.scalars(stmt).first()
