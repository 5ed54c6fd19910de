"""Numeric answers with an absolute tolerance; learners may write numbers as people do.

"2,400", "2 400 m", "some 700 metres deep", "more than 11,000 visiting scientists", "~5,200",
"forty-three", "minus 40", "tripled", "by half", "30 million yuan" or "30,000,000": each is read
as one number. A hedge never changes the value (the tolerance decides) and an answer holding a
second number, or another unit than the question's, is not read at all (the learner retypes).
"""

import math
import random
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element

from quizapp.qtypes.base import (
    Diagnostics,
    GiftBlock,
    GiftSyntax,
    InvalidResponse,
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

# Digits, optionally grouped in thousands by a comma or a (thin, no-break) space, then decimals.
NUMBER = re.compile(
    r"([-+\u2212]?)(\d{1,3}(?:[, \u00a0\u2009\u202f]\d{3})+|\d+|(?=\.\d))((?:\.\d+)?)", re.ASCII
)


MAX_LENGTH = 100  # as the answer field's maxlength

# Ways of writing one unit: a bank may use any of them, a learner may type any of them.
_SAME_UNIT = [
    # A change in a percentage is written either way: "by 25%" or "by 25 percentage points".
    ("%", "percent", "per cent", "percentage points", "percentage point", "pp"),
    ("×", "x", "times", "fold"),
    ("°c", "°", "c", "℃", "degrees", "degrees c", "degrees celsius", "celsius"),
    ("m", "metres", "meters", "metre", "meter"),
    ("km", "kilometres", "kilometers", "kilometre", "kilometer"),
    ("t", "tonnes", "tonne", "tons", "ton"),
    ("years", "year", "yrs", "yr"),
    ("yuan", "rmb", "cny", "renminbi", "¥"),
]
_SPELLED = {form: group for group in _SAME_UNIT for form in group}
_PERCENT, _TIMES, _CELSIUS = (_SAME_UNIT[0], _SAME_UNIT[1], _SAME_UNIT[2])
# Units no bank uses yet: typed after a number they say it is something else ("2400 feet").
_OTHER_UNITS = {
    *("cm", "mm", "ms", "kms", "kg", "g", "mg", "ft", "feet", "foot", "mi", "mile", "miles"),
    *("inch", "inches", "yard", "yards", "month", "months", "week", "weeks", "day", "days"),
    *("hour", "hours", "decade", "decades", "dollar", "dollars", "usd", "us$", "$", "€", "£"),
    *("euro", "euros", "pound", "pounds"),
}
_UNIT_WORDS = set(_SPELLED) | _OTHER_UNITS

# Words that only soften or frame a number: stripped from the front, the value is unchanged.
_HEDGES = sorted(
    {
        *("about", "around", "roughly", "approximately", "approx.", "approx", "some", "nearly"),
        *("almost", "more than", "over", "under", "less than", "fewer than", "up to", "at least"),
        *("at most", "just over", "just under", "well over", "close to", "by", "in", "to"),
        *("circa", "ca.", "ca", "c.", "the year", "an estimated", "estimated", "only"),
        *("increased", "rose", "grew", "boosted", "raised", "dropped", "fell", "decreased"),
        *("declined", "reduced", "cut", "shrank", "perhaps", "maybe", "possibly", "probably"),
        *("since", "from", "started in", "launched in", "began in", "met in", "a drop of"),
        *("down", "a rise of", "up"),
    },
    key=len,
    reverse=True,
)
_HEDGE_SIGNS = ("~", "≈", "∼", ">", "<", "≥", "≤")
_CURRENCY_SIGNS = ("¥", "us$", "$", "€", "£", "rmb", "cny")

_ONES = dict(
    zero=0, one=1, two=2, three=3, four=4, five=5, six=6, seven=7, eight=8, nine=9, ten=10,
    eleven=11, twelve=12, thirteen=13, fourteen=14, fifteen=15, sixteen=16, seventeen=17,
    eighteen=18, nineteen=19,
)  # fmt: skip
_TENS = dict(twenty=20, thirty=30, forty=40, fifty=50, sixty=60, seventy=70, eighty=80, ninety=90)
_MULTIPLIED = {
    "twice": 2, "double": 2, "doubled": 2, "triple": 3, "tripled": 3, "treble": 3, "trebled": 3,
    "quadruple": 4, "quadrupled": 4,
}  # fmt: skip
_SCALES = {"thousand": 10**3, "k": 10**3, "million": 10**6, "mn": 10**6, "mln": 10**6}
_SCALES |= {"m": 10**6, "billion": 10**9, "bn": 10**9}
# Words that are numbers: after the number read, they mean the answer holds a second one.
_NUMBER_WORDS = {
    *_ONES, *_TENS, *_MULTIPLIED, *_SCALES, "hundred", "half", "halved", "dozen", "once",
}  # fmt: skip
_WORD = re.compile(r"[ -]*([^\W\d_]+)")
_SCALE = re.compile(r"[ -]*(thousand|million|billion|mln|mn|bn|k|m)\b")


def unit_forms(unit: str) -> list[str]:
    """Return the ways a learner may write a unit after the number, longest first."""
    unit = unit.strip().casefold()
    forms = {unit, *_SPELLED.get(unit, ())}
    words = unit.split()
    # "583 million" for "million yuan": the leading words say the size; "583 yuan" would not
    forms.update(" ".join(words[:n]) for n in range(1, len(words)))
    if unit not in _SPELLED and unit.isalpha() and len(unit) > 2:
        # "5 year" for years and "1 journals" for journal: the number is what is graded.
        forms.add(unit[:-1] if unit.endswith("s") else unit + "s")
    return sorted(forms, key=len, reverse=True)


def _unit_scale(unit: str | None) -> tuple[int, str | None]:
    """Return the size a unit's first word says ("million yuan": 10**6) and the unit after it."""
    words = (unit or "").strip().casefold().split()
    if words and words[0] in ("thousand", "million", "billion"):
        return _SCALES[words[0]], " ".join(words[1:]) or None
    return 1, None


def _below_hundred(words: list[tuple[str, int]], i: int) -> tuple[int | None, int]:
    if i < len(words) and words[i][0] in _TENS:
        value, i = _TENS[words[i][0]], i + 1
        if i < len(words) and 1 <= _ONES.get(words[i][0], 0) <= 9:
            value, i = value + _ONES[words[i][0]], i + 1
        return value, i
    if i < len(words) and words[i][0] in _ONES:
        return _ONES[words[i][0]], i + 1
    return None, i


def _spelled(text: str) -> tuple[Decimal, int, str] | None:
    """Return a number written in words at the start of text: value, end and kind, or None."""
    words, pos = [], 0
    while (match := _WORD.match(text, pos)) and (pos or match.start(1) == 0):
        words.append((match.group(1), match.end()))
        pos = match.end()
    if not words:
        return None
    first = words[0][0]
    if first in _MULTIPLIED:
        return Decimal(_MULTIPLIED[first]), words[0][1], "times"
    if first.endswith("fold"):  # threefold, twofold
        value, used = _below_hundred([(first[:-4], 0)], 0)
        # used is 1 exactly when a number was read (value is not None)
        return (Decimal(value), words[0][1], "times") if value is not None and used else None
    if first in ("half", "halved"):
        return Decimal("0.5"), words[0][1], "half"
    if first in ("a", "one") and len(words) > 1 and words[1][0] == "half":
        return Decimal("0.5"), words[1][1], "half"
    if first == "a" and len(words) > 1 and words[1][0] == "hundred":
        value, i = 100, 2
    else:
        value, i = _below_hundred(words, 0)
        if value is None:
            return None
        if i < len(words) and words[i][0] == "hundred" and 1 <= value <= 19:
            value, i = value * 100, i + 1
    if value % 100 == 0 and value and i < len(words):  # "one hundred and five"
        j = i + (words[i][0] == "and")
        rest, k = _below_hundred(words, j)
        if rest is not None:
            value, i = value + rest, k
    return Decimal(value), words[i - 1][1], "plain"


def _starts_with(text: str, form: str) -> bool:
    """Return whether text starts with a unit form that does not run on ("ms" is not "m")."""
    return text.startswith(form) and not text[len(form) : len(form) + 1].isalnum()


def _starts_with_word(text: str, word: str) -> bool:
    """Return whether text starts with a hedge or sign ("about", "c.700", "~5")."""
    return text.startswith(word) and not (
        word[-1].isalnum() and text[len(word) : len(word) + 1].isalnum()
    )


def parse_number(text: str, unit: str | None = None) -> float | None:
    """Return the one number a learner typed, in the question's unit, or None.

    Read: a hedge or framing word from a fixed list ("about", "more than", "by", "in", "~"),
    a sign ("-", "minus"), the number in digits or words (zero to ninety-nine, hundreds),
    a size ("thousand", "k", "million", also "m" when the unit is in millions), the unit in
    any spelling, then any words that are neither numbers nor another unit. Multipliers
    ("tripled", "threefold", "x3") count only when the unit is ×, "half" only for % (50) and
    × (0.5). A plain number of a unit in millions written in full ("30,000,000") is divided.
    """
    text = unicodedata.normalize("NFKC", text).casefold().strip()
    text = text.removesuffix(".").rstrip()  # "700 metres." ends a sentence
    text = re.sub(r"°\s+", "°", text)  # "25° C"
    group = _SPELLED.get((unit or "").strip().casefold())
    unit_scale, unit_rest = _unit_scale(unit)
    forms = unit_forms(unit) if unit else []
    rest_forms = unit_forms(unit_rest) if unit_rest else []
    for _ in range(4):  # "up to about", "reduced by"
        hedge = next((h for h in (*_HEDGES, *_HEDGE_SIGNS) if _starts_with_word(text, h)), None)
        if hedge is None:
            break
        text = text[len(hedge) :].lstrip()
    negative = False
    if re.match(r"(minus|negative)\b", text):
        negative, text = True, re.sub(r"^(minus|negative)\s*", "", text)
    elif text[:1] in ("\u2212", "\u2013") or re.match(r"-\s", text):
        negative, text = True, text[1:].lstrip()
    currency = next((c for c in _CURRENCY_SIGNS if _starts_with_word(text, c)), None)
    if currency is not None:
        if currency not in forms + rest_forms:
            return None
        text = text[len(currency) :].lstrip()
    kind_ = "plain"
    if text[:1] in ("x", "×", "*"):  # "x3"
        kind_, text = "times", text[1:].lstrip()
    match = NUMBER.match(text)
    if match:
        sign, whole, decimals = match.groups()
        if sign and (negative or kind_ == "times"):
            return None
        negative = negative or sign in ("-", "\u2212")
        value = Decimal(re.sub(r"\D", "", whole or "0") + decimals)
        rest = text[match.end() :]
    elif (spelled := _spelled(text)) is not None:
        value, end, word_kind = spelled
        if word_kind != "plain" and kind_ != "plain":
            return None
        kind_ = word_kind if word_kind != "plain" else kind_
        rest = text[end:]
    else:
        return None
    if rest[:1].isdigit():
        return None
    scale = _SCALE.match(rest)
    if scale and (scale.group(1) != "m" or unit_scale == 10**6):
        value *= _SCALES[scale.group(1)]
        value /= unit_scale
        rest = rest[scale.end() :]
        forms = sorted({*rest_forms, *forms}, key=len, reverse=True)
    elif unit_scale > 1 and abs(value) >= unit_scale:
        value /= unit_scale  # "30,000,000" for 30 million yuan
        forms = sorted({*rest_forms, *forms}, key=len, reverse=True)
    rest = re.sub(r"^[\s(\[-]+", "", rest)
    form = next((f for f in forms if _starts_with(rest, f)), None)
    if form is not None:
        rest = rest[len(form) :]
    elif any(rest.startswith(f) for f in forms):
        return None  # "700 ms" is not metres, nor "5 %s" per cent
    below = re.match(r"\s*below (zero|freezing)\b", rest)
    if below and group is _CELSIUS:  # "40 below zero"
        negative, rest = not negative, rest[below.end() :]
    if re.search(r"\d", rest):
        return None
    tokens = re.findall(r"[^\W\d_]+|[^\w\s]", rest)
    if any(t in _NUMBER_WORDS or (t in _UNIT_WORDS and t not in forms) for t in tokens):
        return None
    if kind_ == "times" and group is not _TIMES:
        return None
    if kind_ == "half":
        if group is _PERCENT:
            value *= 100
        elif group is not _TIMES:
            return None
    result = float(value)
    return -result if negative else result


def _finite_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _fmt(value: float) -> str:
    return f"{value:,.10g}" if abs(value) >= 10000 else f"{value:.10g}"


class NumericGift:
    """GIFT ``{#answer:tolerance}``; the unit travels in a ``// [unit:...]`` comment."""

    kind = "numerical"

    def answers(self, spec: Spec, syntax: GiftSyntax) -> str:
        tol = spec.get("tolerance") or 0
        return f"#{syntax.number(spec['answer'])}" + (f":{syntax.number(tol)}" if tol else "")

    def warnings(self, qid: str, spec: Spec) -> list[str]:
        return []

    def read(self, block: GiftBlock, syntax: GiftSyntax, note: Note) -> Spec:
        fields = syntax.numeric(block.stripped[1:], block.where, note)
        unit = next((v.strip() for k, v, _ in block.meta if k == "unit"), None)
        if unit:
            fields["unit"] = unit
        return fields


class NumericMoodle:
    kind = "numerical"

    def write(self, el: Element, spec: Spec, syntax: MoodleSyntax) -> None:
        sub = syntax.ET.SubElement
        answer = syntax.answer(el, 100, syntax.number(spec["answer"]), fmt="moodle_auto_format")
        sub(answer, "tolerance").text = syntax.number(spec.get("tolerance") or 0)
        if spec.get("unit"):
            units = sub(el, "units")
            unit = sub(units, "unit")
            sub(unit, "multiplier").text = "1"
            sub(unit, "unit_name").text = spec["unit"]

    def reads(self, el: Element) -> bool:
        return True

    def read(self, el: Element) -> Spec:
        answer = el.findall("answer")[0]
        return {
            "answer": float(answer.findtext("text", "")),
            "tolerance": float(answer.findtext("tolerance") or 0),
            "unit": el.findtext("units/unit/unit_name"),
        }


@register
class Numeric(TypedAnswer, QuestionType):
    name = "numeric"
    has_choices = False
    gift = NumericGift()
    moodle = NumericMoodle()
    keys = {
        "answer": {"type": "number", "description": "The right value."},
        "tolerance": {
            "type": "number",
            "minimum": 0,
            "default": 0,
            "description": "Accepted absolute difference from the answer.",
        },
        "unit": {
            "type": "string",
            "minLength": 1,
            "description": "Unit shown to learners (e.g. m or %); they may type it or not.",
        },
    }
    required = ("answer",)

    def parse(self, node: Mapping[str, Any], diag: Diagnostics) -> Spec:
        answer, tolerance, unit = node.get("answer"), node.get("tolerance", 0), node.get("unit")
        if "answer" in node and not _finite_number(answer):
            diag.value(node, "answer", f"answer must be a number, not {kind(answer)}")
            answer = 0
        if not _finite_number(tolerance):
            diag.value(node, "tolerance", f"tolerance must be a number, not {kind(tolerance)}")
            tolerance = 0
        elif tolerance < 0:
            diag.value(node, "tolerance", f"tolerance must not be negative (got {tolerance})")
            tolerance = 0
        if "unit" in node and (not isinstance(unit, str) or not unit.strip()):
            problem = (
                "must not be empty" if isinstance(unit, str) else f"must be text, not {kind(unit)}"
            )
            diag.value(node, "unit", f"unit {problem}")
            unit = None
        return {"answer": answer or 0, "tolerance": tolerance, "unit": unit}

    def parse_response(self, spec: Spec, form_values: list[str]) -> float | InvalidResponse:
        unit = spec.get("unit")
        if len(form_values) == 1 and len(form_values[0]) > MAX_LENGTH:
            # The page's maxlength stops a browser, not a script: 400 nines would be stored as inf.
            return InvalidResponse(f"Keep the answer under {MAX_LENGTH} characters.")
        value = parse_number(form_values[0], unit) if len(form_values) == 1 else None
        if value is None:
            also = f" (the unit, {unit}, may follow)" if unit else ""
            return InvalidResponse(f"Type a number, for example 2400, 2,400 or 2 400{also}.")
        return value

    def grade(self, spec: Spec, response: float, points: float) -> Score:
        # The small slack keeps 0.1 + 0.2 style float error from failing a boundary answer.
        gap = abs(float(response) - float(spec["answer"]))
        ok = gap <= float(spec.get("tolerance") or 0) + 1e-9 * max(1.0, abs(spec["answer"]))
        return full(points, 1.0 if ok else 0.0)

    def describe_response(self, spec: Spec, response: float) -> str:
        unit = spec.get("unit")
        return _fmt(float(response)) + (f" {unit}" if unit else "")

    def describe_correct(self, spec: Spec) -> str:
        text = self.describe_response(spec, spec["answer"])
        if spec.get("tolerance"):
            text += f" (± {_fmt(float(spec['tolerance']))})"
        return text

    def sample_response(self, spec: Spec, rng: random.Random, knows: bool) -> float:
        # Wrong by more than any tolerance a bank sets: half as much again, plus a bit.
        return float(spec["answer"]) if knows else float(spec["answer"]) * 1.5 + 7
