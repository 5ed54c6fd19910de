"""Pure formatters: CSV, GIFT, Moodle XML and bank YAML."""


def regex_left_out(qtype: str, spec: dict) -> bool:
    """Return whether GIFT and Moodle XML drop part of a question: a short-text answer regex."""
    return qtype == "short_text" and bool(spec.get("regex"))


def left_out_of_moodle(bank) -> list[str]:
    """Return, per question, what GIFT and Moodle XML cannot carry and so leave out."""
    return [
        f"question {q.id}: its regex is left out (Moodle has no regular-expression answers); "
        "only its accepted answers are exported"
        for q in bank.questions
        if regex_left_out(q.type, q.spec)
    ]
