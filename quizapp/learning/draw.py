"""Which questions one attempt at an assignment gets: a seeded draw from each bank's pool.

Pure: the pool comes in, the drawn items go out, so the same seed always gives the same
attempt (stored with it, so resuming shows the same questions in the same order).
"""

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PoolItem:
    question_id: str
    version_id: int
    passages: frozenset[int]  # the passages its answer cites


def draw(
    pools: Mapping[str, Sequence[PoolItem]],
    counts: Sequence[tuple[str, int]],
    seed: int,
    spread: bool = False,
) -> list[tuple[str, int]]:
    """Return (question id, version id) of ``count`` questions from each bank, shuffled together.

    With ``spread``, questions whose cited passages are already in the attempt are taken only
    when the pool has no other left: two questions on one paragraph would give each other away.
    Raises ValueError when a bank's pool holds fewer questions than asked for.
    """
    rng = random.Random(seed)
    taken: list[PoolItem] = []
    cited: set[int] = set()
    for bank_id, count in counts:
        pool = list(pools.get(bank_id, ()))
        if count > len(pool):
            raise ValueError(f"{bank_id} has {len(pool)} questions to draw from, not {count}")
        rng.shuffle(pool)
        if spread:
            fresh: list[PoolItem] = []
            rest: list[PoolItem] = []
            for item in pool:
                (rest if item.passages & cited else fresh).append(item)
            chosen = _spread(fresh, count)
            chosen += rest[: count - len(chosen)]
            # The second pick may still overlap: better than a short attempt.
            chosen += [i for i in fresh if i not in chosen][: count - len(chosen)]
        else:
            chosen = pool[:count]
        taken += chosen
        for item in chosen:
            cited |= item.passages
    rng.shuffle(taken)
    return [(item.question_id, item.version_id) for item in taken]


def _spread(candidates: list[PoolItem], count: int) -> list[PoolItem]:
    """Take up to ``count`` of the (shuffled) candidates, none citing a passage already taken."""
    chosen: list[PoolItem] = []
    seen: set[int] = set()
    for item in candidates:
        if len(chosen) == count:
            break
        if not item.passages & seen:
            chosen.append(item)
            seen |= item.passages
    return chosen
