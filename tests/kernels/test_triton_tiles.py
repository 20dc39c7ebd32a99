"""Specs for the Triton kernel's tile choice: valid candidates per shape, the fastest one kept per key."""

from __future__ import annotations

import pytest
import torch

from kernels.backends.triton_tiles import (
    MIN_TILE,
    TUNE_ENV,
    TileChooser,
    TileConfig,
    tile_candidates,
    tile_default,
    tuning_enabled,
)

SHAPES = [(16, 16), (64, 32), (128, 128), (256, 64), (128, 4), (32, 512)]


@pytest.mark.parametrize("b_q,b_k", SHAPES)
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
@pytest.mark.parametrize("head_dim", [64, 128])
def test_tile_candidates_fit_the_kernel_and_start_with_the_default(b_q, b_k, dtype, head_dim):
    found = tile_candidates(b_q=b_q, b_k=b_k, head_dim=head_dim, dtype=dtype)
    assert found[0] == tile_default(b_q=b_q, b_k=b_k, dtype=dtype)
    assert len(set(found)) == len(found)
    for cfg in found:
        assert b_q % cfg.block_m == 0 and cfg.block_m >= MIN_TILE and cfg.block_m & (cfg.block_m - 1) == 0
        assert MIN_TILE <= cfg.block_n <= max(MIN_TILE, b_k) and cfg.block_n & (cfg.block_n - 1) == 0
        assert cfg.num_warps in (4, 8) and cfg.num_stages in (2, 3)


def test_tile_candidates_offer_a_choice_where_the_blocks_allow_one():
    wide = tile_candidates(b_q=128, b_k=128, head_dim=64, dtype=torch.bfloat16)
    assert {c.block_m for c in wide} == {32, 64, 128} and {c.block_n for c in wide} == {32, 64, 128}
    # float32 with d=128 stays at 64-row tiles (registers), one stage
    big = tile_candidates(b_q=128, b_k=128, head_dim=128, dtype=torch.float32)
    assert max(c.block_m for c in big[1:]) == 64 and {c.num_stages for c in big} == {2}
    assert tile_candidates(b_q=16, b_k=16, head_dim=64, dtype=torch.float32) == (
        TileConfig(16, 16, 4, 2),
        TileConfig(16, 16, 8, 2),
    )


class FakeClock:
    """A timer that returns a preset time per config and counts what it timed."""

    def __init__(self, times: dict[int, float], failing: set[int] = frozenset()):
        self.times, self.failing, self.timed = times, failing, []
        self.current = None

    def launch(self, cfg: TileConfig) -> None:
        self.current = cfg.block_m
        if cfg.block_m in self.failing:
            raise MemoryError(f"out of shared memory for {cfg}")

    def timer(self, run) -> float:
        run()
        self.timed.append(self.current)
        return self.times[self.current]


CANDIDATES = tuple(TileConfig(m, 32, 4, 2) for m in (64, 32, 128))


def test_tile_chooser_keeps_the_fastest_and_times_each_key_once():
    clock = FakeClock({64: 3.0, 32: 1.0, 128: 2.0})
    chooser = TileChooser(timer=clock.timer, skipped=(MemoryError,))
    assert chooser.choose("k", CANDIDATES, clock.launch) == CANDIDATES[1]
    assert chooser.choose("k", CANDIDATES, clock.launch) == CANDIDATES[1]
    assert clock.timed == [64, 32, 128]
    assert chooser.timings["k"][CANDIDATES[2]] == 2.0


def test_tile_chooser_prefers_the_earlier_candidate_on_a_tie():
    clock = FakeClock({64: 1.0, 32: 1.0, 128: 1.0})
    assert TileChooser(timer=clock.timer, skipped=()).choose("k", CANDIDATES, clock.launch) == CANDIDATES[0]


def test_tile_chooser_skips_configs_the_device_cannot_run():
    clock = FakeClock({64: 3.0, 32: 1.0, 128: 2.0}, failing={32})
    chooser = TileChooser(timer=clock.timer, skipped=(MemoryError,))
    assert chooser.choose("k", CANDIDATES, clock.launch) == CANDIDATES[2]
    assert CANDIDATES[1] not in chooser.timings["k"]


def test_tile_chooser_raises_when_no_candidate_runs_and_does_not_hide_other_errors():
    clock = FakeClock({}, failing={64, 32, 128})
    with pytest.raises(MemoryError, match="TileConfig\\(block_m=64"):
        TileChooser(timer=clock.timer, skipped=(MemoryError,)).choose("k", CANDIDATES, clock.launch)
    with pytest.raises(MemoryError):
        TileChooser(timer=clock.timer, skipped=(ValueError,)).choose("k", CANDIDATES, clock.launch)


@pytest.mark.parametrize("value,enabled", [(None, True), ("1", True), ("0", False), ("off", False)])
def test_tuning_switch_reads_the_environment(monkeypatch, value, enabled):
    if value is None:
        monkeypatch.delenv(TUNE_ENV, raising=False)
    else:
        monkeypatch.setenv(TUNE_ENV, value)
    assert tuning_enabled() is enabled


def test_tuning_switch_rejects_a_value_it_does_not_know(monkeypatch):
    monkeypatch.setenv(TUNE_ENV, "sometimes")
    with pytest.raises(ValueError, match=TUNE_ENV):
        tuning_enabled()
