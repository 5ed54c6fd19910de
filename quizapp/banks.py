"""Question banks: YAML parsed safely and validated with every problem located (pure)."""

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML, events
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .diagnostics import Reporter, did_you_mean
from .qtypes import REGISTRY

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 50
ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
DIFFICULTIES = ("easy", "medium", "hard")
BANK_KEYS = {"bank", "title", "doc", "description", "questions"}
QUESTION_KEYS = {"id", "type", "prompt", "explanation", "cite", "tags", "difficulty", "points"}
CITE_KEYS = {"quote", "doc"}


@dataclass(frozen=True)
class Cite:
    doc: str
    quote: str
    line: int
    col: int


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    prompt: str
    explanation: str
    cites: tuple[Cite, ...]
    tags: tuple[str, ...]
    difficulty: str
    points: float
    spec: dict = field(hash=False)
    line: int = 0
    col: int = 0

    def canonical(self) -> dict:
        """Return everything that defines the question's content (not its id or position)."""
        return {
            "type": self.type,
            "prompt": self.prompt,
            "explanation": self.explanation,
            "cite": [{"doc": c.doc, "quote": c.quote} for c in self.cites],
            "tags": list(self.tags),
            "difficulty": self.difficulty,
            "points": self.points,
            "spec": self.spec,
        }

    def content_hash(self) -> str:
        """Return a short digest of the canonical content: a new one means a new version."""
        blob = json.dumps(self.canonical(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Bank:
    id: str
    title: str
    doc: str | None
    description: str | None
    questions: tuple[Question, ...]
    path: str
    line: int = 1


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.version = (1, 2)
    yaml.allow_duplicate_keys = True  # duplicates are reported by _scan with their position
    return yaml


def _scan(text: str, report: Reporter) -> bool:
    """Check the event stream before building anything; return False to stop parsing.

    Anchors and aliases are refused outright: banks never need them, and refusing them kills
    "billion laughs" expansion bombs before any expansion happens. Explicit tags are refused
    too (no Python objects), as is nesting deeper than any bank needs.
    """
    depth = 0
    keys: list[dict | None] = []  # per open collection: seen mapping keys, or None for a sequence
    expecting_key: list[bool] = []
    ok = True
    for event in _yaml().parse(text):
        mark = event.start_mark
        if isinstance(event, events.AliasEvent):
            report.at(mark.line, mark.column, "aliases (*name) are not allowed in question banks")
            return False
        anchor = getattr(event, "anchor", None)
        if anchor:
            report.at(
                mark.line, mark.column, f"anchors (&{anchor}) are not allowed in question banks"
            )
            return False
        if _explicit_tag(event):
            report.at(
                mark.line, mark.column, f"tags like {event.tag} are not allowed in question banks"
            )
            ok = False
        node_event = (events.ScalarEvent, events.MappingStartEvent, events.SequenceStartEvent)
        if isinstance(event, node_event) and keys and keys[-1] is not None:
            # Inside a mapping, nodes alternate key, value: check the keys for repeats.
            if expecting_key[-1] and isinstance(event, events.ScalarEvent):
                if event.value in keys[-1]:
                    first = keys[-1][event.value]
                    report.at(
                        mark.line,
                        mark.column,
                        f'duplicate key "{event.value}" (first defined on line {first})',
                    )
                keys[-1][event.value] = mark.line + 1
            expecting_key[-1] = not expecting_key[-1]
        if isinstance(event, events.MappingStartEvent | events.SequenceStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                report.at(mark.line, mark.column, f"nesting is deeper than {MAX_DEPTH} levels")
                return False
            keys.append({} if isinstance(event, events.MappingStartEvent) else None)
            expecting_key.append(True)
        elif isinstance(event, events.MappingEndEvent | events.SequenceEndEvent):
            depth -= 1
            keys.pop()
            expecting_key.pop()
    return ok


def _explicit_tag(event) -> bool:
    tag = getattr(event, "tag", None)
    if not tag:
        return False
    implicit = getattr(event, "implicit", True)
    return not (implicit[0] if isinstance(implicit, tuple) else implicit)


def read_text(data: bytes | str, report: Reporter) -> str | None:
    """Return the file's text, or None after reporting why it cannot be read."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    if len(data) > MAX_BYTES:
        report.at(0, 0, f"file is {len(data):,} bytes; the limit is {MAX_BYTES:,} (split the bank)")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n")
        col = len(before) - (before.rfind(b"\n") + 1)
        report.at(line, col, f"file is not UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8")
        return None
    if "\x00" in text:
        report.at(0, 0, "file contains NUL bytes: it looks binary, not YAML")
        return None
    return text.removeprefix("\ufeff")


def load_yaml(data: bytes | str, report: Reporter):
    """Return the parsed document (ruamel round-trip nodes), or None after reporting."""
    text = read_text(data, report)
    if text is None:
        return None
    try:
        if not _scan(text, report):
            return None
        doc = _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        report.at(
            mark.line if mark else 0, mark.column if mark else 0, f"YAML syntax error: {problem}"
        )
        return None
    except (YAMLError, RecursionError, ValueError) as exc:
        report.at(0, 0, f"YAML error: {exc}")
        return None
    if doc is None:
        report.at(0, 0, "file is empty: a bank needs bank, title and questions")
        return None
    if not isinstance(doc, Mapping):
        report.at(0, 0, "a bank file must be a mapping with bank, title and questions")
        return None
    return doc


def _text(node, key, report, *, required=True, what=None) -> str | None:
    value = node.get(key)
    what = what or key
    if value is None:
        if required:
            report.node(node, f'missing required key "{key}"') if key not in node else report.value(
                node, key, f"{what} must not be empty"
            )
        return None
    if not isinstance(value, str):
        report.value(node, key, f"{what} must be text, not {type(value).__name__}")
        return None
    if not value.strip():
        report.value(node, key, f"{what} must not be empty")
        return None
    return str(value)


def _unknown_keys(node, allowed, report, where: str) -> None:
    for key in node:
        if key not in allowed:
            report.key(node, key, f'unknown key "{key}" in {where}{did_you_mean(key, allowed)}')


def parse_bank(data: bytes | str, path: str) -> tuple[Bank | None, list]:
    """Return the bank in one file (None if unusable) and every diagnostic found."""
    report = Reporter(path)
    try:
        doc = load_yaml(data, report)
        bank = _bank(doc, path, report) if doc is not None else None
    except Exception as exc:
        report.at(0, 0, f"internal error while checking this file: {exc!r}")
        bank = None
    return bank, report.diagnostics


def _bank(doc, path: str, report: Reporter) -> Bank | None:
    _unknown_keys(doc, BANK_KEYS, report, "bank")
    bank_id = _text(doc, "bank", report)
    if bank_id is not None and not ID.match(bank_id):
        report.value(
            doc, "bank", f'bank id "{bank_id}" must be 2-64 lowercase letters, digits or dashes'
        )
    title = _text(doc, "title", report)
    default_doc = _text(doc, "doc", report, required=False)
    description = _text(doc, "description", report, required=False)
    questions_node = doc.get("questions")
    questions = []
    if questions_node is None:
        report.node(
            doc, 'missing required key "questions"'
        ) if "questions" not in doc else report.value(
            doc, "questions", "questions must be a non-empty list"
        )
    elif not isinstance(questions_node, list) or not questions_node:
        report.value(doc, "questions", "questions must be a non-empty list")
    else:
        for i, node in enumerate(questions_node):
            if not isinstance(node, Mapping):
                report.item(questions_node, i, "each question must be a mapping")
                continue
            question = _question(node, default_doc, report)
            if question is not None:
                questions.append(question)
    if bank_id is None or title is None:
        return None
    return Bank(bank_id, title, default_doc, description, tuple(questions), path)


def _question(node, default_doc, report: Reporter) -> Question | None:
    before = len(report.diagnostics)
    qtype_name = node.get("type")
    qtype = REGISTRY.get(qtype_name) if isinstance(qtype_name, str) else None
    allowed = QUESTION_KEYS | set(qtype.keys if qtype else ())
    _unknown_keys(node, allowed if qtype else allowed | _all_type_keys(), report, "question")
    qid = _text(node, "id", report)
    if qid is not None and not ID.match(qid):
        report.value(
            node, "id", f'question id "{qid}" must be 2-64 lowercase letters, digits or dashes'
        )
    if qtype is None:
        if "type" not in node:
            report.node(node, 'missing required key "type"')
        else:
            report.value(
                node,
                "type",
                f'unknown question type "{qtype_name}"'
                f"{did_you_mean(qtype_name, REGISTRY)}; use one of {', '.join(REGISTRY)}",
            )
    prompt = _text(node, "prompt", report)
    explanation = _text(node, "explanation", report)
    difficulty = node.get("difficulty")
    if difficulty is None and "difficulty" not in node:
        report.node(node, 'missing required key "difficulty"')
    elif difficulty not in DIFFICULTIES:
        report.value(
            node, "difficulty", f'difficulty must be one of easy, medium, hard, not "{difficulty}"'
        )
    points = node.get("points", 1)
    if isinstance(points, bool) or not isinstance(points, int | float) or points <= 0:
        report.value(node, "points", f"points must be a positive number, not {points!r}")
        points = 1
    tags = node.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
        report.value(node, "tags", "tags must be a list of words, e.g. [facilities, funding]")
        tags = []
    cites = _cites(node, default_doc, report)
    spec = {}
    if qtype is not None:
        for key in qtype.required:
            if key not in node:
                report.node(node, f'missing required key "{key}" for a {qtype.name} question')
        spec = qtype.parse(node, report)
    if len(report.diagnostics) > before or None in (qid, prompt, explanation):
        return None
    line, col = node.lc.line + 1, node.lc.col + 1
    return Question(
        qid,
        qtype.name,
        prompt,
        explanation,
        tuple(cites),
        tuple(tags),
        difficulty,
        float(points),
        spec,
        line,
        col,
    )


def _all_type_keys() -> set[str]:
    return {key for qtype in REGISTRY.values() for key in qtype.keys}


def _cites(node, default_doc, report: Reporter) -> list[Cite]:
    cite_node = node.get("cite")
    if cite_node is None:
        if "cite" not in node:
            report.node(
                node, 'missing required key "cite": quote the passage that supports the answer'
            )
        else:
            report.value(node, "cite", "cite must list at least one quote")
        return []
    if not isinstance(cite_node, list) or not cite_node:
        report.value(node, "cite", "cite must be a list of {quote, doc}")
        return []
    cites = []
    for i, item in enumerate(cite_node):
        if not isinstance(item, Mapping):
            report.item(cite_node, i, 'each cite must be a mapping like {quote: "..."}')
            continue
        _unknown_keys(item, CITE_KEYS, report, "cite")
        quote = _text(item, "quote", report)
        doc = item.get("doc", default_doc)
        if doc is None:
            report.item(cite_node, i, "cite has no doc and the bank has no default doc")
        elif not isinstance(doc, str):
            report.value(item, "doc", "doc must be an article id")
            doc = None
        if quote is not None and doc is not None:
            line, col = item.lc.value("quote") if "quote" in item else (item.lc.line, item.lc.col)
            cites.append(Cite(doc, quote, line + 1, col + 1))
    return cites


def bank_files(paths) -> list[Path]:
    """Return the bank files named by paths (folders give their *.yaml and *.yml files)."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        else:
            files.append(path)
    return files
