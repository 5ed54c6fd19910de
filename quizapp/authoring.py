"""Bank upload and download for instructors without a shell on the server."""

from collections import Counter

from sqlalchemy import select

from . import checker
from .banks import Bank, Cite, Question
from .diagnostics import Diagnostic
from .extensions import db
from .loader import load_banks
from .models import Bank as DbBank
from .models import Citation, Document, Passage, QuestionVersion
from .models import Question as DbQuestion
from .passages import Corpus
from .passages import Passage as PurePassage
from .safe_yaml import MAX_BYTES

MAX_UPLOAD = MAX_BYTES


def live_corpus() -> Corpus:
    """Return the passage index of the articles as loaded in the database."""
    by_doc: dict[str, list[PurePassage]] = {}
    rows = db.session.scalars(
        select(Passage).where(Passage.retired.is_(False)).order_by(Passage.doc_id, Passage.ordinal)
    )
    for p in rows:
        by_doc.setdefault(p.doc_id, []).append(
            PurePassage(p.doc_id, p.ordinal, p.heading, p.text, p.anchor)
        )
    return Corpus(by_doc)


def check_upload(data: bytes, filename: str, corpus: Corpus) -> checker.CheckResult:
    """Check an uploaded bank as `quizapp check` would, plus ids taken by other loaded banks."""
    result = checker.check_text(data, filename, corpus)
    for bank in result.banks:
        taken = dict(
            db.session.execute(
                select(DbQuestion.id, DbQuestion.bank_id).where(
                    DbQuestion.id.in_([q.id for q in bank.questions]),
                    DbQuestion.bank_id != bank.id,
                )
            ).all()
        )
        for q in bank.questions:
            if q.id in taken:
                result.diagnostics.append(
                    Diagnostic(
                        filename,
                        q.line,
                        q.col,
                        "error",
                        f'duplicate question id "{q.id}" (already used in bank "{taken[q.id]}")',
                    )
                )
    result.diagnostics.sort()
    return result


def check_and_load(data: bytes, filename: str) -> tuple[checker.CheckResult, Counter | None]:
    """Check an upload and, only when it is valid, load it; return the check and the counts."""
    corpus = live_corpus()
    result = check_upload(data, filename, corpus)
    if not result.ok or not result.banks:
        return result, None
    counts = load_banks(result.banks, corpus, retire_missing_banks=False)
    db.session.commit()
    return result, counts


def describe(counts: Counter) -> str:
    """Return load counts as text."""
    order = ("added", "changed", "retired", "unchanged")
    return ", ".join(f"{counts.get(f'questions {k}', 0)} {k}" for k in order)


def summary(result: checker.CheckResult) -> str:
    return checker.summary(result)


def annotated_lines(data: bytes, diagnostics: list[Diagnostic]) -> list[tuple[int, str, list]]:
    """Return (line number, text, diagnostics on that line) for showing errors beside the source."""
    text = data.decode("utf-8", errors="replace")
    by_line: dict[int, list[Diagnostic]] = {}
    for d in diagnostics:
        by_line.setdefault(d.line, []).append(d)
    lines = text.splitlines() or [""]
    return [(i, line, by_line.get(i, [])) for i, line in enumerate(lines[:2000], start=1)]


def bank_list() -> list[DbBank]:
    """Return the loaded banks, live first."""
    return list(db.session.scalars(select(DbBank).order_by(DbBank.retired, DbBank.position)))


def regexes_left_out() -> dict[str, list[str]]:
    """Return, per bank, its live short-text questions whose regex GIFT and Moodle XML drop."""
    from .formats import regex_left_out

    rows = db.session.execute(
        select(DbQuestion.bank_id, DbQuestion.id, QuestionVersion.type, QuestionVersion.spec)
        .join(QuestionVersion, QuestionVersion.id == DbQuestion.current_version_id)
        .where(DbQuestion.retired.is_(False))
        .order_by(DbQuestion.bank_id, DbQuestion.position)
    )
    left_out: dict[str, list[str]] = {}
    for bank_id, question_id, qtype, spec in rows:
        if regex_left_out(qtype, spec):
            left_out.setdefault(bank_id, []).append(question_id)
    return left_out


def bank_from_db(bank_id: str) -> Bank | None:
    """Rebuild a bank's current questions as the pure Bank the exporters take."""
    row = db.session.get(DbBank, bank_id)
    if row is None:
        return None
    versions = db.session.execute(
        select(DbQuestion.id, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == DbQuestion.current_version_id)
        .where(DbQuestion.bank_id == bank_id, DbQuestion.retired.is_(False))
        .order_by(DbQuestion.position)
    ).all()
    cites: dict[int, list[Cite]] = {}
    for version_id, quote, doc in db.session.execute(
        select(Citation.version_id, Citation.quote, Passage.doc_id)
        .join(Passage, Passage.id == Citation.passage_id)
        .where(Citation.version_id.in_([v.id for _, v in versions]))
        .order_by(Citation.version_id, Citation.ordinal)
    ):
        cites.setdefault(version_id, []).append(Cite(doc, quote, 0, 0))
    questions = tuple(
        Question(
            qid,
            v.type,
            v.prompt,
            v.explanation,
            tuple(cites.get(v.id, [])),
            tuple(v.tags),
            v.difficulty,
            v.points,
            v.spec,
        )
        for qid, v in versions
    )
    return Bank(row.id, row.title, row.doc_id, row.description, questions, row.source)


def export_bank(bank_id: str, fmt: str) -> tuple[str, str] | None:
    """Return (text, mimetype) of a bank in yaml, gift or xml, or None."""
    from .formats import bank_yaml, gift, moodle_xml

    bank = bank_from_db(bank_id)
    if bank is None:
        return None
    excerpts = _excerpts(bank)
    if fmt == "yaml":
        return bank_yaml.dump(bank), "application/yaml"
    if fmt == "gift":
        return gift.dump(bank, excerpts), "text/plain"
    if fmt == "xml":
        return moodle_xml.dump(bank, excerpts), "application/xml"
    return None


def _excerpts(bank: Bank) -> dict[str, list[str]]:
    """Return per question the quoted words with their article, for general feedback."""
    titles = dict(db.session.execute(select(Document.id, Document.title)).all())
    return {
        q.id: [f"“{c.quote}” ({titles.get(c.doc, c.doc)})" for c in q.cites] for q in bank.questions
    }
