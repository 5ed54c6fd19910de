"""The question-type registry: one small class per type (pure)."""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

REGISTRY: dict[str, "QuestionType"] = {}


@dataclass(frozen=True)
class Score:
    points: float
    max_points: float
    correct: bool  # full credit


@dataclass(frozen=True)
class InvalidResponse:
    message: str


class QuestionType:
    """A kind of question: validates its YAML keys, reads learners' input, grades it."""

    name: ClassVar[str]
    keys: ClassVar[dict[str, dict]] = {}  # type-specific key -> JSON Schema
    required: ClassVar[tuple[str, ...]] = ()

    def parse(self, node, diag) -> dict:
        """Return the validated type-specific fields of a question mapping."""
        raise NotImplementedError

    def parse_response(self, spec: dict, form_values: list[str]):
        """Return the canonical response for submitted form values, or InvalidResponse."""
        raise NotImplementedError

    def grade(self, spec: dict, response, points: float) -> Score:
        """Return the score of a canonical response."""
        raise NotImplementedError

    def describe_response(self, spec: dict, response) -> str:
        """Return a response as text for people."""
        return str(response)

    def describe_correct(self, spec: dict) -> str:
        """Return the right answer as text for people."""
        raise NotImplementedError

    def grading_note(self, spec: dict, response) -> str | None:
        """Return what a student should know about how a response was graded, if anything."""
        return None

    @classmethod
    def schema(cls) -> dict:
        """Return the JSON Schema of this type's own keys."""
        return {"properties": cls.keys, "required": list(cls.required)}


def register(cls: type[QuestionType]) -> type[QuestionType]:
    """Class decorator adding a question type to the registry."""
    REGISTRY[cls.name] = cls()
    return cls


def get_type(name: str) -> QuestionType:
    """Return the registered type called ``name``."""
    return REGISTRY[name]


def full(points: float, fraction: float) -> Score:
    """Return a Score for a fraction of the points (clamped to 0..1)."""
    fraction = max(0.0, min(1.0, fraction))
    return Score(round(points * fraction, 4), points, fraction >= 1 - 1e-9)


def kind(value) -> str:
    """Return what a YAML value is, in authors' words, for error messages."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, float) and not math.isfinite(value):
        return "an infinite number" if value == value else "not-a-number (.nan)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f'the text "{value}"'
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
