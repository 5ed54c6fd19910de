"""What single and multiple questions share: a list of choices (not a type itself)."""

import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TypeGuard
from xml.etree.ElementTree import Element

from quizapp.authoring.diagnostics import did_you_mean
from quizapp.content.markup import markdown_problem
from quizapp.qtypes.base import (
    AnswerKey,
    Diagnostics,
    GiftBlock,
    GiftSyntax,
    InvalidResponse,
    JsonSchema,
    MoodleSyntax,
    Note,
    QuestionType,
    Spec,
    kind,
)

CHOICE_KEYS = ("text", "correct", "feedback")
INDEX = re.compile(r"[0-9]{1,4}")
CHOICE_SCHEMA: JsonSchema = {
    "type": "array",
    "minItems": 2,
    "description": "The options shown to learners (the order is shuffled per attempt).",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["text"],
        "properties": {
            "text": {"type": "string", "minLength": 1, "description": "Markdown allowed."},
            "correct": {
                "type": "boolean",
                "default": False,
                "description": "true for a right choice.",
            },
            "feedback": {
                "type": "string",
                "minLength": 1,
                "description": "Shown when a learner picks this choice. Markdown allowed.",
            },
        },
    },
}


def letter(index: int) -> str:
    """Return the label of a choice as authored: A, B, C..."""
    return chr(ord("A") + index) if 0 <= index < 26 else str(index)


def is_index(value: object) -> TypeGuard[int]:
    """Return whether a stored response value is a choice index (true is no index)."""
    return isinstance(value, int) and not isinstance(value, bool)


def right_and_wrong(spec: Spec) -> tuple[list[int], list[int]]:
    """Return the indexes of the right choices and of the wrong ones."""
    right = [i for i, c in enumerate(spec["choices"]) if c.get("correct")]
    wrong = [i for i, c in enumerate(spec["choices"]) if not c.get("correct")]
    return right, wrong


class ChoiceType(QuestionType):
    """Base of the choice types; subclasses say how many choices must be right."""

    keys = {"choices": CHOICE_SCHEMA}
    required = ("choices",)
    has_choices = True

    def answer_keys(self, spec: Spec) -> list[AnswerKey]:
        # Lettered as the flags name them ("distractor C never chosen"); the same choice in
        # another version is the one with the same text, wherever it stands.
        return [
            AnswerKey(letter(i), f"{letter(i)}. {c['text']}", c["correct"], c["text"])
            for i, c in enumerate(spec["choices"])
        ]

    def parse(self, node: Mapping[str, Any], diag: Diagnostics) -> Spec:
        choices_node = node.get("choices")
        if choices_node is None:
            if "choices" in node:
                diag.value(node, "choices", "choices must list at least 2 choices")
            return {"choices": []}
        if not isinstance(choices_node, list):
            diag.value(node, "choices", f"choices must be a list, not {kind(choices_node)}")
            return {"choices": []}
        choices: list[Spec] = []
        seen: dict[str, int] = {}  # a choice's text, compared loosely -> its number
        broken = False
        for i, item in enumerate(choices_node):
            choice = self._choice(choices_node, i, item, seen, diag)
            broken |= choice is None
            if choice is not None:
                choices.append(choice)
        if len(choices_node) < 2:
            diag.value(node, "choices", f"a {self.name} question needs at least 2 choices")
        elif not broken:
            # A broken choice (say correct: "yes") would make the count below misleading.
            self.check_correct(node, diag, sum(c["correct"] for c in choices), len(choices))
        return {"choices": choices}

    def _choice(
        self, seq: Sequence[object], i: int, item: object, seen: dict[str, int], diag: Diagnostics
    ) -> Spec | None:
        if not isinstance(item, Mapping):
            diag.item(seq, i, f"each choice must be a mapping with a text, not {kind(item)}")
            return None
        ok = True
        for key in item:
            if key not in CHOICE_KEYS:
                diag.key(
                    item, key, f'unknown key "{key}" in choice{did_you_mean(key, CHOICE_KEYS)}'
                )
                ok = False
        text = item.get("text")
        if "text" in item and not isinstance(text, str | None):
            # Numbers are the usual culprit: text: 2400 is an int until it is quoted.
            diag.value(item, "text", f"choice text must be text, not {kind(text)}: quote it")
            return None
        if not isinstance(text, str) or not text.strip():
            diag.item(seq, i, "choice needs a non-empty text")
            return None
        correct = item.get("correct", False)
        if not isinstance(correct, bool):
            diag.value(item, "correct", f"correct must be true or false, not {kind(correct)}")
            return None
        feedback = item.get("feedback")
        if feedback is not None and (not isinstance(feedback, str) or not feedback.strip()):
            diag.value(item, "feedback", f"feedback must be non-empty text, not {kind(feedback)}")
            ok = False
        for key, value in (("text", text), ("feedback", feedback)):
            if isinstance(value, str) and (problem := markdown_problem(value)):
                diag.value(item, key, problem)
                ok = False
        same = " ".join(text.split()).casefold()
        if same in seen:
            diag.value(
                item, "text", f'duplicate choice text "{text}" (same as choice {seen[same]})'
            )
        seen.setdefault(same, i + 1)
        return {"text": text, "correct": correct, "feedback": feedback} if ok else None

    def check_correct(
        self, node: Mapping[str, Any], diag: Diagnostics, n_correct: int, n_choices: int
    ) -> None:
        """Report a wrong number of correct choices."""
        raise NotImplementedError

    def indexes(self, spec: Spec, form_values: list[str]) -> list[int] | InvalidResponse:
        """Return the distinct chosen indexes, sorted, or InvalidResponse for a stray value."""
        n = len(spec["choices"])
        picked: set[int] = set()
        for value in form_values:
            if not INDEX.fullmatch(value) or int(value) >= n:
                return InvalidResponse("That choice is not offered; reload the question.")
            picked.add(int(value))
        return sorted(picked)

    def describe_response(self, spec: Spec, response: int | list[int]) -> str:
        picked = response if isinstance(response, list) else [response]
        texts = [spec["choices"][i]["text"] for i in picked if 0 <= i < len(spec["choices"])]
        return "; ".join(texts) or "(nothing)"

    def describe_correct(self, spec: Spec) -> str:
        return "; ".join(c["text"] for c in spec["choices"] if c["correct"])


class ChoiceGift:
    """GIFT for the choice types: ``=right ~wrong`` or Moodle's ``~%50%`` weights."""

    kind = "multichoice"
    weighted: ClassVar[bool]  # multiple-answer questions write (and are read back from) weights

    def answers(self, spec: Spec, syntax: GiftSyntax) -> str:
        """Return the answer block's lines."""
        if not self.weighted:
            return "".join(
                f"\n{'=' if c['correct'] else '~'}{syntax.escape(c['text'])}"
                f"{syntax.feedback(c.get('feedback'))}"
                for c in spec["choices"]
            )
        k = sum(c["correct"] for c in spec["choices"])
        weight = syntax.number(round(100 / k, 5))
        return "".join(
            f"\n~%{'' if c['correct'] else '-'}{weight}%{syntax.escape(c['text'])}"
            f"{syntax.feedback(c.get('feedback'))}"
            for c in spec["choices"]
        )

    def warnings(self, qid: str, spec: Spec) -> list[str]:
        return []

    def read(self, block: GiftBlock, syntax: GiftSyntax, note: Note) -> Spec | None:
        """Return the choices of a ``~`` answer block when its weighting is this type's."""
        choices: list[Spec] = []
        weighted = False
        for p in block.parts:
            marker, rest = p[0], p[1:]
            weight = syntax.WEIGHT.match(rest)
            if weight:
                weighted = True
                rest = rest[weight.end() :]
            choice_text, choice_feedback = syntax.cut(rest, "#")
            correct = (float(weight.group(1)) > 0) if weight else marker == "="
            choice = {"text": block.plain(syntax.unescape(choice_text)), "correct": correct}
            if choice_feedback is not None and syntax.unescape(choice_feedback):
                choice["feedback"] = block.plain(syntax.unescape(choice_feedback))
            choices.append(choice)
        return {"choices": choices} if weighted == self.weighted else None


class ChoiceMoodle:
    """Moodle XML for the choice types: ``multichoice`` with ``<single>`` saying which."""

    kind = "multichoice"
    single: ClassVar[bool]

    def write(self, el: Element, spec: Spec, syntax: MoodleSyntax) -> None:
        """Add the question's answers to its ``<question>`` element."""
        sub = syntax.ET.SubElement
        sub(el, "single").text = "true" if self.single else "false"
        sub(el, "shuffleanswers").text = "1"
        sub(el, "answernumbering").text = "abc"
        k = sum(c["correct"] for c in spec["choices"])
        for c in spec["choices"]:
            if self.single:
                fraction = 100 if c["correct"] else 0
            else:
                fraction = round(100 / k, 5) * (1 if c["correct"] else -1)
            syntax.answer(el, fraction, c["text"], c.get("feedback"))

    def reads(self, el: Element) -> bool:
        return (el.findtext("single") == "true") == self.single

    def read(self, el: Element) -> Spec:
        return {
            "choices": [
                {
                    "text": a.findtext("text"),
                    "correct": float(a.attrib["fraction"]) > 0,
                    "feedback": a.findtext("feedback/text") or None,
                }
                for a in el.findall("answer")
            ]
        }
