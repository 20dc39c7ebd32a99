"""Training: seeded and reproducible at a fixed step count, weights and log written, loss going down."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

from evaluator.benchmarks.vdit.dit.model import DiTConfig, VideoDiT
from evaluator.benchmarks.vdit.dit.train import TrainConfig, flow_loss, main, train_run, train_step_data
from evaluator.benchmarks.vdit.dit.videos import VideoConfig
from evaluator.benchmarks.vdit.dit.weights import weights_load

TINY = DiTConfig(frames=2, size=8, dim=32, depth=2, heads=2)


def _run(tmp_path, name: str, steps: int = 4, seed: int = 0) -> dict:
    config = TrainConfig(seed=seed, max_steps=steps, batch=2, log_every=2, warmup=2)
    return train_run(
        config=config, model_config=TINY, out=tmp_path / f"{name}.safetensors", log=tmp_path / f"{name}.log"
    )


def test_train_step_data_is_a_function_of_seed_and_step():
    video = VideoConfig(frames=2, size=8)
    a = train_step_data(config=TrainConfig(seed=1, batch=2), step=3, video=video)
    b = train_step_data(config=TrainConfig(seed=1, batch=2), step=3, video=video)
    c = train_step_data(config=TrainConfig(seed=1, batch=2), step=4, video=video)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    assert not torch.equal(a[0], c[0])


def test_train_run_is_reproducible_for_a_seed(tmp_path):
    _run(tmp_path, "a")
    _run(tmp_path, "b")
    _run(tmp_path, "c", seed=1)
    a, b, c = (load_file(str(tmp_path / f"{n}.safetensors")) for n in "abc")
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert any(not torch.equal(a[k], c[k]) for k in a)


def test_train_run_writes_a_loadable_model_and_a_loss_log(tmp_path):
    summary = _run(tmp_path, "w", steps=4)
    assert summary["steps"] == 4
    model = weights_load(path=tmp_path / "w.safetensors")
    assert model.config == TINY and not model.training
    lines = (tmp_path / "w.log").read_text().splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    assert rows[0] == ["step", "minutes", "loss"] and [r[0] for r in rows[1:]] == ["2", "4"]


def test_train_run_lowers_the_loss_on_held_out_videos(tmp_path):
    held_out = train_step_data(
        config=TrainConfig(seed=99, batch=8), step=0, video=VideoConfig(frames=2, size=8)
    )
    x0, labels, noise, t = held_out
    with torch.no_grad():
        untrained = float(flow_loss(model=VideoDiT(TINY), x0=x0, labels=labels, noise=noise, t=t))
    config = TrainConfig(seed=0, max_steps=30, batch=2, log_every=10, warmup=5, lr=3e-3)
    train_run(config=config, model_config=TINY, out=tmp_path / "w.safetensors", log=tmp_path / "w.log")
    with torch.no_grad():
        trained = float(
            flow_loss(
                model=weights_load(path=tmp_path / "w.safetensors"), x0=x0, labels=labels, noise=noise, t=t
            )
        )
    assert trained < 0.8 * untrained


def test_train_command_writes_weights_beside_their_log(tmp_path):
    out = tmp_path / "m.safetensors"
    assert main(["--tiny", "--seed", "0", "--max-steps", "2", "--batch", "1", "--out", str(out)]) == 0
    assert out.is_file() and "--max-steps 2" in (tmp_path / "m.log").read_text().splitlines()[0]


def test_weights_load_names_the_file_when_it_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.safetensors"):
        weights_load(path=tmp_path / "nothing.safetensors")
