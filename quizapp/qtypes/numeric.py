"""Numeric answers with an absolute tolerance; learners may type 2,400 or 2 400 m."""

import math
import re

from .base import InvalidResponse, QuestionType, Score, full, register

# Digits with optional thousands separators (comma, space, thin/no-break space) and a decimal part.
NUMBER = re.compile(r"^([-+−]?)(\d{1,3}(?:[, \u00a0\u2009\u202f]\d{3})+|\d+)(\.\d+)?$")


def parse_number(text: str, unit: str | None = None) -> float | None:
    """Return the number a learner typed, or None when it is not one."""
    text = text.strip()
    if unit and text.lower().endswith(unit.lower()):
        text = text[: -len(unit)].strip()
    text = re.sub(r"\s*(%|[a-zA-Z°µ²³/]+\.?)$", "", text).strip()
    match = NUMBER.match(text)
    if not match:
        return None
    sign, whole, decimals = match.groups()
    value = float(re.sub(r"[^\d]", "", whole) + (decimals or ""))
    return -value if sign in ("-", "−") else value


def _fmt(value: float) -> str:
    return f"{value:,.10g}" if abs(value) >= 1000 else f"{value:.10g}"


@register
class Numeric(QuestionType):
    name = "numeric"
    keys = {
        "answer": {"type": "number", "description": "The right value."},
        "tolerance": {
            "type": "number",
            "minimum": 0,
            "default": 0,
            "description": "Accepted absolute difference.",
        },
        "unit": {"type": "string", "description": "Unit shown to learners, e.g. m or %."},
    }
    required = ("answer",)

    def parse(self, node, report) -> dict:
        answer, tolerance, unit = node.get("answer"), node.get("tolerance", 0), node.get("unit")
        if "answer" in node and (
            isinstance(answer, bool)
            or not isinstance(answer, int | float)
            or not math.isfinite(answer)
        ):
            report.value(node, "answer", f"answer must be a number, not {answer!r}")
            answer = 0
        if isinstance(tolerance, bool) or not isinstance(tolerance, int | float):
            report.value(node, "tolerance", f"tolerance must be a number, not {tolerance!r}")
            tolerance = 0
        elif tolerance < 0:
            report.value(node, "tolerance", f"tolerance must not be negative (got {tolerance})")
            tolerance = 0
        if unit is not None and (not isinstance(unit, str) or not unit.strip()):
            report.value(node, "unit", "unit must be non-empty text")
            unit = None
        return {"answer": answer or 0, "tolerance": tolerance, "unit": unit}

    def parse_response(self, spec, values):
        value = parse_number(values[0], spec.get("unit")) if len(values) == 1 else None
        if value is None:
            return InvalidResponse(
                "Type a number, for example 2400, 2,400 or 2400 " + (spec.get("unit") or "") + "."
            )
        return value

    def grade(self, spec, response, points) -> Score:
        ok = (
            abs(float(response) - float(spec["answer"])) <= float(spec.get("tolerance") or 0) + 1e-9
        )
        return full(points, 1.0 if ok else 0.0)

    def describe_response(self, spec, response) -> str:
        unit = spec.get("unit")
        return _fmt(float(response)) + (f" {unit}" if unit else "")

    def describe_correct(self, spec) -> str:
        unit = spec.get("unit")
        text = _fmt(float(spec["answer"])) + (f" {unit}" if unit else "")
        if spec.get("tolerance"):
            text += f" (± {_fmt(float(spec['tolerance']))})"
        return text
