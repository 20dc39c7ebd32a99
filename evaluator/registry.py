"""The benchmark registry: slug -> dotted path of its Benchmark class, imported lazily."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator, Mapping
from functools import cache

from evaluator.contract import Benchmark

#: Adding a benchmark = creating evaluator/benchmarks/<slug>/ and one line here.
REGISTRY: dict[str, str] = {
    "spare": "evaluator.benchmarks.spare:SpareBenchmark",
    "sparse-search": "evaluator.benchmarks.sparse_search:SparseSearchBenchmark",
    "frontier": "evaluator.benchmarks.frontier.benchmark:FrontierBenchmark",
    "vdit": "evaluator.benchmarks.vdit:VditBenchmark",
    "vdit-e2e": "evaluator.benchmarks.vdit_e2e:VditE2eBenchmark",
}


def benchmark_slugs() -> list[str]:
    """Slugs of every registered benchmark, in registry order."""
    return list(REGISTRY)


@cache
def benchmark_get(slug: str) -> Benchmark:
    """Instantiate (once per process) the benchmark registered under `slug`."""
    try:
        dotted = REGISTRY[slug]
    except KeyError:
        raise ValueError(f"unknown benchmark {slug!r}; registered: {sorted(REGISTRY)}") from None
    module_name, _, class_name = dotted.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls()


@contextlib.contextmanager
def registry_override(entries: Mapping[str, str], *, exclusive: bool = False) -> Iterator[None]:
    """Within the block, ``entries`` (slug -> dotted path) are registered, alone when ``exclusive``."""
    saved = dict(REGISTRY)
    if exclusive:
        REGISTRY.clear()
    REGISTRY.update(entries)
    benchmark_get.cache_clear()
    try:
        yield
    finally:
        REGISTRY.clear()
        REGISTRY.update(saved)
        benchmark_get.cache_clear()
