"""Short typed answers, compared after normalising case, accents, punctuation and spaces."""

import logging
import random
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any
from xml.etree.ElementTree import Element

import regex as regex_module

from quizapp.qtypes.base import (
    Diagnostics,
    GiftBlock,
    GiftSyntax,
    InvalidResponse,
    LeftOut,
    MoodleSyntax,
    Note,
    QuestionType,
    Score,
    Spec,
    TypedAnswer,
    full,
    kind,
    register,
)

MAX_LENGTH = 200
# A typo one edit away is forgiven only in answers this long: in shorter ones one edit is often
# another word ("Mozi", "Mazi").
FUZZY_LETTERS = 5
# A regex like (a+)+b takes seconds on 25 letters; a student must not be able to hold a worker.
REGEX_SECONDS = 0.05
log = logging.getLogger(__name__)


def normalise(text: str) -> str:
    """Return text case-folded, without diacritics, punctuation becoming single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    no_punct = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in stripped)
    return " ".join(no_punct.casefold().split())


def without_the(normalised: str) -> str:
    """Return a normalised answer without a leading "the".

    "the High Energy Photon Source" names what "High Energy Photon Source" does; banks should
    not have to list both. Only "the": a leading "a" can be part of a name ("A share").
    """
    rest = normalised.removeprefix("the ")
    return rest or normalised


def compile_regex(pattern: str) -> regex_module.Pattern[str]:
    """Return an answer regex compiled as grading uses it (raises regex.error)."""
    return regex_module.compile(pattern, regex_module.IGNORECASE)


def _matches(pattern: str, forms: Iterable[str]) -> bool:
    compiled = compile_regex(pattern)
    try:
        return any(compiled.fullmatch(f, timeout=REGEX_SECONDS) is not None for f in forms)
    except TimeoutError:
        log.warning(
            "answer regex %r gave up after %s s: counted as no match", pattern, REGEX_SECONDS
        )
        return False


def _why(pattern: str, exc: Exception) -> str:
    """Return why a regex does not compile: the standard library says where it went wrong."""
    try:
        re.compile(pattern)
    except re.error as std:
        return str(std)
    return str(exc)


def _key(text: str) -> str:
    # Spaces are dropped too, so "U.S.", "US" and "u s" all compare equal.
    return without_the(normalise(text)).replace(" ", "")


def edits(a: str, b: str) -> int:
    """Return 0 or 1 when a and b are that many edits apart (insertion, deletion, substitution or
    transposition of neighbours), else 2."""
    if a == b:
        return 0
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) > 1:
        return 2
    i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), len(a))
    if len(a) < len(b):
        return 1 if a[i:] == b[i + 1 :] else 2
    swapped = a[i + 1 : i + 2] == b[i : i + 1] and a[i : i + 1] == b[i + 1 : i + 2]
    return 1 if a[i + 1 :] == b[i + 1 :] or (swapped and a[i + 2 :] == b[i + 2 :]) else 2


def _forgivable(typed: str, accepted: str) -> bool:
    """Return whether a one-edit slip from an accepted answer may count: a long enough answer,
    and no digit changed ("2017" for "2016" is another year, not a typo)."""
    letters = sum(c.isalpha() for c in accepted)
    return letters >= FUZZY_LETTERS and re.sub(r"\D", "", typed) == re.sub(r"\D", "", accepted)


def misspelt(spec: Spec, response: str) -> str | None:
    """Return the accepted answer a response misspells by one edit, or None.

    None when the response is accepted as typed, when it is as near a known wrong answer
    (``reject``), or as near another accepted answer (which one was meant is unclear).
    """
    typed = _key(response)
    accepted: dict[str, str] = {}  # compared form -> the answer as the bank writes it
    for answer in spec["accept"]:
        accepted.setdefault(_key(answer), answer)
    if typed in accepted or any(edits(typed, _key(r)) <= 1 for r in spec.get("reject") or ()):
        return None
    near = [key for key in accepted if edits(typed, key) == 1]
    if len(near) == 1 and _forgivable(typed, near[0]):
        return accepted[near[0]]
    return None


def _as_typed(spec: Spec, response: str) -> bool:
    """Return whether a response is accepted as typed: an accepted answer, or the regex's
    unless it is (one edit from) a known wrong answer."""
    typed = _key(response)
    if typed in {_key(a) for a in spec["accept"]}:
        return True
    if not spec.get("regex") or any(edits(typed, _key(r)) <= 1 for r in spec.get("reject") or ()):
        return False
    folded = normalise(response)
    return _matches(spec["regex"], (response.strip(), folded, without_the(folded)))


class ShortTextGift:
    """GIFT short answers ``{=one =other}``; only the accepted answers, not the regex."""

    kind = "shortanswer"

    def answers(self, spec: Spec, syntax: GiftSyntax) -> str:
        return "".join(f"\n={syntax.escape(a)}" for a in spec["accept"])

    def warnings(self, qid: str, spec: Spec) -> list[str]:
        return [
            f"question {qid}: its accepted answer {accepted!r} contains '->', "
            "which Moodle (and `quizapp import gift`) read as a matching question"
            for accepted in spec["accept"]
            if "->" in accepted
        ]

    def read(self, block: GiftBlock, syntax: GiftSyntax, note: Note) -> Spec:
        return {"accept": syntax.short_answers(block.parts, block.where, note)}


class ShortTextMoodle:
    kind = "shortanswer"

    def write(self, el: Element, spec: Spec, syntax: MoodleSyntax) -> None:
        syntax.ET.SubElement(el, "usecase").text = "0"
        for accepted in spec["accept"]:
            syntax.answer(el, 100, accepted, fmt="moodle_auto_format")

    def reads(self, el: Element) -> bool:
        return True

    def read(self, el: Element) -> Spec:
        return {"accept": [a.findtext("text") for a in el.findall("answer")]}


REGEX_LEFT_OUT = LeftOut(
    formats="GIFT and Moodle XML",
    part="regular expression",
    reason="Moodle has no regular-expression answers, so only the accepted answers go out",
    warning="its regex is left out (Moodle has no regular-expression answers); "
    "only its accepted answers are exported",
)


# Moodle forgives no misspelling, so its wrong answers need no list: only the slips that
# quizapp accepts are marked wrong there.
REJECT_LEFT_OUT = LeftOut(
    formats="GIFT and Moodle XML",
    part="reject list",
    reason="Moodle accepts no misspelt answers, so they are wrong there anyway",
    warning="its reject list is left out (Moodle accepts no misspelt answers, so they are wrong "
    "there anyway, and so are the misspellings quizapp would accept)",
)


@register
class ShortText(TypedAnswer, QuestionType):
    """A word or two typed in; accepted answers are compared leniently.

    Both sides are normalised (NFKD, combining marks dropped, case-folded, punctuation and
    spaces ignored, a leading "the" dropped). An optional regex is matched with fullmatch,
    case-insensitively, against the answer as typed (trimmed) and against its normalised form
    (punctuation become single spaces), with and without its leading "the"; a match that
    takes longer than REGEX_SECONDS counts as none. One slip (an edit) from an accepted answer of
    FUZZY_LETTERS letters or more is accepted with a note, unless it is as near a ``reject``
    answer or another accepted answer; a reject answer, or one edit from it, is always wrong.
    """

    name = "short_text"
    has_choices = False
    gift = ShortTextGift()
    moodle = ShortTextMoodle()
    keys = {
        "accept": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "minLength": 1},
            "description": (
                "Accepted answers (case, accents, punctuation, spaces and a leading 'the' ignored)."
            ),
        },
        "regex": {
            "type": "string",
            "description": (
                "Also accept answers this regular expression fullmatches, ignoring case: as typed"
                " (trimmed) or normalised."
            ),
        },
        "reject": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "minLength": 1},
            "description": (
                "Known wrong answers: one typed as written or one edit away is wrong, never taken"
                " for a misspelt accepted answer."
            ),
        },
    }
    required = ("accept",)

    def parse(self, node: Mapping[str, Any], diag: Diagnostics) -> Spec:
        accept = node.get("accept")
        if "accept" in node and (
            not isinstance(accept, list)
            or not accept
            or not all(isinstance(a, str) and _key(a) for a in accept)
        ):
            numbers = isinstance(accept, list) and any(isinstance(a, int | float) for a in accept)
            hint = ': quote numbers, as in accept: ["700"]' if numbers else ""
            diag.value(node, "accept", f"accept must be a non-empty list of non-empty texts{hint}")
            accept = []
        regex = node.get("regex")
        if regex is not None and not isinstance(regex, str):
            diag.value(node, "regex", f"regex must be text, not {kind(regex)}")
            regex = None
        elif regex is not None:
            try:
                compile_regex(regex)
            except regex_module.error as exc:
                diag.value(node, "regex", f"regex does not compile: {_why(regex, exc)}")
                regex = None
        accepted = [str(a) for a in accept or []]
        spec: Spec = {"accept": accepted, "regex": regex}
        if "reject" in node:  # only when given: the spec is hashed, older versions have none
            spec["reject"] = self._reject(node, diag, accepted)
        return spec

    def _reject(self, node: Mapping[str, Any], diag: Diagnostics, accept: list[str]) -> list[str]:
        reject = node.get("reject")
        if not isinstance(reject, list) or not reject:
            diag.value(node, "reject", "reject must be a non-empty list of wrong answers")
            return []
        if not all(isinstance(r, str) and _key(r) for r in reject):
            diag.value(node, "reject", "reject must list non-empty texts (quote numbers)")
            return []
        both = [r for r in reject if _key(r) in {_key(a) for a in accept}]
        if both:
            diag.value(node, "reject", f'"{both[0]}" is both accepted and rejected')
        return [str(r) for r in reject]

    def parse_response(self, spec: Spec, form_values: list[str]) -> str | InvalidResponse:
        if len(form_values) != 1 or not normalise(form_values[0]):
            return InvalidResponse("Type an answer.")
        if len(form_values[0]) > MAX_LENGTH:
            return InvalidResponse(f"Keep the answer under {MAX_LENGTH} characters.")
        return form_values[0].strip()

    def grade(self, spec: Spec, response: str, points: float) -> Score:
        ok = _as_typed(spec, response) or misspelt(spec, response) is not None
        return full(points, 1.0 if ok else 0.0)

    def grading_note(self, spec: Spec, response: str) -> str | None:
        if _as_typed(spec, response) or (right := misspelt(spec, response)) is None:
            return None
        return f"Accepted; it is spelt {right}."

    def describe_correct(self, spec: Spec) -> str:
        return " or ".join(spec["accept"])

    def sample_response(self, spec: Spec, rng: random.Random, knows: bool) -> str:
        return spec["accept"][0] if knows else "no idea"

    def left_out(self, spec: Spec) -> list[LeftOut]:
        return (
            super().left_out(spec)
            + ([REGEX_LEFT_OUT] if spec.get("regex") else [])
            + ([REJECT_LEFT_OUT] if spec.get("reject") else [])
        )
