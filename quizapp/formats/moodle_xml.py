"""Moodle XML export, and a reader for round-trip tests (pure, standard library XML)."""

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any, Protocol, cast

from quizapp.authoring.source import BankSource
from quizapp.formats.gift import Warn, category_path
from quizapp.qtypes import REGISTRY, NoMapping, QuestionType, get_type

# A bank to write, as ``dump`` takes it: (bank, excerpts per question id, warn).
BankArguments = tuple[BankSource, dict[str, list[str]] | None, Warn | None]


class MoodleMapping(Protocol):
    """What a question type's ``moodle`` mapping offers (see quizapp.qtypes)."""

    kind: str  # the <question type="..."> it writes and reads: "multichoice", "numerical"...

    def write(self, el: ET.Element, spec: dict[str, Any], syntax: Any) -> None: ...

    def reads(self, el: ET.Element) -> bool: ...

    def read(self, el: ET.Element) -> dict[str, Any]: ...


# What XML 1.0 cannot hold, even as a character reference: control characters but tab and
# line breaks, lone surrogates, U+FFFE and U+FFFF.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _drop_non_xml(element: ET.Element) -> list[str]:
    """Drop what XML cannot hold from the text under element; return what was dropped."""
    dropped = []
    for node in element.iter():
        for attribute in ("text", "tail"):
            value = getattr(node, attribute)
            if value and NOT_XML.search(value):
                dropped += NOT_XML.findall(value)
                setattr(node, attribute, NOT_XML.sub("", value))
    return dropped


def _named(characters: list[str]) -> str:
    return ", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(characters))


def _text(parent: ET.Element, tag: str, value: str, fmt: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = value
    return element


def _num(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else repr(value)


def dump(
    bank: BankSource, excerpts: dict[str, list[str]] | None = None, warn: Warn | None = None
) -> str:
    """Return the bank as Moodle XML, under a category named after it.

    ``warn`` is called with a message for each question whose control characters (which XML 1.0
    cannot hold) are dropped.
    """
    return dump_banks([(bank, excerpts, warn)])


def dump_banks(banks: Iterable[BankArguments]) -> str:
    """Return one Moodle XML file of several banks, each under its own category.

    ``banks`` holds (bank, excerpts, warn) triples as ``dump`` takes them. One file has one
    <quiz> root: documents written one after another are not XML, and Moodle refuses them.
    """
    quiz = ET.Element("quiz")
    for bank, excerpts, warn in banks:
        _add_bank(quiz, bank, excerpts or {}, warn or (lambda message: None))
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


def _add_bank(
    quiz: ET.Element, bank: BankSource, excerpts: dict[str, list[str]], warn: Warn
) -> None:
    """Append a bank's category and then its questions to a <quiz>."""
    category = ET.SubElement(quiz, "question", {"type": "category"})
    _text(category, "category", category_path(bank.title))
    if bank.description:  # Moodle shows it as the category's description
        _text(category, "info", bank.description, "markdown")
    dropped = _drop_non_xml(category)
    if dropped:
        warn(f"its title or description: {_named(dropped)} dropped (XML cannot hold them)")
    for q in bank.questions:
        mapping = mapping_of(q.type)
        if mapping is None:
            continue  # left_out_of_moodle names it, with the type's reason
        el = ET.SubElement(quiz, "question", {"type": mapping.kind})
        _text(el, "name", q.id)
        _text(el, "questiontext", q.prompt, "markdown")
        general = q.explanation
        if excerpts.get(q.id):
            general += "\n\nSource: " + " / ".join(excerpts[q.id])
        _text(el, "generalfeedback", general, "markdown")
        ET.SubElement(el, "defaultgrade").text = _num(q.points)
        ET.SubElement(el, "idnumber").text = q.id
        mapping.write(el, q.spec, SYNTAX)
        tags = ET.SubElement(el, "tags")
        for tag in (*q.tags, f"difficulty-{q.difficulty}", f"level-{q.level}"):
            _text(tags, "tag", tag)
        dropped = _drop_non_xml(el)
        if dropped:
            warn(f"question {q.id}: {_named(dropped)} dropped (XML cannot hold them)")


def _answer(
    el: ET.Element, fraction: float, text: str, feedback: str | None = None, fmt: str = "markdown"
) -> ET.Element:
    answer = ET.SubElement(el, "answer", {"fraction": _num(fraction), "format": fmt})
    ET.SubElement(answer, "text").text = text
    _text(answer, "feedback", feedback or "", "markdown")
    return answer


def mapping_of(qtype: str) -> MoodleMapping | None:
    """Return a question type's Moodle XML mapping, or None when the type says it has none."""
    return _moodle_mapping(get_type(qtype))


def _moodle_mapping(qtype: QuestionType) -> MoodleMapping | None:
    mapping = qtype.moodle
    # A type's moodle is a Moodle XML mapping or a NoMapping: register() checks it has one.
    return None if isinstance(mapping, NoMapping) else cast(MoodleMapping, mapping)


# What a type's Moodle XML mapping writes with: handed over, so types need not import this.
SYNTAX = SimpleNamespace(ET=ET, answer=_answer, number=_num)


def load(text: str) -> list[dict[str, Any]]:
    """Return the questions of a Moodle XML file as plain dicts (type, prompt, answers...)."""
    questions = []
    for el in ET.fromstring(text).findall("question"):
        kind = el.get("type")
        if kind == "category":
            continue
        item: dict[str, Any] = {
            "id": el.findtext("name/text"),
            "prompt": el.findtext("questiontext/text"),
            "points": float(el.findtext("defaultgrade") or 1),
            "tags": [t.findtext("text") for t in el.findall("tags/tag")],
        }
        item.update(_read(el, kind, item["id"]))
        questions.append(item)
    return questions


def _read(el: ET.Element, kind: str | None, name: str | None) -> dict[str, Any]:
    """Return type and fields of a question element, read by the type whose mapping takes it."""
    for qtype in REGISTRY.values():
        mapping = _moodle_mapping(qtype)
        if mapping is not None and mapping.kind == kind and mapping.reads(el):
            return {"type": qtype.name, **mapping.read(el)}
    raise ValueError(f"question {name}: no question type here reads a Moodle {kind} question")
