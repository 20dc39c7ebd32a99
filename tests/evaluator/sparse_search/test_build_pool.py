"""The build's reference stacks in worker processes: the same bytes as in one process; none in a daemon."""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from sb_seeds import seeds_for
from sb_sparse_search_small import SMALL_CONFIG

from evaluator.benchmarks.sparse_search import SparseSearchBenchmark, benchmark
from evaluator.benchmarks.sparse_search.config import SearchConfig
from evaluator.benchmarks.sparse_search.pool import (
    POOL_MIN_NETWORK_EPOCHS,
    build_network_epochs,
    build_workers_default,
    stack_pool,
)


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_build_in_two_processes_is_byte_identical_to_one_in_this_process(tmp_path, monkeypatch):
    pools = []

    @contextlib.contextmanager
    def recorded(**kwargs):
        with stack_pool(**kwargs) as pool:
            pools.append(pool)
            yield pool

    monkeypatch.setattr(benchmark, "stack_pool", recorded)
    stages = {1: [], 2: []}
    for workers in (1, 2):
        bench = SparseSearchBenchmark(SMALL_CONFIG, build_workers=workers)
        bench.build(
            tmp_path / str(workers),
            seeds=seeds_for(public=4),
            progress=lambda fraction, stage, workers=workers: stages[workers].append((fraction, stage)),
        )
    assert pools[0] is None and isinstance(pools[1], ProcessPoolExecutor)
    one, two = _files(tmp_path / "1"), _files(tmp_path / "2")
    assert len(one) > 10 and one == two
    # with fewer than PROGRESS_EPOCHS epochs, the same progress: each reference stack as it finishes
    assert stages[2] == stages[1]
    stacks = 1 + len(SMALL_CONFIG.levels) * SMALL_CONFIG.n_random_masks
    assert sum("networks trained" in stage for _, stage in stages[2]) == 2 * stacks


def _pool_in_daemon(answer) -> None:
    with stack_pool(workers=2, threads=1) as pool:
        answer.put(pool is None)


def test_a_daemonic_process_trains_in_itself():
    context = multiprocessing.get_context("fork")
    answer = context.Queue()
    child = context.Process(target=_pool_in_daemon, args=(answer,), daemon=True)
    child.start()
    assert answer.get(timeout=120) is True
    child.join(timeout=60)


def test_small_builds_train_in_their_own_process_and_the_protocol_build_on_up_to_four():
    assert build_network_epochs(config=SMALL_CONFIG) < POOL_MIN_NETWORK_EPOCHS
    assert build_workers_default(config=SMALL_CONFIG) == 1
    assert 1 <= build_workers_default(config=SearchConfig()) <= 4
    assert SparseSearchBenchmark(SMALL_CONFIG, build_workers=3).build_workers == 3


def test_an_interrupted_build_drops_its_queued_stacks_instead_of_running_them():
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), stack_pool(workers=2, threads=1) as pool:
        futures = [pool.submit(time.sleep, 1.0) for _ in range(20)]  # 10 s of work on two workers
        raise KeyboardInterrupt
    assert sum(f.cancelled() for f in futures) >= 16 and time.monotonic() - started < 8
