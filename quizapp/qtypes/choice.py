"""Choice questions: single answer and multiple answers with partial credit."""

from collections.abc import Mapping

from ..diagnostics import did_you_mean
from .base import InvalidResponse, QuestionType, Score, full, register

CHOICE_KEYS = {"text", "correct", "feedback"}
CHOICE_SCHEMA = {
    "type": "array",
    "minItems": 2,
    "description": "The options shown to learners (order is shuffled per attempt).",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["text"],
        "properties": {
            "text": {"type": "string", "minLength": 1, "description": "Markdown allowed."},
            "correct": {"type": "boolean", "default": False},
            "feedback": {"type": "string", "description": "Shown when a learner picks it."},
        },
    },
}


class ChoiceType(QuestionType):
    keys = {"choices": CHOICE_SCHEMA}
    required = ("choices",)

    def parse(self, node, report) -> dict:
        choices_node = node.get("choices")
        if choices_node is None:
            return {"choices": []}
        if not isinstance(choices_node, list):
            report.value(node, "choices", "choices must be a list of {text, correct, feedback}")
            return {"choices": []}
        choices, seen = [], {}
        for i, item in enumerate(choices_node):
            if not isinstance(item, Mapping):
                report.item(choices_node, i, "each choice must be a mapping with a text")
                continue
            for key in item:
                if key not in CHOICE_KEYS:
                    report.key(
                        item, key, f'unknown key "{key}" in choice{did_you_mean(key, CHOICE_KEYS)}'
                    )
            text = item.get("text")
            if not isinstance(text, str) or not text.strip():
                report.item(choices_node, i, "choice needs a non-empty text")
                continue
            correct = item.get("correct", False)
            if not isinstance(correct, bool):
                report.value(item, "correct", f"correct must be true or false, not {correct!r}")
                correct = False
            feedback = item.get("feedback")
            if feedback is not None and (not isinstance(feedback, str) or not feedback.strip()):
                report.value(item, "feedback", "feedback must be non-empty text")
                feedback = None
            key = " ".join(text.split()).casefold()
            if key in seen:
                report.value(
                    item, "text", f'duplicate choice text "{text}" (also choice {seen[key]})'
                )
            seen[key] = i + 1
            choices.append({"text": text, "correct": correct, "feedback": feedback})
        if len(choices_node) < 2:
            report.value(node, "choices", "a choice question needs at least 2 choices")
        self.check_correct(node, report, sum(c["correct"] for c in choices))
        return {"choices": choices}

    def check_correct(self, node, report, n_correct: int) -> None:
        raise NotImplementedError

    def describe_response(self, spec, response) -> str:
        picked = response if isinstance(response, list) else [response]
        texts = [spec["choices"][i]["text"] for i in picked if 0 <= i < len(spec["choices"])]
        return "; ".join(texts) or "(nothing)"

    def describe_correct(self, spec) -> str:
        return "; ".join(c["text"] for c in spec["choices"] if c["correct"])

    @staticmethod
    def _indexes(spec, values) -> list[int]:
        n = len(spec["choices"])
        return sorted({int(v) for v in values if v.isdigit() and int(v) < n})


@register
class Single(ChoiceType):
    """One right choice."""

    name = "single"

    def check_correct(self, node, report, n_correct):
        if n_correct != 1 and isinstance(node.get("choices"), list):
            report.value(
                node,
                "choices",
                f"a single question needs exactly one correct choice, found {n_correct}",
            )

    def parse_response(self, spec, values):
        picked = self._indexes(spec, values)
        if len(picked) != 1:
            return InvalidResponse("Choose one answer.")
        return picked[0]

    def grade(self, spec, response, points) -> Score:
        return full(points, 1.0 if spec["choices"][response]["correct"] else 0.0)


@register
class Multiple(ChoiceType):
    """Several right choices; partial credit, Moodle style.

    With k right choices, each right choice picked earns 1/k and each wrong choice picked
    costs 1/k; the total is floored at 0. Full credit only for exactly the right set.
    """

    name = "multiple"

    def check_correct(self, node, report, n_correct):
        if n_correct < 1 and isinstance(node.get("choices"), list):
            report.value(node, "choices", "a multiple question needs at least one correct choice")

    def parse_response(self, spec, values):
        picked = self._indexes(spec, values)
        if not picked:
            return InvalidResponse("Select at least one answer.")
        return picked

    def grade(self, spec, response, points) -> Score:
        right = {i for i, c in enumerate(spec["choices"]) if c["correct"]}
        k = len(right)
        picked = set(response)
        fraction = (len(picked & right) - len(picked - right)) / k if k else 0.0
        return full(points, fraction)
