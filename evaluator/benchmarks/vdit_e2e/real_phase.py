"""vdit-e2e's test-real phase: hosted only where a local Wan2.1 diffusers model is named, its config checked
against that model, and what a worker needs to score it (else WorkerUnequipped naming the setting)."""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluator.contract import MetricSpec, PhaseSpec, Problem, WorkerUnequipped
from kernels.harness import VideoGeometry

from ..vdit.submission import VditSubmission, block_problems, window_problems
from .diffusers_model import MODEL_ENV, LocalModel, ModelSettingError, local_model_check
from .phases import REAL_PLAN
from .submission import e2e_config_parse

REAL_PHASE = REAL_PLAN.slug
#: The latent each video is sampled at: 9 latent frames of 64 x 104 (33 frames of 512 x 832 pixels through
#: Wan's VAE; 14,976 tokens under 1 x 2 x 2 patches, a multiple of 128), Wan's flow shift for 480p, the zero
#: text embedding's length, and the timed dense/method pairs on the first video.
REAL_LATENT = (9, 64, 104)
REAL_SHIFT = 3.0
REAL_TEXT_TOKENS = 512
REAL_REPEATS = 5
CODE_REASON = "this phase takes a JSON method config (the kernel-level track, vdit, takes code)"
SEARCH_REASON = (
    "the offline search runs on the benchmark's own DiT only; give test-real a plan or a method's params"
)
REAL_ITEM_METRICS = (
    MetricSpec(name="latent_rel_l2", label="Latent error", unit="rel. L2", higher_is_better=False,
               fmt="{:.4f}", description="test-real: relative L2 distance of the sparse sampling's final"
               " latent from the dense one's (stands in for the video metrics where the model has no VAE)"),
    MetricSpec(name="mass_recall", label="Mass recall", unit="fraction", higher_is_better=True, fmt="{:.3f}",
               description="test-real: the share of dense attention's probability mass the method kept,"
               " mean over the calls that have one"),
)  # fmt: skip


def real_phase_enabled(*, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether this deployment hosts test-real: $SPARSEBENCH_VDIT_DIFFUSERS_MODEL is set (the GPU workers
    that score the phase hold the model; the web need not)."""
    return bool(environ.get(MODEL_ENV, "").strip())


def real_phase_spec(*, public_paths: tuple[str, ...], max_upload_bytes: int) -> PhaseSpec:
    """The phase as the platform hosts it: JSON configs, on a GPU worker."""
    frames, height, width = REAL_LATENT
    return PhaseSpec(
        slug=REAL_PHASE,
        title=REAL_PLAN.title,
        description=(
            f"The submitted method config run inside this deployment's local Wan2.1 diffusers model"
            f" ({MODEL_ENV}): {REAL_PLAN.videos} videos, each sampled from the same noise densely and with"
            f" the method, {REAL_PLAN.steps} Euler flow-matching steps (shift {REAL_SHIFT}), latent"
            f" {frames} x {height} x {width} ({4 * (frames - 1) + 1} frames of {8 * height} x {8 * width}"
            " pixels), zero text embeddings (no text encoder); PSNR, SSIM and LPIPS of the decoded sparse"
            " video against the dense one, density, attention error and speedups measured in the job. Noise"
            " seeds hidden (from the deployment secret). Needs a GPU worker (not yet timed on a GPU)."
        ),
        public_paths=public_paths,
        max_upload_bytes=max_upload_bytes,
        needs_gpu=True,
    )


def real_equipped(*, environ: Mapping[str, str] = os.environ) -> LocalModel:
    """The local model this worker samples test-real with; WorkerUnequipped naming the setting when it is
    unset, is not a usable diffusers Wan folder here, or the `video` extra is missing."""
    raw = environ.get(MODEL_ENV, "").strip()
    if not raw:
        raise WorkerUnequipped(setting=MODEL_ENV, missing="no local video model is set on this worker")
    try:
        model = local_model_check(Path(raw).expanduser())
    except ModelSettingError:
        raise WorkerUnequipped(setting=MODEL_ENV, missing="the local video model is not on this worker's disk"
                               " as a diffusers Wan folder") from None  # fmt: skip
    if importlib.util.find_spec("diffusers") is None:
        raise WorkerUnequipped(setting=MODEL_ENV, missing="the diffusers package is not installed on this"
                               " worker (pip install 'sparsebench[video]')")  # fmt: skip
    return model


@dataclass(frozen=True)
class RealShape:
    """What a config is checked against: the transformer's layers and heads, and the latent's token grid."""

    layers: int
    heads: int
    geometry: VideoGeometry

    @property
    def tokens(self) -> int:
        """Video tokens per attention call."""
        return self.geometry.frames * self.geometry.frame_tokens


def real_shape(model: LocalModel, *, latent: tuple[int, int, int] = REAL_LATENT) -> RealShape:
    """The shape read from the transformer's config.json (no tensor loaded); ValueError when the latent
    does not divide by its patch."""
    config = json.loads((model.transformer_dir / "config.json").read_text(encoding="utf-8"))
    p_t, p_h, p_w = config["patch_size"]
    for name, size, patch in zip(("frames", "height", "width"), latent, (p_t, p_h, p_w), strict=True):
        if size % patch:
            raise ValueError(f"latent {name} {size} is not a multiple of the model's patch {patch}")
    geometry = VideoGeometry(frames=latent[0] // p_t, height=latent[1] // p_h, width=latent[2] // p_w,
                             text_tokens=0)  # fmt: skip
    layers, heads = int(config["num_layers"]), int(config["num_attention_heads"])
    return RealShape(layers=layers, heads=heads, geometry=geometry)


def real_parse(
    *, config: Any, file_name: str | None, shape: RealShape, steps: int
) -> tuple[VditSubmission | None, list[Problem]]:
    """The submission checked against the local model (plan per step, layer and head; block sizes and
    windows against its token grid), or every problem by field; a file or a search request is refused."""
    if file_name is not None:
        return None, [Problem(file_name, CODE_REASON)]
    if isinstance(config, Mapping) and "search" in config:
        return None, [Problem("config.search", SEARCH_REASON)]
    submission, problems = e2e_config_parse(config=config, layers=shape.layers, heads=shape.heads,
                                            steps=steps)  # fmt: skip
    if submission is None:
        return None, problems
    g = shape.geometry
    problems = block_problems(submission=submission, tokens=(shape.tokens,)) + window_problems(
        submission=submission, frames=(g.frames,), grid=(g.height, g.width), text_tokens=0)  # fmt: skip
    return (None, problems) if problems else (submission, [])
