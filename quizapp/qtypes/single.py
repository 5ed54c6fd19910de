"""Single-answer choice questions: exactly one right choice."""

from quizapp.qtypes.base import InvalidResponse, Score, full, register
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

    def picked_keys(self, spec, response) -> list[str]:
        return [letter(response)] if is_index(response) else []

    def sample_response(self, spec, rng, knows):
        right, wrong = right_and_wrong(spec)
        return right[0] if knows or not wrong else rng.choice(wrong)
