"""Rendered question versions kept in memory: a version never changes once loaded."""

import threading
from dataclasses import dataclass

from flask import current_app, url_for
from markupsafe import Markup
from sqlalchemy import select

from quizapp.content.markup import render_inline, render_markdown
from quizapp.content.passages import highlight_segments
from quizapp.extensions import db
from quizapp.models import Citation, Document, Passage, Question, QuestionVersion
from quizapp.qtypes import get_type


@dataclass(frozen=True)
class Excerpt:
    doc_id: str
    doc_title: str
    anchor: str
    passage_id: int
    ordinal: int  # the paragraph's place in its article, from 1
    segments: tuple[tuple[str, bool], ...]
    link: str
    html: Markup  # the passage with the quoted words in <mark>, rendered once


def _excerpt_html(segments) -> Markup:
    mark = Markup("<mark>{}</mark>")
    return Markup("").join(mark.format(text) if marked else text for text, marked in segments)


@dataclass(frozen=True)
class ChoiceView:
    index: int
    html: Markup
    feedback: Markup | None
    correct: bool


# How a choice of a multiple-answer question went, in words (with an icon beside, not alone).
PICKED_RIGHT, PICKED_WRONG, MISSED, LEFT_OUT = "picked-right", "picked-wrong", "missed", "left-out"
CHOICE_STATUS = {  # icon, the student's words, their instructor's
    PICKED_RIGHT: ("✓", "You picked it, and it is right", "Picked, and right"),
    PICKED_WRONG: ("✗", "You picked it, but it is wrong", "Picked, but wrong"),
    MISSED: ("!", "Right, but you missed it", "Right, but missed"),
    LEFT_OUT: ("–", "Wrong, and you left it out", "Wrong, and left out"),
}


@dataclass(frozen=True)
class ChoiceMark:
    choice: ChoiceView
    status: str  # one of CHOICE_STATUS

    @property
    def icon(self) -> str:
        return CHOICE_STATUS[self.status][0]

    @property
    def words(self) -> str:
        return CHOICE_STATUS[self.status][1]

    @property
    def words_for_instructor(self) -> str:
        return CHOICE_STATUS[self.status][2]


@dataclass(frozen=True)
class QuestionView:
    version_id: int
    question_id: str
    bank_id: str
    type: str
    spec: dict
    points: float
    prompt: Markup
    explanation: Markup
    choices: tuple[ChoiceView, ...]
    excerpts: tuple[Excerpt, ...]

    @property
    def qtype(self):
        return get_type(self.type)

    @property
    def passage_ids(self) -> tuple[int, ...]:
        return tuple(e.passage_id for e in self.excerpts)

    def chosen(self, response) -> list[ChoiceView]:
        """Return the choices a response picked (empty for typed answers)."""
        if not self.qtype.has_choices or response is None or isinstance(response, bool):
            return []
        picked = response if isinstance(response, list) else [response]
        return [c for c in self.choices if c.index in picked]

    def marks(self, response, order=None) -> list[ChoiceMark]:
        """Return every choice with how it went for a response, in ``order`` (authoring's)."""
        picked = {c.index for c in self.chosen(response)}
        by_index = {c.index: c for c in self.choices}
        marks = []
        for index in order if order is not None else by_index:
            choice = by_index[index]
            if index in picked:
                status = PICKED_RIGHT if choice.correct else PICKED_WRONG
            else:
                status = MISSED if choice.correct else LEFT_OUT
            marks.append(ChoiceMark(choice, status))
        return marks

    def describe(self, response) -> str:
        """Return a student's answer for the page: choices as rendered on the question."""
        if self.qtype.has_choices:
            picked = self.chosen(response)
            return Markup("; ").join(c.html for c in picked) if picked else "(nothing)"
        return self.qtype.describe_response(self.spec, response)

    def grading_note(self, response) -> str | None:
        """Return a note on how a response was graded ("Accepted; it is spelt ..."), if any."""
        return None if response is None else self.qtype.grading_note(self.spec, response)

    def correct_answer(self) -> str:
        """Return the right answer for the page: choices as rendered on the question."""
        if self.qtype.has_choices:
            return Markup("; ").join(c.html for c in self.choices if c.correct)
        return self.qtype.describe_correct(self.spec)


class QuestionCache:
    """Per-app cache of QuestionView by version id (ids are only unique within one database)."""

    def __init__(self):
        self._views: dict[int, QuestionView] = {}
        self._lock = threading.Lock()

    def get(self, version_id: int) -> QuestionView:
        view = self._views.get(version_id)
        if view is None:
            view = _build(version_id)
            with self._lock:
                self._views[version_id] = view
        return view


def cache() -> QuestionCache:
    """Return the current app's question cache."""
    return current_app.extensions["quizapp.questions"]


def question_view(version_id: int) -> QuestionView:
    """Return the rendered, immutable view of one question version."""
    return cache().get(version_id)


def _excerpt(passage: Passage, title: str, spans: list[tuple[int, int]]) -> Excerpt:
    segments = tuple(highlight_segments(passage.text, spans))
    return Excerpt(
        doc_id=passage.doc_id,
        doc_title=title,
        anchor=passage.anchor,
        passage_id=passage.id,
        ordinal=passage.ordinal,
        segments=segments,
        link=url_for(
            "reader.read",
            doc_id=passage.doc_id,
            highlight=[f"{passage.anchor}:{start}-{end}" for start, end in spans],
            _anchor=passage.anchor,
        ),
        html=_excerpt_html(segments),
    )


def _build(version_id: int) -> QuestionView:
    version, bank_id = db.session.execute(
        select(QuestionVersion, Question.bank_id)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.id == version_id)
    ).one()
    rows = db.session.execute(
        select(Citation, Passage, Document.title)
        .join(Passage, Passage.id == Citation.passage_id)
        .join(Document, Document.id == Passage.doc_id)
        .where(Citation.version_id == version_id)
        .order_by(Citation.ordinal)
    ).all()
    # One excerpt per passage: two quotes from one paragraph are marked in it once, not twice.
    cited: dict[int, tuple[Passage, str, list[tuple[int, int]]]] = {}
    for cite, passage, title in rows:
        cited.setdefault(passage.id, (passage, title, []))[2].append((cite.start, cite.end))
    excerpts = tuple(_excerpt(*found) for found in cited.values())
    has_choices = get_type(version.type).has_choices
    choices = tuple(
        ChoiceView(
            index=i,
            html=render_inline(c["text"]),
            feedback=render_markdown(c["feedback"]) if c.get("feedback") else None,
            correct=bool(c.get("correct")),
        )
        for i, c in enumerate(version.spec["choices"] if has_choices else ())
    )
    return QuestionView(
        version_id=version.id,
        question_id=version.question_id,
        bank_id=bank_id,
        type=version.type,
        spec=version.spec,
        points=version.points,
        prompt=render_inline(version.prompt),
        explanation=render_markdown(version.explanation),
        choices=choices,
        excerpts=excerpts,
    )
