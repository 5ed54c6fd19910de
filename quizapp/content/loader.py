"""The only writer of course content: articles, passages and question banks."""

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from quizapp.authoring.source import BankSource
from quizapp.content.articles import Article
from quizapp.content.passages import Corpus, Match, most_alike, segment
from quizapp.models import Bank, Citation, Document, Passage, Question, QuestionVersion


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _assign(row, **values) -> bool:
    """Set attributes on a row; return True when any value changed."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def load_documents(session: Session, articles: Iterable[Article]) -> Counter:
    """Upsert articles and their passages in the caller's transaction; return counts by outcome.

    The caller owns the unit of work (``unit_of_work(content=True)``), as for every function
    here: loading articles and banks is one transaction.
    """
    counts: Counter = Counter()
    for article in articles:
        doc = session.get(Document, article.id)
        fields = dict(
            title=article.title,
            year=article.year,
            publication=article.publication,
            authors=list(article.authors),
            raw=article.raw,
            content_hash=_digest(article.body),
        )
        if doc is None:
            session.add(Document(id=article.id, **fields))
            counts["documents added"] += 1
        elif _assign(doc, **fields):
            counts["documents changed"] += 1
        else:
            counts["documents unchanged"] += 1
        counts += _sync_passages(session, article)
    session.flush()
    return counts


def _sync_passages(session, article: Article) -> Counter:
    """Make the live passages of one article match its text; retire what is still cited."""
    counts: Counter = Counter()
    rows = {
        p.anchor: p for p in session.scalars(select(Passage).where(Passage.doc_id == article.id))
    }
    live = segment(article.id, article.body)
    live_rows = {}
    for passage in live:
        row = rows.pop(passage.anchor, None)
        fields = dict(
            ordinal=passage.ordinal,
            heading=passage.heading,
            text=passage.text,
            retired=False,
            successor_id=None,
        )
        if row is None:
            row = Passage(doc_id=article.id, anchor=passage.anchor, **fields)
            session.add(row)
            counts["passages added"] += 1
        elif _assign(row, **fields):
            counts["passages changed"] += 1
        else:
            counts["passages unchanged"] += 1
        live_rows[passage.anchor] = row
    session.flush()  # the new paragraphs' ids, for successors
    removed = []
    for row in rows.values():
        if not row.retired and not session.scalar(
            select(exists().where(Citation.passage_id == row.id))
        ):
            removed.append(row.id)
            continue
        if not row.retired:
            row.retired = True
            counts["passages retired"] += 1
        # Against the text as it is now, each load: a paragraph corrected twice leads to the
        # latest, and none leads to a paragraph about to be removed.
        anchor = most_alike(row.text, live)
        _assign(row, successor_id=live_rows[anchor].id if anchor else None)
    if removed:
        session.execute(delete(Passage).where(Passage.id.in_(removed)))
        counts["passages removed"] += len(removed)
    return counts


def _live_passage_ids(session) -> dict[tuple[str, str], int]:
    return {
        (doc, anchor): pid
        for pid, doc, anchor in session.execute(
            select(Passage.id, Passage.doc_id, Passage.anchor).where(Passage.retired.is_(False))
        )
    }


def _stale(session, banks: Sequence[BankSource], seen: set[str], retire_missing_banks: bool):
    """Return the live questions a load of ``banks`` retires, and the banks it retires.

    A full load answers for the folder's banks only: those uploaded in the browser and not in
    the folder stay as they are (a deploy's `quizapp load` must not take a class's quiz away).
    """
    loaded = [b.id for b in banks]
    stale = select(Question).where(Question.retired.is_(False))
    if retire_missing_banks:
        stale = stale.where(Question.bank_id.not_in(uploaded_bank_ids(loaded)))
    else:
        stale = stale.where(Question.bank_id.in_(loaded))
    questions = [q for q in session.scalars(stale) if q.id not in seen]
    gone = []
    if retire_missing_banks:
        gone = list(
            session.scalars(
                select(Bank).where(
                    Bank.id.not_in(loaded),
                    Bank.retired.is_(False),
                    Bank.uploader_id.is_(None),
                )
            )
        )
    return questions, gone


def uploaded_bank_ids(loading: Sequence[str], live: bool = False):
    """Return a select of the banks uploaded in the browser (``live`` ones), but ``loading``."""
    found = select(Bank.id).where(Bank.uploader_id.is_not(None), Bank.id.not_in(loading))
    return found.where(Bank.retired.is_(False)) if live else found


def load_banks(
    session: Session,
    banks: Sequence[BankSource],
    corpus: Corpus,
    *,
    retire_missing_banks: bool,
    uploader_id: int | None = None,
    progress=None,
) -> Counter:
    """Upsert banks and version their questions in the caller's transaction; return counts.

    A question whose content (or cited passage) changed gets a new version; answers keep
    pointing at the version they answered. A question missing from its loaded bank is retired;
    a retired question that comes back unchanged is restored with the version it had.
    With ``retire_missing_banks``, banks absent from ``banks`` are retired too, except those
    uploaded in the browser (``uploader_id`` marks the banks of such a load as its user's).
    ``progress`` is called with 1 after each question.
    """
    counts: Counter = Counter()
    passage_ids = _live_passage_ids(session)
    seen_questions: set[str] = set()
    for position, bank in enumerate(banks):
        # A partial load (one uploaded file) keeps each bank's place in the list.
        _upsert_bank(session, bank, position if retire_missing_banks else None, uploader_id)
        for qpos, question in enumerate(bank.questions):
            seen_questions.add(question.id)
            outcome = _upsert_question(session, bank.id, qpos, question, corpus, passage_ids)
            counts[f"questions {outcome}"] += 1
            if progress:
                progress(1)
    questions, gone = _stale(session, banks, seen_questions, retire_missing_banks)
    for question in questions:
        question.retired = True
        counts["questions retired"] += 1
    for bank in gone:
        bank.retired = True
        counts["banks retired"] += 1
    session.flush()
    return counts


def retire_bank(session: Session, bank_id: str) -> int | None:
    """Retire a bank and its live questions (answers kept); return how many, None if no bank.

    Loading or uploading the bank again restores it.
    """
    bank = session.get(Bank, bank_id)
    if bank is None:
        return None
    questions = session.scalars(
        select(Question).where(Question.bank_id == bank_id, Question.retired.is_(False))
    ).all()
    for question in questions:
        question.retired = True
    bank.retired = True
    session.flush()
    return len(questions)


def plan_banks(
    session: Session, banks: Sequence[BankSource], corpus: Corpus, *, retire_missing_banks: bool
) -> tuple[Counter, list[str]]:
    """Return the counts ``load_banks`` would give and the ids it would retire; write nothing.

    A dry run, so an upload that retires questions can be confirmed before it is applied.
    """
    counts: Counter = Counter()
    passage_ids = _live_passage_ids(session)
    seen: set[str] = set()
    for bank in banks:
        for question in bank.questions:
            seen.add(question.id)
            row = session.get(Question, question.id)
            digest = _version_digest(_resolved_citations(question, corpus, passage_ids), question)
            version = _version_with(session, question.id, digest)
            counts[f"questions {_outcome(row, version.id if version else None)}"] += 1
    questions, gone = _stale(session, banks, seen, retire_missing_banks)
    counts["questions retired"] += len(questions)
    counts["banks retired"] += len(gone)
    return +counts, [q.id for q in questions] + [f"bank {b.id}" for b in gone]


def _upsert_bank(session, bank: BankSource, position: int | None, uploader_id: int | None) -> None:
    """Create or update a bank; with no ``position`` it keeps its own, or a new one goes last."""
    row = session.get(Bank, bank.id)
    if row is not None and uploader_id is None and position is None:
        uploader_id = row.uploader_id  # one file loaded from the command line: owner unchanged
    elif row is not None and row.uploader_id is None and not row.retired:
        uploader_id = None  # a live bank of the folder stays the folder's, open to everyone
    if position is None:
        last = session.scalar(select(func.max(Bank.position)))
        position = row.position if row is not None else (-1 if last is None else last) + 1
    fields = dict(
        title=bank.title,
        doc_id=bank.doc,
        description=bank.description,
        source=Path(bank.path).name,
        position=position,
        retired=False,
        uploader_id=uploader_id,
    )
    if row is None:
        session.add(Bank(id=bank.id, **fields))
        session.flush()
    else:
        _assign(row, **fields)


def _resolved_citations(question, corpus: Corpus, passage_ids) -> list[dict]:
    citations = []
    for ordinal, cite in enumerate(question.cites, start=1):
        match = corpus.resolve(cite.doc, cite.quote)
        if not isinstance(match, Match):
            raise LoadError(f"{question.id}: {match.message()}")
        citations.append(
            dict(
                passage_id=passage_ids[(match.passage.doc_id, match.passage.anchor)],
                anchor=match.passage.anchor,
                ordinal=ordinal,
                quote=cite.quote,
                start=match.start,
                end=match.end,
            )
        )
    return citations


def _version_digest(citations: list[dict], question) -> str:
    # Which passage each quote lands on is part of the content: an edited article re-versions.
    anchors = ",".join(f"{c['anchor']}:{c['start']}-{c['end']}" for c in citations)
    return _digest(f"{question.content_hash()}|{anchors}")[:32]


def _outcome(row: Question | None, version_id: int | None) -> str:
    """Return what loading does to a question: added, changed, restored or unchanged.

    ``version_id`` is the existing version with the loaded content, or None for new content.
    """
    if row is None:
        return "added"
    if version_id is None or row.current_version_id != version_id:
        return "changed"
    # Back from retirement with the very content it had: no new version, nothing changed.
    return "restored" if row.retired else "unchanged"


def _version_with(session, question_id: str, digest: str) -> QuestionVersion | None:
    """Return the question's version that has this content, if it was ever loaded."""
    return session.scalar(
        select(QuestionVersion).where(
            QuestionVersion.question_id == question_id, QuestionVersion.content_hash == digest
        )
    )


def _upsert_question(session, bank_id, position, question, corpus, passage_ids) -> str:
    """Create or update one question; return added, changed, restored or unchanged."""
    citations = _resolved_citations(question, corpus, passage_ids)
    digest = _version_digest(citations, question)
    row = session.get(Question, question.id)
    version = _version_with(session, question.id, digest)
    outcome = _outcome(row, version.id if version else None)
    if row is None:
        row = Question(id=question.id, bank_id=bank_id, position=position)
        session.add(row)
        session.flush()
    if version is None:
        latest = session.scalar(
            select(func.max(QuestionVersion.version)).where(
                QuestionVersion.question_id == question.id
            )
        )
        version = QuestionVersion(
            question_id=question.id,
            version=(latest or 0) + 1,
            content_hash=digest,
            type=question.type,
            prompt=question.prompt,
            explanation=question.explanation,
            spec=question.spec,
            points=float(question.points),
            difficulty=question.difficulty,
            level=question.level,
            tags=list(question.tags),
        )
        session.add(version)
        session.flush()
        for c in citations:
            c = {k: v for k, v in c.items() if k != "anchor"}
            session.add(Citation(version_id=version.id, **c))
    _assign(
        row,
        bank_id=bank_id,
        position=position,
        retired=False,
        current_version_id=version.id,
        allow=dict(question.allow) or None,
    )
    return outcome


class LoadError(RuntimeError):
    """Raised when content that passed the checker still cannot be loaded."""
