"""Item analysis from stored answers: each student's first answer to each question."""

from dataclasses import dataclass

from sqlalchemy import func, select

from .analysis import ItemStats, Reliability, Response, item_statistics, reliability
from .extensions import db
from .models import Answer, Bank, Question, QuestionVersion


@dataclass(frozen=True)
class ItemRow:
    question_id: str
    bank_id: str
    prompt: str
    type: str
    choice_labels: dict[str, str]  # choice key -> text
    stats: ItemStats


@dataclass(frozen=True)
class BankReport:
    bank_id: str
    title: str
    items: list[ItemRow]
    reliability: Reliability


def _first_answers(bank_id: str | None, user_ids):
    """Return one row per (student, question): the first answer given, as an aggregate query."""
    first = select(func.min(Answer.id).label("id")).group_by(Answer.user_id, Answer.question_id)
    if user_ids is not None:
        first = first.where(Answer.user_id.in_(user_ids))
    stmt = (
        select(
            Answer.user_id,
            Answer.question_id,
            Answer.points,
            Answer.max_points,
            Answer.response,
            Answer.duration_ms,
            Question.bank_id,
        )
        .join(Question, Question.id == Answer.question_id)
        .where(Answer.id.in_(first))
    )
    if bank_id is not None:
        stmt = stmt.where(Question.bank_id == bank_id)
    return db.session.execute(stmt)


def _letter(index: int) -> str:
    """Return the label of a choice as authored: A, B, C..."""
    return chr(ord("A") + index) if 0 <= index < 26 else str(index)


def _choice_key(qtype: str, response) -> str | None:
    if qtype == "single" and isinstance(response, int) and not isinstance(response, bool):
        return _letter(response)
    if qtype == "true_false" and isinstance(response, bool):
        return "true" if response else "false"
    return None


def report(bank_id: str | None = None, user_ids=None) -> list[BankReport]:
    """Return per bank the statistics of every live question (answers by ``user_ids`` only)."""
    questions = db.session.execute(
        select(
            Question.id,
            Question.bank_id,
            QuestionVersion.prompt,
            QuestionVersion.type,
            QuestionVersion.spec,
            Bank.title,
        )
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .join(Bank, Bank.id == Question.bank_id)
        .where(
            Question.retired.is_(False),
            Bank.retired.is_(False),
            *([Question.bank_id == bank_id] if bank_id else []),
        )
        .order_by(Bank.position, Question.position)
    ).all()
    meta = {q.id: q for q in questions}
    labels, correct = {}, {}
    for q in questions:
        if q.type == "single":
            labels[q.id] = {_letter(i): c["text"] for i, c in enumerate(q.spec["choices"])}
            correct[q.id] = {_letter(i) for i, c in enumerate(q.spec["choices"]) if c["correct"]}
        elif q.type == "true_false":
            labels[q.id] = {"true": "True", "false": "False"}
            correct[q.id] = {"true" if q.spec["answer"] else "false"}
    by_bank: dict[str, list[Response]] = {}
    for user, qid, points, max_points, response, ms, bank in _first_answers(bank_id, user_ids):
        if qid not in meta:
            continue
        by_bank.setdefault(bank, []).append(
            Response(
                student=user,
                item=qid,
                score=points,
                max_score=max_points,
                choice=_choice_key(meta[qid].type, response),
                seconds=ms / 1000 if ms is not None else None,
            )
        )
    reports = []
    for bank, title in dict.fromkeys((q.bank_id, q.title) for q in questions):
        responses = by_bank.get(bank, [])
        bank_questions = [q for q in questions if q.bank_id == bank]
        stats = item_statistics(
            responses,
            choices_by_item={k: list(v) for k, v in labels.items()},
            correct_choices_by_item=correct,
            items=[q.id for q in bank_questions],
        )
        rows = [
            ItemRow(q.id, q.bank_id, q.prompt, q.type, labels.get(q.id, {}), stats[q.id])
            for q in bank_questions
        ]
        reports.append(BankReport(bank, title, rows, reliability(responses)))
    return reports
