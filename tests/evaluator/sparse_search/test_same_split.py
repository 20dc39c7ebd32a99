"""The same-split reference: random masks with a submission's own layer split, and their differences."""

from __future__ import annotations

import numpy as np
import pytest

from evaluator.benchmarks.sparse_search.config import SearchConfig
from evaluator.benchmarks.sparse_search.masks import mask_random_split
from evaluator.benchmarks.sparse_search.runs import MaskRun, Reference, split_reference_masks
from evaluator.benchmarks.sparse_search.scoring import split_score

CONFIG = SearchConfig(
    n_hidden_seeds=4, n_public_seeds=2, n_random_masks=6, n_split_masks=5, bootstrap_reps=300
)


def test_mask_random_split_keeps_the_given_nodes_per_layer_uniformly():
    rng = np.random.default_rng(3)
    masks = np.stack([mask_random_split(config=CONFIG, kept=(40, 200), rng=rng) for _ in range(2000)])
    assert set(masks[:, 0].sum(axis=1)) == {40} and set(masks[:, 1].sum(axis=1)) == {200}
    frequency = masks.mean(axis=0)  # each node is kept with probability k / 256
    assert np.abs(frequency[0] - 40 / 256).max() < 0.05 and np.abs(frequency[1] - 200 / 256).max() < 0.05


@pytest.mark.parametrize("kept", [(0, 10), (10, 257), (5,)])
def test_mask_random_split_rejects_counts_outside_a_layer(kept):
    with pytest.raises(ValueError, match="kept must be two node counts"):
        mask_random_split(config=CONFIG, kept=kept, rng=np.random.default_rng(0))


def test_split_reference_masks_keep_the_split_and_follow_the_hidden_seeds():
    masks = split_reference_masks(config=CONFIG, kept=(30, 21), seeds=[11, 12, 13, 14])
    assert masks.shape == (5, 2, 256)
    assert set(masks[:, 0].sum(axis=1)) == {30} and set(masks[:, 1].sum(axis=1)) == {21}
    assert np.array_equal(masks, split_reference_masks(config=CONFIG, kept=(30, 21), seeds=[11, 12, 13, 14]))
    assert not np.array_equal(
        masks, split_reference_masks(config=CONFIG, kept=(30, 21), seeds=[11, 12, 13, 15])
    )
    assert len({m.tobytes() for m in masks}) == 5


def _score(*, same_split, dense_parent=False):
    """split_score of made-up accuracies on the public split (the first two seeds)."""
    rng = np.random.default_rng(5)
    levels, seeds = len(CONFIG.levels), CONFIG.n_hidden_seeds
    runs = [
        MaskRun(
            test_accuracy=rng.uniform(0.85, 0.95, seeds),
            convergence=np.full(seeds, 5.0),
            final_val_accuracy=np.full(seeds, 0.9),
        )
        for _ in range(levels)
    ]
    ref = Reference(
        dense_accuracy=np.full(seeds, 0.96),
        random_accuracy=rng.uniform(0.8, 0.9, size=(levels, CONFIG.n_random_masks, seeds)),
        random_masks=np.zeros((levels, CONFIG.n_random_masks, 2, 256), dtype=bool),
    )
    kept = [(CONFIG.kept_total(level=lv) - 5, 5) for lv in CONFIG.levels]
    score = split_score(
        config=CONFIG,
        runs=runs,
        kept=kept,
        ref=ref,
        seed_index=np.arange(2),
        dense_parent=dense_parent,
        same_split=same_split,
    )
    return score, runs


def test_split_score_same_split_metrics_agree_with_a_direct_computation():
    same = np.random.default_rng(9).uniform(0.7, 0.8, size=(4, CONFIG.n_split_masks, CONFIG.n_hidden_seeds))
    score, runs = _score(same_split=same)
    per_level = [runs[lv].test_accuracy[:2].mean() - same[lv, :, :2].mean() for lv in range(4)]
    assert score.metrics["diff_vs_same_split"] == pytest.approx(sum(per_level) / 4, abs=1e-12)
    assert score.metrics["diff_split_l75"] == pytest.approx(per_level[1], abs=1e-12)
    low, high = score.metrics["same_split_ci_low"], score.metrics["same_split_ci_high"]
    assert low <= score.metrics["diff_vs_same_split"] <= high
    seed_item = next(it for it in score.items if it.item == "level 0.75 / seed 2")
    assert seed_item.values["same_split_mean"] == pytest.approx(same[1, :, 1].mean(), abs=1e-12)


def test_split_score_without_a_same_split_reference_gives_reasons_not_numbers():
    score, _ = _score(same_split=None, dense_parent=True)
    for name in ("diff_vs_same_split", "same_split_ci_low", "same_split_ci_high", "diff_split_l95"):
        assert score.metrics[name] is None and score.na_reasons[name]
    assert all("same_split_mean" not in it.values for it in score.items)
