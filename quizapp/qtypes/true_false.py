"""True-or-false statements."""

import random
from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import Element

from quizapp.qtypes.base import (
    AnswerKey,
    Diagnostics,
    GiftBlock,
    GiftSyntax,
    InvalidResponse,
    MoodleSyntax,
    Note,
    QuestionType,
    Score,
    Spec,
    full,
    kind,
    register,
)

YAML11_BOOLEANS = {"yes", "no", "on", "off", "y", "n"}


class TrueFalseGift:
    """GIFT ``{TRUE}``; Moodle's ``{T#wrong#right}`` feedback has no place in a bank."""

    kind = "truefalse"

    def answers(self, spec: Spec, syntax: GiftSyntax) -> str:
        return "TRUE" if spec["answer"] else "FALSE"

    def warnings(self, qid: str, spec: Spec) -> list[str]:
        return []

    def read(self, block: GiftBlock, syntax: GiftSyntax, note: Note) -> Spec:
        # Moodle: {TRUE#feedback when wrong#feedback when right}
        if block.feedback is not None and syntax.unescape(block.feedback.replace("#", " ")):
            note("its true/false feedback is dropped (a bank has none for true/false)")
        return {"answer": block.head.strip().upper().startswith("T")}


class TrueFalseMoodle:
    kind = "truefalse"

    def write(self, el: Element, spec: Spec, syntax: MoodleSyntax) -> None:
        syntax.answer(el, 100 if spec["answer"] else 0, "true", fmt="moodle_auto_format")
        syntax.answer(el, 0 if spec["answer"] else 100, "false", fmt="moodle_auto_format")

    def reads(self, el: Element) -> bool:
        return True

    def read(self, el: Element) -> Spec:
        answers = el.findall("answer")
        right = next(a.findtext("text") for a in answers if float(a.attrib["fraction"]) > 0)
        return {"answer": right == "true"}


@register
class TrueFalse(QuestionType):
    """A statement that is true or false (a real YAML 1.2 boolean, never the text "yes")."""

    name = "true_false"
    has_choices = False  # True and False are the template's own, not a choices list
    gift = TrueFalseGift()
    moodle = TrueFalseMoodle()
    keys = {
        "answer": {
            "type": "boolean",
            "description": "true or false, unquoted (yes and no are text in YAML 1.2).",
        }
    }
    required = ("answer",)

    def parse(self, node: Mapping[str, Any], diag: Diagnostics) -> Spec:
        answer = node.get("answer")
        if "answer" in node and not isinstance(answer, bool):
            hint = ""
            if isinstance(answer, str) and answer.strip().lower() in ("true", "false"):
                hint = ": remove the quotes"
            elif isinstance(answer, str) and answer.strip().lower() in YAML11_BOOLEANS:
                hint = ": write true or false (YAML 1.2 reads yes and no as text)"
            diag.value(node, "answer", f"answer must be true or false, not {kind(answer)}{hint}")
            answer = False
        return {"answer": bool(answer)}

    def parse_response(self, spec: Spec, form_values: list[str]) -> bool | InvalidResponse:
        if len(form_values) != 1 or form_values[0] not in ("true", "false"):
            return InvalidResponse("Choose true or false.")
        return form_values[0] == "true"

    def grade(self, spec: Spec, response: bool, points: float) -> Score:
        return full(points, 1.0 if response is spec["answer"] else 0.0)

    def describe_response(self, spec: Spec, response: bool) -> str:
        return "True" if response else "False"

    def describe_correct(self, spec: Spec) -> str:
        return "True" if spec["answer"] else "False"

    def answer_keys(self, spec: Spec) -> list[AnswerKey]:
        return [
            AnswerKey("true", "True", spec["answer"] is True, "true"),
            AnswerKey("false", "False", spec["answer"] is False, "false"),
        ]

    def picked_keys(self, spec: Spec, response: object) -> list[str]:
        return ["true" if response else "false"] if isinstance(response, bool) else []

    def sample_response(self, spec: Spec, rng: random.Random, knows: bool) -> bool:
        return spec["answer"] if knows else not spec["answer"]
