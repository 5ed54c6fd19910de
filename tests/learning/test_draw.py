"""The draw of an attempt's questions: seeded, per bank, spread over passages when it can be."""

import pytest

from quizapp.learning.draw import PoolItem, draw


def _pool(bank: str, passages: list[set[int]]) -> list[PoolItem]:
    return [PoolItem(f"{bank}-{i}", i, frozenset(p)) for i, p in enumerate(passages)]


POOLS = {
    "a": _pool("a", [{1}, {1}, {2}, {3}, {3}, {4}]),
    "b": _pool("b", [{1}, {5}, {6}]),
}


def test_the_same_seed_draws_the_same_questions_in_the_same_order():
    first = draw(POOLS, [("a", 3), ("b", 2)], seed=7)
    assert first == draw(POOLS, [("a", 3), ("b", 2)], seed=7)
    assert len(first) == 5 and len(set(first)) == 5
    assert sum(q.startswith("a-") for q, _ in first) == 3


def test_different_seeds_draw_differently():
    draws = {tuple(draw(POOLS, [("a", 3)], seed=s)) for s in range(20)}
    assert len(draws) > 5


def test_spread_never_puts_two_questions_on_one_passage_when_the_pool_allows():
    for seed in range(50):
        items = draw(POOLS, [("a", 4), ("b", 2)], seed=seed, spread=True)
        by_id = {p.question_id: p for pool in POOLS.values() for p in pool}
        cited = [pid for q, _ in items for pid in by_id[q].passages]
        assert len(cited) == len(set(cited)), (seed, items)


def test_spread_still_fills_the_attempt_when_the_pool_cannot_avoid_overlap():
    items = draw({"a": _pool("a", [{1}, {1}, {1}])}, [("a", 3)], seed=1, spread=True)
    assert len(items) == 3


def test_more_than_the_pool_holds_is_refused():
    with pytest.raises(ValueError, match="has 3 questions to draw from, not 4"):
        draw(POOLS, [("b", 4)], seed=1)
