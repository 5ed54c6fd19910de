"""Bank upload and download for instructors without a shell on the server."""

from collections import Counter
from dataclasses import dataclass, field

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from quizapp.authoring import checker
from quizapp.authoring.diagnostics import Diagnostic
from quizapp.authoring.safe_yaml import MAX_BYTES
from quizapp.authoring.source import BankSource, CiteSource, QuestionSource
from quizapp.content.loader import load_banks, plan_banks, uploaded_bank_ids
from quizapp.content.passages import Corpus, PassageText
from quizapp.content.queries import as_pure
from quizapp.db.transactions import unit_of_work
from quizapp.extensions import db
from quizapp.models import Bank, Citation, Document, Passage, Question, QuestionVersion, User
from quizapp.qtypes import get_type

MAX_UPLOAD = MAX_BYTES
TOO_BIG = (
    f"The file is larger than {MAX_UPLOAD // (1024 * 1024)} MB, the limit for one bank: "
    "split it into smaller banks."
)
CONFIRM_SECONDS = 3600  # a confirmation page left open longer asks for the file again
# An upload's quotes not found that get the closest article text as a hint. Each can take a
# second to find: 100 wrong quotes of 20 article words (16 KB) held a worker for 36 s.
UPLOAD_HINTS = 10


def live_corpus() -> Corpus:
    """Return the passage index of the articles as loaded in the database, for one upload."""
    by_doc: dict[str, list[PassageText]] = {}
    rows = db.session.scalars(
        select(Passage).where(Passage.retired.is_(False)).order_by(Passage.doc_id, Passage.ordinal)
    )
    for p in rows:
        by_doc.setdefault(p.doc_id, []).append(as_pure(p))
    return Corpus(by_doc, hints=UPLOAD_HINTS)


def check_upload(
    data: bytes, filename: str, corpus: Corpus, uploader_id: int
) -> checker.CheckResult:
    """Check an uploaded bank as `quizapp check` would, plus ids taken by other banks or users."""
    result = checker.check_text(data, filename, corpus)
    result.diagnostics.extend(ids_taken_elsewhere(result.banks))
    result.diagnostics.extend(banks_of_others(result.banks, uploader_id))
    result.diagnostics.sort()
    return result


def banks_of_others(banks, uploader_id: int) -> list[Diagnostic]:
    """Return an error for each bank another instructor uploaded: only they may change it."""
    owners = dict(
        db.session.execute(
            select(Bank.id, User.username)
            .join(User, User.id == Bank.uploader_id)
            .where(Bank.id.in_([b.id for b in banks]), Bank.uploader_id != uploader_id)
        ).all()
    )
    return [
        Diagnostic(
            bank.path,
            bank.line,
            bank.col,
            "error",
            f'bank "{bank.id}" was uploaded by {owners[bank.id]}, and only they can change it: '
            "give your bank another id",
        )
        for bank in banks
        if bank.id in owners
    ]


def ids_taken_elsewhere(banks, full: bool = False) -> list[Diagnostic]:
    """Return an error for each question whose id a loaded bank outside ``banks`` holds.

    Loading it would move that question, with its answers, out of its bank. A question may
    move between banks loaded together (the checker refuses an id in two of them), and a
    ``full`` load of the folder may take ids from the folder's banks it retires and from
    retired uploaded banks, but not from live uploaded banks, which it leaves as they are.
    """
    loading = [b.id for b in banks]
    ids = [q.id for b in banks for q in b.questions]
    elsewhere = (
        Question.bank_id.in_(uploaded_bank_ids(loading, live=True))
        if full
        else Question.bank_id.not_in(loading)
    )
    taken = dict(
        db.session.execute(
            select(Question.id, Question.bank_id).where(Question.id.in_(ids), elsewhere)
        ).all()
    )
    return [
        Diagnostic(
            bank.path,
            q.line,
            q.col,
            "error",
            f'duplicate question id "{q.id}" (already used in bank "{taken[q.id]}")'
            + (
                f"; that bank was uploaded in the browser: `quizapp retire {taken[q.id]}` frees"
                " its ids"
                if full
                else ""
            ),
        )
        for bank in banks
        for q in bank.questions
        if q.id in taken
    ]


@dataclass
class Upload:
    """What became of an upload: its check and, when valid, what loading did or would do."""

    result: checker.CheckResult
    counts: Counter | None = None  # None: not valid, nothing loaded
    loaded: bool = False  # False with counts: it retires questions and waits for a confirmation
    retiring: list[str] = field(default_factory=list)  # ids it would retire
    too_big: bool = False


def _retires(counts: Counter) -> bool:
    return bool(counts.get("questions retired") or counts.get("banks retired"))


def check_and_load(
    data: bytes, filename: str, uploader_id: int, confirmed: Counter | None = None
) -> Upload:
    """Check an upload and load it when valid, unless it retires questions not yet confirmed.

    ``confirmed`` are the counts the instructor saw and accepted; when loading now would do
    something else (another upload came first), nothing is loaded and the new counts are
    returned to be confirmed again.
    """
    if len(data) > MAX_UPLOAD:
        problem = Diagnostic(filename, 1, 1, "error", TOO_BIG)
        return Upload(checker.CheckResult(diagnostics=[problem], files=1), too_big=True)
    corpus = live_corpus()
    result = check_upload(data, filename, corpus, uploader_id)
    if not result.ok or not result.banks:
        return Upload(result)
    try:
        with unit_of_work(content=True) as session:
            counts = load_banks(
                session, result.banks, corpus, retire_missing_banks=False, uploader_id=uploader_id
            )
            # Ask first when it retires something not confirmed: a first upload, or the banks
            # changed since the plan shown. A second "Load it" of one applied just loads.
            if _retires(counts) and counts != confirmed:
                raise _AskFirst  # rolls the load back
    except _AskFirst:
        planned, retiring = plan_banks(
            db.session(), result.banks, corpus, retire_missing_banks=False
        )
        return Upload(result, planned, retiring=retiring)
    return Upload(result, counts, loaded=True)


class _AskFirst(Exception):
    """The load would retire questions the instructor has not confirmed: undo it, ask."""


def current_prompts(question_ids: list[str]) -> dict[str, str]:
    """Return the prompt of each question's current version, for a list an instructor reads."""
    rows = db.session.execute(
        select(Question.id, QuestionVersion.prompt)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.id.in_(question_ids))
    )
    return dict(rows.all())


def describe(counts: Counter) -> str:
    """Return load counts as text ("restored" only when some are)."""
    order = ("added", "changed", "restored", "retired", "unchanged")
    return ", ".join(
        f"{counts.get(f'questions {k}', 0)} {k}"
        for k in order
        if k != "restored" or counts.get("questions restored")
    )


def seal(upload: Upload, data: bytes, filename: str, user_id: int) -> str | None:
    """Return a signed token carrying a checked upload to its confirmation, or None if too big.

    The instructor's browser holds the file between the two steps, so any app node can apply
    it; the signature makes sure what is applied is exactly what was checked and shown.
    """
    payload = [user_id, filename, data.decode("utf-8"), dict(upload.counts or {})]
    token = _serializer().dumps(payload)
    # The confirmation posts it back as a form field, which the form size limit also bounds.
    return token if len(token) < current_app.config["MAX_FORM_MEMORY_SIZE"] - 4096 else None


def unseal(token: str, user_id: int) -> tuple[bytes, str, Counter] | None:
    """Return (file, filename, confirmed counts) from a token of this user, or None."""
    try:
        owner, filename, text, counts = _serializer().loads(token, max_age=CONFIRM_SECONDS)
    except (BadSignature, ValueError, TypeError):
        return None
    if owner != user_id:
        return None
    return text.encode("utf-8"), filename, Counter(counts)


def _serializer() -> URLSafeTimedSerializer:
    secret_key = current_app.secret_key
    if secret_key is None:  # as itsdangerous fails on None, with a reason
        raise TypeError("no SECRET_KEY is set: bank uploads are signed with it")
    return URLSafeTimedSerializer(secret_key, salt="bank-upload")


def summary(result: checker.CheckResult) -> str:
    return checker.summary(result)


SHOWN_PROBLEMS = 100  # an upload's problems listed; the rest are counted (a page stays small)
SHOWN_LINES = 2000  # of the uploaded file, shown with its problems


def annotated_lines(data: bytes, diagnostics: list[Diagnostic]) -> list[tuple[int, str, list]]:
    """Return (line number, text, diagnostics on that line) for showing errors beside the source."""
    text = data.decode("utf-8", errors="replace")
    by_line: dict[int, list[Diagnostic]] = {}
    for d in diagnostics[:SHOWN_PROBLEMS]:
        by_line.setdefault(d.line, []).append(d)
    lines = text.splitlines() or [""]
    return [(i, line, by_line.get(i, [])) for i, line in enumerate(lines[:SHOWN_LINES], start=1)]


def bank_list() -> list[tuple[Bank, str | None]]:
    """Return the loaded banks, live first, each with its uploader (None: from the folder)."""
    rows = db.session.execute(
        select(Bank, User.username)
        .outerjoin(User, User.id == Bank.uploader_id)
        .order_by(Bank.retired, Bank.position)
    )
    return [(bank, username) for bank, username in rows]


def left_out_of_exports() -> dict[str, dict]:
    """Return, per bank, what GIFT and Moodle XML drop (a LeftOut) and of which live questions."""
    rows = db.session.execute(
        select(Question.bank_id, Question.id, QuestionVersion.type, QuestionVersion.spec)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.retired.is_(False))
        .order_by(Question.bank_id, Question.position)
    )
    left_out: dict[str, dict] = {}
    for bank_id, question_id, qtype, spec in rows:
        for left in get_type(qtype).left_out(spec):
            left_out.setdefault(bank_id, {}).setdefault(left, []).append(question_id)
    return left_out


def bank_from_db(bank_id: str) -> BankSource | None:
    """Rebuild a bank's current questions as the pure BankSource the exporters take."""
    row = db.session.get(Bank, bank_id)
    if row is None:
        return None
    versions = db.session.execute(
        select(Question.id, QuestionVersion, Question.allow)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.bank_id == bank_id, Question.retired.is_(False))
        .order_by(Question.position)
    ).all()
    cites: dict[int, list[CiteSource]] = {}
    for version_id, quote, doc in db.session.execute(
        select(Citation.version_id, Citation.quote, Passage.doc_id)
        .join(Passage, Passage.id == Citation.passage_id)
        .where(Citation.version_id.in_([v.id for _, v, _ in versions]))
        .order_by(Citation.version_id, Citation.ordinal)
    ):
        cites.setdefault(version_id, []).append(CiteSource(doc, quote, 0, 0))
    questions = tuple(
        QuestionSource(
            qid,
            v.type,
            v.prompt,
            v.explanation,
            tuple(cites.get(v.id, [])),
            tuple(v.tags),
            v.difficulty,
            v.points,
            v.spec,
            level=v.level,
            allow=allow or {},
        )
        for qid, v, allow in versions
    )
    return BankSource(row.id, row.title, row.doc_id, row.description, questions, row.source)


def export_bank(bank_id: str, extension: str) -> tuple[str, str] | None:
    """Return (text, mimetype) of a bank in the format of that file extension, or None."""
    from quizapp.formats import bank_format_for

    bank_format = bank_format_for(extension)
    if bank_format is None:
        return None
    bank = bank_from_db(bank_id)
    if bank is None:
        return None
    return bank_format.write(bank, _excerpts(bank)), bank_format.mimetype


def _excerpts(bank: BankSource) -> dict[str, list[str]]:
    """Return per question the quoted words with their article, for general feedback."""
    titles = dict(db.session.execute(select(Document.id, Document.title)).all())
    return {
        q.id: [f"“{c.quote}” ({titles.get(c.doc, c.doc)})" for c in q.cites] for q in bank.questions
    }
