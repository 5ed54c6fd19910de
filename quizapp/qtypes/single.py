"""Single-answer choice questions: exactly one right choice."""

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


class SingleGift(ChoiceGift):
    weighted = False


class SingleMoodle(ChoiceMoodle):
    single = True


@register
class Single(ChoiceType):
    """One right choice; the response is its index in authoring order."""

    name = "single"
    gift = SingleGift()
    moodle = SingleMoodle()

    def check_correct(
        self, node: Mapping[str, Any], diag: Diagnostics, n_correct: int, n_choices: int
    ) -> None:
        if n_correct != 1:
            diag.value(
                node,
                "choices",
                f"a single question needs exactly one correct choice, found {n_correct}",
            )

    def parse_response(self, spec: Spec, form_values: list[str]) -> int | InvalidResponse:
        picked = self.indexes(spec, form_values)
        if isinstance(picked, InvalidResponse):
            return picked
        if len(picked) != 1:
            return InvalidResponse("Choose one answer.")
        return picked[0]

    def grade(self, spec: Spec, response: int, points: float) -> Score:
        choices = spec["choices"]
        right = 0 <= response < len(choices) and choices[response]["correct"]
        return full(points, 1.0 if right else 0.0)

    def picked_keys(self, spec: Spec, response: object) -> list[str]:
        return [letter(response)] if is_index(response) else []

    def sample_response(self, spec: Spec, rng: random.Random, knows: bool) -> int:
        right, wrong = right_and_wrong(spec)
        return right[0] if knows or not wrong else rng.choice(wrong)
