"""`quizapp check`: every problem in every bank, GCC-style (pure)."""

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizapp.authoring.diagnostics import Diagnostic
from quizapp.authoring.safe_yaml import MAX_BYTES, too_big
from quizapp.authoring.schema import build_schema, schema_text, write_schema
from quizapp.authoring.source import (
    DEFAULT_LEVEL,
    DIFFICULTIES,
    LEVELS,
    BankSource,
    bank_files,
    parse_bank,
)
from quizapp.content.articles import load_articles
from quizapp.content.passages import Corpus, Match, PassageText, segment

__all__ = [
    "CheckResult",
    "Diagnostic",
    "build_schema",
    "check_paths",
    "check_text",
    "corpus_from_seeds",
    "format_gcc",
    "format_json",
    "format_report",
    "level_warnings",
    "schema_text",
    "write_schema",
]


@dataclass
class CheckResult:
    banks: list[BankSource] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(d.severity == "warning" for d in self.diagnostics)

    def passes(self, strict: bool = False) -> bool:
        """Return whether the check passes: no errors, and with ``strict`` no warnings either."""
        return self.ok and not (strict and self.warnings)


def corpus_from_seeds(seeds_dir: str | Path) -> Corpus:
    """Return the passage index of the cleaned articles in a seeds folder."""
    return Corpus({a.id: segment(a.id, a.body) for a in load_articles(seeds_dir)})


def check_text(
    data: bytes | str,
    path: str,
    corpus: Corpus,
    known_question_ids: Mapping[str, str] | None = None,
) -> CheckResult:
    """Check one bank file's content (an upload, say).

    ``known_question_ids`` maps ids used by other banks to where ("file:line"); reusing one is
    an error. Leave out the bank being replaced, or its own ids will clash.
    """
    return _check_one(data, str(path), corpus, dict(known_question_ids or {}))


def _check_one(
    data: bytes | str, path: str, corpus: Corpus, seen_ids: dict[str, str]
) -> CheckResult:
    bank, diagnostics = parse_bank(data, path, corpus, seen_ids)
    return CheckResult([bank] if bank else [], diagnostics, files=1)


def check_paths(paths: Sequence[Path | str], corpus: Corpus) -> CheckResult:
    """Check every bank file under paths, and across files (duplicate bank and question ids)."""
    result = CheckResult()
    seen_ids: dict[str, str] = {}
    first_bank: dict[str, str] = {}
    for path in bank_files(paths):
        result.files += 1
        try:
            problem = too_big(path.stat().st_size)  # before reading: never load a huge file
            with path.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            result.diagnostics.append(
                Diagnostic(str(path), 1, 1, "error", f"cannot read: {exc.strerror or exc}")
            )
            continue
        if problem:
            result.diagnostics.append(Diagnostic(str(path), 1, 1, "error", problem))
            continue
        one = _check_one(data, str(path), corpus, seen_ids)
        result.diagnostics += one.diagnostics
        for bank in one.banks:
            if bank.id in first_bank:
                result.diagnostics.append(
                    Diagnostic(
                        bank.path,
                        bank.line,
                        bank.col,
                        "error",
                        f'duplicate bank id "{bank.id}" (first used at {first_bank[bank.id]})',
                    )
                )
            first_bank.setdefault(bank.id, f"{bank.path}:{bank.line}")
            result.banks.append(bank)
    if result.files == 0:
        shown = ", ".join(map(str, paths)) or "."
        result.diagnostics.append(
            Diagnostic(shown, 1, 1, "error", "no bank files (*.yaml, *.yml) found")
        )
    result.diagnostics.sort()
    return result


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def summary(result: CheckResult) -> str:
    """Return the one-line summary of a check."""
    errors = [d for d in result.diagnostics if d.severity == "error"]
    warnings = len(result.diagnostics) - len(errors)
    also = f", {_count(warnings, 'warning')}" if warnings else ""
    if not errors:
        questions = sum(len(b.questions) for b in result.banks)
        found = f"no errors{also}" if warnings else "no problems"
        return (
            f"checked {_count(len(result.banks), 'bank')}, {_count(questions, 'question')}: {found}"
        )
    files = len({d.path for d in errors})
    return f"{_count(len(errors), 'error')} in {_count(files, 'file')}{also}"


def strict_failure(result: CheckResult) -> str:
    """Return the line saying that --strict fails a check on its warnings."""
    return f"failed: --strict counts the {_count(result.warnings, 'warning')} as errors"


def format_gcc(result: CheckResult, strict: bool = False) -> str:
    """Return one GCC-style line per problem, then the summary."""
    lines = [*map(str, result.diagnostics), summary(result)]
    if result.ok and not result.passes(strict):
        lines.append(strict_failure(result))
    return "\n".join(lines)


def format_json(result: CheckResult, strict: bool = False, report: bool = False) -> str:
    """Return the result as JSON for tools and editors (``ok`` as the exit status says)."""
    banks = []
    for b in result.banks:
        item = {"id": b.id, "path": b.path, "questions": len(b.questions)}
        if report:
            item["report"] = bank_report(b, result.diagnostics)
        banks.append(item)
    return json.dumps(
        {
            "ok": result.passes(strict),
            "summary": summary(result),
            "banks": banks,
            "diagnostics": [d.to_dict() for d in result.diagnostics],
        },
        indent=2,
        ensure_ascii=False,
    )


# A bank's questions should mostly ask more than recall: a quiz of names and numbers rewards
# skimming. Below this share, --report warns (and so --strict fails).
ABOVE_RECALL_SHARE = 0.5
FEW_ABOVE_RECALL = "few-above-recall"


def _above_recall(bank: BankSource) -> int:
    return sum(q.level != DEFAULT_LEVEL for q in bank.questions)


def level_warnings(banks: Sequence[BankSource]) -> list[Diagnostic]:
    """Return a warning at each bank with fewer than half its questions above recall."""
    warnings = []
    for bank in banks:
        above, total = _above_recall(bank), len(bank.questions)
        if total and above < ABOVE_RECALL_SHARE * total:
            warnings.append(
                Diagnostic(
                    bank.path,
                    bank.line,
                    bank.col,
                    "warning",
                    f"{above} of {_count(total, 'question')} ask more than recall: make at least"
                    " half explain, apply or compare (level:), so the quiz tests reading"
                    f" [{FEW_ABOVE_RECALL}]",
                    FEW_ABOVE_RECALL,
                )
            )
    return warnings


def _mix(counter: Counter[str], order: Sequence[str]) -> dict[str, int]:
    """Return counts in a fixed order, then any others, leaving out zeros."""
    keys = [*order, *sorted(set(counter) - set(order))]
    return {k: counter[k] for k in keys if counter[k]}


def bank_report(bank: BankSource, diagnostics: Sequence[Diagnostic]) -> dict[str, Any]:
    """Return a bank's mix of types, levels and difficulties and its warnings per code."""
    questions = bank.questions
    codes = Counter(
        d.code or "other" for d in diagnostics if d.path == bank.path and d.severity == "warning"
    )
    return {
        "questions": len(questions),
        "types": _mix(Counter(q.type for q in questions), ()),
        "levels": _mix(Counter(q.level for q in questions), LEVELS),
        "difficulties": _mix(Counter(q.difficulty for q in questions), DIFFICULTIES),
        "above_recall": _above_recall(bank),
        "warnings": dict(sorted(codes.items())),
    }


def _listed(mix: dict[str, int]) -> str:
    return ", ".join(f"{k} {n}" for k, n in mix.items()) or "none"


def format_report(result: CheckResult) -> str:
    """Return per bank: questions, the mix of types, levels and difficulties, warnings by code."""
    lines = []
    for bank in result.banks:
        r = bank_report(bank, result.diagnostics)
        share = r["above_recall"] / r["questions"] if r["questions"] else 0
        lines += [
            f"{bank.id} ({bank.path}): {_count(r['questions'], 'question')}",
            f"  types: {_listed(r['types'])}",
            f"  levels: {_listed(r['levels'])}; above recall: {r['above_recall']} ({share:.0%})",
            f"  difficulties: {_listed(r['difficulties'])}",
            f"  warnings: {_listed(r['warnings'])}",
        ]
    return "\n".join(lines)


SUBSTANTIVE_WORDS = 25  # shorter paragraphs are transitions, asides or one-line quotes


def coverage(
    banks: Sequence[BankSource], corpus: Corpus, every_article: bool = True
) -> dict[str, tuple[list[PassageText], list[PassageText]]]:
    """Return per article (cited substantive passages, uncited substantive passages).

    Without ``every_article``, only the articles the banks are about or cite.
    """
    cited: set[tuple[str, str]] = set()
    about = {bank.doc for bank in banks} | {
        c.doc for b in banks for q in b.questions for c in q.cites
    }
    for bank in banks:
        for question in bank.questions:
            for cite in question.cites:
                match = corpus.resolve(cite.doc, cite.quote)
                if isinstance(match, Match):
                    cited.add((match.passage.doc_id, match.passage.anchor))
    result = {}
    for doc in corpus.doc_ids():
        if not every_article and doc not in about:
            continue
        substantive = [p for p in corpus.passages(doc) if len(p.text.split()) >= SUBSTANTIVE_WORDS]
        hit = [p for p in substantive if (doc, p.anchor) in cited]
        miss = [p for p in substantive if (doc, p.anchor) not in cited]
        result[doc] = (hit, miss)
    return result


def format_coverage(result: dict[str, tuple[list[PassageText], list[PassageText]]]) -> str:
    """Return a coverage report: per article the share of substantive passages cited."""
    lines = []
    for doc, (hit, miss) in result.items():
        total = len(hit) + len(miss)
        pct = 100 * len(hit) / total if total else 100.0
        lines.append(f"{doc}: {len(hit)}/{total} substantive passages cited ({pct:.0f}%)")
        for p in miss:
            lines.append(f"  uncited passage {p.ordinal}: {p.text[:90]}…")
    return "\n".join(lines)
