"""Seeded flow-matching training of the video DiT on procedural videos, logging the loss to a file."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F

from .model import DiTConfig, VideoDiT
from .videos import VideoConfig, video_batch
from .weights import weights_save

#: Video seeds of training run `seed` start here (evaluation seeds of the benchmark lie elsewhere).
SEED_STRIDE = 10_000_000


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings; training stops at max_steps or after minutes, whichever comes first."""

    seed: int = 0
    minutes: float = 20.0
    max_steps: int = 1_000_000
    batch: int = 4
    lr: float = 1e-3
    warmup: int = 50
    log_every: int = 10
    save_every_minutes: float = 5.0


def train_step_data(
    *, config: TrainConfig, step: int, video: VideoConfig
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The batch of a step: clean videos, their labels, noise and times, all from (seed, step)."""
    first = config.seed * SEED_STRIDE + step * config.batch
    x0, labels = video_batch(seeds=list(range(first, first + config.batch)), config=video)
    g = torch.Generator().manual_seed(config.seed * SEED_STRIDE + step + 1)
    noise = torch.randn(x0.shape, generator=g)
    t = torch.rand(config.batch, generator=g)
    return x0, labels, noise, t


def flow_loss(
    *, model: VideoDiT, x0: torch.Tensor, labels: torch.Tensor, noise: torch.Tensor, t: torch.Tensor
) -> torch.Tensor:
    """Mean squared error of the predicted velocity (noise - x0) at x_t = (1 - t) x0 + t noise."""
    tb = t[:, None, None, None, None]
    xt = (1 - tb) * x0 + tb * noise
    return F.mse_loss(model(xt, t, labels), noise - x0)


def train_run(
    *, config: TrainConfig, model_config: DiTConfig, out: Path, log: Path, command: str = ""
) -> dict:
    """Train, write weights and log; returns a summary (steps, minutes, final loss)."""
    torch.manual_seed(config.seed)
    model = VideoDiT(model_config)
    video = VideoConfig(frames=model_config.frames, size=model_config.size)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0, betas=(0.9, 0.99))
    log.parent.mkdir(parents=True, exist_ok=True)
    start, last_save, step, window, summary = time.monotonic(), time.monotonic(), 0, [], {}
    with log.open("w") as fh:

        def say(line: str) -> None:
            fh.write(line + "\n")
            fh.flush()
            print(line, flush=True)

        params = sum(p.numel() for p in model.parameters())
        say(f"# command: {command}")
        say(f"# train: {json.dumps(config.__dict__)}")
        say(f"# model: {json.dumps(model_config.to_json())} tokens={model_config.tokens} params={params}")
        say(f"# torch {torch.__version__} threads={torch.get_num_threads()}")
        say("step\tminutes\tloss")
        while step < config.max_steps and time.monotonic() - start < 60 * config.minutes:
            for group in opt.param_groups:
                group["lr"] = config.lr * min(1.0, (step + 1) / config.warmup)
            x0, labels, noise, t = train_step_data(config=config, step=step, video=video)
            loss = flow_loss(model=model, x0=x0, labels=labels, noise=noise, t=t)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            window.append(loss.item())
            if not math.isfinite(window[-1]):
                raise FloatingPointError(f"loss is {window[-1]} at step {step}")
            if step % config.log_every == 0:
                say(f"{step}\t{(time.monotonic() - start) / 60:.2f}\t{sum(window) / len(window):.5f}")
                summary = {
                    "steps": step,
                    "minutes": round((time.monotonic() - start) / 60, 2),
                    "loss": sum(window) / len(window),
                }
                window = []
            if time.monotonic() - last_save > 60 * config.save_every_minutes:
                weights_save(model=model, path=out, extra={k: str(v) for k, v in summary.items()})
                last_save = time.monotonic()
        if window:
            summary = {
                "steps": step,
                "minutes": round((time.monotonic() - start) / 60, 2),
                "loss": sum(window) / len(window),
            }
        weights_save(model=model, path=out, extra={k: str(v) for k, v in summary.items()})
        say(f"# done: {json.dumps(summary)}")
    return summary


def main(argv: list[str] | None = None) -> int:
    """Command line: train --seed 0 --minutes N --out W.safetensors [--log W.log]."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--minutes", type=float, default=20.0)
    p.add_argument("--max-steps", type=int, default=1_000_000)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--log", type=Path, default=None, help="default: the weights' path with .log")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--tiny", action="store_true", help="a tiny model (tests)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    model_config = DiTConfig(frames=2, size=8, dim=32, depth=2, heads=2) if args.tiny else DiTConfig()
    config = TrainConfig(
        seed=args.seed, minutes=args.minutes, max_steps=args.max_steps, batch=args.batch, lr=args.lr
    )
    log = args.log or args.out.with_suffix(".log")
    command = "python -m evaluator.benchmarks.vdit.dit.train " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    train_run(config=config, model_config=model_config, out=args.out, log=log, command=command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
