"""A student's progress, computed from stored answers with aggregate, indexed queries."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam, case, cast, func, or_, select
from sqlalchemy.orm import aliased

from quizapp.content.queries import SNIPPET
from quizapp.db import prepared
from quizapp.db.transactions import read
from quizapp.extensions import db
from quizapp.learning.answer_scope import ALL, AnswerScope
from quizapp.learning.question_cache import Excerpt
from quizapp.models import (
    Answer,
    Assignment,
    Attempt,
    Bank,
    Citation,
    Document,
    Passage,
    Question,
    Review,
)
from quizapp.models.content import utcnow


@dataclass(frozen=True)
class QuizRow:
    bank_id: str
    title: str
    doc_title: str | None
    questions: int
    best: float | None  # best finished score as a fraction of the maximum
    finished: int
    open_attempt: int | None
    open_answered: int
    open_questions: int = 0  # how many questions the open attempt has (it keeps its own)
    last_finished: int | None = None  # the latest finished attempt, whose results stay readable
    doc_id: str | None = None  # the article the quiz is on (None: across the articles)
    description: str | None = None  # the bank's one sentence on what it covers


# The dashboard's statements are built once (user and article as parameters): building
# these expressions on every page cost about as much as running them.
_QUESTION_COUNTS = (
    select(Question.bank_id, func.count())
    .where(Question.retired.is_(False))
    .group_by(Question.bank_id)
)
_BEST = (
    select(
        Attempt.bank_id,
        func.max(Attempt.score / func.nullif(Attempt.max_score, 0)),
        func.count(),
        func.max(Attempt.id),
    )
    .where(
        Attempt.user_id == bindparam("user"),
        Attempt.assignment_id.is_(None),  # practice: assignments are listed apart
        Attempt.finished_at.is_not(None),
    )
    .group_by(Attempt.bank_id)
)
# The attempt's own questions, not the bank's now: an attempt keeps those it started with.
_OPEN = (
    select(
        Attempt.bank_id,
        Attempt.id,
        select(func.count(Answer.id)).where(Answer.attempt_id == Attempt.id).scalar_subquery(),
        Attempt.items,
    )
    .where(
        Attempt.user_id == bindparam("user"),
        Attempt.assignment_id.is_(None),
        Attempt.finished_at.is_(None),
    )
    # Newest last: with two open attempts at a quiz (made before starts took turns) the
    # newest wins in quiz_list's dict, the one quiz.open_attempt resumes.
    .order_by(Attempt.id)
)
_LIVE_BANKS = (
    select(Bank.id, Bank.title, Document.title, Bank.doc_id, Bank.description)
    .outerjoin(Document, Document.id == Bank.doc_id)
    .where(Bank.retired.is_(False))
    .order_by(Bank.position, Bank.id)
)


def quiz_list(user_id: int) -> list[QuizRow]:
    """Return every live quiz with the student's best score and completion."""
    user = {"user": user_id}
    counts = dict(read(_QUESTION_COUNTS).all())
    best = {bank: (score, n, last) for bank, score, n, last in read(_BEST, user)}
    open_rows = {
        bank: (attempt, n, len(items or [])) for bank, attempt, n, items in read(_OPEN, user)
    }
    return [
        QuizRow(
            bank_id=bank_id,
            title=title,
            doc_title=doc_title,
            questions=counts.get(bank_id, 0),
            best=best.get(bank_id, (None, 0, None))[0],
            finished=best.get(bank_id, (None, 0, None))[1],
            last_finished=best.get(bank_id, (None, 0, None))[2],
            open_attempt=open_rows.get(bank_id, (None, 0, 0))[0],
            open_answered=open_rows.get(bank_id, (None, 0, 0))[1],
            open_questions=open_rows.get(bank_id, (None, 0, 0))[2],
            doc_id=doc_id,
            description=description,
        )
        for bank_id, title, doc_title, doc_id, description in read(_LIVE_BANKS)
    ]


@dataclass(frozen=True)
class RereadPassage:
    excerpt: Excerpt  # the passage with the quoted words marked
    numbers: tuple[int, ...]  # the questions (by number in the attempt) that cite it


@dataclass(frozen=True)
class RereadArticle:
    doc_id: str
    doc_title: str
    passages: tuple[RereadPassage, ...]  # in the article's order


def passages_to_reread(items, finished: bool) -> list[RereadArticle]:
    """Return the passages cited by questions answered wrongly, each once, grouped by article.

    Articles come in the order the quiz first cites them, passages in the article's order.
    Once the attempt is finished unanswered questions count as wrong too.
    """
    cited: dict[int, tuple[Excerpt, list[int]]] = {}
    for number, view, answer in items:
        if answer is None and not finished:
            continue  # its excerpts would quote the answer of a question still open
        if answer is not None and answer.correct:
            continue
        for excerpt in view.excerpts:
            numbers = cited.setdefault(excerpt.passage_id, (excerpt, []))[1]
            if number not in numbers:
                numbers.append(number)
    articles: dict[str, list[RereadPassage]] = {}
    titles: dict[str, str] = {}
    for excerpt, numbers in cited.values():
        articles.setdefault(excerpt.doc_id, []).append(RereadPassage(excerpt, tuple(numbers)))
        titles.setdefault(excerpt.doc_id, excerpt.doc_title)
    return [
        RereadArticle(
            doc_id,
            titles[doc_id],
            tuple(sorted(found, key=lambda p: (p.excerpt.ordinal, p.excerpt.passage_id))),
        )
        for doc_id, found in articles.items()
    ]


@dataclass(frozen=True)
class ScorePoint:
    when: datetime
    bank_id: str
    fraction: float
    attempt_id: int
    assignment_id: int | None = None  # None: practice
    assignment_title: str | None = None


# The score columns only (the attempts' covering index): the few assignment attempts' titles
# are read apart, and only when there are some.
_HISTORY = (
    select(
        Attempt.finished_at,
        Attempt.bank_id,
        Attempt.score,
        Attempt.max_score,
        Attempt.id,
        Attempt.assignment_id,
    )
    .where(Attempt.user_id == bindparam("user"), Attempt.finished_at.is_not(None))
    .order_by(Attempt.finished_at)
)
_ASSIGNED_ATTEMPTS = (
    select(Attempt.id, Assignment.title, Attempt.preview)
    .join(Assignment, Assignment.id == Attempt.assignment_id)
    .where(Attempt.user_id == bindparam("user"))
)


def score_history(user_id: int) -> list[ScorePoint]:
    """Return each finished attempt's score over time, an assignment's with its title.

    Scores show once an attempt is finished whatever its feedback setting; an instructor's
    previews are left out.
    """
    rows = read(_HISTORY, {"user": user_id}).all()
    titles: dict[int, tuple[str, bool]] = {}
    if any(row.assignment_id is not None for row in rows):
        titles = {i: (t, p) for i, t, p in read(_ASSIGNED_ATTEMPTS, {"user": user_id})}
    return [
        ScorePoint(
            when,
            bank,
            (score or 0) / max_score if max_score else 0.0,
            attempt_id,
            assignment_id,
            titles[attempt_id][0] if assignment_id is not None else None,
        )
        for when, bank, score, max_score, attempt_id, assignment_id in rows
        if assignment_id is None or not titles[attempt_id][1]
    ]


@dataclass(frozen=True)
class PassageMastery:
    passage_id: int
    doc_id: str
    anchor: str
    ordinal: int
    text: str  # the first content.SNIPPET characters: enough for any truncated display
    answers: int
    correct: int

    @property
    def mastery(self) -> float:
        return self.correct / self.answers if self.answers else 0.0


def _cited(versions=None):
    """Return the passages each version cites, once each, as (version_id, passage_id).

    Once each: a question may quote one passage twice, and joining answers on the citations
    themselves would count its answers twice there. A paragraph since corrected stands for
    the paragraph as it is now (its successor), so answers given before the correction count
    there.
    """
    then = aliased(Passage, name="then")
    stmt = (
        select(
            Citation.version_id,
            func.coalesce(then.successor_id, then.id).label("passage_id"),
        )
        .join(then, then.id == Citation.passage_id)
        .distinct()
    )
    if versions is not None:
        stmt = stmt.where(Citation.version_id.in_(versions))
    return stmt.subquery("cited")


_CITED = _cited()


def _mastery_statement(evidence, one_document: bool, cited=_CITED):
    """Count ``evidence`` (rows of version_id, correct) per passage its versions cite."""
    # Count per passage id first, then fetch the few passage columns: grouping by the
    # passage's whole text made SQLite sort every answer row by it (2x slower).
    counts = (
        select(
            cited.c.passage_id,
            func.count().label("answers"),
            func.coalesce(func.sum(cast(case((evidence.c.correct, 1), else_=0), Integer)), 0).label(
                "correct"
            ),
        )
        .join(cited, cited.c.version_id == evidence.c.version_id)
        .group_by(cited.c.passage_id)
        .subquery()
    )
    stmt = (
        select(
            Passage.id,
            Passage.doc_id,
            Passage.anchor,
            Passage.ordinal,
            func.substr(Passage.text, 1, SNIPPET).label("text"),
            counts.c.answers,
            counts.c.correct,
        )
        .join(counts, counts.c.passage_id == Passage.id)
        .where(Passage.retired.is_(False))  # answers on a paragraph since removed: nowhere
    )
    return stmt.where(Passage.doc_id == bindparam("doc")) if one_document else stmt


def _evidence(model, who):
    return select(model.version_id, model.correct).where(who).subquery()


# A student's assignment attempts whose feedback is still withheld: schedule.released's rule
# in SQL (immediately; released early or closed for all by ``now``; after the attempt, once
# finished). Their answers stay out of the dashboard's passage counts until then, which
# would otherwise tell right from wrong and which passages the questions cite.
_WITHHELD = (
    select(Attempt.id)
    .join(Assignment, Assignment.id == Attempt.assignment_id)
    .where(
        Attempt.user_id == bindparam("user"),
        Assignment.feedback != "immediately",
        or_(Assignment.feedback_from.is_(None), Assignment.feedback_from > bindparam("now")),
        or_(Assignment.feedback != "after_attempt", Attempt.finished_at.is_(None)),
    )
)


def _reviews():
    """A student's reviews per passage; the citations read are only those of their versions."""
    reviewed = select(Review.version_id).where(Review.user_id == bindparam("user"))
    cited = _cited(reviewed)
    return _mastery_statement(_evidence(Review, Review.user_id == bindparam("user")), False, cited)


# A student's own: their quiz answers and their reviews (a question answered right in review
# shows they know its passage now), counted apart and added up, as one query over both took
# 65% longer. Every dashboard runs them: prepared once (Core's per-execution work cost more
# than SQLite's).
_STUDENT_MASTERY: list[prepared.Prepared[Any]] = [
    prepared.Prepared(
        _mastery_statement(
            _evidence(
                Answer,
                (Answer.user_id == bindparam("user")) & Answer.attempt_id.not_in(_WITHHELD),
            ),
            False,
        )
    ),
    prepared.Prepared(_reviews()),
]


def passage_mastery(
    user_ids, doc_id: str | None = None, scope: AnswerScope = ALL
) -> dict[int, PassageMastery]:
    """Return per passage how many answers citing it were given and how many were right.

    ``user_ids`` is one student's id (their quiz answers, but those whose feedback is still
    withheld, and their reviews) or a class's ids (a list or a subquery; quiz answers only, of
    the ``scope``: all, practice or one assignment's);
    ``doc_id`` limits it to one article.
    """
    if isinstance(user_ids, int):
        answers, reviews = _STUDENT_MASTERY
        rows = [
            *prepared.run(answers, {"user": user_ids, "now": utcnow()}),
            *prepared.run(reviews, {"user": user_ids}),
        ]
        rows = [r for r in rows if doc_id is None or r[1] == doc_id]
    else:
        which = scope.condition()
        who: ColumnElement[bool] = Answer.user_id.in_(user_ids)
        if which is not None:
            who = who & which
        stmt = _mastery_statement(_evidence(Answer, who), doc_id is not None)
        rows = read(stmt, {"doc": doc_id} if doc_id is not None else {}).all()
    mastery: dict[int, PassageMastery] = {}
    for row in rows:
        found = mastery.get(row[0])
        mastery[row[0]] = (
            PassageMastery(*row)
            if found is None
            else replace(found, answers=found.answers + row[5], correct=found.correct + row[6])
        )
    return mastery


@dataclass(frozen=True)
class CitingQuestion:
    question_id: str
    prompt: str
    answers: int
    correct: int
    cites_now: bool = True  # False: only versions answered earlier cited the passage

    @property
    def facility(self) -> float | None:
        return self.correct / self.answers if self.answers else None


def questions_citing(passage_id: int, user_ids, scope: AnswerScope = ALL) -> list[CitingQuestion]:
    """Return the questions whose versions cite a passage, with the group's facility on them
    (its answers of the ``scope``).

    The questions citing it now, and those whose earlier versions the group answered there, as
    the heatmap's shade counts every answer to a citing version.
    """
    from quizapp.models import QuestionVersion

    which = scope.condition()

    answered = (
        select(
            Answer.question_id.label("qid"),
            func.count(Answer.id).label("n"),
            func.coalesce(func.sum(cast(case((Answer.correct, 1), else_=0), Integer)), 0).label(
                "c"
            ),
        )
        .join(_CITED, _CITED.c.version_id == Answer.version_id)
        .where(
            _CITED.c.passage_id == passage_id,
            Answer.user_id.in_(user_ids),
            *([which] if which is not None else []),
        )
        .group_by(Answer.question_id)
        .subquery()
    )
    now = select(_CITED.c.version_id).where(_CITED.c.passage_id == passage_id).subquery()
    rows = db.session.execute(
        select(Question.id, QuestionVersion.prompt, answered.c.n, answered.c.c, now.c.version_id)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .outerjoin(now, now.c.version_id == QuestionVersion.id)
        .outerjoin(answered, answered.c.qid == Question.id)
        .where((now.c.version_id.is_not(None) & Question.retired.is_(False)) | (answered.c.n > 0))
        .order_by(Question.id)
    )
    return [
        CitingQuestion(qid, prompt, n or 0, c or 0, cites is not None)
        for qid, prompt, n, c, cites in rows
    ]
