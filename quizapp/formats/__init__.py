"""Pure formatters: CSV, GIFT, Moodle XML and bank YAML."""


def regex_left_out(qtype: str, spec: dict) -> bool:
    """Return whether GIFT and Moodle XML drop part of a question: a short-text answer regex."""
    return qtype == "short_text" and bool(spec.get("regex"))


def reject_left_out(qtype: str, spec: dict) -> bool:
    """Return whether GIFT and Moodle XML drop part of a question: a short-text reject list."""
    return qtype == "short_text" and bool(spec.get("reject"))


def left_out_of_moodle(bank) -> list[str]:
    """Return, per question, what GIFT and Moodle XML cannot carry and so leave out."""
    regexes = [
        f"question {q.id}: its regex is left out (Moodle has no regular-expression answers); "
        "only its accepted answers are exported"
        for q in bank.questions
        if regex_left_out(q.type, q.spec)
    ]
    # Moodle forgives no misspelling, so its wrong answers need no list: only the slips that
    # quizapp accepts are marked wrong there.
    rejects = [
        f"question {q.id}: its reject list is left out (Moodle accepts no misspelt answers, so"
        " they are wrong there anyway, and so are the misspellings quizapp would accept)"
        for q in bank.questions
        if reject_left_out(q.type, q.spec)
    ]
    return regexes + rejects
