"""The question-type registry: one small class per type (pure).

A type owns everything that differs by type: its keys and grading, its template
(``templates/qtypes/<name>.html``), whether it shows choices, which answer keys a response
picked (item analysis), a sample response (demo data), and its GIFT and Moodle XML mappings
(or a ``NoMapping`` saying why it has none). ``register`` refuses a type lacking any of them.
"""

import math
import random
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


@dataclass(frozen=True)
class AnswerKey:
    """One answer a response can pick, as item analysis counts it ("A", "true"...)."""

    key: str  # what the report and its flags call it
    label: str  # shown beside its share
    correct: bool
    same_as: str  # the same answer in another version has the same same_as (a choice's text)


@dataclass(frozen=True)
class LeftOut:
    """Part of a question an export format cannot carry, said on the banks page and the CLI."""

    formats: str  # "GIFT and Moodle XML"
    part: str  # "regular expression"
    reason: str  # for the page: "...: {reason}."
    warning: str  # for the CLI: "question q1: {warning}"


@dataclass(frozen=True)
class NoMapping:
    """An explicit "this type has no form in that format"; exports leave it out and say why."""

    reason: str


class QuestionType:
    """A kind of question: validates its YAML keys, reads learners' input, grades it.

    Besides the methods below a registered type sets ``has_choices`` (a ``choices`` list that
    learners pick from), ``gift`` and ``moodle`` (mapping objects, or ``NoMapping(reason)``).
    """

    name: ClassVar[str]
    keys: ClassVar[dict[str, dict]] = {}  # type-specific key -> JSON Schema
    required: ClassVar[tuple[str, ...]] = ()
    # Not given defaults on purpose: register() names the one a new type forgot.
    has_choices: ClassVar[bool]
    gift: ClassVar[object]
    moodle: ClassVar[object]

    @property
    def template(self) -> str:
        """Return the Jinja template that shows this type's answer field."""
        return f"qtypes/{self.name}.html"

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

    def answer_keys(self, spec: dict) -> list[AnswerKey]:
        """Return the answers item analysis counts picks of (empty for typed answers)."""
        raise NotImplementedError

    def picked_keys(self, spec: dict, response) -> list[str]:
        """Return the keys (of ``answer_keys(spec)``) a stored response picked."""
        raise NotImplementedError

    def sample_response(self, spec: dict, rng: random.Random, knows: bool):
        """Return a canonical response a student gives: right when ``knows`` (demo data)."""
        raise NotImplementedError

    def left_out(self, spec: dict) -> list[LeftOut]:
        """Return what GIFT and Moodle XML drop of a question of this type."""
        return [
            LeftOut(
                label, "whole question", mapping.reason, f"left out of {label}: {mapping.reason}"
            )
            for label, mapping in (("GIFT", self.gift), ("Moodle XML", self.moodle))
            if isinstance(mapping, NoMapping)
        ]

    @classmethod
    def schema(cls) -> dict:
        """Return the JSON Schema of this type's own keys."""
        return {"properties": cls.keys, "required": list(cls.required)}


class TypedAnswer:
    """Mixin for types whose answer is typed, not picked: item analysis counts no picks."""

    def answer_keys(self, spec: dict) -> list[AnswerKey]:
        return []

    def picked_keys(self, spec: dict, response) -> list[str]:
        return []


OWN_METHODS = (
    "parse",
    "parse_response",
    "grade",
    "describe_correct",
    "answer_keys",
    "picked_keys",
    "sample_response",
)
OWN_ATTRIBUTES = ("name", "has_choices", "gift", "moodle")


def missing_pieces(cls: type[QuestionType]) -> list[str]:
    """Return the names of what a question type lacks to be registered."""
    missing = [a for a in OWN_ATTRIBUTES if not hasattr(cls, a)]
    missing += [m for m in OWN_METHODS if getattr(cls, m) is getattr(QuestionType, m)]
    return missing


def register(cls: type[QuestionType]) -> type[QuestionType]:
    """Class decorator adding a question type to the registry (TypeError if it lacks a piece)."""
    missing = missing_pieces(cls)
    if missing:
        raise TypeError(
            f"question type {getattr(cls, 'name', cls.__name__)!r} lacks {', '.join(missing)}: "
            "see docs/extending.md"
        )
    REGISTRY[cls.name] = cls()
    return cls


def unregister(name: str) -> None:
    """Remove a type from the registry (tests that register one of their own)."""
    REGISTRY.pop(name, None)


class UnknownType(LookupError):
    """A question type no module registers (a KeyError would not say which or where to look)."""


def get_type(name: str) -> QuestionType:
    """Return the registered type called ``name`` (UnknownType naming it otherwise)."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownType(
            f"no question type {name!r} is registered (known: {', '.join(sorted(REGISTRY))})"
        ) from None


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
