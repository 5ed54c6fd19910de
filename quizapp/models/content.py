"""Course content: articles, passages, banks, versioned questions (written by the loader)."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp import clock
from quizapp.extensions import Model


def utcnow() -> datetime:
    """Return the current time in UTC (stored naive, always UTC)."""
    return clock.now()


class Document(Model):
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    year: Mapped[int]
    publication: Mapped[str | None] = mapped_column(String(300))
    authors: Mapped[list] = mapped_column(JSON, default=list)
    raw: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))

    passages: Mapped[list["Passage"]] = relationship(
        back_populates="document",
        order_by="Passage.ordinal",
        primaryjoin="and_(Document.id == Passage.doc_id, Passage.retired.is_(False))",
        viewonly=True,
    )


class Passage(Model):
    __table_args__ = (
        UniqueConstraint("doc_id", "anchor"),
        Index("ix_passage_doc_live", "doc_id", "retired", "ordinal"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_id: Mapped[str] = mapped_column(ForeignKey("document.id"))
    anchor: Mapped[str] = mapped_column(String(40))
    ordinal: Mapped[int]
    heading: Mapped[str | None] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    # Kept when the paragraph changes but something still cites it; never shown in the reader.
    retired: Mapped[bool] = mapped_column(default=False)
    # A retired paragraph's live paragraph most like it (the corrected one), set by each load:
    # answers given on the paragraph as it was count toward the paragraph as it is.
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("passage.id"))

    document: Mapped[Document] = relationship(viewonly=True)


class Bank(Model):
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    doc_id: Mapped[str | None] = mapped_column(ForeignKey("document.id"))
    description: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(300))
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False)
    # Who uploaded it in the browser (None: loaded from questions/). Only they may change it,
    # and a full load of the folder leaves it alone.
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class Question(Model):
    __table_args__ = (Index("ix_question_bank", "bank_id", "retired", "position"),)

    # The author's id: stable forever, progress is keyed to it.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    bank_id: Mapped[str] = mapped_column(ForeignKey("bank.id"))
    # No foreign key: question and question_version would reference each other in a cycle;
    # the loader is the only writer and always points this at one of the question's versions.
    current_version_id: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False)
    # The checker's warnings the author silenced, code -> reason (None: none). Not content, so
    # on the question, not its versions: a bank downloaded as YAML keeps them.
    allow: Mapped[dict | None] = mapped_column(JSON)


class QuestionVersion(Model):
    __table_args__ = (
        UniqueConstraint("question_id", "version"),
        UniqueConstraint("question_id", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[str] = mapped_column(ForeignKey("question.id"))
    version: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(32))
    prompt: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    spec: Mapped[dict] = mapped_column(JSON)
    points: Mapped[float]
    difficulty: Mapped[str] = mapped_column(String(16))
    # recall, explain, apply or compare (banks.LEVELS); versions older than levels are recall.
    level: Mapped[str] = mapped_column(String(16), default="recall", server_default="recall")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    citations: Mapped[list["Citation"]] = relationship(order_by="Citation.ordinal")


class Citation(Model):
    __table_args__ = (Index("ix_citation_passage", "passage_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("question_version.id"), index=True)
    passage_id: Mapped[int] = mapped_column(ForeignKey("passage.id"))
    ordinal: Mapped[int]
    quote: Mapped[str] = mapped_column(Text)
    start: Mapped[int]
    end: Mapped[int]

    passage: Mapped[Passage] = relationship()
