"""Moodle GIFT export and import (pure).

Tags, difficulty, points, units and cites travel in `// [key:value]` comment lines, which Moodle
ignores (tags it reads), so a YAML -> GIFT -> YAML round trip keeps every field.
"""

import re

from ..banks import Bank

SPECIAL = re.compile(r"([~=#{}:\\])")


def escape(text: str) -> str:
    """Return text with GIFT's special characters escaped and newlines as \\n."""
    return SPECIAL.sub(r"\\\1", text).replace("\n", "\\n")


def unescape(text: str) -> str:
    """Return GIFT text with escapes resolved."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text.strip())


def _fmt(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else repr(value)


def _fb(feedback: str | None) -> str:
    return f"#{escape(feedback)}" if feedback else ""


def _general(explanation: str, excerpts: list[str]) -> str:
    text = explanation + ("\n\nSource: " + " / ".join(excerpts) if excerpts else "")
    return f"####{escape(text)}"


def dump(bank: Bank, excerpts: dict[str, list[str]] | None = None) -> str:
    """Return the bank in GIFT, one category per bank."""
    excerpts = excerpts or {}
    out = [f"// quizapp bank: {bank.id}", f"$CATEGORY: {category_path(bank.title)}", ""]
    if bank.doc:
        out.insert(1, f"// [doc:{bank.doc}]")
    for q in bank.questions:
        out += [f"// [tag:{t}]" for t in q.tags]
        out.append(f"// [difficulty:{q.difficulty}]")
        if q.points != 1:
            out.append(f"// [points:{_fmt(q.points)}]")
        if q.spec.get("unit"):
            out.append(f"// [unit:{q.spec['unit']}]")
        out += [f"// [cite:{c.doc}] {c.quote}" for c in q.cites]
        body = _answers(q)
        general = _general(q.explanation, excerpts.get(q.id, []))
        out.append(f"::{escape(q.id)}::[markdown]{escape(q.prompt)} {{{body}\n{general}\n}}")
        out.append("")
    return "\n".join(out)


def _answers(q) -> str:
    spec = q.spec
    if q.type == "single":
        return "".join(
            f"\n{'=' if c['correct'] else '~'}{escape(c['text'])}{_fb(c.get('feedback'))}"
            for c in spec["choices"]
        )
    if q.type == "multiple":
        k = sum(c["correct"] for c in spec["choices"])
        weight = _fmt(round(100 / k, 5))
        return "".join(
            f"\n~%{'' if c['correct'] else '-'}{weight}%{escape(c['text'])}{_fb(c.get('feedback'))}"
            for c in spec["choices"]
        )
    if q.type == "true_false":
        return "TRUE" if spec["answer"] else "FALSE"
    if q.type == "numeric":
        tol = spec.get("tolerance") or 0
        return f"#{_fmt(spec['answer'])}" + (f":{_fmt(tol)}" if tol else "")
    return "".join(f"\n={escape(a)}" for a in spec["accept"])


# --- import ---------------------------------------------------------------------------------

QUESTION = re.compile(
    r"^::(?P<id>(?:\\.|[^:])*)::(?:\[(?P<fmt>\w+)\])?(?P<prompt>(?:\\.|[^{])*)"
    r"\{(?P<body>(?:\\.|[^}])*)\}\s*$",
    re.S,
)
META = re.compile(r"^//\s*\[(tag|difficulty|points|unit|cite|doc):([^\]]*)\]\s*(.*)$")
# A single slash separates Moodle categories; a slash in a name is doubled.
CATEGORY_SEPARATOR = re.compile(r"(?<!/)/(?!/)")


class GiftError(ValueError):
    """A GIFT file this importer cannot read, with the line it stopped at."""


def category_path(title: str) -> str:
    """Return the Moodle category path of a bank: its title under the course's top category."""
    return f"$course$/top/{title.replace('/', '//')}"


def _category_title(path: str) -> str:
    return CATEGORY_SEPARATOR.split(path)[-1].replace("//", "/").strip()


def _split(body: str) -> list[str]:
    """Split an answer block at unescaped = and ~ markers."""
    parts, current, i = [], "", 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            current += body[i : i + 2]
            i += 2
            continue
        if ch in "=~" and (not current.strip() or current.endswith(("\n", " ", "\t"))):
            if current.strip():
                parts.append(current)
            current = ch
        else:
            current += ch
        i += 1
    if current.strip():
        parts.append(current)
    return parts


def _cut(text: str, sep: str) -> tuple[str, str | None]:
    """Split at the first unescaped separator (a backslash escapes the next character only)."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text.startswith(sep, i):
            return text[:i], text[i + len(sep) :]
        else:
            i += 1
    return text, None


def load(text: str, bank_id: str = "imported") -> dict:
    """Return authoring data (as bank_yaml writes it) for a GIFT file."""
    title, doc, questions, meta = bank_id, None, [], []
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    for block in blocks:
        lines = [line for line in block.strip().split("\n") if line.strip()]
        qlines = []
        for line in lines:
            stripped = line.strip()
            m = META.match(stripped)
            if m:
                meta.append(m.groups())
            elif stripped.startswith("$CATEGORY:"):
                title = _category_title(stripped[len("$CATEGORY:") :]) or title
            elif stripped.startswith("//"):
                found = re.match(r"//\s*quizapp bank:\s*(\S+)", stripped)
                bank_id = found.group(1) if found else bank_id
            else:
                qlines.append(line)
        for key, value, _rest in meta:
            if key == "doc":
                doc = value.strip()
        if qlines:
            questions.append(_question("\n".join(qlines), meta))
        meta = [m for m in meta if m[0] == "doc"] if not qlines else []
    data = {"bank": bank_id, "title": title}
    if doc:
        data["doc"] = doc
    data["questions"] = questions
    return data


def _question(source: str, meta) -> dict:
    match = QUESTION.match(source.strip())
    if not match:
        raise GiftError(f"not a GIFT question this importer understands: {source[:60]!r}")
    body, general = _cut(match.group("body"), "####")
    explanation = unescape(general or "")
    explanation = explanation.split("\n\nSource: ")[0]
    item = {
        "id": unescape(match.group("id")),
        "type": None,
        "prompt": unescape(match.group("prompt")),
    }
    stripped = body.strip()
    if stripped.upper() in ("TRUE", "FALSE", "T", "F"):
        item.update(type="true_false", answer=stripped.upper().startswith("T"))
    elif stripped.startswith("#"):
        value, _, tol = stripped[1:].partition(":")
        item.update(type="numeric", answer=_num(value))
        if tol.strip():
            item["tolerance"] = _num(tol)
        unit = next((v.strip() for k, v, _ in meta if k == "unit"), None)
        if unit:
            item["unit"] = unit
    else:
        parts = _split(body)
        if all(p.startswith("=") for p in parts) and not any("#" in p for p in parts):
            item.update(type="short_text", accept=[unescape(p[1:]) for p in parts])
        else:
            choices, weighted = [], False
            for p in parts:
                marker, rest = p[0], p[1:]
                weight = re.match(r"%(-?[\d.]+)%", rest)
                if weight:
                    weighted = True
                    rest = rest[weight.end() :]
                text, feedback = _cut(rest, "#")
                correct = (float(weight.group(1)) > 0) if weight else marker == "="
                choice = {"text": unescape(text), "correct": correct}
                if feedback is not None and unescape(feedback):
                    choice["feedback"] = unescape(feedback)
                choices.append(choice)
            item.update(type="multiple" if weighted else "single", choices=choices)
    item["explanation"] = explanation
    item["cite"] = [{"doc": v.strip(), "quote": rest.strip()} for k, v, rest in meta if k == "cite"]
    tags = [v.strip() for k, v, _ in meta if k == "tag"]
    if tags:
        item["tags"] = tags
    item["difficulty"] = next((v.strip() for k, v, _ in meta if k == "difficulty"), "medium")
    points = next((v for k, v, _ in meta if k == "points"), None)
    if points:
        item["points"] = _num(points)
    return item


def _num(text: str):
    value = float(text.strip())
    return int(value) if value.is_integer() else value
