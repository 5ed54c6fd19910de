"""The JSON Schema of a bank file, assembled from the question-type registry (pure)."""

import json
from pathlib import Path
from typing import Any

from quizapp.authoring.item_writing import CODES
from quizapp.authoring.source import DEFAULT_LEVEL, DIFFICULTIES, ID, LEVELS, QUESTION_KEYS
from quizapp.qtypes import REGISTRY

ID_PATTERN = f"^{ID.pattern}$"
COMMON: dict[str, dict[str, Any]] = {
    "id": {
        "type": "string",
        "pattern": ID_PATTERN,
        "description": "Unique across all banks and stable forever: progress is keyed to it.",
    },
    "type": {"description": "The kind of question."},  # enum filled in from the registry
    "prompt": {
        "type": "string",
        "minLength": 1,
        "description": "The question. Markdown allowed: *emphasis*, `code`, [links](https://…).",
    },
    "explanation": {
        "type": "string",
        "minLength": 1,
        "description": "Why the answer is right, in your own words; shown after answering.",
    },
    "cite": {
        "type": "array",
        "minItems": 1,
        "description": "Verbatim quotes from the article that support the answer.",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["quote"],
            "properties": {
                "quote": {
                    "type": "string",
                    "minLength": 1,
                    "description": "Words copied exactly from one place in the article.",
                },
                "doc": {
                    "type": "string",
                    "description": "Article id; defaults to the bank's doc.",
                },
            },
        },
    },
    "tags": {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
        "default": [],
        "description": "Topics, e.g. [facilities, funding].",
    },
    "difficulty": {"enum": list(DIFFICULTIES), "description": "easy, medium or hard."},
    "level": {
        "enum": list(LEVELS),
        "default": DEFAULT_LEVEL,
        "description": "What the question asks: recall a fact, explain why or how, apply the "
        "article's reasoning, or compare articles.",
    },
    "points": {
        "type": "number",
        "exclusiveMinimum": 0,
        "default": 1,
        "description": "Points for a fully right answer.",
    },
    "allow": {
        "type": "object",
        "propertyNames": {"enum": sorted(CODES)},
        "additionalProperties": {"type": "string", "minLength": 1},
        "description": "Warnings of `quizapp check` that do not apply to this question, each "
        'with the reason, e.g. {absolute-word: "the article itself says only"}.',
    },
}
REQUIRED = ["id", "type", "prompt", "explanation", "cite", "difficulty"]


def build_schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of a bank file, from the registered types."""
    assert set(COMMON) == set(QUESTION_KEYS), "keep the schema in step with banks.py"
    names = sorted(REGISTRY)
    common = {**COMMON, "type": {**COMMON["type"], "enum": names}}
    variants = []
    for name in names:
        own = REGISTRY[name].schema()
        variants.append(
            {
                "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                "then": {
                    "properties": {**{k: True for k in common}, **own["properties"]},
                    "required": [*REQUIRED, *own["required"]],
                    "additionalProperties": False,
                },
            }
        )
    type_keys = _shared_type_keys(names)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "quizapp question bank",
        "description": "One quiz: questions citing verbatim quotes from the course articles.",
        "type": "object",
        "additionalProperties": False,
        "required": ["bank", "title", "questions"],
        "properties": {
            "bank": {
                "type": "string",
                "pattern": ID_PATTERN,
                "description": "Unique bank id; one bank is one quiz.",
            },
            "title": {"type": "string", "minLength": 1, "description": "Shown to learners."},
            "doc": {"type": "string", "description": "Default article id for cites."},
            "description": {"type": "string", "description": "Optional, one paragraph."},
            "questions": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": REQUIRED,
                    "properties": {**common, **type_keys},
                    "allOf": variants,
                },
            },
        },
    }


def _shared_type_keys(names: list[str]) -> dict[str, Any]:
    """Return every type-specific key for autocompletion, loose where types disagree."""
    by_key: dict[str, dict[str, dict[str, Any]]] = {}
    for name in names:
        for key, schema in REGISTRY[name].schema()["properties"].items():
            by_key.setdefault(key, {})[name] = schema
    merged: dict[str, Any] = {}
    for key, schemas in by_key.items():
        distinct = {json.dumps(s, sort_keys=True) for s in schemas.values()}
        if len(distinct) == 1:
            merged[key] = next(iter(schemas.values()))
        else:  # e.g. answer: a number for numeric, a boolean for true_false; allOf decides
            merged[key] = {
                "description": "; ".join(
                    f"{n}: {s.get('description', '')}" for n, s in schemas.items()
                )
            }
    return merged


def schema_text() -> str:
    """Return the schema as kept in questions/schema.json (sorted keys, trailing newline)."""
    return json.dumps(build_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schema(path: str | Path) -> None:
    """Write the schema file."""
    Path(path).write_text(schema_text(), encoding="utf-8")
