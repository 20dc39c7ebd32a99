"""Choice of input and test views (test views never adjacent to inputs) and leaderboard halves."""

from __future__ import annotations

import numpy as np

from .layout import SceneSplit


def inputs_spread(*, centres: np.ndarray, count: int, rng: np.random.Generator) -> list[int]:
    """`count` well-spread views: farthest-point sampling of camera centres from a random start."""
    chosen = [int(rng.integers(len(centres)))]
    dist = np.linalg.norm(centres - centres[chosen[0]], axis=1)
    while len(chosen) < count:
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(centres - centres[nxt], axis=1))
    return chosen


def views_choose(
    *, centres: np.ndarray, adjacent: list[set[int]], inputs: int, tests: int, rng: np.random.Generator
) -> SceneSplit:
    """Input views spread over the cap and random test views neither inputs nor their neighbours."""
    chosen = inputs_spread(centres=centres, count=inputs, rng=rng)
    excluded = set(chosen).union(*(adjacent[i] for i in chosen))
    pool = [i for i in range(len(centres)) if i not in excluded]
    if len(pool) < tests:
        raise ValueError(f"only {len(pool)} views are not adjacent to the {inputs} inputs; need {tests}")
    picked = sorted(int(i) for i in rng.choice(pool, size=tests, replace=False))
    return SceneSplit(input_views=tuple(sorted(chosen)), test_views=tuple(picked))


def scenes_halves(*, scenes: list[str], rng: np.random.Generator) -> dict[str, list[str]]:
    """A half (rounded up) of the scenes for the public leaderboard, the rest for the private one."""
    order = sorted(scenes)
    perm = rng.permutation(len(order))
    public = sorted(order[i] for i in perm[: (len(order) + 1) // 2])
    return {"public": public, "private": sorted(set(order) - set(public))}
