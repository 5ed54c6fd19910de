"""Score exports as CSV rows, streamed (constant memory) for spreadsheets and LMS gradebooks.

SCORE_EXPORTS lists them; the class page's links, the download routes and `quizapp export
scores|items` read it, so adding an export is a row producer and an entry (docs/extending.md).
"""

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import String, cast, select

from quizapp.db.transactions import read
from quizapp.extensions import db, table
from quizapp.formats.csvout import Cells, cell, number
from quizapp.learning import assigned
from quizapp.learning.attempts import attempt_numbers
from quizapp.models import (
    Answer,
    Assignment,
    Attempt,
    Citation,
    Course,
    Passage,
    QuestionVersion,
    User,
)
from quizapp.qtypes import get_type
from quizapp.teaching import gradebook

LONG_HEADER = [
    "username",
    "class",
    "bank",
    "question id",
    "question version",
    "attempt",  # the student's 1st, 2nd... attempt at the bank (practice) or the assignment
    "attempt id",  # the same attempt in every export, whichever class it is read for
    "attempt kind",  # practice (never counted) or assignment
    "assignment",  # the assignment's title; empty for practice
    "submitted at",
    "answer",
    "correct",
    "points",
    "max points",
    "cited passages",
]


def wide(course: Course | None) -> tuple[list[str], Iterator[list]]:
    """Return the header and rows of the gradebook: one row per student, a column per assignment.

    Each column is headed "Title (out of N)" and holds the grade in points, ready for an LMS
    import (Moodle's grade items, Canvas's assignments). Practice is left out: it never counts,
    and a column in this file is a grade waiting to be imported (Canvas makes an assignment of
    every column it does not know). The long file has every practice answer.
    """
    if course is not None:
        book = gradebook.gradebook(course.id, course.score_policy)
    else:
        book = gradebook.everyone()
    columns = book.assignments

    def title(c: gradebook.AssignmentColumn) -> str:
        # Every class's columns side by side: the class tells them apart ("Week 1" in each).
        return c.title if course is not None else f"{c.course_name}: {c.title}"

    header = ["username", "full name", "email", "class"] + [
        f"{title(c)} (out of {number(c.out_of)})" for c in columns
    ]
    class_name = course.name if course is not None else ""

    def body():
        for row in sorted(book.rows, key=lambda r: r.username):
            yield [row.username, row.full_name, row.email or "", class_name] + [
                number(row.grades[c.key] * c.out_of) if c.key in row.grades else None
                for c in columns
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
    # Two quotes from one passage name it once.
    return {k: " ".join(dict.fromkeys(v)) for k, v in cited.items()}


def _attempts() -> tuple[dict[int, int], dict[int, str | int | float]]:
    """Return each attempt's number (the student's 1st, 2nd... at its bank for practice, at
    its assignment otherwise) and, for assignment attempts, the assignment's title as a cell.

    Previews are in neither: an instructor's try never counts.
    """
    titles = {
        aid: cell(title)
        for aid, title in db.session.execute(select(Assignment.id, Assignment.title))
    }
    rows = db.session.execute(
        select(Attempt.id, Attempt.user_id, Attempt.bank_id, Attempt.assignment_id)
        .where(Attempt.preview.is_(False))
        .order_by(Attempt.id)
    ).all()  # attempts are far fewer than answers
    numbers = attempt_numbers(
        (attempt_id, (user, bank) if aid is None else (user, "assignment", aid))
        for attempt_id, user, bank, aid in rows
    )
    return numbers, {attempt_id: titles[aid] for attempt_id, _u, _b, aid in rows if aid}


def _finish_overdue(course: Course | None) -> None:
    """Finish the attempts left open past their deadline (a class's, or everyone's) first."""
    if course is None:
        assigned.finish_overdue()
        return
    ids = [c.assignment_id for c in gradebook.assignment_columns(course.id)]
    if ids:
        assigned.finish_overdue(ids)


def _iso_utc(stamp: str) -> str:
    """Return "YYYY-MM-DD HH:MM:SS[.ffffff]" (a stored UTC time as text) as ISO 8601 with Z."""
    return f"{stamp[:10]}T{stamp[11:19]}Z"


def long(course: Course | None) -> tuple[list[str], Iterator[list]]:
    """Return the header and rows of every answer, streamed from the database in batches.

    Up to a million rows: Core rows, times and responses read as text, each distinct
    (version, response) described once, and rows handed to the CSV writer as finished cells.
    Each answer says whether it was practice or which assignment; previews are left out.
    """
    from quizapp.models import Question
    from quizapp.teaching.classes import member_ids

    _finish_overdue(course)
    versions = {
        v.id: (get_type(v.type), v.spec)
        for v in db.session.execute(
            select(QuestionVersion.id, QuestionVersion.type, QuestionVersion.spec)
        )
    }
    numbers = dict(db.session.execute(select(QuestionVersion.id, QuestionVersion.version)).all())
    banks = dict(db.session.execute(select(Question.id, Question.bank_id)).all())
    cited = {vid: cell(text) for vid, text in _citations().items()}
    attempt_numbers, assigned_titles = _attempts()
    answers, users = table(Answer), table(User)
    stmt = (
        select(
            users.c.username,
            answers.c.question_id,
            answers.c.version_id,
            answers.c.attempt_id,
            cast(answers.c.submitted_at, String),
            cast(answers.c.response, String),
            answers.c.correct,
            answers.c.points,
            answers.c.max_points,
        )
        .join(users, users.c.id == answers.c.user_id)
        .order_by(answers.c.id)
    )
    if course is not None:
        stmt = stmt.where(answers.c.user_id.in_(member_ids(course.id)))
    else:  # every student, as the wide file: an instructor trying a quiz is no student
        stmt = stmt.where(users.c.role == "student")
    class_name = cell(course.name if course is not None else "")

    def body():
        described: dict[tuple[int, str], str] = {}
        rows = read(stmt.execution_options(yield_per=5000))
        for username, qid, vid, attempt, when, response, correct, points, max_points in rows:
            number_at = attempt_numbers.get(attempt)
            if number_at is None:
                continue  # a preview's answer
            assignment = assigned_titles.get(attempt)
            text = described.get((vid, response))
            if text is None:
                if len(described) > 100_000:  # free-text answers could be all different
                    described.clear()
                qtype, spec = versions[vid]
                text = described[vid, response] = cell(
                    qtype.describe_response(spec, json.loads(response))
                )
            yield Cells(
                (
                    cell(username),
                    class_name,
                    cell(banks[qid]),
                    cell(qid),
                    numbers[vid],
                    number_at,
                    attempt,
                    "practice" if assignment is None else "assignment",
                    "" if assignment is None else assignment,
                    _iso_utc(when),
                    text,
                    "true" if correct else "false",
                    number(points),
                    number(max_points),
                    cited.get(vid, ""),
                )
            )

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
    "key",  # the right choices' letters (a true/false question's "true" or "false")
    "common answers",  # a typed answer's most given responses, each with its count and mark
]


def _mark(score: float) -> str:
    return "right" if score >= 1 else ("partly right" if score > 0 else "wrong")


def items(reports) -> tuple[list[str], Iterator[list]]:
    """Return the header and rows of an item-analysis report."""

    def body():
        for bank in reports:
            for row in bank.items:
                s = row.stats
                shares = "; ".join(
                    f"{row.choice_labels.get(k, k)}: {number(v)}"
                    for k, v in s.choice_shares.items()
                )
                yield [
                    bank.bank_id,
                    row.question_id,
                    row.type,
                    row.prompt,
                    s.n,
                    # Rounded by the CSV writer, halves up as on the page
                    s.facility,
                    s.discrimination_pb,
                    s.discrimination_ul,
                    s.mean_seconds,
                    shares,
                    "; ".join(s.flags),
                    " ".join(row.keys),
                    "; ".join(
                        f"{text}: {count} ({_mark(score)})" for text, count, score in row.responses
                    ),
                ]

    return ITEM_HEADER, body()


def item_analysis(course: Course | None, reports=None) -> tuple[list[str], Iterator[list]]:
    """Return the item-analysis CSV of a class (or of every student), computed unless given."""
    if reports is None:
        from quizapp.teaching import item_report
        from quizapp.teaching.classes import member_ids

        # An unknown class has no members: every question would show 0 responses, silently.
        users = member_ids(course.id) if course is not None else None
        reports = item_report.report(user_ids=users)
    return items(reports)


@dataclass(frozen=True)
class ScoreExport:
    """One CSV of scores: a link on the class page, a download route and a CLI command."""

    name: str  # the registry key; `--format` of its CLI command when that has several
    command: str  # `quizapp export <command>`
    route: str  # the instructor endpoint serving it: "export_scores" (?format=) or "export_items"
    link_text: str  # on the class page
    excel_link: bool  # also a "for Excel" link (with a BOM): every CSV has one
    help: str  # what a row is, for --format's help
    filename: Callable[[Course | None], str]
    rows: Callable[..., tuple[list[str], Iterator[list]]]  # (course, ...) -> header, rows

    def url_args(self, course: Course) -> dict:
        """Return the url_for arguments of this export for a class."""
        if self.route == "export_scores":
            return {"course_id": course.id, "format": self.name}
        return {"course": course.id}


SCORE_EXPORTS: dict[str, ScoreExport] = {
    e.name: e
    for e in (
        ScoreExport(
            "wide",
            "scores",
            "export_scores",
            "gradebook CSV",
            True,
            "a column per assignment",
            lambda course: f"class-{course.id if course else 0}-gradebook.csv",
            wide,
        ),
        ScoreExport(
            "long",
            "scores",
            "export_scores",
            "every answer (CSV)",
            True,
            "a row per answer",
            lambda course: f"class-{course.id if course else 0}-answers.csv",
            long,
        ),
        ScoreExport(
            "items",
            "items",
            "export_items",
            "item analysis (CSV)",
            True,
            "a row per question",
            lambda course: f"items-class-{course.id}.csv" if course else "items.csv",
            item_analysis,
        ),
    )
}


def exports_of(command: str) -> dict[str, ScoreExport]:
    """Return the score exports `quizapp export <command>` writes, by name."""
    return {e.name: e for e in SCORE_EXPORTS.values() if e.command == command}
