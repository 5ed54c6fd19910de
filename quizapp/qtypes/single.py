"""Single-answer choice questions: exactly one right choice."""

from quizapp.qtypes.base import InvalidResponse, Score, full, register
from quizapp.qtypes.choice import ChoiceType


@register
class Single(ChoiceType):
    """One right choice; the response is its index in authoring order."""

    name = "single"

    def check_correct(self, node, diag, n_correct, n_choices):
        if n_correct != 1:
            diag.value(
                node,
                "choices",
                f"a single question needs exactly one correct choice, found {n_correct}",
            )

    def parse_response(self, spec, form_values):
        picked = self.indexes(spec, form_values)
        if isinstance(picked, InvalidResponse):
            return picked
        if len(picked) != 1:
            return InvalidResponse("Choose one answer.")
        return picked[0]

    def grade(self, spec, response, points) -> Score:
        choices = spec["choices"]
        right = 0 <= response < len(choices) and choices[response]["correct"]
        return full(points, 1.0 if right else 0.0)
