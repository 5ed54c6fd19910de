"""Item analysis by aggregate SQL over each student's first answer to each question.

The database does the per-answer work (sums, window ranks, group counts); Python only turns a
few rows per question into statistics, with the same formulas as the pure ``analysis`` module
(tests check the two agree).
"""

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    and_,
    case,
    cast,
    func,
    select,
)

from quizapp.extensions import db
from quizapp.learning.answer_scope import ALL, AnswerScope
from quizapp.models import Answer, Bank, Question, QuestionVersion, User
from quizapp.qtypes import get_type
from quizapp.qtypes.base import TypedAnswer
from quizapp.teaching.analysis import (
    ItemStats,
    Reliability,
    flags_for,
    group_size,
    pearson_from_sums,
)


@dataclass(frozen=True)
class ItemRow:
    question_id: str
    bank_id: str
    prompt: str
    type: str
    choice_labels: dict[str, str]  # choice key -> text
    stats: ItemStats
    keys: list[str] = field(default_factory=list)  # the choice keys marked correct
    # A typed answer's (numeric, short text) most common responses: [text, count, points share]
    responses: list[tuple[str, int, float]] = field(default_factory=list)
    other_responses: int = 0  # how many answers gave a response not among those


@dataclass(frozen=True)
class BankReport:
    bank_id: str
    title: str
    items: list[ItemRow]
    reliability: Reliability


TOP_RESPONSES = 5  # of a typed answer, shown with their counts
EARLIER = "earlier"  # the key of choices that an earlier version had and the current one lacks
EARLIER_LABEL = "A choice of an earlier version, since removed or reworded"


def _choice_keys(q, version, response) -> list[str]:
    """Return the current answer keys a response to ``version`` picked; EARLIER for the rest.

    An answer keeps the version it was given to; an answer is the same answer in the current
    version when its type says so (a choice: when its text is, wherever it now stands). Types
    compare only with themselves, and choice types with each other (single became multiple).
    """
    qtype, spec = version
    then, now_type = get_type(qtype), get_type(q.type)
    picked = then.picked_keys(spec, response)
    if qtype != q.type and not (then.has_choices and now_type.has_choices):
        return [EARLIER] if picked else []
    same = {k.key: k.same_as for k in then.answer_keys(spec)}
    now = {k.same_as: k.key for k in now_type.answer_keys(q.spec)}
    return [now.get(same.get(key) or "", EARLIER) for key in picked]


def _first_answers(bank_id: str | None, user_ids, scope: AnswerScope = ALL):
    """Return each student's first answer (among the scope's) to each live question, with its
    fraction."""
    # Students only: an instructor trying their own quiz must not move its statistics. One IN:
    # with a second one over every student SQLite read all their answers for a class's report.
    students = select(User.id).where(User.role == "student")
    if user_ids is not None:
        students = students.where(User.id.in_(user_ids))
    which = scope.condition()
    first = (
        select(func.min(Answer.id).label("id"))
        .where(Answer.user_id.in_(students), *([which] if which is not None else []))
        .group_by(Answer.user_id, Answer.question_id)
        .subquery()
    )
    stmt = (
        select(
            Answer.user_id,
            Answer.question_id.label("qid"),
            Question.bank_id,
            Answer.points,
            Answer.max_points,
            case((Answer.max_points > 0, Answer.points / Answer.max_points), else_=0.0).label(
                "frac"
            ),
            Answer.duration_ms,
            Answer.response,
            Answer.version_id,
        )
        .join(first, first.c.id == Answer.id)
        .join(Question, Question.id == Answer.question_id)
        .where(Question.retired.is_(False))
    )
    if bank_id is not None:
        stmt = stmt.where(Question.bank_id == bank_id)
    return stmt


# The report runs about ten aggregate queries over the first answers; computing them once into
# a temporary table (private to the connection, on SQLite and PostgreSQL alike) instead of
# re-running the GROUP BY inside each query makes a 50,000-answer class about 4x faster.
_FIRST = Table(
    "item_report_first_answers",
    MetaData(),
    Column("user_id", Integer),
    Column("qid", String),
    Column("bank_id", String),
    Column("points", Float),
    Column("max_points", Float),
    Column("frac", Float),
    Column("duration_ms", Integer),
    Column("response", JSON),
    Column("version_id", Integer),
    Index("item_report_first_by_student", "user_id", "bank_id"),
    Index("item_report_first_by_question", "qid"),
    prefixes=["TEMPORARY"],
)


def _materialise(first_answers) -> Table:
    conn = db.session.connection()
    _FIRST.drop(conn, checkfirst=True)
    _FIRST.create(conn)
    conn.execute(_FIRST.insert().from_select([c.name for c in _FIRST.c], first_answers))
    return _FIRST


def _with_rest_scores(f):
    """Return a CTE of the first answers with each student's score on the bank's other items.

    Out of the marks of every other item answered by anyone, as ``analysis._rest_scores``.
    """
    totals = (
        select(f.c.user_id, f.c.bank_id, func.sum(f.c.points).label("score"))
        .group_by(f.c.user_id, f.c.bank_id)
        .cte("totals")
    )
    marks = (
        select(f.c.bank_id, f.c.qid, func.max(f.c.max_points).label("marks"))
        .group_by(f.c.bank_id, f.c.qid)
        .subquery()
    )
    bank_marks = (
        select(marks.c.bank_id, func.sum(marks.c.marks).label("out_of"))
        .group_by(marks.c.bank_id)
        .cte("bank_marks")
    )
    others = bank_marks.c.out_of - f.c.max_points
    rest = case((others > 0, (totals.c.score - f.c.points) / others), else_=0.0)
    return (
        select(f.c.user_id, f.c.qid, f.c.frac, rest.label("rest"))
        .join(totals, and_(totals.c.user_id == f.c.user_id, totals.c.bank_id == f.c.bank_id))
        .join(bank_marks, bank_marks.c.bank_id == f.c.bank_id)
        .cte("rested")
    )


def _item_rows(f, r) -> dict[str, dict]:
    """Return per question n, facility, mean seconds, Pearson sums and upper-lower means."""
    rows = {
        qid: {"n": n, "facility": facility, "seconds": ms / 1000 if ms is not None else None}
        for qid, n, facility, ms in db.session.execute(
            select(f.c.qid, func.count(), func.avg(f.c.frac), func.avg(f.c.duration_ms)).group_by(
                f.c.qid
            )
        )
    }
    sums = select(
        r.c.qid,
        func.count(),
        func.sum(r.c.frac),
        func.sum(r.c.rest),
        func.sum(r.c.frac * r.c.rest),
        func.sum(r.c.frac * r.c.frac),
        func.sum(r.c.rest * r.c.rest),
    ).group_by(r.c.qid)
    for qid, *values in db.session.execute(sums):
        rows[qid]["pb"] = pearson_from_sums(*(float(v) for v in values))
    ranked = select(
        r.c.qid,
        r.c.frac,
        func.row_number()
        .over(partition_by=r.c.qid, order_by=(func.round(cast(r.c.rest, Numeric), 9), r.c.user_id))
        .label("rn"),
        func.count().over(partition_by=r.c.qid).label("n"),
    ).subquery()
    size = ranked.c.n * 27 // 100  # integer division on every backend, as group_size()
    upper_lower = select(
        ranked.c.qid,
        func.max(ranked.c.n),
        func.avg(case((ranked.c.rn > ranked.c.n - size, ranked.c.frac))),
        func.avg(case((ranked.c.rn <= size, ranked.c.frac))),
    ).group_by(ranked.c.qid)
    for qid, n, upper, lower in db.session.execute(upper_lower):
        rows[qid]["ul"] = upper - lower if group_size(n) >= 1 else None
    return rows


def _response_counts(f, qids: list[str]) -> dict[str, list[tuple[tuple, str, int, float]]]:
    """Return per question each (version, response as JSON text), how often given, its score.

    A version is its (type, spec); the score is the share of the points the response earned.
    """
    response = cast(f.c.response, Text)  # PostgreSQL cannot group json values
    stmt = (
        select(f.c.qid, f.c.version_id, response, func.count(), func.max(f.c.frac))
        .where(f.c.qid.in_(qids))
        .group_by(f.c.qid, f.c.version_id, response)
    )
    rows = db.session.execute(stmt).all()
    ids = {version_id for _qid, version_id, _response, _n, _frac in rows}
    versions = {
        v.id: (v.type, v.spec)
        for v in db.session.execute(
            select(QuestionVersion.id, QuestionVersion.type, QuestionVersion.spec).where(
                QuestionVersion.id.in_(ids)
            )
        )
    }
    counts: dict[str, list[tuple[tuple, str, int, float]]] = {}
    for qid, version_id, response, n, frac in rows:
        counts.setdefault(qid, []).append((versions[version_id], response, n, float(frac or 0)))
    return counts


def _common_responses(counts) -> tuple[list[tuple[str, int, float]], int]:
    """Return a typed answer's most common responses as [text, count, score], and the rest's n.

    Responses that read alike and score alike (one typed under two versions) count as one.
    """
    from quizapp.qtypes import get_type

    merged: Counter = Counter()
    for (qtype, spec), response, n, frac in counts:
        text = get_type(qtype).describe_response(spec, json.loads(response))
        merged[text, round(frac, 6)] += n
    top = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0][0]))[:TOP_RESPONSES]
    shown = [(text, n, frac) for (text, frac), n in top]
    return shown, sum(merged.values()) - sum(n for _t, n, _f in shown)


def _reliability(f) -> dict[str, Reliability]:
    """Return per bank Cronbach's alpha (and KR-20) over students who answered every item."""
    per_student = (
        select(
            f.c.user_id,
            f.c.bank_id,
            func.count().label("k"),
            func.sum(f.c.points).label("total"),
        )
        .group_by(f.c.user_id, f.c.bank_id)
        .cte("per_student")
    )
    items = (
        select(f.c.bank_id, func.count(func.distinct(f.c.qid)).label("k"))
        .group_by(f.c.bank_id)
        .cte("items")
    )
    complete = (
        select(per_student)
        .join(items, and_(items.c.bank_id == per_student.c.bank_id, items.c.k == per_student.c.k))
        .cte("complete")
    )
    item_variance: dict[str, float] = {}
    stmt = (
        select(
            f.c.bank_id,
            func.avg(f.c.points * f.c.points) - func.avg(f.c.points) * func.avg(f.c.points),
        )
        .join(
            complete,
            and_(complete.c.user_id == f.c.user_id, complete.c.bank_id == f.c.bank_id),
        )
        .group_by(f.c.bank_id, f.c.qid)
    )
    for bank, variance in db.session.execute(stmt):
        item_variance[bank] = item_variance.get(bank, 0.0) + float(variance)
    # KR-20 scores each item 0 or 1: alpha on points equals it only when every answer scored
    # nothing or full marks and every item is worth the same.
    right_wrong = {
        bank: partial == 0 and worth == 1
        for bank, partial, worth in db.session.execute(
            select(
                f.c.bank_id,
                func.sum(case((and_(f.c.points != 0, f.c.points != f.c.max_points), 1), else_=0)),
                func.count(func.distinct(f.c.max_points)),
            ).group_by(f.c.bank_id)
        )
    }
    k_by_bank = dict(db.session.execute(select(items.c.bank_id, items.c.k)).all())
    result = {bank: Reliability(k, 0, None, None) for bank, k in k_by_bank.items()}
    totals = select(
        complete.c.bank_id,
        func.count(),
        func.avg(complete.c.total * complete.c.total)
        - func.avg(complete.c.total) * func.avg(complete.c.total),
    ).group_by(complete.c.bank_id)
    for bank, n, total_variance in db.session.execute(totals):
        k = k_by_bank[bank]
        if k < 2 or n < 2 or float(total_variance) <= 1e-12:
            result[bank] = Reliability(k, n, None, None)
            continue
        alpha = k / (k - 1) * (1 - item_variance[bank] / float(total_variance))
        result[bank] = Reliability(k, n, alpha, alpha if right_wrong.get(bank) else None)
    return result


def _live_questions(bank_id: str | None):
    return db.session.execute(
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


def live_banks() -> list[tuple[str, str]]:
    """Return (id, title) of every live bank with a live question, in the banks' order."""
    has_questions = (
        select(Question.id).where(Question.bank_id == Bank.id, Question.retired.is_(False)).exists()
    )
    rows = db.session.execute(
        select(Bank.id, Bank.title)
        .where(Bank.retired.is_(False), has_questions)
        .order_by(Bank.position)
    )
    return [(bank_id, title) for bank_id, title in rows]


def _typed(qtype: str) -> bool:
    """Return whether a type's answers are typed (numbers, words), not picked from choices."""
    return isinstance(get_type(qtype), TypedAnswer)


def _labels(q) -> tuple[dict[str, str], set[str]]:
    """Return the labels of the answers a question's responses pick, and its correct keys.

    Empty for typed answers.
    """
    keys = get_type(q.type).answer_keys(q.spec)
    return {k.key: k.label for k in keys}, {k.key for k in keys if k.correct}


def _stats(q, row: dict | None, counts: list[tuple[Any, str, int, Any]]) -> ItemStats:
    if row is None:
        return ItemStats(item=q.id, n=0)
    labels, correct = _labels(q)
    shares = {}
    if labels:
        picked = dict.fromkeys(labels, 0)
        for version, response, n, _frac in counts:
            for key in _choice_keys(q, version, json.loads(response)):
                picked[key] = picked.get(key, 0) + n
        shares = {key: n / row["n"] for key, n in picked.items()}
    # Flags are about the current choices.
    current = {key: share for key, share in shares.items() if key != EARLIER}
    stats = ItemStats(
        item=q.id,
        n=row["n"],
        facility=float(row["facility"]),
        discrimination_pb=row.get("pb"),
        discrimination_ul=row.get("ul"),
        choice_shares=shares,
        mean_seconds=float(row["seconds"]) if row["seconds"] is not None else None,
    )
    flags = flags_for(ItemStats(**{**stats.__dict__, "choice_shares": current}), correct)
    return ItemStats(**{**stats.__dict__, "flags": flags})


def _item(q, row: dict | None, counts) -> ItemRow:
    stats = _stats(q, row, counts)
    labels, keys = _labels(q)
    if EARLIER in stats.choice_shares:
        labels = labels | {EARLIER: EARLIER_LABEL}
    responses, others = _common_responses(counts) if _typed(q.type) else ([], 0)
    return ItemRow(
        q.id, q.bank_id, q.prompt, q.type, labels, stats, sorted(keys), responses, others
    )


def report(bank_id: str | None = None, user_ids=None, scope: AnswerScope = ALL) -> list[BankReport]:
    """Return per bank the statistics of every live question (answers by ``user_ids`` only, and
    of the ``scope``: all, practice only or one assignment's)."""
    questions = _live_questions(bank_id)
    f = _materialise(_first_answers(bank_id, user_ids, scope))
    try:
        rows = _item_rows(f, _with_rest_scores(f))
        counted = [q.id for q in questions if _labels(q)[0] or _typed(q.type)]
        counts = _response_counts(f, counted)
        reliability = _reliability(f)
    finally:
        f.drop(db.session.connection())
    reports = []
    for bank, title in dict.fromkeys((q.bank_id, q.title) for q in questions):
        items = [
            _item(q, rows.get(q.id), counts.get(q.id, [])) for q in questions if q.bank_id == bank
        ]
        reports.append(
            BankReport(bank, title, items, reliability.get(bank, Reliability(0, 0, None, None)))
        )
    return reports
