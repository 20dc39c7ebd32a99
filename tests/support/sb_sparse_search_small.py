"""The sparse-search benchmark on a reduced protocol (3 epochs, 3 seeds): the platform tests' entry."""

from __future__ import annotations

from evaluator.benchmarks.sparse_search import SparseSearchBenchmark
from evaluator.benchmarks.sparse_search.config import SearchConfig

#: The reduced protocol: every rule of the default one, fewer epochs, seeds and reference masks.
SMALL_CONFIG = SearchConfig(
    epochs=3,
    n_hidden_seeds=3,
    n_public_seeds=2,
    n_random_masks=3,
    n_split_masks=2,
    search_candidates=2,
    search_epochs=1,
    bootstrap_reps=200,
)


class SmallSparseSearch(SparseSearchBenchmark):
    """SparseSearchBenchmark on SMALL_CONFIG."""

    def __init__(self) -> None:
        super().__init__(config=SMALL_CONFIG)
