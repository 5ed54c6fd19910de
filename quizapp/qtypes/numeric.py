"""Numeric answers with an absolute tolerance; learners may type 2,400 or 2 400 m."""

import math
import re

from quizapp.qtypes.base import (
    InvalidResponse,
    QuestionType,
    Score,
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
    ("%", "percent", "per cent"),
    ("×", "x", "times"),
    ("°c", "°", "c", "℃", "degrees", "degrees c", "degrees celsius", "celsius"),
    ("m", "metres", "meters", "metre", "meter"),
    ("km", "kilometres", "kilometers", "kilometre", "kilometer"),
    ("t", "tonnes", "tonne", "tons", "ton"),
]
_SPELLED = {form: group for group in _SAME_UNIT for form in group}


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


def parse_number(text: str, unit: str | None = None) -> float | None:
    """Return the number a learner typed (optionally followed by the unit), or None."""
    text = text.strip().removesuffix(".").rstrip()  # "700 metres." ends a sentence
    text = re.sub(r"°\s+", "°", text)  # "25° C"
    if unit:
        folded = text.casefold()
        form = next((f for f in unit_forms(unit) if folded.endswith(f)), None)
        if form is not None:
            text = text[: -len(form)].rstrip()
    match = NUMBER.fullmatch(text)
    if not match:
        return None
    sign, whole, decimals = match.groups()
    value = float(re.sub(r"\D", "", whole or "0") + decimals)
    return -value if sign in ("-", "\u2212") else value


def _finite_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _fmt(value: float) -> str:
    return f"{value:,.10g}" if abs(value) >= 10000 else f"{value:.10g}"


class NumericGift:
    """GIFT ``{#answer:tolerance}``; the unit travels in a ``// [unit:...]`` comment."""

    kind = "numerical"

    def answers(self, spec: dict, syntax) -> str:
        tol = spec.get("tolerance") or 0
        return f"#{syntax.number(spec['answer'])}" + (f":{syntax.number(tol)}" if tol else "")

    def warnings(self, qid: str, spec: dict) -> list[str]:
        return []

    def read(self, block, syntax, note) -> dict:
        fields = syntax.numeric(block.stripped[1:], block.where, note)
        unit = next((v.strip() for k, v, _ in block.meta if k == "unit"), None)
        if unit:
            fields["unit"] = unit
        return fields


class NumericMoodle:
    kind = "numerical"

    def write(self, el, spec: dict, syntax) -> None:
        sub = syntax.ET.SubElement
        answer = syntax.answer(el, 100, syntax.number(spec["answer"]), fmt="moodle_auto_format")
        sub(answer, "tolerance").text = syntax.number(spec.get("tolerance") or 0)
        if spec.get("unit"):
            units = sub(el, "units")
            unit = sub(units, "unit")
            sub(unit, "multiplier").text = "1"
            sub(unit, "unit_name").text = spec["unit"]

    def reads(self, el) -> bool:
        return True

    def read(self, el) -> dict:
        answer = el.findall("answer")[0]
        return {
            "answer": float(answer.findtext("text")),
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

    def parse(self, node, diag) -> dict:
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

    def parse_response(self, spec, form_values):
        unit = spec.get("unit")
        if len(form_values) == 1 and len(form_values[0]) > MAX_LENGTH:
            # The page's maxlength stops a browser, not a script: 400 nines would be stored as inf.
            return InvalidResponse(f"Keep the answer under {MAX_LENGTH} characters.")
        value = parse_number(form_values[0], unit) if len(form_values) == 1 else None
        if value is None:
            also = f" (the unit, {unit}, may follow)" if unit else ""
            return InvalidResponse(f"Type a number, for example 2400, 2,400 or 2 400{also}.")
        return value

    def grade(self, spec, response, points) -> Score:
        # The small slack keeps 0.1 + 0.2 style float error from failing a boundary answer.
        gap = abs(float(response) - float(spec["answer"]))
        ok = gap <= float(spec.get("tolerance") or 0) + 1e-9 * max(1.0, abs(spec["answer"]))
        return full(points, 1.0 if ok else 0.0)

    def describe_response(self, spec, response) -> str:
        unit = spec.get("unit")
        return _fmt(float(response)) + (f" {unit}" if unit else "")

    def describe_correct(self, spec) -> str:
        text = self.describe_response(spec, spec["answer"])
        if spec.get("tolerance"):
            text += f" (± {_fmt(float(spec['tolerance']))})"
        return text

    def sample_response(self, spec, rng, knows):
        # Wrong by more than any tolerance a bank sets: half as much again, plus a bit.
        return float(spec["answer"]) if knows else float(spec["answer"]) * 1.5 + 7
