"""Short typed answers, compared after normalising case, accents, punctuation and spaces."""

import logging
import re
import unicodedata

import regex as regex_module

from quizapp.qtypes.base import (
    InvalidResponse,
    LeftOut,
    QuestionType,
    Score,
    TypedAnswer,
    full,
    kind,
    register,
)

MAX_LENGTH = 200
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


def compile_regex(pattern: str):
    """Return an answer regex compiled as grading uses it (raises regex.error)."""
    return regex_module.compile(pattern, regex_module.IGNORECASE)


def _matches(pattern: str, forms) -> bool:
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


class ShortTextGift:
    """GIFT short answers ``{=one =other}``; only the accepted answers, not the regex."""

    kind = "shortanswer"

    def answers(self, spec: dict, syntax) -> str:
        return "".join(f"\n={syntax.escape(a)}" for a in spec["accept"])

    def warnings(self, qid: str, spec: dict) -> list[str]:
        return [
            f"question {qid}: its accepted answer {accepted!r} contains '->', "
            "which Moodle (and `quizapp import gift`) read as a matching question"
            for accepted in spec["accept"]
            if "->" in accepted
        ]

    def read(self, block, syntax, note) -> dict:
        return {"accept": syntax.short_answers(block.parts, block.where, note)}


class ShortTextMoodle:
    kind = "shortanswer"

    def write(self, el, spec: dict, syntax) -> None:
        syntax.ET.SubElement(el, "usecase").text = "0"
        for accepted in spec["accept"]:
            syntax.answer(el, 100, accepted, fmt="moodle_auto_format")

    def reads(self, el) -> bool:
        return True

    def read(self, el) -> dict:
        return {"accept": [a.findtext("text") for a in el.findall("answer")]}


REGEX_LEFT_OUT = LeftOut(
    formats="GIFT and Moodle XML",
    part="regular expression",
    reason="Moodle has no regular-expression answers, so only the accepted answers go out",
    warning="its regex is left out (Moodle has no regular-expression answers); "
    "only its accepted answers are exported",
)


@register
class ShortText(TypedAnswer, QuestionType):
    """A word or two typed in; accepted answers are compared leniently.

    Both sides are normalised (NFKD, combining marks dropped, case-folded, punctuation and
    spaces ignored, a leading "the" dropped). An optional regex is matched with fullmatch,
    case-insensitively, against the answer as typed (trimmed) and against its normalised form
    (punctuation become single spaces), with and without its leading "the"; a match that
    takes longer than REGEX_SECONDS counts as none.
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
    }
    required = ("accept",)

    def parse(self, node, diag) -> dict:
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
        return {"accept": [str(a) for a in accept or []], "regex": regex}

    def parse_response(self, spec, form_values):
        if len(form_values) != 1 or not normalise(form_values[0]):
            return InvalidResponse("Type an answer.")
        if len(form_values[0]) > MAX_LENGTH:
            return InvalidResponse(f"Keep the answer under {MAX_LENGTH} characters.")
        return form_values[0].strip()

    def grade(self, spec, response, points) -> Score:
        ok = _key(response) in {_key(a) for a in spec["accept"]}
        if not ok and spec.get("regex"):
            typed = normalise(response)
            ok = _matches(spec["regex"], (response.strip(), typed, without_the(typed)))
        return full(points, 1.0 if ok else 0.0)

    def describe_correct(self, spec) -> str:
        return " or ".join(spec["accept"])

    def sample_response(self, spec, rng, knows):
        return spec["accept"][0] if knows else "no idea"

    def left_out(self, spec) -> list[LeftOut]:
        return super().left_out(spec) + ([REGEX_LEFT_OUT] if spec.get("regex") else [])
