"""Short typed answers, compared after normalising case, accents, punctuation and spaces."""

import re
import unicodedata

from .base import InvalidResponse, QuestionType, Score, full, register


def normalise(text: str) -> str:
    """Return text case-folded, without diacritics or punctuation, with single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    no_punct = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in stripped)
    return " ".join(no_punct.casefold().split())


@register
class ShortText(QuestionType):
    name = "short_text"
    keys = {
        "accept": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "minLength": 1},
            "description": "Accepted answers (case, accents and punctuation ignored).",
        },
        "regex": {
            "type": "string",
            "description": "Optional regular expression matched against the normalised answer.",
        },
    }
    required = ("accept",)

    def parse(self, node, report) -> dict:
        accept = node.get("accept")
        if "accept" in node and (
            not isinstance(accept, list)
            or not accept
            or not all(isinstance(a, str) and normalise(a) for a in accept)
        ):
            report.value(node, "accept", "accept must be a non-empty list of non-empty texts")
            accept = []
        regex = node.get("regex")
        if regex is not None:
            try:
                re.compile(regex) if isinstance(regex, str) else None
            except re.error as exc:
                report.value(node, "regex", f"regex does not compile: {exc}")
                regex = None
            if not isinstance(regex, str | None):
                report.value(node, "regex", "regex must be text")
                regex = None
        return {"accept": list(accept or []), "regex": regex}

    def parse_response(self, spec, values):
        if len(values) != 1 or not normalise(values[0]):
            return InvalidResponse("Type an answer.")
        return values[0].strip()[:200]

    def grade(self, spec, response, points) -> Score:
        given = normalise(response)
        ok = given in {normalise(a) for a in spec["accept"]}
        if not ok and spec.get("regex"):
            ok = re.fullmatch(spec["regex"], given, re.IGNORECASE) is not None
        return full(points, 1.0 if ok else 0.0)

    def describe_correct(self, spec) -> str:
        return " or ".join(spec["accept"])
