"""The question-type registry: one small class per type (pure).

A type owns everything that differs by type: its keys and grading, its template
(``templates/qtypes/<name>.html``), whether it shows choices, which answer keys a response
picked (item analysis), a sample response (demo data), and its GIFT and Moodle XML mappings
(or a ``NoMapping`` saying why it has none). ``register`` refuses a type lacking any of them.
"""

import math
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeAlias, TypeVar
from xml.etree.ElementTree import Element

REGISTRY: dict[str, "QuestionType"] = {}

# A question's type-specific fields, as ``parse`` returns them and the database stores them (JSON).
Spec: TypeAlias = dict[str, Any]
# A JSON Schema, as ``keys`` gives one per key.
JsonSchema: TypeAlias = dict[str, Any]
# A canonical response, as ``parse_response`` returns it and answers store it (JSON): a choice's
# index, the sorted indexes picked, true or false, a number, a text.
Response: TypeAlias = bool | int | float | str | list[int]
# Where an importer reports what it drops or changes: called with one message.
Note: TypeAlias = Callable[[str], None]


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


class Diagnostics(Protocol):
    """Where ``parse`` reports problems, located at ruamel.yaml nodes (authoring's Reporter)."""

    # The nodes are ruamel.yaml's, whose line and column data carries no types.
    def key(self, mapping: Any, key: Any, message: str) -> None:
        """Record an error at a mapping's key."""

    def value(self, mapping: Any, key: Any, message: str) -> None:
        """Record an error at a mapping's value."""

    def item(self, seq: Any, index: int, message: str) -> None:
        """Record an error at one item of a sequence."""


class GiftSyntax(Protocol):
    """What a GIFT mapping writes and reads with, handed over by ``quizapp.formats.gift``."""

    @property
    def WEIGHT(self) -> re.Pattern[str]:
        """Moodle's ``%50%`` answer weight."""
        ...

    def escape(self, text: str) -> str: ...
    def unescape(self, text: str) -> str: ...
    def feedback(self, feedback: str | None) -> str: ...
    def number(self, value: float) -> str: ...
    def cut(self, text: str, sep: str) -> tuple[str, str | None]: ...
    def numeric(self, source: str, where: tuple[int, str], note: Note) -> Spec: ...
    def short_answers(self, parts: list[str], where: tuple[int, str], note: Note) -> list[str]: ...


class GiftBlock(Protocol):
    """A question's GIFT answer block, as a type's GIFT mapping reads it (``gift.Block``)."""

    @property
    def stripped(self) -> str: ...
    @property
    def head(self) -> str: ...
    @property
    def feedback(self) -> str | None: ...
    @property
    def parts(self) -> list[str]: ...
    @property
    def meta(self) -> list[tuple[str, str, str]]: ...
    @property
    def where(self) -> tuple[int, str]: ...
    @property
    def plain(self) -> Callable[[str], str]: ...


class GiftMapping(Protocol):
    """How a type's questions are written in GIFT and read back."""

    @property
    def kind(self) -> str:
        """Moodle's name of the question kind ("multichoice")."""
        ...

    def answers(self, spec: Spec, syntax: GiftSyntax) -> str:
        """Return what goes between the answer block's braces."""
        ...

    def warnings(self, qid: str, spec: Spec) -> list[str]:
        """Return what Moodle would read otherwise than the bank means."""
        ...

    def read(self, block: GiftBlock, syntax: GiftSyntax, note: Note) -> Spec | None:
        """Return the type-specific fields of a block, or None when it is another type's."""
        ...


class ElementMaker(Protocol):
    """The part of ``xml.etree.ElementTree`` a Moodle XML mapping builds with."""

    def SubElement(self, parent: Element, tag: str, /) -> Element: ...


class MoodleSyntax(Protocol):
    """What a Moodle XML mapping writes with, handed over by ``quizapp.formats.moodle_xml``."""

    @property
    def ET(self) -> ElementMaker: ...

    def answer(
        self,
        el: Element,
        fraction: float,
        text: str,
        feedback: str | None = None,
        fmt: str = "markdown",
    ) -> Element: ...

    def number(self, value: float) -> str: ...


class MoodleMapping(Protocol):
    """How a type's questions are written in Moodle XML and read back."""

    @property
    def kind(self) -> str:
        """Moodle's question type ("multichoice")."""
        ...

    def write(self, el: Element, spec: Spec, syntax: MoodleSyntax) -> None:
        """Add the question's answers to its ``<question>`` element."""
        ...

    def reads(self, el: Element) -> bool:
        """Return whether a ``<question>`` of this kind is this type's."""
        ...

    def read(self, el: Element) -> Spec:
        """Return the type-specific fields of a ``<question>`` element."""
        ...


class QuestionType:
    """A kind of question: validates its YAML keys, reads learners' input, grades it.

    Besides the methods below a registered type sets ``has_choices`` (a ``choices`` list that
    learners pick from), ``gift`` and ``moodle`` (mapping objects, or ``NoMapping(reason)``).
    """

    name: ClassVar[str]
    keys: ClassVar[dict[str, JsonSchema]] = {}  # type-specific key -> JSON Schema
    required: ClassVar[tuple[str, ...]] = ()
    # Not given defaults on purpose: register() names the one a new type forgot.
    has_choices: ClassVar[bool]
    gift: ClassVar[GiftMapping | NoMapping]
    moodle: ClassVar[MoodleMapping | NoMapping]

    @property
    def template(self) -> str:
        """Return the Jinja template that shows this type's answer field."""
        return f"qtypes/{self.name}.html"

    def parse(self, node: Mapping[str, Any], diag: Diagnostics) -> Spec:
        """Return the validated type-specific fields of a question mapping."""
        raise NotImplementedError

    def parse_response(self, spec: Spec, form_values: list[str]) -> Response | InvalidResponse:
        """Return the canonical response for submitted form values, or InvalidResponse."""
        raise NotImplementedError

    def grade(self, spec: Spec, response: Any, points: float) -> Score:
        """Return the score of a canonical response (as stored: JSON)."""
        raise NotImplementedError

    def describe_response(self, spec: Spec, response: Any) -> str:
        """Return a response as text for people."""
        return str(response)

    def describe_correct(self, spec: Spec) -> str:
        """Return the right answer as text for people."""
        raise NotImplementedError

    def grading_note(self, spec: Spec, response: Any) -> str | None:
        """Return what a student should know about how a response was graded, if anything."""
        return None

    def answer_keys(self, spec: Spec) -> list[AnswerKey]:
        """Return the answers item analysis counts picks of (empty for typed answers)."""
        raise NotImplementedError

    def picked_keys(self, spec: Spec, response: Any) -> list[str]:
        """Return the keys (of ``answer_keys(spec)``) a stored response picked."""
        raise NotImplementedError

    def sample_response(self, spec: Spec, rng: random.Random, knows: bool) -> Response:
        """Return a canonical response a student gives: right when ``knows`` (demo data)."""
        raise NotImplementedError

    def left_out(self, spec: Spec) -> list[LeftOut]:
        """Return what GIFT and Moodle XML drop of a question of this type."""
        return [
            LeftOut(
                label, "whole question", mapping.reason, f"left out of {label}: {mapping.reason}"
            )
            for label, mapping in (("GIFT", self.gift), ("Moodle XML", self.moodle))
            if isinstance(mapping, NoMapping)
        ]

    @classmethod
    def schema(cls) -> JsonSchema:
        """Return the JSON Schema of this type's own keys."""
        return {"properties": cls.keys, "required": list(cls.required)}


class TypedAnswer:
    """Mixin for types whose answer is typed, not picked: item analysis counts no picks."""

    def answer_keys(self, spec: Spec) -> list[AnswerKey]:
        return []

    def picked_keys(self, spec: Spec, response: Any) -> list[str]:
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


QuestionTypeClass = TypeVar("QuestionTypeClass", bound=type[QuestionType])


def register(cls: QuestionTypeClass) -> QuestionTypeClass:
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


def kind(value: object) -> str:
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
