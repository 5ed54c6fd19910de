"""Moodle XML export, and a reader for round-trip tests (pure, standard library XML)."""

import re
import xml.etree.ElementTree as ET

from quizapp.authoring.source import Bank
from quizapp.formats.gift import category_path

TYPES = {
    "single": "multichoice",
    "multiple": "multichoice",
    "true_false": "truefalse",
    "numeric": "numerical",
    "short_text": "shortanswer",
}


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


def _text(parent, tag: str, value: str, fmt: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(element, "text").text = value
    return element


def _num(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else repr(value)


def dump(bank: Bank, excerpts: dict[str, list[str]] | None = None, warn=None) -> str:
    """Return the bank as Moodle XML, under a category named after it.

    ``warn`` is called with a message for each question whose control characters (which XML 1.0
    cannot hold) are dropped.
    """
    return dump_banks([(bank, excerpts, warn)])


def dump_banks(banks) -> str:
    """Return one Moodle XML file of several banks, each under its own category.

    ``banks`` holds (bank, excerpts, warn) triples as ``dump`` takes them. One file has one
    <quiz> root: documents written one after another are not XML, and Moodle refuses them.
    """
    quiz = ET.Element("quiz")
    for bank, excerpts, warn in banks:
        _add_bank(quiz, bank, excerpts or {}, warn or (lambda message: None))
    ET.indent(quiz)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


def _add_bank(quiz: ET.Element, bank: Bank, excerpts: dict[str, list[str]], warn) -> None:
    """Append a bank's category and then its questions to a <quiz>."""
    category = ET.SubElement(quiz, "question", {"type": "category"})
    _text(category, "category", category_path(bank.title))
    if bank.description:  # Moodle shows it as the category's description
        _text(category, "info", bank.description, "markdown")
    dropped = _drop_non_xml(category)
    if dropped:
        warn(f"its title or description: {_named(dropped)} dropped (XML cannot hold them)")
    for q in bank.questions:
        el = ET.SubElement(quiz, "question", {"type": TYPES[q.type]})
        _text(el, "name", q.id)
        _text(el, "questiontext", q.prompt, "markdown")
        general = q.explanation
        if excerpts.get(q.id):
            general += "\n\nSource: " + " / ".join(excerpts[q.id])
        _text(el, "generalfeedback", general, "markdown")
        ET.SubElement(el, "defaultgrade").text = _num(q.points)
        ET.SubElement(el, "idnumber").text = q.id
        _answers(el, q)
        tags = ET.SubElement(el, "tags")
        for tag in (*q.tags, f"difficulty-{q.difficulty}", f"level-{q.level}"):
            _text(tags, "tag", tag)
        dropped = _drop_non_xml(el)
        if dropped:
            warn(f"question {q.id}: {_named(dropped)} dropped (XML cannot hold them)")


def _answer(el, fraction: float, text: str, feedback: str | None = None, fmt="markdown"):
    answer = ET.SubElement(el, "answer", {"fraction": _num(fraction), "format": fmt})
    ET.SubElement(answer, "text").text = text
    _text(answer, "feedback", feedback or "", "markdown")
    return answer


def _answers(el, q) -> None:
    spec = q.spec
    if q.type in ("single", "multiple"):
        ET.SubElement(el, "single").text = "true" if q.type == "single" else "false"
        ET.SubElement(el, "shuffleanswers").text = "1"
        ET.SubElement(el, "answernumbering").text = "abc"
        k = sum(c["correct"] for c in spec["choices"])
        for c in spec["choices"]:
            if q.type == "single":
                fraction = 100 if c["correct"] else 0
            else:
                fraction = round(100 / k, 5) * (1 if c["correct"] else -1)
            _answer(el, fraction, c["text"], c.get("feedback"))
    elif q.type == "true_false":
        _answer(el, 100 if spec["answer"] else 0, "true", fmt="moodle_auto_format")
        _answer(el, 0 if spec["answer"] else 100, "false", fmt="moodle_auto_format")
    elif q.type == "numeric":
        answer = _answer(el, 100, _num(spec["answer"]), fmt="moodle_auto_format")
        ET.SubElement(answer, "tolerance").text = _num(spec.get("tolerance") or 0)
        if spec.get("unit"):
            units = ET.SubElement(el, "units")
            unit = ET.SubElement(units, "unit")
            ET.SubElement(unit, "multiplier").text = "1"
            ET.SubElement(unit, "unit_name").text = spec["unit"]
    else:
        ET.SubElement(el, "usecase").text = "0"
        for accepted in spec["accept"]:
            _answer(el, 100, accepted, fmt="moodle_auto_format")


def load(text: str) -> list[dict]:
    """Return the questions of a Moodle XML file as plain dicts (type, prompt, answers...)."""
    reverse = {
        "multichoice": None,
        "truefalse": "true_false",
        "numerical": "numeric",
        "shortanswer": "short_text",
    }
    questions = []
    for el in ET.fromstring(text).findall("question"):
        kind = el.get("type")
        if kind == "category":
            continue
        item = {
            "id": el.findtext("name/text"),
            "prompt": el.findtext("questiontext/text"),
            "points": float(el.findtext("defaultgrade") or 1),
            "tags": [t.findtext("text") for t in el.findall("tags/tag")],
        }
        answers = el.findall("answer")
        if kind == "multichoice":
            item["type"] = "single" if el.findtext("single") == "true" else "multiple"
            item["choices"] = [
                {
                    "text": a.findtext("text"),
                    "correct": float(a.get("fraction")) > 0,
                    "feedback": a.findtext("feedback/text") or None,
                }
                for a in answers
            ]
        else:
            item["type"] = reverse[kind]
            if kind == "truefalse":
                item["answer"] = (
                    next(a.findtext("text") for a in answers if float(a.get("fraction")) > 0)
                    == "true"
                )
            elif kind == "numerical":
                item["answer"] = float(answers[0].findtext("text"))
                item["tolerance"] = float(answers[0].findtext("tolerance") or 0)
                item["unit"] = el.findtext("units/unit/unit_name")
            else:
                item["accept"] = [a.findtext("text") for a in answers]
        questions.append(item)
    return questions
