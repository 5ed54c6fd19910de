"""Moodle GIFT export and import (pure).

The bank's doc and description, and each question's tags, difficulty, level, points, units and cites
travel in `// [key:value]` comment lines (backslash-escaped, one line each), which Moodle
ignores (tags it reads), so a YAML -> GIFT -> YAML round trip keeps every field. The import also
reads what Moodle writes: true/false with feedback, numeric `=%100%` answers and `min..max`
ranges, `[html]` text (kept as plain text), short answers with per-answer feedback; what a bank
has no place for is reported to `warn`, and so are the items it skips: descriptions (text with no
answer block), essays (`{}`) and matching questions (`{=a -> 1 ...}`). Moodle's "missing word"
form (text after the answer block) becomes a prompt with a blank, `_____`, as Moodle shows it.
"""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Protocol, cast

import nh3

from quizapp.authoring.source import DEFAULT_LEVEL, BankSource
from quizapp.qtypes import REGISTRY, NoMapping, QuestionType, get_type

# Called with a message for each thing a format cannot say as the bank does.
Warn = Callable[[str], None]


class GiftMapping(Protocol):
    """What a question type's ``gift`` mapping offers (see quizapp.qtypes)."""

    kind: str  # Moodle's name for the kind of question: "multichoice", "numerical"...

    def warnings(self, qid: str, spec: dict[str, Any]) -> list[str]: ...

    def answers(self, spec: dict[str, Any], syntax: Any) -> str: ...

    def read(
        self, block: "Block", syntax: Any, note: Callable[[str], None]
    ) -> dict[str, Any] | None: ...


SPECIAL = re.compile(r"([~=#{}:\\])")


def escape(text: str) -> str:
    """Return text with GIFT's special characters escaped and newlines as \\n."""
    return SPECIAL.sub(r"\\\1", text).replace("\n", "\\n")


def unescape(text: str) -> str:
    """Return GIFT text with escapes resolved."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text.strip())


def _fmt(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else repr(value)


def _fb(feedback: str | None) -> str:
    return f"#{escape(feedback)}" if feedback else ""


COMMENT_ESCAPES = {"\\": "\\", "\n": "n", "\r": "r", "\t": "t", " ": "s"}
COMMENT_UNESCAPES = {code: char for char, code in COMMENT_ESCAPES.items()}


def _comment(value: str, bracketed: bool = False) -> str:
    """Return value for a `//` comment line: on one line, so that a multi-line quote stays inside
    its comment, and whole, as `_uncomment` reads it back. Backslashes, line breaks (and `]`
    inside `[key:...]`) are backslash-escaped, and so are spaces at either end."""
    special = r"[\\\r\n\]]" if bracketed else r"[\\\r\n]"
    text = re.sub(special, lambda m: "\\" + COMMENT_ESCAPES.get(m.group(), m.group()), value)
    core = text.strip(" \t")
    head = text[: len(text) - len(text.lstrip(" \t"))]
    tail = text[len(head) + len(core) :]
    return (
        "".join("\\" + COMMENT_ESCAPES[c] for c in head)
        + core
        + "".join("\\" + COMMENT_ESCAPES[c] for c in tail)
    )


def _uncomment(text: str) -> str:
    """Return a `//` comment value with its escapes resolved (see `_comment`)."""
    return re.sub(r"\\(.)", lambda m: COMMENT_UNESCAPES.get(m.group(1), m.group(1)), text)


def _general(explanation: str, excerpts: list[str]) -> str:
    text = explanation + ("\n\nSource: " + " / ".join(excerpts) if excerpts else "")
    return f"####{escape(text)}"


def dump(
    bank: BankSource, excerpts: dict[str, list[str]] | None = None, warn: Warn | None = None
) -> str:
    """Return the bank in GIFT, one category per bank.

    ``warn`` is called with a message for each answer Moodle would read otherwise.
    """
    excerpts = excerpts or {}
    warn = warn or (lambda message: None)
    # A category is one line: a line break in the title would start a stray question.
    title = re.sub(r"\s*[\r\n]+\s*", " ", bank.title)
    out = [f"// quizapp bank: {bank.id}", f"$CATEGORY: {category_path(title)}", ""]
    if bank.description:
        out.insert(1, f"// [description:{_comment(bank.description, True)}]")
    if bank.doc:
        out.insert(1, f"// [doc:{_comment(bank.doc, True)}]")
    for q in bank.questions:
        mapping = mapping_of(q.type)
        if mapping is None:
            continue  # left_out_of_moodle names it, with the type's reason
        out += [f"// [tag:{_comment(t, True)}]" for t in q.tags]
        out.append(f"// [difficulty:{q.difficulty}]")
        if q.level != DEFAULT_LEVEL:
            out.append(f"// [level:{q.level}]")
        if q.points != 1:
            out.append(f"// [points:{_fmt(q.points)}]")
        if q.spec.get("unit"):
            out.append(f"// [unit:{_comment(q.spec['unit'], True)}]")
        out += [f"// [cite:{_comment(c.doc, True)}] {_comment(c.quote)}" for c in q.cites]
        for message in mapping.warnings(q.id, q.spec):
            warn(message)
        body = mapping.answers(q.spec, SYNTAX)
        general = _general(q.explanation, excerpts.get(q.id, []))
        out.append(f"::{escape(q.id)}::[markdown]{escape(q.prompt)} {{{body}\n{general}\n}}")
        out.append("")
    return "\n".join(out)


# --- import ---------------------------------------------------------------------------------

QUESTION = re.compile(
    r"^(?:::(?P<id>(?:\\.|[^:])*)::)?(?:\[(?P<fmt>\w+)\])?(?P<prompt>(?:\\.|[^{])*)"
    r"\{(?P<body>(?:\\.|[^}])*)\}(?P<after>.*)$",
    re.S,
)
META = re.compile(
    r"^//\s*\[(tag|difficulty|level|points|unit|cite|doc|description):((?:\\.|[^\]\\])*)\]\s*(.*)$"
)
WEIGHT = re.compile(r"%(-?[\d.]+)%")
TITLE = re.compile(r"::((?:\\.|[^:])*)::")
TRUE_FALSE = ("T", "TRUE", "F", "FALSE")
# A single slash separates Moodle categories; a slash in a name is doubled.
CATEGORY_SEPARATOR = re.compile(r"(?<!/)/(?!/)")
HTML_BREAK = re.compile(r"<br\s*/?>", re.I)
HTML_BLOCK_END = re.compile(r"</(?:p|div|li|h[1-6]|tr|blockquote|pre)\s*>", re.I)


class GiftError(ValueError):
    """A GIFT file this importer cannot read, with the line it stopped at."""

    def __init__(self, line: int | None, message: str):
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


def category_path(title: str) -> str:
    """Return the Moodle category path of a bank: its title under the course's top category."""
    return f"$course$/top/{title.replace('/', '//')}"


def _category_title(path: str) -> str:
    return CATEGORY_SEPARATOR.split(path)[-1].replace("//", "/").strip()


def html_text(source: str) -> str:
    """Return the text of an HTML fragment: tags dropped, entities resolved, paragraphs kept."""
    text = HTML_BLOCK_END.sub("\n\n", HTML_BREAK.sub("\n", source))
    # nh3 (already used to sanitise pages) parses the HTML properly and keeps only the text.
    text = html.unescape(nh3.clean(text, tags=set()))
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _split(body: str) -> list[str]:
    """Split an answer block at unescaped = and ~ markers."""
    parts, current, i = [], "", 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            current += body[i : i + 2]
            i += 2
            continue
        if ch in "=~" and (not current.strip() or current.endswith(("\n", " ", "\t"))):
            if current.strip():
                parts.append(current)
            current = ch
        else:
            current += ch
        i += 1
    if current.strip():
        parts.append(current)
    return parts


def _cut(text: str, sep: str) -> tuple[str, str | None]:
    """Split at the first unescaped separator (a backslash escapes the next character only)."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text.startswith(sep, i):
            return text[:i], text[i + len(sep) :]
        else:
            i += 1
    return text, None


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """Return the blank-line separated blocks of a file as (line number, line) pairs."""
    blocks, current = [], []
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    return [*blocks, current] if current else blocks


def load(text: str, bank_id: str = "imported", warn: Warn | None = None) -> dict[str, Any]:
    """Return authoring data (as bank_yaml writes it) for a GIFT file.

    ``warn`` is called with a message for each thing the bank format cannot keep.
    """
    warn = warn or (lambda message: None)
    title = bank_id
    doc: str | None = None
    description: str | None = None
    questions: list[dict[str, Any]] = []
    meta: list[tuple[str, str, str]] = []
    for block in _blocks(text):
        qlines: list[tuple[int, str]] = []
        for number, line in block:
            stripped = line.strip()
            m = META.match(stripped)
            if m:
                meta.append((_uncomment(m[1]), _uncomment(m[2]), _uncomment(m[3])))
            elif stripped.startswith("$CATEGORY:"):
                title = _category_title(stripped[len("$CATEGORY:") :]) or title
            elif stripped.startswith("//"):
                found = re.match(r"//\s*quizapp bank:\s*(\S+)", stripped)
                bank_id = found.group(1) if found else bank_id
            else:
                qlines.append((number, line))
        for key, value, _rest in meta:
            if key == "doc":
                doc = value.strip()
            elif key == "description":
                description = value.strip()
        if qlines:
            source = "\n".join(line for _, line in qlines)
            question = _question(source, meta, qlines[0][0], warn)
            if question is not None:
                questions.append(question)
        meta = [m for m in meta if m[0] == "doc"] if not qlines else []
    if not questions:
        raise GiftError(None, "no question this importer can read in it")
    data: dict[str, Any] = {"bank": bank_id, "title": title}
    if doc:
        data["doc"] = doc
    if description:
        data["description"] = description
    data["questions"] = questions
    return data


def _question(
    source: str, meta: list[tuple[str, str, str]], line: int, warn: Warn
) -> dict[str, Any] | None:
    """Return the authoring data of one question, or None for an item a bank cannot hold."""
    if _cut(source, "{")[1] is None:
        # Moodle imports text with no answer block as a "description": text, not a question.
        title = TITLE.match(source.strip())
        what = f"question {unescape(title.group(1))}" if title else repr(source.strip()[:60])
        warn(
            f"line {line}: {what}: skipped: a description (text with no answer block {{...}}) "
            "is not a question"
        )
        return None
    match = QUESTION.match(source.strip())
    if not match:
        raise GiftError(line, f"not a GIFT question this importer understands: {source[:60]!r}")
    titled = match.group("id") is not None
    # GIFT written by hand often has no ::title::; the bank needs an id: one the author renames.
    qid = unescape(match.group("id")) if titled else f"question-line-{line}"
    where = (line, f"question {qid}")

    def note(message: str) -> None:
        warn(f"line {line}: question {qid}: {message}")

    if not titled:
        note("it has no ::title::, so it is named after its line: give it an id of your own")

    # Moodle writes [html] text as HTML, which the app would show tags and all.
    html_format = match.group("fmt") == "html"
    plain: Callable[[str], str] = html_text if html_format else (lambda value: value)
    if html_format and re.search(r"<img\b", match.group("prompt") + match.group("body"), re.I):
        note("its images are dropped (a bank has text only)")
    body, general = _cut(match.group("body"), "####")
    explanation = _without_sources(plain(unescape(general or "")))
    prompt, after = match.group("prompt"), match.group("after")
    if after.strip():
        # Moodle's "missing word" form: text after the answers, which stand in for a blank.
        if _cut(after, "{")[1] is not None:
            raise GiftError(line, f"{where[1]}: more than one answer block {{...}}")
        prompt = f"{prompt}_____{after.rstrip()}"
    item: dict[str, Any] = {"id": qid, "type": None, "prompt": plain(unescape(prompt))}
    stripped = body.strip()
    head, feedback = _cut(stripped, "#")
    block = Block(body, stripped, head, feedback, _split(body), meta, where, plain)
    kind = _kind(block, note)
    if kind is None:
        return None
    for qtype in REGISTRY.values():
        mapping = _gift_mapping(qtype)
        # Two types may share a kind (single and multiple): each reads only its own.
        fields = (
            mapping.read(block, SYNTAX, note)
            if mapping is not None and mapping.kind == kind
            else None
        )
        if fields is not None:
            item.update(type=qtype.name, **fields)
            break
    else:
        raise GiftError(line, f"{where[1]}: no question type here reads a GIFT {kind} question")
    item["explanation"] = explanation
    item["cite"] = [{"doc": v.strip(), "quote": rest} for k, v, rest in meta if k == "cite"]
    tags = [v.strip() for k, v, _ in meta if k == "tag"]
    if tags:
        item["tags"] = tags
    item["difficulty"] = next((v.strip() for k, v, _ in meta if k == "difficulty"), "medium")
    level = next((v.strip() for k, v, _ in meta if k == "level"), DEFAULT_LEVEL)
    if level != DEFAULT_LEVEL:  # `quizapp check` names a level it does not know
        item["level"] = level
    points = next((v for k, v, _ in meta if k == "points"), None)
    if points:
        item["points"] = _num(points, where)
    return item


def _without_sources(explanation: str) -> str:
    """Return an explanation without the excerpts `dump` appends ("Source: “quote” (title)"),
    and only those: the explanation's own "Source: ..." is text."""
    head, found, _ = ("\n\n" + explanation).rpartition("\n\nSource: “")
    return head[2:] if found else explanation


@dataclass(frozen=True)
class Block:
    """A question's answer block, as a type's GIFT mapping reads it."""

    body: str  # between the braces, the general feedback cut off
    stripped: str
    head: str  # before the first unescaped #
    feedback: str | None  # after it
    parts: list[str]  # split at the = and ~ markers
    meta: list[tuple[str, str, str]]  # the // [key:value] rest comment lines before it
    where: tuple[int, str]  # line, "question <id>" for errors
    plain: Callable[[str], str]  # text as the bank keeps it ([html] made plain)


def _kind(block: Block, note: Callable[[str], None]) -> str | None:
    """Return which of Moodle's GIFT kinds an answer block is; None (noted) for what is skipped."""
    if block.head.strip().upper() in TRUE_FALSE:
        return "truefalse"
    if block.stripped.startswith("#"):
        return "numerical"
    if not block.stripped:
        note(
            "skipped: an essay (an empty answer block {}) needs marking by hand, "
            "and a bank has no essay questions"
        )
        return None
    # As Moodle decides: a ~ makes a choice question; else = with -> makes a matching one.
    if not any(p.startswith("~") for p in block.parts) and any(
        _cut(p, "->")[1] is not None for p in block.parts
    ):
        note("skipped: a matching question (=item -> match) has no equivalent in a bank")
        return None
    if not any(p.startswith("~") for p in block.parts):
        return "shortanswer"
    return "multichoice"


def mapping_of(qtype: str) -> GiftMapping | None:
    """Return a question type's GIFT mapping, or None when the type says it has none."""
    return _gift_mapping(get_type(qtype))


def _gift_mapping(qtype: QuestionType) -> GiftMapping | None:
    mapping = qtype.gift
    # A type's gift is a GIFT mapping or a NoMapping: register() checks it has one.
    return None if isinstance(mapping, NoMapping) else cast(GiftMapping, mapping)


def _short_answers(
    parts: list[str], where: tuple[int, str], note: Callable[[str], None]
) -> list[str]:
    """Return the accepted answers of a short-answer block: its =answers worth 100%."""
    accept: list[str] = []
    feedback = False
    for part in parts:
        if not part.startswith("="):
            raise GiftError(where[0], f"{where[1]}: {part.strip()!r} starts with neither = nor ~")
        weight = WEIGHT.match(part[1:])
        text, answer_feedback = _cut(part[1 + (weight.end() if weight else 0) :], "#")
        if weight and float(weight.group(1)) != 100:
            note(f"the answer {part.strip()!r} is dropped (a bank takes only fully right answers)")
            continue
        if not unescape(text):
            raise GiftError(where[0], f"{where[1]}: an accepted answer is empty")
        accept.append(unescape(text))
        feedback = feedback or bool(answer_feedback is not None and unescape(answer_feedback))
    if not accept:
        raise GiftError(where[0], f"{where[1]}: no short answer is worth 100%")
    if feedback:
        note("its answer feedback is dropped (a bank has none for short-text answers)")
    return accept


def _numeric(source: str, where: tuple[int, str], note: Callable[[str], None]) -> dict[str, float]:
    """Return answer and tolerance of a numeric block (after its #): one answer, or =answers."""
    parts = _split(source)
    if any(p.startswith("=") for p in parts):
        answers: list[str] = []
        for part in parts:
            weight = WEIGHT.match(part[1:]) if part.startswith("=") else None
            if not part.startswith("=") or (weight and float(weight.group(1)) != 100):
                note(f"the answer {part.strip()!r} is dropped (a bank takes one answer)")
            else:
                answers.append(part[1 + (weight.end() if weight else 0) :])
        if not answers:
            raise GiftError(where[0], f"{where[1]}: no numeric answer is worth 100%")
        if len(answers) > 1:
            note("only the first 100% answer is kept (a bank takes one answer)")
        source = answers[0]
    value, feedback = _cut(source.strip(), "#")
    if feedback is not None and unescape(feedback):
        note("its numeric feedback is dropped (a bank has none for numeric answers)")
    low, dots, high = value.partition("..")
    if dots:  # Moodle's min..max range: the middle, give or take half the width
        lowest, highest = _num(low, where), _num(high, where)
        answer, tolerance = (
            float(f"{v:.12g}") for v in ((lowest + highest) / 2, (highest - lowest) / 2)
        )
    else:
        written, _, tol = value.partition(":")
        answer, tolerance = _num(written, where), _num(tol, where) if tol.strip() else 0
    spec: dict[str, float] = {"answer": _tidy(answer)}
    if tolerance:
        spec["tolerance"] = _tidy(tolerance)
    return spec


def _num(text: str, where: tuple[int, str]) -> int | float:
    try:
        return _tidy(float(unescape(text)))
    except ValueError:
        raise GiftError(where[0], f"{where[1]}: {unescape(text)!r} is not a number") from None


def _tidy(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


# What a type's GIFT mapping writes and reads with: handed over, so types need not import this.
SYNTAX = SimpleNamespace(
    escape=escape,
    unescape=unescape,
    feedback=_fb,
    number=_fmt,
    cut=_cut,
    WEIGHT=WEIGHT,
    numeric=_numeric,
    short_answers=_short_answers,
)
