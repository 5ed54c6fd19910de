"""Write a bank back out as the YAML instructors author (pure)."""

import io
from typing import Any

from ruamel.yaml import YAML

from quizapp.authoring.source import DEFAULT_LEVEL, BankSource

HEADER = "# yaml-language-server: $schema=schema.json\n"


def bank_to_data(bank: BankSource) -> dict[str, Any]:
    """Return the bank as plain data in authoring order and shape."""
    questions: list[dict[str, Any]] = []
    for q in bank.questions:
        item: dict[str, Any] = {"id": q.id, "type": q.type, "prompt": q.prompt}
        spec = dict(q.spec)
        if "choices" in spec:
            item["choices"] = [
                {
                    k: v
                    for k, v in (
                        ("text", c["text"]),
                        ("correct", c.get("correct") or None),
                        ("feedback", c.get("feedback")),
                    )
                    if v is not None
                }
                for c in spec.pop("choices")
            ]
        for key, value in spec.items():
            if value is not None and not (key == "tolerance" and not value):
                item[key] = value
        item["explanation"] = q.explanation
        item["cite"] = [
            {"quote": c.quote} if c.doc == bank.doc else {"doc": c.doc, "quote": c.quote}
            for c in q.cites
        ]
        if q.tags:
            item["tags"] = list(q.tags)
        item["difficulty"] = q.difficulty
        if q.level != DEFAULT_LEVEL:  # as authors write it: recall goes without saying
            item["level"] = q.level
        if q.points != 1:
            item["points"] = int(q.points) if float(q.points).is_integer() else q.points
        if q.allow:
            item["allow"] = dict(q.allow)
        questions.append(item)
    data: dict[str, Any] = {"bank": bank.id, "title": bank.title}
    if bank.doc:
        data["doc"] = bank.doc
    if bank.description:
        data["description"] = bank.description
    data["questions"] = questions
    return data


def dump_data(data: dict[str, Any]) -> str:
    """Return YAML text for bank data."""
    yaml = YAML()
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(data, out)
    # ruamel leaves a space where it folds a long line; YAML drops it there, editors flag it.
    return HEADER + "".join(line.rstrip(" ") + "\n" for line in out.getvalue().splitlines())


def dump(bank: BankSource) -> str:
    """Return the bank as authoring YAML."""
    return dump_data(bank_to_data(bank))
