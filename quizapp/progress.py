"""A student's progress, computed from stored answers with aggregate, indexed queries."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, case, cast, func, select

from .extensions import db
from .models import Answer, Attempt, Bank, Citation, Document, Passage, Question


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


def quiz_list(user_id: int) -> list[QuizRow]:
    """Return every live quiz with the student's best score and completion."""
    counts = dict(
        db.session.execute(
            select(Question.bank_id, func.count())
            .where(Question.retired.is_(False))
            .group_by(Question.bank_id)
        ).all()
    )
    best = {
        bank: (score, n)
        for bank, score, n in db.session.execute(
            select(
                Attempt.bank_id,
                func.max(Attempt.score / func.nullif(Attempt.max_score, 0)),
                func.count(),
            )
            .where(Attempt.user_id == user_id, Attempt.finished_at.is_not(None))
            .group_by(Attempt.bank_id)
        )
    }
    open_rows = {
        bank: (attempt_id, answered)
        for bank, attempt_id, answered in db.session.execute(
            select(Attempt.bank_id, Attempt.id, func.count(Answer.id))
            .outerjoin(Answer, Answer.attempt_id == Attempt.id)
            .where(Attempt.user_id == user_id, Attempt.finished_at.is_(None))
            .group_by(Attempt.bank_id, Attempt.id)
        )
    }
    rows = db.session.execute(
        select(Bank.id, Bank.title, Document.title)
        .outerjoin(Document, Document.id == Bank.doc_id)
        .where(Bank.retired.is_(False))
        .order_by(Bank.position, Bank.id)
    )
    return [
        QuizRow(
            bank_id=bank_id,
            title=title,
            doc_title=doc_title,
            questions=counts.get(bank_id, 0),
            best=best.get(bank_id, (None, 0))[0],
            finished=best.get(bank_id, (None, 0))[1],
            open_attempt=open_rows.get(bank_id, (None, 0))[0],
            open_answered=open_rows.get(bank_id, (None, 0))[1],
        )
        for bank_id, title, doc_title in rows
    ]


def passages_to_reread(items) -> list:
    """Return the distinct excerpts cited by wrongly answered questions, in quiz order."""
    seen, excerpts = set(), []
    for _number, view, answer in items:
        if answer is not None and answer.correct:
            continue
        for excerpt in view.excerpts:
            if excerpt.passage_id not in seen:
                seen.add(excerpt.passage_id)
                excerpts.append(excerpt)
    return excerpts


@dataclass(frozen=True)
class ScorePoint:
    when: datetime
    bank_id: str
    fraction: float


def score_history(user_id: int) -> list[ScorePoint]:
    """Return each finished attempt's score over time."""
    rows = db.session.execute(
        select(Attempt.finished_at, Attempt.bank_id, Attempt.score, Attempt.max_score)
        .where(Attempt.user_id == user_id, Attempt.finished_at.is_not(None))
        .order_by(Attempt.finished_at)
    )
    return [
        ScorePoint(when, bank, (score or 0) / max_score if max_score else 0.0)
        for when, bank, score, max_score in rows
    ]


@dataclass(frozen=True)
class PassageMastery:
    passage_id: int
    doc_id: str
    anchor: str
    ordinal: int
    text: str
    answers: int
    correct: int

    @property
    def mastery(self) -> float:
        return self.correct / self.answers if self.answers else 0.0


def passage_mastery(user_ids, doc_id: str | None = None) -> dict[int, PassageMastery]:
    """Return per passage how many answers citing it were given and how many were right."""
    stmt = (
        select(
            Passage.id,
            Passage.doc_id,
            Passage.anchor,
            Passage.ordinal,
            Passage.text,
            func.count(Answer.id),
            func.coalesce(func.sum(cast(case((Answer.correct, 1), else_=0), Integer)), 0),
        )
        .join(Citation, Citation.passage_id == Passage.id)
        .join(Answer, Answer.version_id == Citation.version_id)
        .where(
            Answer.user_id.in_(user_ids)
            if not isinstance(user_ids, int)
            else Answer.user_id == user_ids
        )
        .group_by(Passage.id, Passage.doc_id, Passage.anchor, Passage.ordinal, Passage.text)
    )
    if doc_id is not None:
        stmt = stmt.where(Passage.doc_id == doc_id)
    return {row[0]: PassageMastery(*row) for row in db.session.execute(stmt)}


@dataclass(frozen=True)
class CitingQuestion:
    question_id: str
    prompt: str
    answers: int
    correct: int

    @property
    def facility(self) -> float | None:
        return self.correct / self.answers if self.answers else None


def questions_citing(passage_id: int, user_ids) -> list[CitingQuestion]:
    """Return the questions whose versions cite a passage, with the group's facility on them."""
    from .models import QuestionVersion

    answered = (
        select(
            Answer.question_id.label("qid"),
            func.count(Answer.id).label("n"),
            func.coalesce(func.sum(cast(case((Answer.correct, 1), else_=0), Integer)), 0).label(
                "c"
            ),
        )
        .join(Citation, Citation.version_id == Answer.version_id)
        .where(Citation.passage_id == passage_id, Answer.user_id.in_(user_ids))
        .group_by(Answer.question_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Question.id, QuestionVersion.prompt, answered.c.n, answered.c.c)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .join(Citation, Citation.version_id == QuestionVersion.id)
        .outerjoin(answered, answered.c.qid == Question.id)
        .where(Citation.passage_id == passage_id)
        .distinct()
    )
    return [CitingQuestion(qid, prompt, n or 0, c or 0) for qid, prompt, n, c in rows]
