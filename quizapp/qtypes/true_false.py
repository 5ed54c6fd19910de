"""True-or-false statements."""

from .base import InvalidResponse, QuestionType, Score, full, register


@register
class TrueFalse(QuestionType):
    """A statement that is true or false (a real YAML boolean, never the string "yes")."""

    name = "true_false"
    keys = {"answer": {"type": "boolean", "description": "true or false (YAML 1.2 booleans)."}}
    required = ("answer",)

    def parse(self, node, report) -> dict:
        answer = node.get("answer")
        if "answer" in node and not isinstance(answer, bool):
            report.value(
                node,
                "answer",
                f"answer must be true or false (a boolean), not {type(answer).__name__} {answer!r}",
            )
            answer = False
        return {"answer": bool(answer)}

    def parse_response(self, spec, values):
        if len(values) != 1 or values[0] not in ("true", "false"):
            return InvalidResponse("Choose true or false.")
        return values[0] == "true"

    def grade(self, spec, response, points) -> Score:
        return full(points, 1.0 if response == spec["answer"] else 0.0)

    def describe_response(self, spec, response) -> str:
        return "True" if response else "False"

    def describe_correct(self, spec) -> str:
        return "True" if spec["answer"] else "False"
