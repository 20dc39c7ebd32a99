"""An end-to-end run as the platform's split scores: video quality with intervals, error, density, speed."""

from __future__ import annotations

import numpy as np

from evaluator.contract import ItemScore, SplitScore
from evaluator.intervals import bootstrap_mean_interval

from .run import E2eRun, VideoResult

BOOTSTRAP_REPS = 2000
BOOTSTRAP_SEED = 20252
QUALITY = ("psnr", "ssim", "ssim_svg", "lpips")
DENSE_REASON = "n/a: dense attention is the reference"
LPIPS_REASON = "n/a: frames smaller than LPIPS's smallest input (31 x 31)"


def quality_metric(
    *, name: str, per_video: list[float | None], reason: str, metrics: dict[str, float | None],
    reasons: dict[str, str],
) -> None:
    """Write `name` and its `_lo` / `_hi` into `metrics`: the videos' mean with its bootstrap 95% interval,
    or None with `reason` where a video has no value."""
    if any(value is None for value in per_video):
        for key in (name, f"{name}_lo", f"{name}_hi"):
            metrics[key], reasons[key] = None, reason
        return
    values = np.array(per_video, dtype=float)
    metrics[name] = float(values.mean())
    metrics[f"{name}_lo"], metrics[f"{name}_hi"] = bootstrap_mean_interval(
        values=values, reps=BOOTSTRAP_REPS, seed=BOOTSTRAP_SEED
    )


def _video_item(video: VideoResult, layers: int) -> ItemScore:
    """One video's quality, mean attention error and density."""
    values = dict(video.quality.means())
    values.update(rel_l2=float(np.mean(video.layer_errors(layers))), density=video.density)
    return ItemScore(item=f"video {video.index + 1} (class {video.label})", group="videos", values=values)


def _layer_items(videos: list[VideoResult], layers: int) -> list[ItemScore]:
    """Per video and layer, the attention error along the trajectory (mean over the sampling steps)."""
    return [
        ItemScore(
            item=f"video {v.index + 1} / layer {layer + 1}",
            group=f"layer {layer + 1}",
            values={"rel_l2": error},
        )  # fmt: skip
        for v in videos
        for layer, error in enumerate(v.layer_errors(layers))
    ]


def split_score(*, run: E2eRun, layers: int, video_limit: int | None) -> SplitScore:
    """The metrics of one split: the videos below ``video_limit`` (None: all); speed from the timed video."""
    videos = [v for v in run.videos if video_limit is None or v.index < video_limit]
    metrics: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    for name in QUALITY:
        quality_metric(name=name, per_video=[v.quality.means()[name] for v in videos], reason=LPIPS_REASON,
                       metrics=metrics, reasons=reasons)  # fmt: skip
    metrics["rel_l2"] = float(np.mean([e for v in videos for e in v.layer_errors(layers)]))
    metrics["density"] = float(np.mean([v.density for v in videos]))
    metrics["sparsity"] = 1.0 - metrics["density"]
    items = [_video_item(v, layers) for v in videos] + _layer_items(videos, layers)
    speed = run.speed
    if speed is None:
        metrics.update(e2e_speedup=1.0, speedup=1.0)
        metrics["estimator_share"], reasons["estimator_share"] = None, DENSE_REASON
    else:
        method_attention = speed.estimator_ms + speed.method_attention_ms
        metrics["e2e_speedup"] = speed.dense_sampling_ms / speed.method_sampling_ms
        metrics["speedup"] = speed.dense_attention_ms / method_attention
        metrics["estimator_share"] = speed.estimator_ms / method_attention
        metrics["attention_share"] = speed.dense_attention_ms / speed.dense_sampling_ms
        items.append(ItemScore(item=f"{speed.rounds} timed pairs (medians)", group="timing", values={
            "dense_sampling_ms": speed.dense_sampling_ms, "sampling_ms": speed.method_sampling_ms,
            "dense_attention_ms": speed.dense_attention_ms, "attention_ms": speed.method_attention_ms,
            "estimator_ms": speed.estimator_ms}))  # fmt: skip
    if speed is None:
        metrics["attention_share"], reasons["attention_share"] = None, DENSE_REASON
    return SplitScore(metrics=metrics, items=tuple(items), na_reasons=reasons)
