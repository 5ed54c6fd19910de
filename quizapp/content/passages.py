"""Articles split into passages, and quotes resolved to exactly one passage (pure)."""

import difflib
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

QUOTES = {c: "'" for c in "‘’‚‛′`"} | {c: '"' for c in "“”„‟″«»"}
DASHES = {c: "-" for c in "‐‑‒–—―−"}
# Characters a copy from a web page or a word processor brings in unseen: a quote holding one
# must still match. An ellipsis is compared as the three dots it stands for.
INVISIBLE = {c: "" for c in "\u00ad\u200b\u200c\u200d\u2060\ufeff"}
TRANSLATE = QUOTES | DASHES | INVISIBLE | {"…": "..."}


@dataclass(frozen=True)
class PassageText:
    doc_id: str
    ordinal: int
    heading: str | None
    text: str
    anchor: str


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Return the comparison form of text and, per output character, its source index."""
    out: list[str] = []
    index: list[int] = []
    pending_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            pending_space = bool(out)
            continue
        same = TRANSLATE.get(ch, ch)
        if not same:
            continue
        if pending_space:
            out.append(" ")
            index.append(i - 1)
            pending_space = False
        out.append(same)
        index.extend([i] * len(same))
    return "".join(out), index


def normalize(text: str) -> str:
    """Return text with quotes, dashes and whitespace made uniform for comparison."""
    return normalize_with_map(text)[0]


def segment(doc_id: str, body: str) -> list[PassageText]:
    """Split an article body into passages (paragraphs) with content-derived anchors."""
    passages: list[PassageText] = []
    heading: str | None = None
    seen: dict[str, int] = {}
    for block in body.split("\n\n"):
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        if not lines:
            continue
        if lines[0].startswith("## ") and len(lines) == 1:
            heading = lines[0][3:].strip()
            continue
        text = " ".join(lines)
        base = "p-" + hashlib.sha1(normalize(text).encode()).hexdigest()[:10]
        # Identical paragraphs in one article would collide; number the repeats in order.
        seen[base] = seen.get(base, 0) + 1
        anchor = base if seen[base] == 1 else f"{base}-{seen[base]}"
        passages.append(PassageText(doc_id, len(passages) + 1, heading, text, anchor))
    return passages


@dataclass(frozen=True)
class Match:
    passage: PassageText
    start: int
    end: int

    def message(self) -> str:
        return f"resolves to passage {self.passage.ordinal} of {self.passage.doc_id!r}"

    def cut_word(self) -> str | None:
        """Return the word the quote starts or ends inside of (its highlight would split it)."""
        text, start, end = self.passage.text, self.start, self.end
        for inside, at in ((start > 0, start), (end < len(text), end)):
            if inside and _wordish(text[at - 1]) and _wordish(text[at]):
                left, right = at, at
                while left > 0 and _wordish(text[left - 1]):
                    left -= 1
                while right < len(text) and _wordish(text[right]):
                    right += 1
                return text[left:right]
        return None


def _wordish(char: str) -> bool:
    # Letters and digits of scripts that put spaces between words (not CJK, say).
    return char.isalnum() and char < "\u2e80"


@dataclass(frozen=True)
class NotFound:
    doc_id: str
    quote: str
    suggestion: str | None
    spans: tuple[int, int] | None = None  # the two paragraphs the quote runs across

    def message(self) -> str:
        msg = f'quote not found in "{self.doc_id}"'
        if self.spans:
            first, second = self.spans
            return (
                f"{msg} as one quote: it runs across paragraphs {first} and {second}; a quote "
                "lies within one paragraph, so cite two quotes"
            )
        if self.suggestion and self.suggestion.casefold() == normalize(self.quote).casefold():
            return (
                msg
                + f'; it differs only in capital letters from the article\'s "{self.suggestion}"'
            )
        if self.suggestion:
            msg += f'; closest passage text: "{self.suggestion}"'
        return msg

    def differences(self) -> tuple[str, str] | None:
        """Return (quote, closest passage text) to show word by word, or None without a hint."""
        return (self.quote, self.suggestion) if self.suggestion and not self.spans else None


WORD = re.compile(r"\S+")
EDGE_PUNCTUATION = ".,;:!?\"'()"


def _keys(words: list[str]) -> list[str]:
    """Return words as compared: in matching form, the first and last without punctuation
    outside them (a quote may stop before the sentence's full stop, and the closest text not)."""
    keys = [normalize(w) for w in words]
    if keys:
        keys[0] = keys[0].lstrip(EDGE_PUNCTUATION) or keys[0]
        keys[-1] = keys[-1].rstrip(EDGE_PUNCTUATION) or keys[-1]
    return keys


def word_diff(quote: str, closest: str) -> list[tuple[str, str]]:
    """Return how a quote differs from the article text, word by word.

    Runs of words as ("same" | "quote" | "article", text): "quote" words are the quote's only
    (to delete), "article" words the article's only (to write instead). Words compare in the
    form quotes are matched in (curly and straight quotation marks, dashes alike), so only a
    difference that stops the quote matching is marked.
    """
    ours, theirs = WORD.findall(quote), WORD.findall(closest)
    matcher = difflib.SequenceMatcher(None, _keys(ours), _keys(theirs), autojunk=False)
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(("same", " ".join(theirs[j1:j2])))
            continue
        if i2 > i1:
            runs.append(("quote", " ".join(ours[i1:i2])))
        if j2 > j1:
            runs.append(("article", " ".join(theirs[j1:j2])))
    return runs


@dataclass(frozen=True)
class Ambiguous:
    doc_id: str
    quote: str
    matches: tuple[Match, ...]

    def message(self) -> str:
        # Each place in its words: paragraph numbers alone are nowhere to be seen in the file.
        shown = [_in_context(m) for m in self.matches[:SHOWN_PLACES]]
        more = len(self.matches) - len(shown)
        where = "; ".join(shown) + (f"; and {more} more" if more > 0 else "")
        return (
            f'quote is ambiguous in "{self.doc_id}": it matches {len(self.matches)} places '
            f"({where}); quote more words to make it unique"
        )


SHOWN_PLACES = 3
CONTEXT = 25  # characters shown either side of an ambiguous quote


def _in_context(match: Match) -> str:
    text = match.passage.text
    start, end = max(0, match.start - CONTEXT), min(len(text), match.end + CONTEXT)
    start = text.rfind(" ", 0, start) + 1 if start > 0 else 0  # whole words
    end = next((i for i in range(end, len(text)) if text[i] == " "), len(text))
    before, after = ("…" if start > 0 else ""), ("…" if end < len(text) else "")
    return f'paragraph {match.passage.ordinal}: "{before}{text[start:end]}{after}"'


@dataclass(frozen=True)
class UnknownDocument:
    doc_id: str
    suggestions: tuple[str, ...]

    def message(self) -> str:
        msg = f'unknown article "{self.doc_id}"'
        if self.suggestions:
            msg += "; did you mean " + " or ".join(f'"{s}"' for s in self.suggestions) + "?"
        return msg


Resolution = Match | NotFound | Ambiguous | UnknownDocument


class Corpus:
    """Passages indexed by document, normalised once, queried many times."""

    def __init__(
        self, passages_by_doc: Mapping[str, Sequence[PassageText]], hints: int | None = None
    ):
        # Finding the closest text can take a second per quote: ``hints`` caps how many quotes
        # not found get one (None: all of them).
        self._hints_left = hints
        self._passages = {doc: list(ps) for doc, ps in passages_by_doc.items()}
        self._normal = {
            doc: [normalize_with_map(p.text) for p in ps] for doc, ps in self._passages.items()
        }

    def doc_ids(self) -> list[str]:
        return sorted(self._passages)

    def passages(self, doc_id: str) -> Sequence[PassageText]:
        return self._passages.get(doc_id, [])

    def resolve(self, doc_id: str, quote: str) -> Resolution:
        """Return where a quote lies, or why it does not lie in exactly one place."""
        if doc_id not in self._passages:
            close = difflib.get_close_matches(doc_id, self.doc_ids(), n=2, cutoff=0.5)
            return UnknownDocument(doc_id, tuple(close))
        needle = normalize(quote)
        if not needle:
            return NotFound(doc_id, quote, None)
        matches = []
        for passage, (hay, index) in zip(self._passages[doc_id], self._normal[doc_id], strict=True):
            at = hay.find(needle)
            while at != -1:
                start, end = index[at], index[at + len(needle) - 1] + 1
                matches.append(Match(passage, start, end))
                at = hay.find(needle, at + 1)
        if len(matches) == 1:
            return matches[0]
        if matches:
            return Ambiguous(doc_id, quote, tuple(matches))
        spans = self._across(doc_id, needle)
        if spans:
            return NotFound(doc_id, quote, None, spans)
        same_words = self._ignoring_case(doc_id, needle)
        return NotFound(doc_id, quote, same_words or self._hint(doc_id, needle))

    def _hint(self, doc_id: str, needle: str) -> str | None:
        """Return the closest text to a quote not found, while hints are left."""
        if self._hints_left is not None:
            if self._hints_left <= 0:
                return None
            self._hints_left -= 1
        return self._closest(doc_id, needle)

    def _ignoring_case(self, doc_id: str, needle: str) -> str | None:
        """Return the article's text that the quote matches but for capitals, if any."""
        lowered = needle.lower()
        for hay, _ in self._normal[doc_id]:
            folded = hay.lower()
            at = folded.find(lowered)
            if at != -1 and len(folded) == len(hay):  # offsets hold: no letter grew
                return hay[at : at + len(needle)]
        return None

    def _across(self, doc_id: str, needle: str) -> tuple[int, int] | None:
        """Return the ordinals of two neighbouring paragraphs the quote runs across, if any."""
        passages, normal = self._passages[doc_id], self._normal[doc_id]
        for i in range(len(passages) - 1):
            joined = normal[i][0] + " " + normal[i + 1][0]
            at = joined.find(needle)
            if at != -1 and at < len(normal[i][0]) < at + len(needle):
                return passages[i].ordinal, passages[i + 1].ordinal
        return None

    def _closest(self, doc_id: str, needle: str) -> str | None:
        """Return the window of article text most like the quote."""
        best, best_ratio = None, 0.0
        width = max(1, len(needle.split()))
        # Bounds are checked per window, as difflib.get_close_matches does: a bound for the
        # whole paragraph is so loose for a long one that the right paragraph got skipped.
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(needle)
        for hay, _ in self._normal[doc_id]:
            hay_words = hay.split()
            for i in range(max(1, len(hay_words) - width + 1)):
                window = " ".join(hay_words[i : i + width])
                matcher.set_seq1(window)
                if (
                    matcher.real_quick_ratio() > best_ratio
                    and matcher.quick_ratio() > best_ratio
                    and (ratio := matcher.ratio()) > best_ratio
                ):
                    best, best_ratio = window, ratio
        return best if best_ratio >= 0.4 else None


def resolve(
    passages_by_doc: Mapping[str, Sequence[PassageText]], doc_id: str, quote: str
) -> Resolution:
    """Resolve one quote against a mapping of passages (builds a throwaway Corpus)."""
    return Corpus(passages_by_doc).resolve(doc_id, quote)


def relocate(
    old_text: str, spans: Sequence[tuple[int, int]], live: Sequence[PassageText]
) -> tuple[list[tuple[str, int, int]], str | None]:
    """Return where the spans of a retired paragraph's words lie now, as (anchor, start, end),
    and the anchor of the live paragraph most like the retired one (None if none is alike).

    A span whose words no longer lie in exactly one live paragraph is left out.
    """
    if not live:
        return [], None
    corpus = Corpus({live[0].doc_id: live}, hints=0)
    moved = []
    for start, end in spans:
        found = corpus.resolve(live[0].doc_id, old_text[start:end])
        if isinstance(found, Match):
            moved.append((found.passage.anchor, found.start, found.end))
    return moved, most_alike(old_text, live)


def most_alike(text: str, live: Sequence[PassageText], at_least: float = 0.6) -> str | None:
    """Return the anchor of the live paragraph most like text, if any is at least that alike."""
    best, best_ratio = None, at_least
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(normalize(text))
    for passage in live:
        matcher.set_seq1(normalize(passage.text))
        if matcher.quick_ratio() >= best_ratio and (ratio := matcher.ratio()) >= best_ratio:
            best, best_ratio = passage.anchor, ratio
    return best


def highlight_segments(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    """Split text into (segment, marked) pieces; bad spans are clamped or ignored."""
    clean = sorted(
        (max(0, s), min(len(text), e))
        for s, e in spans
        if isinstance(s, int) and isinstance(e, int)
    )
    merged: list[list[int]] = []
    for s, e in clean:
        if s >= e:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    pieces, pos = [], 0
    for s, e in merged:
        if s > pos:
            pieces.append((text[pos:s], False))
        pieces.append((text[s:e], True))
        pos = e
    if pos < len(text) or not pieces:
        pieces.append((text[pos:], False))
    return pieces
