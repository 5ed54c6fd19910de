"""Multiple-answer choice questions with partial credit."""

import random
from collections.abc import Mapping
from typing import Any

from quizapp.qtypes.base import Diagnostics, InvalidResponse, Score, Spec, full, register
from quizapp.qtypes.choice import (
    ChoiceGift,
    ChoiceMoodle,
    ChoiceType,
    is_index,
    letter,
    right_and_wrong,
)


class MultipleGift(ChoiceGift):
    weighted = True


class MultipleMoodle(ChoiceMoodle):
    single = False


@register
class Multiple(ChoiceType):
    """Several right choices; partial credit, Moodle style.

    With k right choices, each right choice selected earns 1/k of the points and each wrong
    choice selected costs 1/k; the total is floored at 0. Full credit (correct) only for
    exactly the right set. The response is the sorted list of selected indexes.
    """

    name = "multiple"
    gift = MultipleGift()
    moodle = MultipleMoodle()

    def check_correct(
        self, node: Mapping[str, Any], diag: Diagnostics, n_correct: int, n_choices: int
    ) -> None:
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

    def parse_response(self, spec: Spec, form_values: list[str]) -> list[int] | InvalidResponse:
        picked = self.indexes(spec, form_values)
        if isinstance(picked, InvalidResponse):
            return picked
        if not picked:
            return InvalidResponse("Select at least one answer.")
        return picked

    def grade(self, spec: Spec, response: list[int], points: float) -> Score:
        right = {i for i, c in enumerate(spec["choices"]) if c["correct"]}
        picked = set(response)
        k = len(right)
        fraction = (len(picked & right) - len(picked - right)) / k if k else 0.0
        return full(points, fraction)

    def picked_keys(self, spec: Spec, response: object) -> list[str]:
        if not isinstance(response, list):
            return []
        return [letter(i) for i in sorted({i for i in response if is_index(i)})]

    def sample_response(self, spec: Spec, rng: random.Random, knows: bool) -> list[int]:
        right, wrong = right_and_wrong(spec)
        if knows or not wrong:
            return sorted(right)
        return sorted({*rng.sample(right, max(0, len(right) - 1)), rng.choice(wrong)})
