"""Tile sizes of the Triton kernel: the candidates valid for a shape, and a choice timed once per shape."""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import torch

MIN_TILE = 16  # tl.dot needs every tile dimension >= 16
MAX_TILE = 128
TUNE_ENV = "SPARSEBENCH_TRITON_TUNE"


@dataclass(frozen=True)
class TileConfig:
    """Launch parameters for one kernel call."""

    block_m: int
    block_n: int
    num_warps: int
    num_stages: int


def tile_default(*, b_q: int, b_k: int, dtype: torch.dtype) -> TileConfig:
    """Tiles within a query block / pooled key block (at least 16 for tl.dot); smaller for float32."""
    wide = dtype == torch.float32
    block_m = min(b_q, 64 if wide else 128)
    block_n = max(MIN_TILE, min(b_k, 32 if wide else 64))
    return TileConfig(block_m, block_n, num_warps=8 if block_m >= 128 else 4, num_stages=2 if wide else 3)


def _powers_of_two(*, low: int, high: int) -> list[int]:
    """Powers of two from `low` to `high` inclusive."""
    out, size = [], low
    while size <= high:
        out.append(size)
        size *= 2
    return out


def tile_candidates(*, b_q: int, b_k: int, head_dim: int, dtype: torch.dtype) -> tuple[TileConfig, ...]:
    """Configs the kernel computes correctly for this shape, the default first.

    A query tile must lie inside one query block (``block_m`` a power of two <= ``b_q``); a key
    tile may be wider than a pooled key block (the kernel masks the rest) but never wider than
    ``max(16, b_k)``. Tiles of 32 to 128 rows are tried, fewer for float32 with d=128 (register use).
    """
    default = tile_default(b_q=b_q, b_k=b_k, dtype=dtype)
    wide = dtype == torch.float32
    top = 64 if wide and head_dim >= 128 else MAX_TILE
    rows = _powers_of_two(low=min(32, b_q), high=min(b_q, top))
    cols = _powers_of_two(low=min(32, max(MIN_TILE, b_k)), high=min(max(MIN_TILE, b_k), top))
    stages = (2,) if wide else (2, 3)
    found = [default]
    for block_m in rows:
        for block_n in cols:
            for num_warps in (4, 8):
                for num_stages in stages:
                    cfg = TileConfig(block_m, block_n, num_warps, num_stages)
                    if cfg not in found:
                        found.append(cfg)
    return tuple(found)


def tuning_enabled() -> bool:
    """Whether CUDA launches time the candidates once per shape ($SPARSEBENCH_TRITON_TUNE, default on)."""
    value = os.environ.get(TUNE_ENV, "1").strip().lower()
    if value not in ("0", "1", "false", "true", "no", "yes", "off", "on"):
        raise ValueError(f"${TUNE_ENV} must be 0 or 1, got {value!r}")
    return value in ("1", "true", "yes", "on")


def cuda_event_ms(run: Callable[[], object]) -> float:
    """Milliseconds of one ``run()`` on the current CUDA stream, by CUDA events."""
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    run()
    end.record()
    end.synchronize()
    return start.elapsed_time(end)


def cuda_launch_ms(launch: Callable[[], None], *, repeats: int = 3) -> float:
    """Median milliseconds of ``launch()`` on the current CUDA stream, after one warm-up (compilation)."""
    launch()
    torch.cuda.synchronize()
    return statistics.median(cuda_event_ms(launch) for _ in range(repeats))


class TileChooser:
    """Times every candidate once per key and remembers the fastest one.

    ``timer(run)`` returns the time of ``run()``; configs whose launch raises one of ``skipped``
    (out of shared memory or registers, a compiler refusal) are left out. If every candidate
    raises, the first error is raised again.
    """

    def __init__(
        self, *, timer: Callable[[Callable[[], None]], float], skipped: tuple[type[BaseException], ...]
    ):
        self.timer = timer
        self.skipped = skipped
        self.chosen: dict[Hashable, TileConfig] = {}
        self.timings: dict[Hashable, dict[TileConfig, float]] = {}

    def choose(
        self, key: Hashable, candidates: tuple[TileConfig, ...], launch: Callable[[TileConfig], None]
    ) -> TileConfig:
        """The fastest candidate for ``key``, timed with ``launch(config)`` on the first call only."""
        if key in self.chosen:
            return self.chosen[key]
        timings: dict[TileConfig, float] = {}
        first_error: BaseException | None = None
        for cfg in candidates:
            try:
                timings[cfg] = self.timer(lambda cfg=cfg: launch(cfg))
            except self.skipped as exc:
                first_error = first_error or exc
        if not timings:
            assert first_error is not None
            raise first_error
        best = min(timings, key=lambda cfg: (timings[cfg], candidates.index(cfg)))
        self.timings[key] = timings
        self.chosen[key] = best
        return best
