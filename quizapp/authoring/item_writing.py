"""Item-writing heuristics: the cues that let a student answer without reading (pure).

Each finding is a warning with a stable code that a bank may silence per question, with a
reason, under ``allow:``. The rules are deliberately simple; a warning asks the author to look.
"""

import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
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
    "cued-by-other": "another question of the bank shows this question's key beside its subject",
}
ABSOLUTES = frozenset(
    _listed(
        "only always never all none entirely completely altogether solely every any nothing "
        "everything everyone nobody wholly totally exclusively exclusive sole purely invariably "
        "forever nowhere whatsoever universally"
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


# Cues across questions: what one question shows (its prompt, choices, feedback, explanation)
# may hand over another's key. A student meets the questions in a shuffled order and sees each
# one's feedback before the next, so any question may be read before any other.

CUED_BY_OTHER = "cued-by-other"
# Words that say what a prompt asks, not what it is about: no subject to tie a key to.
QUESTION_WORDS = frozenset(
    _listed(
        """name names named give gives given which whose how why when where editorial describe
    describes described call calls called suppose would could might may must can best following
    statement true false point points make makes reason reasons way ways use used uses using show
    shows example examples kind kinds case like compare compared comparison different differ
    differs difference role main answer question quote passage paragraph section sentence account
    argue argues argument view"""
    )
)
# A term in more of a bank's questions than this (and than CUE_COMMON_MIN) is part of what the
# bank is about, like "China" or "Beijing": it singles out no question's answer, nor its subject.
CUE_COMMON_SHARE = 0.2
CUE_COMMON_MIN = 3
SUBJECT_NUMBER = 100
SENTENCE_END = re.compile(r"(?<=[.;!?])\s+")
# Punctuation between two words ends a phrase: "Earthlab, a virtual lab" pairs no two words.
PHRASE_BREAK = re.compile(r"[,.;:!?()\[\]\"“”‘’«»–—/]")
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Shown:
    """What a student sees of one question: the texts a cue can hide in, and where each is."""

    type: str
    prompt: str
    explanation: str
    spec: dict[str, Any] = field(hash=False)

    def texts(self) -> Iterator[tuple[Path, str]]:
        """Yield each text a student sees, with its path in the question's mapping."""
        yield ("prompt",), self.prompt
        for i, choice in enumerate(self.spec.get("choices", ())):
            yield ("choices", i, "text"), choice["text"]
            if choice.get("feedback"):
                yield ("choices", i, "feedback"), choice["feedback"]
        yield ("explanation",), self.explanation


def fold(word: str) -> str:
    """Return a word case-folded, without accents or a possessive 's ("Conlé’s" -> "conle")."""
    bare = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return re.sub(r"['’]s$", "", bare.casefold())


def _content(word: str) -> str | None:
    """Return the stem of a folded word that carries meaning, else None."""
    if word in STOP_WORDS or word in QUESTION_WORDS or len(word) < 3 or not word.isalpha():
        return None
    return stem(word)


@dataclass(frozen=True)
class Sentence:
    """One sentence as the cue rule reads it."""

    text: str
    said: str  # normalised as typed answers are, padded: " the high energy photon source "
    terms: frozenset[str]  # content stems, folded words and numbers ("#18000")
    pairs: dict[tuple[str, str], str]  # consecutive content stems in a phrase -> as written
    capitalised: tuple[str, ...]  # folded words written with a capital, not first
    lowercase: frozenset[str]  # folded words written in lower case

    @classmethod
    def read(cls, text: str) -> "Sentence":
        terms: set[str] = {_number_term(n) for n in _digits(text)}
        pairs: dict[tuple[str, str], str] = {}
        capitalised, lowercase = [], set()
        previous: tuple[str, str] | None = None  # stem, word
        end = 0
        for i, match in enumerate(WORD.finditer(text)):
            word, folded = match.group(), fold(match.group())
            if PHRASE_BREAK.search(text[end : match.start()]):
                previous = None
            end = match.end()
            terms.add(folded)
            if word[:1].islower():
                lowercase.add(folded)
            elif word[:1].isupper() and i > 0:
                capitalised.append(folded)
            content = _content(folded)
            if content is None:
                continue
            terms.add(content)
            if previous is not None:
                pairs.setdefault((previous[0], content), f"{previous[1]} {word}")
            previous = content, word
        said = f" {normalise(text)} "
        return cls(text, said, frozenset(terms), pairs, tuple(capitalised), frozenset(lowercase))


@functools.lru_cache(maxsize=4096)  # a bank's texts are read once per question pair otherwise
def sentences(text: str) -> tuple[Sentence, ...]:
    """Return the sentences of a text (clauses after a semicolon count as sentences)."""
    return tuple(Sentence.read(s) for s in SENTENCE_END.split(text) if s.strip())


def _digits(text: str, signed: bool = False) -> set[float]:
    """Return the numbers a text writes in digits (5213, 5,213, 5 213, 2.5), with their
    minus signs if ``signed``."""
    return {
        (-1 if signed and sign in ("-", "\u2212") else 1)
        * float(re.sub(r"\D", "", whole) + decimals)
        for sign, whole, decimals in NUMBER.findall(text)
        if whole
    }


def _number_term(value: float) -> str:
    return f"#{value:g}"


def _shown(value: float) -> str:
    """Return a number as a reader writes it: 18,000 but 2016."""
    return f"{value:,.10g}" if abs(value) >= 10_000 else f"{value:.10g}"


@dataclass(frozen=True)
class KeyTerm:
    """A piece of a key that a student could recognise elsewhere: a name, number or phrase."""

    label: str  # as the message shows it
    at: Path  # the key it comes from
    terms: frozenset[str]  # what a sentence must have (all of it), in Sentence.terms' form
    phrase: tuple[str, str] | None = None  # or these two stems in a row
    said: str | None = None  # or this typed answer, normalised and padded
    near: tuple[float, float] | None = None  # or a number within a tolerance

    def in_(self, sentence: Sentence) -> bool:
        """Return whether a sentence shows this piece of the key."""
        if self.said is not None:
            return self.said in sentence.said
        if self.near is not None:
            value, tolerance = self.near
            if value < 0:  # "-40 °C", "−40" or "minus 40", never the 40 of "40 percent"
                negative = _digits(sentence.text, signed=True)
                negative |= {-float(n) for n in re.findall(r"\bminus (\d+)", sentence.text)}
                return any(abs(n - value) <= tolerance for n in negative)
            numbers = _digits(sentence.text)  # "10-15 years": the hyphen is no minus sign
            if value <= max(NUMBER_WORDS.values()):
                numbers |= numbers_in(sentence.text)
            return any(abs(n - value) <= tolerance for n in numbers)
        if self.phrase is not None:
            return self.phrase in sentence.pairs
        return self.terms <= sentence.terms


@dataclass(frozen=True)
class Cue:
    """Question ``giver`` shows question ``cued``'s key in a sentence about its subject."""

    cued: int  # indexes in the bank's list of questions
    giver: int
    key: KeyTerm
    given_at: Path  # where in the giver
    subject: str  # the word of the cued prompt that the sentence shares
    sentence: str

    def message(self, giver: str) -> str:
        """Return the warning, naming the giving question as the caller locates it."""
        shown = self.sentence if len(self.sentence) <= 80 else self.sentence[:79] + "…"
        return (
            f'{giver} gives this key away: it shows "{self.key.label}" beside "{self.subject}",'
            f' a word of this prompt ("{shown}"); a student who reads it first can answer'
            " without the article: say it there without the key, or rework this question"
        )


@dataclass
class _Bank:
    """The sentences of every question of a bank, and in how many questions each term is."""

    questions: Sequence[Shown]
    read: list[list[tuple[Path, Sentence]]] = field(default_factory=list)
    spread: Counter[str] = field(default_factory=Counter)
    names: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        capitalised: set[str] = set()
        lowercase: set[str] = set()
        for question in self.questions:
            read = [(at, s) for at, text in question.texts() for s in sentences(text)]
            self.read.append(read)
            self.spread.update(set().union(*(s.terms for _, s in read)))
            for _, s in read:
                capitalised.update(s.capitalised)
                lowercase |= s.lowercase
        # A name is written with a capital inside a sentence and never without one.
        self.names = {w for w in capitalised - lowercase if w not in STOP_WORDS}

    @property
    def limit(self) -> float:
        """Return in how many questions a term may be and still single one out."""
        return max(CUE_COMMON_MIN, CUE_COMMON_SHARE * len(self.questions))

    def common(self, term: str) -> bool:
        """Return whether a term is in too many of the bank's questions to say anything."""
        return self.spread[term] > self.limit

    def common_key(self, key: KeyTerm) -> bool:
        """Return whether a piece of a key is shown by too many questions to give it away.

        A number is never too common: "40 percent" in five questions is five cues, not noise.
        """
        if key.near is not None or any(t.startswith("#") for t in key.terms):
            return False
        return sum(any(key.in_(s) for _, s in read) for read in self.read) > self.limit

    def key_terms(self, question: Shown) -> list[KeyTerm]:
        """Return the pieces of a question's key that no wrong choice and not its prompt has."""
        spec = question.spec
        if question.type == "short_text":
            found = []
            for answer in spec["accept"]:
                said = without_the(normalise(answer))
                folded = {fold(w) for w in said.split()}
                if not any(w in self.names or _content(w) for w in folded):
                    continue  # "yes", "a share": no word a student could spot
                terms = frozenset(t for w in folded for t in (w, _content(w)) if t)
                found.append(KeyTerm(answer, ("accept",), terms, said=f" {said} "))
            return found
        if question.type == "numeric":
            value, tolerance = spec["answer"], spec["tolerance"]
            return [KeyTerm(_shown(value), ("answer",), frozenset(), near=(value, tolerance))]
        if question.type not in ("single", "multiple"):
            return []  # a true/false key is a truth value: nothing to spot elsewhere
        others = [sentences(c["text"]) for c in spec["choices"] if not c["correct"]]
        others.append(sentences(question.prompt))
        taken = set().union(*(s.terms for ss in others for s in ss))
        taken_pairs = {pair for ss in others for s in ss for pair in s.pairs}
        found = []
        for i, choice in enumerate(spec["choices"]):
            if not choice["correct"]:
                continue
            at: Path = ("choices", i, "text")
            for s in sentences(choice["text"]):
                for number in sorted(_digits(s.text)):
                    term = _number_term(number)
                    if term not in taken:
                        found.append(KeyTerm(_shown(number), at, frozenset({term})))
                named: set[str] = set()
                for match in WORD.finditer(s.text):
                    name = fold(match.group())
                    if name in self.names and name not in taken | named:
                        named.add(name)
                        found.append(KeyTerm(match.group(), at, frozenset({name})))
                for pair, written in s.pairs.items():
                    if pair not in taken_pairs and not set(pair) <= taken:
                        found.append(KeyTerm(written, at, frozenset(pair), phrase=pair))
        return found

    def subject(self, question: Shown) -> dict[str, str]:
        """Return the terms of a prompt that say what it is about (term -> word as written)."""
        found: dict[str, str] = {}
        for s in sentences(question.prompt):
            for match in WORD.finditer(s.text):
                folded = fold(match.group())
                term = _content(folded) or (folded if folded in self.names else None)
                if term and not self.common(term):
                    found.setdefault(term, match.group())
            for number in _digits(s.text):
                term = _number_term(number)
                # A year or a figure says what a prompt is about; "2" or "15" says little.
                if number >= SUBJECT_NUMBER and not self.common(term):
                    found.setdefault(term, _shown(number))
        return found


def cues(questions: Sequence[Shown]) -> list[Cue]:
    """Return, per pair of questions, the first place where one shows the other's key beside a
    word of its prompt (true/false keys are truth values and are never cued)."""
    bank = _Bank(questions)
    found = []
    for cued, question in enumerate(questions):
        key = [k for k in bank.key_terms(question) if not bank.common_key(k)]
        subject = bank.subject(question)
        if not key or not subject:
            continue
        for giver, read in enumerate(bank.read):
            if giver == cued:
                continue
            for at, sentence in read:
                # "Observatory" in a prompt is no subject for the key "... Observatory".
                hit = next(
                    (
                        (piece, term)
                        for piece in key
                        if piece.in_(sentence)
                        for term in subject
                        if term in sentence.terms - piece.terms
                    ),
                    None,
                )
                if hit is not None:
                    piece, term = hit
                    found.append(Cue(cued, giver, piece, at, subject[term], sentence.text))
                    break
    return found
