"""Scoring of a validated submission against the hidden renders, streaming one image at a time."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from evaluator.contract import ItemScore, ProgressFn, ScoreReport, SplitScore
from evaluator.hardware import hardware_fingerprint

from .archive import archive_open, member_read, png_decode
from .config import DATASET_IMAGE_NAMES, DEFAULT_DATASET, RANKING_DATASET
from .intervals import mean_interval
from .layout import image_name, leaderboard_splits_read, mask_name, view_label
from .validation import expected_read, limits_for, submission_problems
from .views import image_read, mask_read

#: Per-image keys: SpaRe's six (the ranking ones) and the DTU/RegNeRF conventions (evaluator.metrics).
METRIC_KEYS = ("psnr", "psnr_m", "ssim", "ssim_m", "lpips", "lpips_m", "ssim_rn", "ssim_m_rn", "lpips_m_rn")
#: The published ends of each aggregate's bootstrap interval: `<key>_lo` and `<key>_hi` (see intervals.py).
INTERVAL_SUFFIXES = ("_lo", "_hi")
#: image_scores(pred, target, *, mask) -> {metric key: value or None}
ScoresFn = Callable[..., Mapping[str, float | None]]


def default_scores_fn() -> ScoresFn:
    """The platform's image metrics, one scorer per submission (imported lazily: it loads LPIPS)."""
    from evaluator.metrics import ImageScorer

    return ImageScorer().score


def leaderboard_values(values: Mapping[str, float | None]) -> dict[str, float | None]:
    """Per-image values as published: PSNR and PSNR-M capped at 100 dB (identical images give +inf)."""
    from evaluator.metrics import psnr_clamp

    capped = dict(values)
    for key in ("psnr", "psnr_m"):
        if key in capped:
            capped[key] = psnr_clamp(capped[key])
    return capped


def _mean(values: Sequence[float | None]) -> float | None:
    """Mean of the values that are not None; None when there are none."""
    present = [float(v) for v in values if v is not None]
    return statistics.fmean(present) if present else None


def split_aggregate(*, items: Sequence[ItemScore], scenes: Sequence[str], keys: Sequence[str]) -> SplitScore:
    """Per key: mean over scenes of per-scene means over images (None skipped), then its interval's ends."""
    chosen = [item for item in items if item.group in set(scenes)]
    metrics: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    for key in keys:
        values = [[i.values.get(key) for i in chosen if i.group == scene] for scene in scenes]
        metrics[key] = _mean([_mean(scene_values) for scene_values in values])
        interval = mean_interval(per_scene=values) if metrics[key] is not None else None
        for end, suffix in enumerate(INTERVAL_SUFFIXES):
            metrics[key + suffix] = interval[end] if interval else None
        if metrics[key] is None:
            reasons[key] = (
                "no scene in this split"
                if not scenes
                else f"{key} is n/a for every image of this split (empty object masks)"
            )
            reasons.update({key + suffix: reasons[key] for suffix in INTERVAL_SUFFIXES})
    return SplitScore(metrics=metrics, items=tuple(chosen), na_reasons=reasons)


def dataset_key(*, dataset: str, key: str) -> str:
    """The published key of a metric over one dataset's scenes: the ranking dataset's keep the plain name."""
    return key if dataset == RANKING_DATASET else f"{dataset.lower()}_{key}"


def datasets_aggregate(
    *, items: Sequence[ItemScore], scenes: Sequence[str], datasets: Mapping[str, str], keys: Sequence[str]
) -> SplitScore:
    """Metrics of a split, each SpaRe dataset apart (dataset_key names them); items of every dataset."""
    metrics: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    for dataset in DATASET_IMAGE_NAMES:
        own = [scene for scene in scenes if datasets.get(scene, DEFAULT_DATASET) == dataset]
        part = split_aggregate(items=items, scenes=own, keys=keys)
        for key in part.metrics:
            name = dataset_key(dataset=dataset, key=key)
            metrics[name] = part.metrics[key]
            if key in part.na_reasons:
                reasons[name] = f"no {dataset} scene in this split" if not own else part.na_reasons[key]
    chosen = tuple(item for item in items if item.group in set(scenes))
    return SplitScore(metrics=metrics, items=chosen, na_reasons=reasons)


def submission_score(
    *,
    public_dir: Path,
    hidden_dir: Path,
    phase: str,
    file: Path | None,
    max_upload_bytes: int,
    protocol_version: str,
    progress: ProgressFn,
    scores_fn: ScoresFn | None = None,
) -> ScoreReport:
    """Score every test view of a phase; ValueError lists the problems of an invalid submission."""
    problems = submission_problems(
        public_dir=public_dir, phase=phase, file=file, max_upload_bytes=max_upload_bytes
    )
    if problems:
        raise ValueError("invalid submission:\n" + "\n".join(str(p) for p in problems))
    scores_fn = scores_fn or default_scores_fn()
    expected = expected_read(public_dir=public_dir, phase=phase)
    limits = limits_for(expected=expected, max_upload_bytes=max_upload_bytes)
    halves = leaderboard_splits_read(hidden_dir=hidden_dir)[phase]
    archive, _ = archive_open(path=Path(file), limits=limits)
    items: list[ItemScore] = []
    progress(0.0, "scoring test views")
    with archive:
        for done, ((scene, index), name) in enumerate(zip(expected.views, expected.names, strict=True), 1):
            data = member_read(archive=archive, name=name, limit=limits.max_entry_bytes)
            pred = png_decode(data=data, max_pixels=limits.max_pixels).astype(np.float64) / 255.0
            target, mask = _ground_truth(
                hidden_dir=hidden_dir, phase=phase, scene=scene, index=index, dataset=expected.dataset(scene)
            )
            values = leaderboard_values(scores_fn(pred, target, mask=mask))
            items.append(ItemScore(item=f"{scene}/{view_label(index=index)}", group=scene, values=values))
            progress(done / len(expected.views), f"scored {scene}/{view_label(index=index)}")
    splits = {
        half: datasets_aggregate(
            items=items, scenes=sorted(halves[half]), datasets=expected.datasets, keys=METRIC_KEYS
        )
        for half in ("public", "private")
    }
    counts = {d: sum(1 for v in expected.datasets.values() if v == d) for d in DATASET_IMAGE_NAMES}
    log = (
        f"phase {phase}: {len(items)} images over {len(halves['public']) + len(halves['private'])}"
        f" scenes at {expected.width}x{expected.height}",
        "scenes per dataset: "
        + ", ".join(f"{d} {n}" for d, n in counts.items())
        + f"; the unprefixed metrics are over the {RANKING_DATASET} scenes",
    )
    return ScoreReport(
        splits=splits, protocol_version=protocol_version, hardware=hardware_fingerprint(), log=log
    )


def _ground_truth(
    *, hidden_dir: Path, phase: str, scene: str, index: int, dataset: str
) -> tuple[np.ndarray, np.ndarray]:
    """The hidden render (float in [0, 1]) and the object mask of one test view."""
    folder = hidden_dir / phase / scene
    target = image_read(path=folder / "images" / image_name(index=index, dataset=dataset))
    return target, mask_read(path=folder / "masks" / mask_name(index=index))
