"""The committed weights: under the size cap, >= 2k tokens a video, trained (beat untrained), logged."""

from __future__ import annotations

from pathlib import Path

import torch

import evaluator.benchmarks.vdit.dit as dit
from evaluator.benchmarks.vdit.dit.model import VideoDiT
from evaluator.benchmarks.vdit.dit.train import TrainConfig, flow_loss, train_step_data
from evaluator.benchmarks.vdit.dit.videos import VideoConfig
from evaluator.benchmarks.vdit.dit.weights import weights_load

WEIGHTS = Path(dit.__file__).parent / "weights.safetensors"
LOG = WEIGHTS.with_suffix(".log")
MAX_BYTES = 20 * 1024 * 1024


def test_committed_weights_fit_the_cap_and_carry_a_2k_token_model():
    assert WEIGHTS.stat().st_size <= MAX_BYTES
    assert weights_load(path=WEIGHTS).config.tokens >= 2048


def test_committed_weights_beat_an_untrained_model_on_held_out_videos():
    model = weights_load(path=WEIGHTS)
    cfg = model.config
    x0, labels, noise, t = train_step_data(
        config=TrainConfig(seed=12345, batch=2), step=0, video=VideoConfig(frames=cfg.frames, size=cfg.size)
    )
    with torch.no_grad():
        trained = float(flow_loss(model=model, x0=x0, labels=labels, noise=noise, t=t))
        untrained = float(flow_loss(model=VideoDiT(cfg), x0=x0, labels=labels, noise=noise, t=t))
    assert trained < 0.7 * untrained


def test_committed_log_names_the_seeded_command_and_its_end():
    lines = LOG.read_text().splitlines()
    assert lines[0].startswith("# command: python -m evaluator.benchmarks.vdit.dit.train --seed 0")
    assert lines[-1].startswith("# done:")
