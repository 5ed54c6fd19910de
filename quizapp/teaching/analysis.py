"""Classical test theory item analysis: facility, discrimination, distractors, reliability.

Pure functions over plain records, so the statistics are checked against hand-computed
fixtures. Definitions follow Moodle's quiz statistics report:

- facility: mean fraction of the marks scored on the item (0 = nobody, 1 = everybody).
- discrimination (point-biserial): correlation of the item score with the student's score on
  the *other* items (corrected item-total), so an item does not correlate with itself.
- discrimination (upper-lower): mean item fraction of the top 27% of students by rest score
  minus that of the bottom 27%.
- choice shares: the fraction of responses that picked each choice; with several right
  choices (multiple answer) a response picks several, so the shares add up to more than 1.
- reliability: Cronbach's alpha over students who answered every item; KR-20 is the same
  number when every item is scored right/wrong and worth the same, and is reported only then.
"""

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# Below this many responses the statistics are too noisy to flag an item.
MIN_RESPONSES_TO_FLAG = 5
EASY, HARD = 0.95, 0.2  # flag above / below these facilities
LOW_DISCRIMINATION = 0.1
UPPER_LOWER_PERCENT = 27


@dataclass(frozen=True)
class Response:
    """One student's (first) answer to one item."""

    student: object
    item: str
    score: float
    max_score: float
    choice: str | None = None  # key of the choice picked, for choice items
    seconds: float | None = None
    choices: tuple[str, ...] = ()  # keys of every choice picked, for multiple-answer items

    @property
    def picked(self) -> tuple[str, ...]:
        return self.choices or ((self.choice,) if self.choice is not None else ())

    @property
    def fraction(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0


@dataclass(frozen=True)
class ItemStats:
    """How one item performed."""

    item: str
    n: int
    facility: float | None = None
    discrimination_pb: float | None = None
    discrimination_ul: float | None = None
    choice_shares: dict[str, float] = field(default_factory=dict)
    mean_seconds: float | None = None
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Reliability:
    """Internal consistency of a set of items."""

    k: int  # items
    n: int  # students who answered every item
    alpha: float | None
    kr20: float | None


def _variance(xs: Sequence[float]) -> float:
    """Return the population variance in floats (statistics.pvariance is exact but slow)."""
    mean = statistics.fmean(xs)
    return statistics.fmean([(x - mean) ** 2 for x in xs])


def _correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Return Pearson's r, computed as the database computes it (from sums)."""
    return pearson_from_sums(
        len(xs),
        sum(xs),
        sum(ys),
        sum(x * y for x, y in zip(xs, ys, strict=True)),
        sum(x * x for x in xs),
        sum(y * y for y in ys),
    )


def _rest_scores(responses: Sequence[Response]) -> dict[tuple[object, str], float]:
    """Return each (student, item)'s score on every other item, as a fraction of their marks.

    An item the student did not answer counts 0 of its marks, as in their grade: a student who
    answered one other item, right, must not rank with one who answered all of them right.
    """
    scores: dict[object, float] = defaultdict(float)
    marks: dict[str, float] = {}
    for r in responses:
        scores[r.student] += r.score
        marks[r.item] = max(marks.get(r.item, 0.0), r.max_score)
    total = sum(marks.values())
    rest = {}
    for r in responses:
        out_of = total - r.max_score
        rest[(r.student, r.item)] = (scores[r.student] - r.score) / out_of if out_of > 0 else 0.0
    return rest


def group_size(n: int) -> int:
    """Return how many students make the upper (and the lower) 27% of n."""
    return n * UPPER_LOWER_PERCENT // 100


def _upper_lower(rows: list[tuple[float, object, float]]) -> float | None:
    """Return the mean item fraction of the top 27% by rest score minus the bottom 27%.

    ``rows`` are (rest score, student, item fraction); ties in rest score go by student.
    Rest scores are compared to 9 decimals: two students with the same score in thirds
    differ in the last bits of their floats, and that noise must not pick the group.
    """
    size = group_size(len(rows))
    if size < 1:
        return None
    ranked = [f for _rest, _student, f in sorted(rows, key=lambda r: (round(r[0], 9), r[1]))]
    return statistics.fmean(ranked[-size:]) - statistics.fmean(ranked[:size])


def pearson_from_sums(
    n: float, sx: float, sy: float, sxy: float, sxx: float, syy: float
) -> float | None:
    """Return Pearson's r from running sums (as SQL aggregates give them), None if undefined."""
    if n < 3:
        return None
    covariance = n * sxy - sx * sy
    spread = (n * sxx - sx * sx) * (n * syy - sy * sy)
    if spread <= 1e-12 * max(1.0, n * n):
        return None
    return float(covariance / math.sqrt(spread))


def flags_for(stats: ItemStats, correct: set[str]) -> list[str]:
    """Return what an instructor should look at in an item's statistics."""
    if stats.n < MIN_RESPONSES_TO_FLAG or stats.facility is None:
        return []
    flags = []
    if stats.facility > EASY:
        flags.append("too easy")
    elif stats.facility < HARD:
        flags.append("too hard")
    if stats.discrimination_pb is not None:
        if stats.discrimination_pb < 0:
            flags.append("negative discrimination: check the key")
        elif stats.discrimination_pb < LOW_DISCRIMINATION:
            flags.append("weak discrimination")
    if correct and stats.choice_shares:
        # With several keys (multiple answer) a distractor is compared with the least-picked
        # key: the most-picked one is often chosen by nearly everyone.
        weakest = min(correct, key=lambda c: (stats.choice_shares.get(c, 0.0), c))
        key_share = stats.choice_shares.get(weakest, 0.0)
        than = "the key" if len(correct) == 1 else f"key {weakest}"
        for choice, share in stats.choice_shares.items():
            if choice in correct:
                continue
            if share == 0:
                flags.append(f"distractor {choice} never chosen")
            elif share > key_share:
                flags.append(f"distractor {choice} chosen more than {than}")
    return flags


def item_statistics(
    responses: Iterable[Response],
    choices_by_item: Mapping[str, Sequence[str]] | None = None,
    correct_choices_by_item: Mapping[str, set[str]] | None = None,
    items: Iterable[str] = (),
) -> dict[str, ItemStats]:
    """Return the statistics of every item answered, and of every item in ``items`` (n=0)."""
    responses = list(responses)
    choices_by_item = choices_by_item or {}
    correct_choices_by_item = correct_choices_by_item or {}
    rest = _rest_scores(responses)
    by_item: dict[str, list[Response]] = defaultdict(list)
    for r in responses:
        by_item[r.item].append(r)
    result = {item: ItemStats(item=item, n=0) for item in items}
    for item, answers in by_item.items():
        fractions = [r.fraction for r in answers]
        rests = [rest[(r.student, item)] for r in answers]
        shares = {}
        if item in choices_by_item:
            counts = {key: 0 for key in choices_by_item[item]}
            for r in answers:
                # A multiple-answer response counts once for each choice picked.
                for key in set(r.picked) & counts.keys():
                    counts[key] += 1
            shares = {key: count / len(answers) for key, count in counts.items()}
        seconds = [r.seconds for r in answers if r.seconds is not None]
        stats = ItemStats(
            item=item,
            n=len(answers),
            facility=statistics.fmean(fractions),
            discrimination_pb=_correlation(fractions, rests),
            discrimination_ul=_upper_lower(
                [(rest, r.student, r.fraction) for rest, r in zip(rests, answers, strict=True)]
            ),
            choice_shares=shares,
            mean_seconds=statistics.fmean(seconds) if seconds else None,
        )
        flags = flags_for(stats, correct_choices_by_item.get(item, set()))
        result[item] = ItemStats(**{**stats.__dict__, "flags": flags})
    return result


def reliability(responses: Iterable[Response]) -> Reliability:
    """Return Cronbach's alpha (and KR-20 for right/wrong items) over complete answer sets."""
    scores: dict[object, dict[str, float]] = defaultdict(dict)
    dichotomous = True
    items: set[str] = set()
    max_scores = set()
    for r in responses:
        scores[r.student][r.item] = r.score
        items.add(r.item)
        dichotomous &= r.score in (0, r.max_score)
        max_scores.add(r.max_score)
    # KR-20 scores each item 0 or 1: alpha equals it only when every item is worth the same.
    dichotomous &= len(max_scores) == 1
    complete = [s for s in scores.values() if len(s) == len(items)]
    k, n = len(items), len(complete)
    if k < 2 or n < 2:
        return Reliability(k, n, None, None)
    order = sorted(items)
    item_variance = sum(_variance([s[i] for s in complete]) for i in order)
    total_variance = _variance([sum(s.values()) for s in complete])
    if total_variance == 0:
        return Reliability(k, n, None, None)
    alpha = k / (k - 1) * (1 - item_variance / total_variance)
    return Reliability(k, n, alpha, alpha if dichotomous else None)
