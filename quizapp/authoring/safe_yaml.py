"""Untrusted YAML read defensively: size, encoding, tags, anchors and depth checked (pure)."""

import re
from collections.abc import Mapping
from typing import Any

from ruamel.yaml import YAML, events
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from quizapp.authoring.diagnostics import Reporter

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 50
NODE_EVENTS = (events.ScalarEvent, events.MappingStartEvent, events.SequenceStartEvent)


def too_big(size: int) -> str | None:
    """Return why a file of ``size`` bytes is refused, or None."""
    if size > MAX_BYTES:
        return f"file is {size:,} bytes; the limit is {MAX_BYTES:,} (split the bank)"
    return None


def yaml_loader() -> YAML:
    """Return a round-trip loader: every node keeps its line and column."""
    yaml = YAML(typ="rt", pure=True)
    yaml.version = (1, 2)
    yaml.allow_duplicate_keys = True  # duplicates are reported by _scan with both positions
    return yaml


def decode(data: bytes | str, report: Reporter) -> str | None:
    """Return the file's text, or None after reporting why it cannot be read."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    problem = too_big(len(data))
    if problem:
        report.at(0, 0, problem)
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(data[: exc.start].decode("utf-8"), exc.start)
        report.at(line, col, f"file is not UTF-8 (byte 0x{data[exc.start]:02x}); save it as UTF-8")
        return None
    if "\x00" in text:
        report.at(*_position(text, text.index("\x00")), "file contains NUL bytes: it is not YAML")
        return None
    text = text.removeprefix("\ufeff")
    # Pasted from a PDF or a word processor: found here, at its place (the YAML reader gives an
    # offset into the whole file).
    raw = UNWRITABLE.search(text)
    if raw is not None:
        report.at(*_position(text, raw.start()), _describe_unwritable(raw[0]))
        return None
    return text


def _position(text: str, index: int) -> tuple[int, int]:
    """Return the 0-based line and column (in characters) of text[index]."""
    before = text[:index]
    return before.count("\n"), len(before) - (before.rfind("\n") + 1)


def _tag_name(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org") else tag


def _explicit_tag(event: Any) -> bool:
    if not getattr(event, "tag", None):
        return False
    implicit = getattr(event, "implicit", True)
    return not (implicit[0] if isinstance(implicit, tuple) else implicit)


def _scan(text: str, report: Reporter) -> tuple[bool, tuple[int, int]]:
    """Check the event stream before any node is built; return (usable, first node position).

    Anchors and aliases are refused outright: banks never need them, and refusing them kills
    "billion laughs" alias bombs before anything is expanded. Explicit tags are refused so no
    Python object (or any custom type) can be built. Depth is counted on the flat event
    stream, so absurd nesting is stopped here without recursion.
    """
    depth, ok, first = 0, True, (0, 0)
    keys: list[
        dict[str, int] | None
    ] = []  # per open collection: keys seen so far, or None for a sequence
    expect_key: list[bool] = []
    for event in yaml_loader().parse(text):
        mark = event.start_mark
        if isinstance(event, events.DocumentStartEvent) and event.version not in (None, (1, 2)):
            # %YAML 1.1 would turn yes/no/on/off into booleans behind the author's back.
            major, minor = event.version
            report.at(
                *_directive(text), f"%YAML {major}.{minor} is not allowed: banks are YAML 1.2"
            )
            return False, first
        if isinstance(event, events.AliasEvent):
            report.at(mark.line, mark.column, "aliases (*name) are not allowed in question banks")
            return False, first
        if getattr(event, "anchor", None):
            report.at(
                mark.line,
                mark.column,
                f"anchors (&{event.anchor}) are not allowed in question banks",
            )
            return False, first
        if _explicit_tag(event):
            report.at(
                mark.line,
                mark.column,
                f"tags like {_tag_name(event.tag)} are not allowed in question banks",
            )
            ok = False
        if isinstance(event, events.ScalarEvent) and (bad := _unwritable(event.value)):
            report.at(mark.line, mark.column, bad)
            ok = False
        if isinstance(event, NODE_EVENTS):
            if not depth and not keys:
                first = (mark.line, mark.column)
            if keys and keys[-1] is not None:
                # Inside a mapping, nodes alternate key, value: keys are checked for repeats.
                if expect_key[-1] and isinstance(event, events.ScalarEvent):
                    seen = keys[-1]
                    if event.value in seen:
                        report.at(
                            mark.line,
                            mark.column,
                            f'duplicate key "{event.value}" (first defined on line '
                            f"{seen[event.value]})",
                        )
                    else:
                        seen[event.value] = mark.line + 1
                expect_key[-1] = not expect_key[-1]
        if isinstance(event, events.MappingStartEvent | events.SequenceStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                report.at(mark.line, mark.column, f"nesting is deeper than {MAX_DEPTH} levels")
                return False, first
            keys.append({} if isinstance(event, events.MappingStartEvent) else None)
            expect_key.append(True)
        elif isinstance(event, events.MappingEndEvent | events.SequenceEndEvent):
            depth -= 1
            keys.pop()
            expect_key.pop()
    return ok, first


# Escapes in double quotes ("\f", "\ud800") can make what no page, database or export holds:
# control characters other than tab and line breaks (XML 1.0 refuses them) and lone surrogates.
UNWRITABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _unwritable(value: str) -> str | None:
    """Return why a scalar's text cannot be stored or shown, or None."""
    found = UNWRITABLE.search(value)
    if found is None:
        return None
    return _describe_unwritable(found[0])


def _describe_unwritable(char: str) -> str:
    """Return why one character (matched by UNWRITABLE) cannot be stored or shown."""
    code = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        return f"text holds a lone surrogate ({code}), not a character: write the character itself"
    return f"text holds a control character ({code}) that pages and exports cannot show: remove it"


QUOTED_OR_COMMENT = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\']|\'\')*\'|#[^\n]*')


def _flow_too_deep(text: str) -> int | None:
    """Return the offset where [ ] { } nesting passes MAX_DEPTH, or None.

    ruamel's scanner slows down quadratically on deep flow collections, so this cheap pass
    over the text outside quotes and comments refuses them before the parser sees them.
    """
    depth = 0
    for match in re.finditer(r"[\[\]{}]", QUOTED_OR_COMMENT.sub(lambda m: " " * len(m[0]), text)):
        depth += 1 if match[0] in "[{" else -1
        if depth > MAX_DEPTH:
            return match.start()
    return None


# A line that starts a key ("    answer: true"): a quoted value does not hold one in a bank.
KEY_LINE = re.compile(r"\n[ \t]*(?:- )?[A-Za-z_][\w-]*:(?:[ \t]|$)", re.M)


def _unclosed_quote(text: str, before: int) -> int | None:
    """Return the 0-based line, just before ``before``, of a value opened with " and not closed.

    A quoted value may go on over lines, so one is suspect only when what it swallowed reaches
    over the start of a key: the " that ends it then was the next value's opening one.
    """
    lines = text.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[: max(0, before - 3)])
    for number in range(max(0, before - 3), min(before + 1, len(lines))):
        line = lines[number]
        value = line.split(": ", 1)[1] if ": " in line else line.lstrip(" -")
        if value.startswith('"'):
            opening = offset + line.index('"')
            closing = _closing_quote(text, opening)
            if KEY_LINE.search(text, opening, len(text) if closing is None else closing):
                return number
        offset += len(line)
    return None


def _closing_quote(text: str, opening: int) -> int | None:
    """Return the offset of the " that ends a double-quoted value, escapes skipped, or None."""
    at = opening + 1
    while at < len(text):
        if text[at] == "\\":
            at += 2
        elif text[at] == '"':
            return at
        else:
            at += 1
    return None


def _directive(text: str) -> tuple[int, int]:
    for number, line in enumerate(text.splitlines()):
        if line.startswith("%YAML"):
            return number, 0
    return 0, 0


def load_mapping(data: bytes | str, report: Reporter) -> Any:
    """Return the document as ruamel round-trip nodes if it is a mapping, else None (reported)."""
    text = decode(data, report)
    if text is None:
        return None
    deep = _flow_too_deep(text)
    if deep is not None:
        report.at(*_position(text, deep), f"nesting is deeper than {MAX_DEPTH} levels")
        return None
    try:
        ok, first = _scan(text, report)
        if not ok:
            return None
        doc = yaml_loader().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line, mark.column) if mark else (0, 0)
        if exc.context == "expected a single document in the stream":
            report.at(line, col, "a bank file holds one YAML document; remove the second ---")
        else:
            problem = exc.problem or exc.context or "invalid YAML"
            hint = "; check the indentation" if "<block" in problem else ""
            if "'\\t'" in problem:
                hint = "; indent with spaces: YAML does not allow tabs there"
            unclosed = _unclosed_quote(text, line)
            if unclosed is not None:
                hint = f'; is the " on line {unclosed + 1} closed?'
                line, col = unclosed, text.splitlines()[unclosed].index('"')
            report.at(line, col, f"YAML syntax error: {problem}{hint}")
        return None
    except (YAMLError, RecursionError, ValueError) as exc:
        report.at(0, 0, f"YAML error: {exc}")
        return None
    if doc is None:
        report.at(*first, "file is empty: a bank needs bank, title and questions")
        return None
    if not isinstance(doc, Mapping):
        report.at(*first, "a bank file must be a mapping with bank, title and questions")
        return None
    return doc
