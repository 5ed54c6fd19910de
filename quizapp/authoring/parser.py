"""Validation of one bank file's nodes into BankSource, QuestionSource and CiteSource (pure)."""

import math
from collections.abc import Collection, Mapping, MutableMapping
from typing import Any, cast

from quizapp.authoring.diagnostics import Reporter, did_you_mean, value_pos
from quizapp.authoring.item_writing import CODES, CUED_BY_OTHER, Shown, cues, findings
from quizapp.authoring.source import (
    BANK_KEYS,
    CITE_KEYS,
    DEFAULT_LEVEL,
    DIFFICULTIES,
    ID,
    LEVELS,
    QUESTION_KEYS,
    BankSource,
    CiteSource,
    QuestionSource,
)
from quizapp.content.markup import markdown_problem
from quizapp.content.passages import Corpus, Match, NotFound, UnknownDocument
from quizapp.qtypes import REGISTRY, QuestionType
from quizapp.qtypes.base import kind


class BankParser:
    """Validation state for one file: the reporter and which missing keys were misspelt."""

    def __init__(self, path: str, corpus: Corpus | None, seen_ids: MutableMapping[str, str]):
        self.path = path
        self.report = Reporter(path)
        self.corpus = corpus
        self.seen_ids = seen_ids
        self.misspelt: set[tuple[int, str]] = set()  # (id(node), key) a did-you-mean pointed at
        self.bad_default_doc = False

    def unknown_keys(
        self,
        node: Any,
        allowed: Collection[str],
        where: str,
        qtype: QuestionType | None = None,
    ) -> None:
        """Report keys not in allowed; with qtype, say which types a misplaced key belongs to."""
        for key in node:
            if key in allowed:
                continue
            owners = sorted(t.name for t in REGISTRY.values() if key in t.keys)
            if qtype is not None and owners:
                self.report.key(
                    node,
                    key,
                    f'key "{key}" does not apply to {qtype.name} questions '
                    f"(only {' and '.join(owners)})",
                )
                continue
            hint = did_you_mean(key, allowed)
            if hint.startswith(" (did you mean"):
                self.misspelt.add((id(node), hint.split('"')[1]))
            self.report.key(node, key, f'unknown key "{key}" in {where}{hint}')

    def missing(self, node: Any, key: str, message: str = "") -> None:
        # A misspelt key was already reported with its did-you-mean: one mistake, one error.
        if (id(node), key) not in self.misspelt:
            self.report.node(node, message or f'missing required key "{key}"')

    def markdown(self, node: Any, key: str) -> str | None:
        """Return a Markdown text, reporting what rendering would drop."""
        value = self.text(node, key)
        if value is not None and (problem := markdown_problem(value)):
            self.report.value(node, key, problem)
        return value

    def text(self, node: Any, key: str, required: bool = True, what: str = "") -> str | None:
        value = node.get(key)
        if key not in node:
            if required:
                self.missing(node, key)
            return None
        if not isinstance(value, str):
            # 2024 or 12345 is a number to YAML until it is quoted
            quote = ": quote it" if isinstance(value, int | float) else ""
            self.report.value(node, key, f"{what or key} must be text, not {kind(value)}{quote}")
            return None
        if not value.strip():
            self.report.value(node, key, f"{what or key} must not be empty")
            return None
        return str(value)

    def ident(self, node: Any, key: str, what: str) -> str | None:
        value = self.text(node, key)
        if value is not None and not ID.fullmatch(value):
            self.report.value(
                node,
                key,
                f'{what} "{value}" must be 2-64 characters: lowercase letters, digits and dashes, '
                "not starting with a dash",
            )
            return None
        return value

    def bank(self, doc: Any) -> BankSource | None:
        self.unknown_keys(doc, BANK_KEYS, "bank")
        bank_id = self.ident(doc, "bank", "bank id")
        title = self.text(doc, "title")
        default_doc = self.text(doc, "doc", required=False)
        corpus = self.corpus
        if default_doc is not None and corpus is not None and default_doc not in corpus.doc_ids():
            self.report.value(doc, "doc", corpus.resolve(default_doc, "").message())
            self.bad_default_doc = True  # one error here, not one per cite relying on it
        description = self.text(doc, "description", required=False)
        questions: list[QuestionSource] = []
        nodes: list[Any] = []  # each question's mapping, for where to warn
        node = doc.get("questions")
        if "questions" not in doc:
            self.missing(doc, "questions")
        elif node == []:
            self.report.value(doc, "questions", "questions must list at least one question")
        elif not isinstance(node, list):
            self.report.value(doc, "questions", f"questions must be a list, not {kind(node)}")
        else:
            for i, item in enumerate(node):
                if not isinstance(item, Mapping):
                    self.report.item(node, i, f"each question must be a mapping, not {kind(item)}")
                    continue
                question = self.question(item, default_doc)
                if question is not None:
                    questions.append(question)
                    nodes.append(item)
            self.cross_question(nodes, questions)
        if bank_id is None or title is None:
            return None
        line, col = doc.lc.value("bank")
        return BankSource(
            bank_id, title, default_doc, description, tuple(questions), self.path, line + 1, col + 1
        )

    def question(self, node: Any, default_doc: str | None) -> QuestionSource | None:
        before = self.report.error_count
        qtype_name = node.get("type")
        qtype = REGISTRY.get(qtype_name) if isinstance(qtype_name, str) else None
        if qtype is None:
            type_keys = sorted({k for t in REGISTRY.values() for k in t.keys})
            self.unknown_keys(node, (*QUESTION_KEYS, *type_keys), "question")
        else:
            self.unknown_keys(node, (*QUESTION_KEYS, *qtype.keys), "question", qtype)
        qid = self.ident(node, "id", "question id")
        if qid is not None:
            self.check_unique(node, qid)
        if qtype is None and "type" not in node:
            self.missing(node, "type")
        elif qtype is None:
            names = ", ".join(sorted(REGISTRY))
            self.report.value(
                node,
                "type",
                f'unknown question type "{qtype_name}"{did_you_mean(qtype_name, REGISTRY)}; '
                f"use one of {names}"
                if isinstance(qtype_name, str)
                else f"type must be one of {names}, not {kind(qtype_name)}",
            )
        prompt = self.markdown(node, "prompt")
        explanation = self.markdown(node, "explanation")
        difficulty = node.get("difficulty")
        if "difficulty" not in node:
            self.missing(node, "difficulty")
        elif difficulty not in DIFFICULTIES:
            self.report.value(
                node,
                "difficulty",
                f"difficulty must be easy, medium or hard, not {kind(difficulty)}",
            )
        level = node.get("level", DEFAULT_LEVEL)
        if level not in LEVELS:
            self.report.value(
                node,
                "level",
                f"level must be one of {', '.join(LEVELS)}, not {kind(level)}",
            )
        points = node.get("points", 1)
        if isinstance(points, bool) or not isinstance(points, int | float) or not points > 0:
            self.report.value(
                node, "points", f"points must be a positive number, not {kind(points)}"
            )
        elif not math.isfinite(points):
            self.report.value(node, "points", "points must be a finite number")
        tags = node.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) and t.strip() for t in tags):
            self.report.value(
                node, "tags", "tags must be a list of words, e.g. [facilities, funding]"
            )
        cites = self.cites(node, default_doc)
        allow = self.allow(node)
        spec: dict[str, Any] = {}
        if qtype is not None:
            for key in qtype.required:
                if key not in node:
                    self.missing(
                        node, key, f'missing required key "{key}" for a {qtype.name} question'
                    )
            spec = qtype.parse(node, self.report)
        if self.report.error_count > before:
            return None
        # Each of these is None only after an error was reported above: never reached.
        assert qtype is not None and qid is not None
        assert prompt is not None and explanation is not None
        self.item_writing(node, qtype.name, prompt, explanation, cites, spec, allow)
        return QuestionSource(
            qid,
            qtype.name,
            prompt,
            explanation,
            tuple(cites),
            tuple(tags),
            difficulty,
            float(points),
            spec,
            node.lc.line + 1,
            node.lc.col + 1,
            level,
            allow,
        )

    def allow(self, node: Any) -> dict[str, str]:
        """Return the warnings a question silences (code -> reason), reporting bad entries."""
        allow = node.get("allow", {})
        if not isinstance(allow, Mapping):
            self.report.value(
                node,
                "allow",
                "allow must map a warning to the reason it does not apply, e.g. "
                'allow: {absolute-word: "the article itself says only"}',
            )
            return {}
        for code, reason in allow.items():
            if code not in CODES:
                self.report.key(
                    allow, code, f'unknown warning "{code}" in allow{did_you_mean(code, CODES)}'
                )
            elif not isinstance(reason, str) or not reason.strip():
                self.report.value(
                    allow, code, f'allow "{code}" needs a reason: say why the question is fair'
                )
        return {str(code): str(reason) for code, reason in allow.items()}

    def item_writing(
        self,
        node: Any,
        qtype: str,
        prompt: str,
        explanation: str,
        cites: list[CiteSource],
        spec: dict[str, Any],
        allow: Mapping[str, str],
    ) -> None:
        """Warn about cues that let a student answer without reading, unless allowed."""
        quotes = [c.quote for c in cites]
        for finding in findings(qtype, prompt, explanation, quotes, spec):
            if finding.code in allow:
                continue
            self.report.warn_value(*_parent(node, finding.at), finding.message, finding.code)

    def cross_question(self, nodes: list[Any], questions: list[QuestionSource]) -> None:
        """Warn at a question's key where another question of the bank gives it away."""
        shown = [Shown(q.type, q.prompt, q.explanation, q.spec) for q in questions]
        for cue in cues(shown):
            if CUED_BY_OTHER in questions[cue.cued].allow:
                continue
            line, _ = value_pos(*_parent(nodes[cue.giver], cue.given_at))
            giver = f'question "{questions[cue.giver].id}" (line {line + 1})'
            parent, key = _parent(nodes[cue.cued], cue.key.at)
            self.report.warn_value(parent, key, cue.message(giver), CUED_BY_OTHER)

    def check_unique(self, node: Any, qid: str) -> None:
        line, col = node.lc.value("id")
        if qid in self.seen_ids:
            first = self.seen_ids[qid]
            where = first.removeprefix(f"{self.path}:")
            where = f"on line {where}" if where != first else f"at {first}"
            self.report.at(line, col, f'duplicate question id "{qid}" (first used {where})')
        else:
            self.seen_ids[qid] = f"{self.path}:{line + 1}"

    def cites(self, node: Any, default_doc: str | None) -> list[CiteSource]:
        cite_node = node.get("cite")
        if "cite" not in node:
            self.missing(
                node,
                "cite",
                'missing required key "cite": quote the passage that supports the answer',
            )
            return []
        if cite_node == []:
            self.report.value(node, "cite", "cite must list at least one quote")
            return []
        if not isinstance(cite_node, list):
            self.report.value(
                node,
                "cite",
                f'cite must be a list of quotes like - quote: "...", not {kind(cite_node)}',
            )
            return []
        cites = []
        for i, item in enumerate(cite_node):
            if not isinstance(item, Mapping):
                self.report.item(
                    cite_node,
                    i,
                    f'each cite must be a mapping like {{quote: "..."}}, not {kind(item)}',
                )
                continue
            self.unknown_keys(item, CITE_KEYS, "cite")
            quote = self.text(item, "quote")
            doc = self.text(item, "doc", required=False, what="doc (an article id)")
            defaulted = "doc" not in item
            doc = default_doc if defaulted else doc
            if doc is None and defaulted:
                self.report.item(cite_node, i, "cite has no doc and the bank has no default doc")
            if quote is None or doc is None:
                continue
            line, col = cast(Any, item).lc.value("quote")  # a ruamel node: it has .lc
            cites.append(CiteSource(doc, quote, line + 1, col + 1))
            if self.corpus is not None and not (defaulted and self.bad_default_doc):
                self.resolve(cites[-1], None if defaulted else item)
        return cites

    def resolve(self, cite: CiteSource, item: Any) -> None:
        assert self.corpus is not None  # called only with a corpus
        result = self.corpus.resolve(cite.doc, cite.quote)
        if isinstance(result, UnknownDocument) and item is not None:
            self.report.value(item, "doc", result.message())
        elif not isinstance(result, Match):  # anything else explains itself
            hint = result.differences() if isinstance(result, NotFound) else None
            self.report.at(cite.line - 1, cite.col - 1, result.message(), hint=hint)
        elif word := result.cut_word():
            self.report.at(
                cite.line - 1,
                cite.col - 1,
                f'quote starts or ends inside the word "{word}": quote whole words, '
                "or the highlight would split it",
            )


def _parent(node: Any, at: tuple[str | int, ...]) -> tuple[Any, str | int]:
    """Return the mapping (or list) holding the value at a path of keys, and its last key."""
    *path, key = at
    for step in path:
        node = node[step]
    return node, key
