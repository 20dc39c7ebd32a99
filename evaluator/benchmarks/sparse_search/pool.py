"""Worker processes for a build's reference runs: independent network stacks trained on several cores.

Each stack trains exactly as it would in the building process (same inputs, one torch thread each as the
protocol says, deterministic algorithms), so a build is byte-identical whatever the number of workers."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor

import torch

from evaluator.benchmarks.sparse_search.config import SearchConfig

#: At most this many worker processes by default (the reference runs of one build are 162 stacks).
MAX_BUILD_WORKERS = 4
#: Below this many network-epochs of reference training (about 10 s on one core) a build trains in its
#: own process by default: starting the workers (a torch import each) would cost more than it saves.
POOL_MIN_NETWORK_EPOCHS = 3000


def build_network_epochs(*, config: SearchConfig) -> int:
    """Network-epochs of a build's reference runs: both tracks, the dense parent and every random mask."""
    stacks = 1 + len(config.levels) * config.n_random_masks
    return 2 * stacks * config.n_hidden_seeds * config.epochs


def build_workers_default(*, config: SearchConfig) -> int:
    """Worker processes of a build by default: the CPUs this process may use (at most MAX_BUILD_WORKERS),
    or 1 for a build smaller than POOL_MIN_NETWORK_EPOCHS."""
    if build_network_epochs(config=config) < POOL_MIN_NETWORK_EPOCHS:
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(MAX_BUILD_WORKERS, cpus))


def _worker_init(threads: int) -> None:
    """Set a worker up as torch_deterministic does: `threads` torch threads, deterministic algorithms."""
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


@contextlib.contextmanager
def stack_pool(*, workers: int, threads: int) -> Iterator[Executor | None]:
    """A pool of `workers` spawned processes training with `threads` torch threads each, or None (train in
    this process) for one worker or in a daemonic process (e.g. a Celery prefork child), which may not
    start children."""
    if workers <= 1 or multiprocessing.current_process().daemon:
        yield None
        return
    context = multiprocessing.get_context("spawn")
    init = {"initializer": _worker_init, "initargs": (threads,)}
    pool = ProcessPoolExecutor(workers, mp_context=context, **init)
    try:
        yield pool
    except BaseException:  # a failed or interrupted build (Ctrl-C) drops its queued stacks at once
        pool.shutdown(wait=True, cancel_futures=True)  # (not `with`: its exit would wait for them all)
        raise
    pool.shutdown(wait=True)
