"""Score exports as CSV rows, streamed (constant memory) for spreadsheets and LMS gradebooks."""

from collections.abc import Iterator

from sqlalchemy import select

from . import gradebook
from .extensions import db
from .models import Answer, Citation, Course, Passage, QuestionVersion, User
from .qtypes import get_type

LONG_HEADER = [
    "username",
    "class",
    "bank",
    "question id",
    "question version",
    "attempt",
    "submitted at",
    "answer",
    "correct",
    "points",
    "max points",
    "cited passages",
]


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def wide(course: Course | None, policy: str = "best") -> tuple[list[str], Iterator[list]]:
    """Return the header and rows of the gradebook: one row per student, a column per bank."""
    if course is not None:
        banks, rows = gradebook.gradebook(course.id, course.score_policy)
    else:
        banks, rows = gradebook.everyone(policy)
    header = ["username", "full name", "email", "class"] + [
        f"{b.title} (out of {_number(b.out_of)})" for b in banks
    ]
    class_name = course.name if course is not None else ""

    def body():
        for row in sorted(rows, key=lambda r: r.username):
            yield [row.username, row.full_name, row.email or "", class_name] + [
                _number(row.scores[b.id] * b.out_of) if b.id in row.scores else None for b in banks
            ]

    return header, body()


def _citations() -> dict[int, str]:
    cited: dict[int, list[str]] = {}
    rows = db.session.execute(
        select(Citation.version_id, Passage.doc_id, Passage.anchor)
        .join(Passage, Passage.id == Citation.passage_id)
        .order_by(Citation.version_id, Citation.ordinal)
    )
    for version_id, doc, anchor in rows:
        cited.setdefault(version_id, []).append(f"{doc}#{anchor}")
    return {k: " ".join(v) for k, v in cited.items()}


def long(course: Course | None) -> tuple[list[str], Iterator[list]]:
    """Return the header and rows of every answer, streamed from the database in batches."""
    versions = {
        v.id: (v.type, v.spec, v.version)
        for v in db.session.execute(
            select(
                QuestionVersion.id,
                QuestionVersion.type,
                QuestionVersion.spec,
                QuestionVersion.version,
            )
        )
    }
    cited = _citations()
    stmt = (
        select(
            User.username,
            Answer.question_id,
            Answer.version_id,
            Answer.attempt_id,
            Answer.submitted_at,
            Answer.response,
            Answer.correct,
            Answer.points,
            Answer.max_points,
            QuestionVersion.question_id,
        )
        .join(User, User.id == Answer.user_id)
        .join(QuestionVersion, QuestionVersion.id == Answer.version_id)
        .order_by(Answer.id)
    )
    from .courses import member_ids
    from .models import Question

    stmt = stmt.add_columns(Question.bank_id).join(Question, Question.id == Answer.question_id)
    if course is not None:
        stmt = stmt.where(Answer.user_id.in_(member_ids(course.id)))
    class_name = course.name if course is not None else ""

    def body():
        result = db.session.execute(stmt.execution_options(yield_per=2000))
        for (
            username,
            qid,
            vid,
            attempt,
            when,
            response,
            correct,
            points,
            max_points,
            _q,
            bank,
        ) in result:
            qtype, spec, number = versions[vid]
            yield [
                username,
                class_name,
                bank,
                qid,
                number,
                attempt,
                when,
                get_type(qtype).describe_response(spec, response),
                correct,
                _number(points),
                _number(max_points),
                cited.get(vid, ""),
            ]

    return LONG_HEADER, body()


ITEM_HEADER = [
    "bank",
    "question id",
    "type",
    "prompt",
    "responses",
    "facility",
    "discrimination (point-biserial)",
    "discrimination (upper-lower 27%)",
    "mean seconds",
    "choice shares",
    "flags",
]


def items(reports) -> tuple[list[str], Iterator[list]]:
    """Return the header and rows of an item-analysis report."""

    def body():
        for bank in reports:
            for row in bank.items:
                s = row.stats
                shares = "; ".join(
                    f"{row.choice_labels.get(k, k)}: {v:.2f}" for k, v in s.choice_shares.items()
                )
                yield [
                    bank.bank_id,
                    row.question_id,
                    row.type,
                    row.prompt,
                    s.n,
                    *(
                        _rounded(v)
                        for v in (
                            s.facility,
                            s.discrimination_pb,
                            s.discrimination_ul,
                            s.mean_seconds,
                        )
                    ),
                    shares,
                    "; ".join(s.flags),
                ]

    return ITEM_HEADER, body()
