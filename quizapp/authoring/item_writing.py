"""Item-writing heuristics: the cues that let a student answer without reading (pure).

Each finding is a warning with a stable code that a bank may silence per question, with a
reason, under ``allow:``. The rules are deliberately simple; a warning asks the author to look.
"""

import math
import re
from dataclasses import dataclass
from typing import Any

from quizapp.content.passages import normalize
from quizapp.qtypes.numeric import NUMBER
from quizapp.qtypes.short_text import normalise, without_the


def _listed(text: str) -> list[str]:
    """Return the words of a word list written as one string (easier to read than a list)."""
    return text.split()


# What each code means, for the guide, the schema and the "unknown warning" error.
CODES = {
    "absolute-word": "a wrong choice (or a false statement) says only, always, never, all...",
    "give-away": "the prompt shares a word with a right choice and with no wrong one",
    "long-key": "a right choice is much longer than every wrong one",
    "answer-not-quoted": "the numeric or typed answer appears in none of the quotes",
    "repeated-quote": "the explanation repeats a quote word for word",
    "short-quote": "a quote of fewer than 5 words",
}
ABSOLUTES = frozenset(
    _listed(
        "only always never all none entirely completely altogether solely every any nothing "
        "everything everyone nobody wholly totally exclusively"
    )
)
STOP_WORDS = frozenset(
    _listed(
        """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once or other our out over own same she should so
    some such than that the their them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your
    according article articles author say says said one two many much"""
    )
)
# A key this much longer than the longest distractor, and by at least LONG_KEY_WORDS words,
# stands out: authors qualify the right answer until it is true and leave the others short.
LONG_KEY_RATIO = 1.5
LONG_KEY_WORDS = 4
SHORT_QUOTE_WORDS = 5  # fewer words rarely carry the key and its subject
# A shorter quote (a name, a figure) may well belong in an explanation.
REPEATED_QUOTE_WORDS = 6
NUMBER_WORDS = {
    word: value
    for value, word in enumerate(
        _listed(
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
            "fifteen sixteen seventeen eighteen nineteen twenty"
        )
    )
}
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@dataclass(frozen=True)
class Finding:
    """A warning about one question: its code, where (a path of keys and indexes), what."""

    code: str
    at: tuple[
        str | int, ...
    ]  # ("choices", 2, "text"): the value to point at, from the question's mapping
    message: str


def words(text: str) -> list[str]:
    """Return the words of a text, case-folded."""
    return [w.casefold() for w in WORD.findall(text)]


def stem(word: str) -> str:
    """Return a crude stem: enough to match "facility" with "facilities" and "site" with "sites"."""
    word = re.sub(r"['’]s$", "", word)
    if re.search(r"(?:s|x|z|ch|sh)es$", word) and len(word) > 5:
        return word[:-2]  # classes, taxes
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + repl
    return word


def content_stems(text: str) -> dict[str, str]:
    """Return the stems of the words that carry meaning (no stop words or numbers), each with
    the word as first written."""
    found: dict[str, str] = {}
    for word in words(text):
        if word not in STOP_WORDS and len(word) > 2 and word.isalpha():
            found.setdefault(stem(word), word)
    return found


def findings(
    qtype: str, prompt: str, explanation: str, quotes: list[str], spec: dict[str, Any]
) -> list[Finding]:
    """Return every item-writing warning about one valid question."""
    found = []
    if qtype in ("single", "multiple"):
        found += choice_findings(prompt, spec["choices"])
    elif qtype == "true_false" and spec["answer"] is False:
        found += false_statement_findings(prompt)
    elif qtype == "numeric" and not any(quotes_number(q, spec["answer"]) for q in quotes):
        found.append(
            Finding(
                "answer-not-quoted",
                ("answer",),
                f"no quote has the answer {spec['answer']:.10g}: quote the words that give it, so"
                " the feedback shows where the number comes from",
            )
        )
    elif qtype == "short_text" and not any(quotes_text(q, spec["accept"]) for q in quotes):
        found.append(
            Finding(
                "answer-not-quoted",
                ("accept",),
                "no quote has any accepted answer: quote the words that give it, and accept the"
                " article's own wording",
            )
        )
    found += quote_findings(explanation, quotes)
    return found


def choice_findings(prompt: str, choices: list[dict[str, Any]]) -> list[Finding]:
    """Return the absolute-word, give-away and long-key warnings of a choice question."""
    keyed = [i for i, c in enumerate(choices) if c["correct"]]
    wrong = [i for i, c in enumerate(choices) if not c["correct"]]
    found = []
    keyed_absolutes = {w for i in keyed for w in words(choices[i]["text"]) if w in ABSOLUTES}
    for i in wrong:
        extreme = [w for w in words(choices[i]["text"]) if w in ABSOLUTES - keyed_absolutes]
        if extreme:
            found.append(
                Finding(
                    "absolute-word",
                    ("choices", i, "text"),
                    f'this wrong choice says "{extreme[0]}" and no right choice does: students'
                    " learn to rule out absolutes without reading; make it wrong for a reason",
                )
            )
    asked = content_stems(prompt)
    offered = set().union(*(content_stems(choices[i]["text"]) for i in wrong))
    # Words as written, not "20" and "000": "20,000 tonnes" is two words long.
    longest = max((len(choices[i]["text"].split()) for i in wrong), default=0)
    for i in keyed:
        text = choices[i]["text"]
        shared = [
            word for s, word in asked.items() if s in content_stems(text) and s not in offered
        ]
        if shared:
            found.append(
                Finding(
                    "give-away",
                    ("choices", i, "text"),
                    f'the prompt and this right choice share "{shared[0]}", which no wrong choice'
                    " has: a student can match the words without knowing the answer",
                )
            )
        length = len(text.split())
        if length > LONG_KEY_RATIO * longest and length - longest >= LONG_KEY_WORDS:
            found.append(
                Finding(
                    "long-key",
                    ("choices", i, "text"),
                    f"this right choice has {length} words and the longest wrong one {longest}:"
                    " the longest choice is a known tell; make them about as long",
                )
            )
    return found


def false_statement_findings(statement: str) -> list[Finding]:
    """Return an absolute-word warning for a false true/false statement that has one."""
    extreme = [w for w in words(statement) if w in ABSOLUTES]
    if not extreme:
        return []
    return [
        Finding(
            "absolute-word",
            ("prompt",),
            f'this false statement says "{extreme[0]}": students learn that absolutes are'
            " false without reading; make it false for a reason",
        )
    ]


def quote_findings(explanation: str, quotes: list[str]) -> list[Finding]:
    """Return the short-quote warnings, and one if the explanation copies a quote."""
    found = []
    said = normalize(explanation).casefold()  # spaces made single, as in the quote
    for i, quote in enumerate(quotes):
        n = len(quote.split())
        if n < SHORT_QUOTE_WORDS:
            found.append(
                Finding(
                    "short-quote",
                    ("cite", i, "quote"),
                    f"a quote of {n} word{'s' if n > 1 else ''} rarely shows why the answer is"
                    " right: quote the words that carry the answer and its subject",
                )
            )
    for quote in quotes:
        quote = normalize(quote).casefold()
        if len(quote.split()) >= REPEATED_QUOTE_WORDS and quote in said:
            found.append(
                Finding(
                    "repeated-quote",
                    ("explanation",),
                    "the explanation repeats a quote word for word; the feedback shows the quote"
                    " highlighted under it, so say in your own words why the answer is right",
                )
            )
            break
    return found


def numbers_in(text: str) -> set[float]:
    """Return the numbers a text writes: 5213, 5,213, 5 213, 2.5, and one to twenty in words."""
    found = {float(n) for n in re.findall(r"\d+(?:\.\d+)?", text)}
    for _sign, whole, decimals in NUMBER.findall(text):
        if whole:
            found.add(float(re.sub(r"\D", "", whole) + decimals))
    return found | {float(NUMBER_WORDS[w]) for w in words(text) if w in NUMBER_WORDS}


def quotes_number(quote: str, answer: float) -> bool:
    """Return whether a quote writes the answer (in any of its usual forms)."""
    return any(math.isclose(n, abs(answer), rel_tol=1e-9) for n in numbers_in(quote))


def quotes_text(quote: str, accepted: list[str]) -> bool:
    """Return whether a quote contains one of the accepted answers as whole words."""
    said = f" {normalise(quote)} "
    return any(f" {without_the(normalise(a))} " in said for a in accepted)
