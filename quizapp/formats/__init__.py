"""Pure formatters: CSV, GIFT, Moodle XML and bank YAML."""


def left_out_of_moodle(bank) -> list[str]:
    """Return, per question, what GIFT and Moodle XML cannot carry and so leave out."""
    return [
        f"question {q.id}: its regex is left out (Moodle has no regular-expression answers); "
        "only its accepted answers are exported"
        for q in bank.questions
        if q.type == "short_text" and q.spec.get("regex")
    ]
