"""`quizapp check`: every problem in every bank, GCC-style (pure)."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .articles import load_articles
from .banks import Bank, bank_files, parse_bank
from .diagnostics import Diagnostic
from .passages import Corpus, Match, segment
from .qtypes import REGISTRY


@dataclass
class CheckResult:
    banks: list[Bank] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


def corpus_from_seeds(seeds_dir) -> Corpus:
    """Return the passage index of the cleaned articles in a seeds folder."""
    return Corpus({a.id: segment(a.id, a.body) for a in load_articles(seeds_dir)})


def _check_cites(bank: Bank, corpus: Corpus) -> list[Diagnostic]:
    found = []
    for question in bank.questions:
        for cite in question.cites:
            result = corpus.resolve(cite.doc, cite.quote)
            if not isinstance(result, Match):
                found.append(Diagnostic(bank.path, cite.line, cite.col, "error", result.message()))
    return found


def check_text(
    data: bytes | str, path: str, corpus: Corpus, known_ids: dict[str, str] | None = None
) -> CheckResult:
    """Check one bank file's content; ``known_ids`` maps question ids taken elsewhere to where."""
    result = CheckResult(files=1)
    bank, diagnostics = parse_bank(data, str(path))
    result.diagnostics += diagnostics
    if bank is not None:
        result.diagnostics += _check_cites(bank, corpus)
        for q in bank.questions:
            if known_ids and q.id in known_ids:
                result.diagnostics.append(
                    Diagnostic(
                        bank.path,
                        q.line,
                        q.col,
                        "error",
                        f'duplicate question id "{q.id}" (already used at {known_ids[q.id]})',
                    )
                )
        result.banks.append(bank)
    result.diagnostics.sort()
    return result


def check_paths(paths: Sequence, corpus: Corpus) -> CheckResult:
    """Check every bank file under paths, across files too (duplicate ids)."""
    result = CheckResult()
    first_question: dict[str, str] = {}
    first_bank: dict[str, str] = {}
    for path in bank_files(paths):
        result.files += 1
        try:
            data = path.read_bytes()
        except OSError as exc:
            result.diagnostics.append(
                Diagnostic(str(path), 1, 1, "error", f"cannot read: {exc.strerror}")
            )
            continue
        one = check_text(data, str(path), corpus)
        result.diagnostics += one.diagnostics
        for bank in one.banks:
            where = f"{bank.path}:{bank.line}"
            if bank.id in first_bank:
                result.diagnostics.append(
                    Diagnostic(
                        bank.path,
                        1,
                        1,
                        "error",
                        f'duplicate bank id "{bank.id}" (already used in {first_bank[bank.id]})',
                    )
                )
            first_bank.setdefault(bank.id, where)
            for q in bank.questions:
                here = f"{bank.path}:{q.line}"
                if q.id in first_question:
                    result.diagnostics.append(
                        Diagnostic(
                            bank.path,
                            q.line,
                            q.col,
                            "error",
                            f'duplicate question id "{q.id}" (first used at {first_question[q.id]})',  # noqa: E501
                        )
                    )
                else:
                    first_question[q.id] = here
            result.banks.append(bank)
    if result.files == 0:
        shown = ", ".join(map(str, paths))
        result.diagnostics.append(Diagnostic(shown, 1, 1, "error", "no bank files (*.yaml) found"))
    result.diagnostics.sort()
    return result


def summary(result: CheckResult) -> str:
    """Return the one-line summary of a check."""
    errors = [d for d in result.diagnostics if d.severity == "error"]
    questions = sum(len(b.questions) for b in result.banks)
    if not errors:
        return f"checked {len(result.banks)} banks, {questions} questions: no problems"
    files = len({d.path for d in errors})
    plural = "s" if len(errors) != 1 else ""
    return f"{len(errors)} error{plural} in {files} file{'s' if files != 1 else ''}"


def format_gcc(result: CheckResult) -> str:
    """Return one GCC-style line per problem and the summary."""
    return "\n".join([*map(str, result.diagnostics), summary(result)])


def format_json(result: CheckResult) -> str:
    """Return the result as JSON for tools."""
    return json.dumps(
        {
            "ok": result.ok,
            "summary": summary(result),
            "banks": [
                {"id": b.id, "path": b.path, "questions": len(b.questions)} for b in result.banks
            ],
            "diagnostics": [d.to_dict() for d in result.diagnostics],
        },
        indent=2,
    )


def build_schema() -> dict:
    """Return the JSON Schema of a bank file, assembled from the question-type registry."""
    common = {
        "id": {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9-]{1,63}$",
            "description": "Unique across all banks and stable forever: progress is keyed to it.",
        },
        "type": {"enum": sorted(REGISTRY), "description": "The kind of question."},
        "prompt": {"type": "string", "minLength": 1, "description": "Markdown allowed."},
        "explanation": {
            "type": "string",
            "minLength": 1,
            "description": "Why the answer is right, in your own words.",
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
                    "quote": {"type": "string", "minLength": 1},
                    "doc": {"type": "string", "description": "Article id."},
                },
            },
        },
        "tags": {"type": "array", "items": {"type": "string"}},
        "difficulty": {"enum": ["easy", "medium", "hard"]},
        "points": {"type": "number", "exclusiveMinimum": 0, "default": 1},
    }
    variants = []
    for name in sorted(REGISTRY):
        qtype = REGISTRY[name]
        variants.append(
            {
                "if": {"properties": {"type": {"const": name}}},
                "then": {
                    "properties": {**{k: True for k in common}, **qtype.keys},
                    "required": [
                        "id",
                        "type",
                        "prompt",
                        "explanation",
                        "cite",
                        "difficulty",
                        *qtype.required,
                    ],
                    "additionalProperties": False,
                },
            }
        )
    all_type_keys = {k: v for name in sorted(REGISTRY) for k, v in REGISTRY[name].keys.items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "quizapp question bank",
        "type": "object",
        "additionalProperties": False,
        "required": ["bank", "title", "questions"],
        "properties": {
            "bank": {
                "type": "string",
                "pattern": "^[a-z0-9][a-z0-9-]{1,63}$",
                "description": "Unique bank id; one bank is one quiz.",
            },
            "title": {"type": "string", "minLength": 1},
            "doc": {"type": "string", "description": "Default article id for cites."},
            "description": {"type": "string"},
            "questions": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {**common, **all_type_keys},
                    "allOf": variants,
                },
            },
        },
    }


def schema_text() -> str:
    """Return the schema as the text kept in questions/schema.json."""
    return json.dumps(build_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schema(path: Path) -> None:
    """Write questions/schema.json."""
    Path(path).write_text(schema_text(), encoding="utf-8")
