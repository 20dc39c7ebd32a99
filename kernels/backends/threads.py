"""Run independent kernel tasks on one-thread workers (no intra-op barriers on a shared CPU)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import torch

_POOLS: dict[int, ThreadPoolExecutor] = {}
_LOCK = threading.Lock()


def _pool(workers: int) -> ThreadPoolExecutor:
    """A persistent pool of ``workers`` threads."""
    with _LOCK:
        if workers not in _POOLS:
            _POOLS[workers] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kernels-cpu")
        return _POOLS[workers]


def tasks_run(tasks: Sequence[Callable[[], None]], *, threads: int) -> None:
    """Run the tasks, each on one thread with intra-op parallelism 1, pulled dynamically by ``threads``
    workers (the calling thread and ``threads - 1`` pool threads); runs inline when one thread
    suffices. The caller's thread count is left unchanged."""
    if threads <= 1 or len(tasks) <= 1:
        for task in tasks:
            task()
        return
    workers = min(threads, len(tasks))
    caller_threads = torch.get_num_threads()
    lock = threading.Lock()
    position = iter(range(len(tasks)))

    def drain() -> None:
        """Pull and run tasks until none is left."""
        if torch.get_num_threads() != 1:
            torch.set_num_threads(1)
        while True:
            with lock:
                i = next(position, None)
            if i is None:
                return
            tasks[i]()

    try:
        # the caller is one of the workers: one thread fewer to wake, none left idle waiting
        futures = [_pool(workers - 1).submit(drain) for _ in range(workers - 1)]
        drain()
        for f in futures:
            f.result()
    finally:
        torch.set_num_threads(caller_threads)


def serial(fn):
    """Decorator: run ``fn`` with intra-op parallelism 1 (bookkeeping on small tensors, where waking
    the thread pool on a busy CPU costs more than the work); the thread count is restored after."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        """Call fn single-threaded."""
        threads = torch.get_num_threads()
        if threads == 1:
            return fn(*args, **kwargs)
        torch.set_num_threads(1)
        try:
            return fn(*args, **kwargs)
        finally:
            torch.set_num_threads(threads)

    return wrapper
