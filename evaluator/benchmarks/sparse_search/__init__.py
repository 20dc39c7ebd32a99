"""Sparse architecture search benchmark: submitted node masks vs random masks of the same sparsity."""

from evaluator.benchmarks.sparse_search.benchmark import SparseSearchBenchmark

__all__ = ["SparseSearchBenchmark"]
