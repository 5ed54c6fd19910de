"""True-or-false statements."""

from quizapp.qtypes.base import InvalidResponse, QuestionType, Score, full, kind, register

YAML11_BOOLEANS = {"yes", "no", "on", "off", "y", "n"}


@register
class TrueFalse(QuestionType):
    """A statement that is true or false (a real YAML 1.2 boolean, never the text "yes")."""

    name = "true_false"
    keys = {
        "answer": {
            "type": "boolean",
            "description": "true or false, unquoted (yes and no are text in YAML 1.2).",
        }
    }
    required = ("answer",)

    def parse(self, node, diag) -> dict:
        answer = node.get("answer")
        if "answer" in node and not isinstance(answer, bool):
            hint = ""
            if isinstance(answer, str) and answer.strip().lower() in ("true", "false"):
                hint = ": remove the quotes"
            elif isinstance(answer, str) and answer.strip().lower() in YAML11_BOOLEANS:
                hint = ": write true or false (YAML 1.2 reads yes and no as text)"
            diag.value(node, "answer", f"answer must be true or false, not {kind(answer)}{hint}")
            answer = False
        return {"answer": bool(answer)}

    def parse_response(self, spec, form_values):
        if len(form_values) != 1 or form_values[0] not in ("true", "false"):
            return InvalidResponse("Choose true or false.")
        return form_values[0] == "true"

    def grade(self, spec, response, points) -> Score:
        return full(points, 1.0 if response is spec["answer"] else 0.0)

    def describe_response(self, spec, response) -> str:
        return "True" if response else "False"

    def describe_correct(self, spec) -> str:
        return "True" if spec["answer"] else "False"
