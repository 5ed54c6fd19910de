"""Multiple-answer choice questions with partial credit."""

from quizapp.qtypes.base import InvalidResponse, Score, full, register
from quizapp.qtypes.choice import ChoiceType


@register
class Multiple(ChoiceType):
    """Several right choices; partial credit, Moodle style.

    With k right choices, each right choice selected earns 1/k of the points and each wrong
    choice selected costs 1/k; the total is floored at 0. Full credit (correct) only for
    exactly the right set. The response is the sorted list of selected indexes.
    """

    name = "multiple"

    def check_correct(self, node, diag, n_correct, n_choices):
        if n_correct < 1:
            diag.value(node, "choices", "a multiple question needs at least one correct choice")
        elif n_correct == n_choices:
            # Ticking every box would score full marks without reading the question.
            diag.value(
                node,
                "choices",
                "a multiple question needs at least one wrong choice: with every choice right, "
                "ticking them all scores full marks",
            )

    def parse_response(self, spec, form_values):
        picked = self.indexes(spec, form_values)
        if isinstance(picked, InvalidResponse):
            return picked
        if not picked:
            return InvalidResponse("Select at least one answer.")
        return picked

    def grade(self, spec, response, points) -> Score:
        right = {i for i, c in enumerate(spec["choices"]) if c["correct"]}
        picked = set(response)
        k = len(right)
        fraction = (len(picked & right) - len(picked - right)) / k if k else 0.0
        return full(points, fraction)
