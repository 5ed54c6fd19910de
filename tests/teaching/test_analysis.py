"""Item statistics against a fixture computed by hand."""

import math
import statistics

import pytest

from quizapp.teaching.analysis import Response, item_statistics, reliability

# Four students, three right/wrong items, a Guttman pattern:
#        i1 i2 i3  total
#   s1    1  1  1    3
#   s2    1  1  0    2
#   s3    1  0  0    1
#   s4    0  0  0    0
TABLE = {"s1": (1, 1, 1), "s2": (1, 1, 0), "s3": (1, 0, 0), "s4": (0, 0, 0)}
PICKS = {"s1": "A", "s2": "A", "s3": "B", "s4": "B"}  # choices on i2, key A


def responses():
    for student, scores in TABLE.items():
        for item, score in zip(("i1", "i2", "i3"), scores, strict=True):
            yield Response(
                student,
                item,
                score,
                1,
                PICKS[student] if item == "i2" else None,
                seconds=10.0 if item == "i1" else None,
            )


@pytest.fixture
def stats():
    return item_statistics(responses(), {"i2": ["A", "B", "C"]}, {"i2": {"A"}}, items=["i4"])


def test_facility_is_the_mean_fraction(stats):
    assert [stats[i].facility for i in ("i1", "i2", "i3")] == [0.75, 0.5, 0.25]


def test_point_biserial_correlates_with_the_rest_score(stats):
    # i1 scores 1,1,1,0 against rest scores 1, .5, 0, 0: deviations give .375 / sqrt(.75 * .6875)
    assert stats["i1"].discrimination_pb == pytest.approx(0.375 / math.sqrt(0.75 * 0.6875))
    # i2 scores 1,1,0,0 against rest scores 1, .5, .5, 0
    assert stats["i2"].discrimination_pb == pytest.approx(0.5 / math.sqrt(0.5))


def test_upper_lower_compares_the_top_and_bottom_27_percent(stats):
    # 27% of 4 students is one: s1 (rest 1) got i2 right, s4 (rest 0) got it wrong
    assert stats["i2"].discrimination_ul == 1.0


def test_choice_shares_list_every_choice(stats):
    assert stats["i2"].choice_shares == {"A": 0.5, "B": 0.5, "C": 0.0}
    assert stats["i1"].choice_shares == {}


def test_mean_seconds_ignores_missing_times(stats):
    assert stats["i1"].mean_seconds == 10.0
    assert stats["i3"].mean_seconds is None


def test_unanswered_items_are_reported_empty(stats):
    assert stats["i4"].n == 0 and stats["i4"].facility is None and stats["i4"].flags == []


def test_too_few_responses_are_not_flagged(stats):
    assert all(s.flags == [] for s in stats.values())


def test_cronbach_alpha_and_kr20():
    # item variances .1875 + .25 + .1875 = .625; total variance 1.25; 3/2 * (1 - .5) = .75
    result = reliability(responses())
    assert (result.k, result.n) == (3, 4)
    assert result.alpha == pytest.approx(0.75)
    assert result.kr20 == pytest.approx(0.75)


@pytest.mark.parametrize(
    "i5",
    [
        [0.5, 1, 0, 0],  # partial credit: not right/wrong
        [2, 2, 0, 0],  # right/wrong, but worth 2 where the others are worth 1
    ],
    ids=["partial credit", "unequal worth"],
)
def test_kr20_only_for_right_wrong_items_worth_the_same(i5):
    # KR-20 scores each item 0 or 1; alpha works on the points.
    worth = max(i5)
    extra = [Response(f"s{n}", "i5", score, worth) for n, score in enumerate(i5, 1)]
    result = reliability([*responses(), *extra])
    assert result.alpha is not None and result.kr20 is None


def test_reliability_uses_students_who_answered_everything():
    incomplete = [*responses(), Response("s5", "i1", 1, 1)]
    assert reliability(incomplete).n == 4


def test_reliability_is_undefined_without_variance():
    same = [Response(s, i, 1, 1) for s in "abc" for i in ("x", "y")]
    assert reliability(same).alpha is None
    assert reliability([Response("a", "x", 1, 1)]).alpha is None


def _class(item_scores, picks=None):
    """Ten students; ``item_scores`` is the score on "q", the other items follow the index."""
    rows = []
    for n, score in enumerate(item_scores):
        rows.append(Response(n, "q", score, 1, picks[n] if picks else None))
        rows += [Response(n, f"other{k}", int(n >= k), 1) for k in range(1, 10)]
    return rows


def test_flags_an_item_everyone_gets_right():
    stats = item_statistics(_class([1] * 10))
    assert stats["q"].flags == ["too easy"]
    assert stats["q"].discrimination_pb is None  # a constant item correlates with nothing


def test_flags_an_item_the_strong_students_miss():
    stats = item_statistics(_class([1] * 5 + [0] * 5))  # the five best (n >= 5) are wrong
    assert stats["q"].discrimination_pb < 0
    assert stats["q"].discrimination_ul < 0
    assert "negative discrimination: check the key" in stats["q"].flags


def test_flags_distractors_never_chosen_or_preferred_to_the_key():
    picks = ["B"] * 6 + ["A"] * 4
    stats = item_statistics(_class([0] * 6 + [1] * 4, picks), {"q": ["A", "B", "C"]}, {"q": {"A"}})
    assert "distractor C never chosen" in stats["q"].flags
    assert "distractor B chosen more than the key" in stats["q"].flags
    assert stats["q"].choice_shares == {"A": 0.4, "B": 0.6, "C": 0.0}


def test_flags_an_item_almost_nobody_gets_right():
    stats = item_statistics(_class([0] * 9 + [1]))
    assert "too hard" in stats["q"].flags
    assert "negative discrimination: check the key" not in stats["q"].flags


def test_flags_weak_discrimination():
    # right and wrong answers alternate with ability: the correlation is small and positive
    stats = item_statistics(_class([0, 1, 0, 1, 1, 0, 1, 0, 0, 1]))
    assert 0 <= stats["q"].discrimination_pb < 0.1
    assert "weak discrimination" in stats["q"].flags


def test_pearson_from_sums_matches_the_textbook_formula():
    import random
    import statistics

    from quizapp.teaching.analysis import pearson_from_sums

    rng = random.Random(7)
    xs = [rng.random() for _ in range(50)]
    ys = [x + rng.random() for x in xs]
    sums = (
        len(xs),
        sum(xs),
        sum(ys),
        sum(x * y for x, y in zip(xs, ys, strict=True)),
        sum(x * x for x in xs),
        sum(y * y for y in ys),
    )
    assert pearson_from_sums(*sums) == pytest.approx(statistics.correlation(xs, ys))
    assert pearson_from_sums(3, 3, 1, 1, 3, 1) is None  # a constant item


def test_upper_lower_ignores_float_noise_in_tied_rest_scores():
    from quizapp.teaching.analysis import _upper_lower

    # Students 1 and 2 tie on a rest score in thirds whose floats differ in the last bits,
    # right at the lower group's edge: the tie goes by student, not by the noise.
    low, high = 0.48765185185185184, 0.4876518518518519
    top = [(0.9, 10 + i, 1.0) for i in range(5)]
    rows = [(0.1, 9, 0.0), (high, 1, 0.0), (low, 2, 1.0), *top]
    # 8 students, groups of 2: lower = students 9 and 1 (0.0 each), upper = two 0.9s (1.0).
    assert _upper_lower(rows) == 1.0
    assert _upper_lower([(0.1, 9, 0.0), (low, 1, 0.0), (high, 2, 1.0), *top]) == 1.0


def test_a_multiple_answer_response_counts_for_every_choice_it_picked():
    # Keys A and B: four students pick both, six pick A and the distractor D instead of B
    picks = [("A", "B")] * 4 + [("A", "D")] * 6
    rows = []
    for n, picked in enumerate(picks):
        rows.append(Response(n, "q", 1 if "B" in picked else 0, 1, choices=picked))
        rows += [Response(n, f"other{k}", int(n >= k), 1) for k in range(1, 10)]
    stats = item_statistics(rows, {"q": ["A", "B", "C", "D"]}, {"q": {"A", "B"}})["q"]
    assert stats.choice_shares == {"A": 1.0, "B": 0.4, "C": 0.0, "D": 0.6}
    assert "distractor C never chosen" in stats.flags
    assert "distractor D chosen more than key B" in stats.flags


def test_an_early_finisher_ranks_by_their_whole_quiz_not_by_what_they_answered():
    # i1..i3, one mark each. s5 and s6 stopped after i2: wrong on i1, right on i2. Their rest
    # score on i1 is 1 of 2 marks (i3 unanswered counts 0), not 1 of 1, level with s1.
    scores = {
        "s1": (1, 1, 1),
        "s2": (1, 1, 0),
        "s3": (0, 0, 1),
        "s4": (0, 0, 0),
        "s5": (0, 1),
        "s6": (0, 1),
    }
    answers = [
        Response(student, item, score, 1)
        for student, row in scores.items()
        for item, score in zip(("i1", "i2", "i3"), row, strict=False)
    ]
    i1 = [1, 1, 0, 0, 0, 0]
    rest = [1, 0.5, 0.5, 0, 0.5, 0.5]
    got = item_statistics(answers)["i1"].discrimination_pb
    assert got == pytest.approx(statistics.correlation(i1, rest))
    assert got > 0.5  # counted against the answered items only, it fell to 0.16
