"""Scoring test-real: each hidden-seed video sampled by the local Wan model densely and with the method (as
diffusers_run does), and the platform's split scores of the pairs."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evaluator.contract import ItemScore, Payload, ProgressFn, ScoreReport, SplitScore, no_progress
from evaluator.devices import scoring_device
from evaluator.hardware import hardware_fingerprint

from .diffusers_model import LocalModel, transformer_load, vae_load
from .diffusers_run import DTYPES, ModelRunReport, RunOptions, pair_run
from .phases import REAL_PLAN, phase_seeds_read
from .real_phase import (
    REAL_LATENT,
    REAL_PHASE,
    REAL_REPEATS,
    REAL_SHIFT,
    REAL_TEXT_TOKENS,
    real_equipped,
    real_parse,
    real_shape,
)
from .report import DENSE_REASON, LPIPS_REASON, QUALITY, quality_metric
from .spec import VERSION

PROTOCOL = f"vdit-e2e-{VERSION}-real"
NO_VAE = "n/a: the local model has no vae/ folder: no video is decoded (latent_rel_l2 stands in, per video)"


@dataclass(frozen=True)
class RealOptions:
    """The phase's sampling (the plan's, or smaller for tests and timing scripts): videos, steps, latent,
    zero text embedding's length and timed pairs on the first video."""

    videos: int = REAL_PLAN.videos
    steps: int = REAL_PLAN.steps
    latent: tuple[int, int, int] = REAL_LATENT
    text_tokens: int = REAL_TEXT_TOKENS
    repeats: int = REAL_REPEATS


def model_name(model: LocalModel) -> str:
    """The model's folder name (the pipeline's where the transformer sits in its transformer/)."""
    folder = model.transformer_dir
    return folder.parent.name if folder.name == "transformer" else folder.name


REAL_OPTIONS = RealOptions()


@functools.cache
def real_model_cached(model: LocalModel, device: str, dtype: str):
    """(transformer, VAE or None) loaded once per worker process on ``device``."""
    import torch

    where, kind = torch.device(device), DTYPES[dtype]
    return transformer_load(model, device=where, dtype=kind), vae_load(model, device=where, dtype=kind)


def real_runs(
    *, payload: Payload, hidden_dir: Path, options: RealOptions = REAL_OPTIONS,
    progress: ProgressFn = no_progress,
) -> tuple[list[ModelRunReport], LocalModel, str]:
    """Every video of the phase as diffusers_run's pair (the first one's timed rounds too), the model and
    the dtype; WorkerUnequipped where this worker lacks the model, ValueError for an invalid config."""
    model = real_equipped()
    submission, problems = real_parse(config=payload.config, file_name=None if payload.file is None else
                                      Path(payload.file).name, shape=real_shape(model, latent=options.latent),
                                      steps=options.steps)  # fmt: skip
    if submission is None:
        raise ValueError("invalid submission: " + "; ".join(str(p) for p in problems))
    seeds = phase_seeds_read(phase=REAL_PHASE, public_dir=Path(payload.public_dir), hidden_dir=hidden_dir)
    device = scoring_device()
    dtype = "bfloat16" if device.type == "cuda" else "float32"
    transformer, vae = real_model_cached(model, str(device), dtype)
    videos = seeds.videos[: options.videos]
    runs = []
    for index, (noise_seed, _) in enumerate(videos):
        progress(index / len(videos), f"video {index + 1} of {len(videos)}")
        run = RunOptions(latent=options.latent, steps=options.steps, shift=REAL_SHIFT, seed=noise_seed,
                         text_tokens=options.text_tokens, repeats=options.repeats if index == 0 else 0,
                         dtype=dtype)  # fmt: skip
        runs.append(pair_run(transformer=transformer, vae=vae, name=model_name(model),
                             config=dict(payload.config), options=run))  # fmt: skip
    progress(1.0, "scored")
    return runs, model, dtype


def _video_values(run: ModelRunReport) -> dict[str, float | None]:
    """One video's quality (None without a VAE), attention figures and latent error."""
    values: dict[str, float | None] = {name: None for name in QUALITY}
    if run.video is not None:
        values.update({name: run.video.get(name) for name in QUALITY})
    values.update(density=run.means["density"], rel_l2=run.means["rel_l2"],
                  mass_recall=run.means["mass_recall"], latent_rel_l2=run.latent_rel_l2)  # fmt: skip
    return values


def _speed(run: ModelRunReport) -> tuple[dict[str, float | None], dict[str, str], list[ItemScore]]:
    """The speed metrics of the timed video (dense attention: 1 by definition), reasons and timing item."""
    timing = run.timing
    if timing.get("speedup") is None:
        metrics = {"e2e_speedup": 1.0, "speedup": 1.0, "estimator_share": None, "attention_share": None}
        return metrics, {"estimator_share": DENSE_REASON, "attention_share": DENSE_REASON}, []
    method_attention = timing["estimator_ms"] + timing["method_attention_ms"]
    metrics = {"e2e_speedup": timing["dense_ms"] / timing["method_ms"],
               "speedup": timing["dense_attention_ms"] / method_attention,
               "estimator_share": timing["estimator_ms"] / method_attention,
               "attention_share": timing["dense_attention_ms"] / timing["dense_ms"]}  # fmt: skip
    item = ItemScore(item=f"{timing['rounds']} timed pairs of video 1 (medians)", group="timing", values={
        "dense_sampling_ms": timing["dense_ms"], "sampling_ms": timing["method_ms"],
        "dense_attention_ms": timing["dense_attention_ms"], "attention_ms": timing["method_attention_ms"],
        "estimator_ms": timing["estimator_ms"]})  # fmt: skip
    return metrics, {}, [item]


def real_split(*, runs: list[ModelRunReport], limit: int | None) -> SplitScore:
    """The metrics of the videos below ``limit`` (None: all); speed from the first video's timed pairs."""
    kept = runs if limit is None else runs[:limit]
    per_video = [_video_values(run) for run in kept]
    metrics: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    reason = NO_VAE if any(run.video is None for run in kept) else LPIPS_REASON
    for name in QUALITY:
        quality_metric(name=name, per_video=[v[name] for v in per_video], reason=reason, metrics=metrics,
                       reasons=reasons)  # fmt: skip
    metrics["rel_l2"] = float(np.mean([v["rel_l2"] for v in per_video]))
    metrics["density"] = float(np.mean([v["density"] for v in per_video]))
    metrics["sparsity"] = 1.0 - metrics["density"]
    speed, speed_reasons, timing = _speed(runs[0])
    metrics.update(speed)
    reasons.update(speed_reasons)
    items = [ItemScore(item=f"video {i + 1}", group="videos", values=v) for i, v in enumerate(per_video)]
    items += [ItemScore(item=f"video {i + 1} / layer {row['layer'] + 1}", group=f"layer {row['layer'] + 1}",
                        values={"rel_l2": row["rel_l2"], "density": row["density"]})
              for i, run in enumerate(kept) for row in run.layers]  # fmt: skip
    return SplitScore(metrics=metrics, items=tuple(items + timing), na_reasons=reasons)


def real_phase_score(
    *, payload: Payload, hidden_dir: Path, options: RealOptions = REAL_OPTIONS,
    progress: ProgressFn = no_progress,
) -> ScoreReport:
    """Score a config on test-real: public split = the first half of the videos, private = all of them."""
    runs, model, dtype = real_runs(payload=payload, hidden_dir=hidden_dir, options=options, progress=progress)
    log = [f"video {i + 1}: latent rel. L2 {r.latent_rel_l2:.4f}, density {r.means['density']:.3f},"
           f" {len(r.calls)} calls measured" for i, r in enumerate(runs)]  # fmt: skip
    log.append(f"sampler: {runs[0].sampler.split(', seed')[0]}; {runs[0].conditioning}")
    splits = {"public": real_split(runs=runs, limit=max(1, len(runs) // 2)),
              "private": real_split(runs=runs, limit=None)}  # fmt: skip
    hardware = {**hardware_fingerprint(), "video_model": model_name(model), "video_dtype": dtype}
    return ScoreReport(splits=splits, protocol_version=PROTOCOL, hardware=hardware, log=tuple(log))
