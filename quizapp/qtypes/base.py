"""The question-type registry: one small class per type (pure)."""

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

    def parse(self, node, report) -> dict:
        """Return the validated type-specific fields of a question mapping."""
        raise NotImplementedError

    def parse_response(self, spec: dict, values: list[str]):
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
    """Return a Score for a fraction of the points."""
    fraction = max(0.0, min(1.0, fraction))
    return Score(round(points * fraction, 4), points, fraction >= 1 - 1e-9)
