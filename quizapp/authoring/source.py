"""Bank sources: the YAML an author writes, parsed safely, every problem located (pure).

BankSource, QuestionSource and CiteSource are the parsed file; models.Bank and models.Question
are what the loader makes of them in the database.
"""

import hashlib
import json
import re
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quizapp.authoring.diagnostics import Diagnostic
from quizapp.authoring.safe_yaml import load_mapping

if TYPE_CHECKING:
    from quizapp.content.passages import Corpus

ID = re.compile(r"[a-z0-9][a-z0-9-]{1,63}")
DIFFICULTIES = ("easy", "medium", "hard")
# What a question asks of the reader: recall a fact, explain why or how, apply the article's
# reasoning to a case, or compare articles. Assignments can draw by level.
LEVELS = ("recall", "explain", "apply", "compare")
DEFAULT_LEVEL = "recall"
BANK_KEYS = ("bank", "title", "doc", "description", "questions")
QUESTION_KEYS = (
    "id",
    "type",
    "prompt",
    "explanation",
    "cite",
    "tags",
    "difficulty",
    "level",
    "points",
    "allow",
)
CITE_KEYS = ("quote", "doc")


@dataclass(frozen=True)
class CiteSource:
    doc: str
    quote: str
    line: int
    col: int


@dataclass(frozen=True)
class QuestionSource:
    id: str
    type: str
    prompt: str
    explanation: str
    cites: tuple[CiteSource, ...]
    tags: tuple[str, ...]
    difficulty: str
    points: float
    spec: dict[str, Any] = field(hash=False)
    line: int = 0
    col: int = 0
    level: str = DEFAULT_LEVEL
    # Warnings the author silenced, code -> reason: not content a student sees, so not hashed.
    allow: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def canonical(self) -> dict[str, Any]:
        """Return everything that defines the question's content (not its id or position)."""
        content: dict[str, Any] = {
            "type": self.type,
            "prompt": self.prompt,
            "explanation": self.explanation,
            "cite": [{"doc": c.doc, "quote": c.quote} for c in self.cites],
            "tags": list(self.tags),
            "difficulty": self.difficulty,
            "points": self.points,
            "spec": self.spec,
        }
        # Only a level other than the default is part of the content, so banks written before
        # levels existed keep their versions (and their answers' history) when reloaded.
        if self.level != DEFAULT_LEVEL:
            content["level"] = self.level
        return content

    def content_hash(self) -> str:
        """Return a short digest of the canonical content: a new one means a new version."""
        blob = json.dumps(self.canonical(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class BankSource:
    id: str
    title: str
    doc: str | None
    description: str | None
    questions: tuple[QuestionSource, ...]
    path: str
    line: int = 1  # where the bank id is written
    col: int = 1


def parse_bank(
    data: bytes | str,
    path: str,
    corpus: "Corpus | None" = None,
    seen_ids: MutableMapping[str, str] | None = None,
) -> tuple[BankSource | None, list[Diagnostic]]:
    """Return the bank in one file (None if unusable) and every problem found in it.

    With a corpus, every quote is resolved (in broken questions too). ``seen_ids`` maps question
    ids already taken to "path:line"; this file's ids are checked against it and added to it.
    Nothing is raised: an unexpected failure becomes a diagnostic.
    """
    from quizapp.authoring.parser import (
        BankParser,  # imported here: it builds the dataclasses above
    )

    parser = BankParser(path, corpus, {} if seen_ids is None else seen_ids)
    try:
        doc = load_mapping(data, parser.report)
        bank = parser.bank(doc) if doc is not None else None
    except Exception as exc:  # a checker must never crash on a file, whatever is in it
        parser.report.at(0, 0, f"internal error while checking this file: {exc!r}")
        bank = None
    return bank, sorted(parser.report.diagnostics)


def bank_files(paths: Iterable[str | Path]) -> list[Path]:
    """Return the bank files named by paths (folders give their *.yaml and *.yml files).

    A file named twice (``questions/ questions/cross.yaml``) is read once: not a duplicate of
    itself.
    """
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in (".yaml", ".yml"))
        else:
            files.append(path)
    seen: set[Path] = set()
    unique = []
    for file in files:
        key = file.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(file)
    return unique
