"""The frontier's test-hf phase: hosted only where a local transformers model is named, and what a worker
needs to score it (the model on disk, the `hf` extra), else WorkerUnequipped naming the setting."""

from __future__ import annotations

import functools
import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path

from evaluator.contract import MetricSpec, Payload, PhaseSpec, Problem, WorkerUnequipped

from .hf_adapter import MODEL_ENV
from .plan import HF_PLAN

HF_PHASE = HF_PLAN.slug
CODE_REASON = (
    "code submissions are scored on the built-in model only (their sandbox runs there); submit a JSON"
    " method config to this phase"
)
HF_ITEM_METRICS = (
    MetricSpec(name="acc_dense", label="Acc dense (this model)", unit="accuracy", higher_is_better=True,
               fmt="{:.3f}", description="test-hf: the local model's mean score under dense attention on the"
               " same samples (0: the task is scored at the attention level only)"),
    MetricSpec(name="mass_recall", label="Mass recall", unit="fraction", higher_is_better=True, fmt="{:.3f}",
               description="test-hf: the share of dense attention's probability mass inside the layout the"
               " method chose (the kernels' mass_recall), mean over the prompt calls"),
)  # fmt: skip


def hf_phase_enabled(*, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether this deployment hosts test-hf: $SPARSEBENCH_FRONTIER_HF_MODEL is set (the web need not hold
    the model; the GPU workers that score the phase do)."""
    return bool(environ.get(MODEL_ENV, "").strip())


def hf_phase_spec(*, public_paths: tuple[str, ...], max_upload_bytes: int) -> PhaseSpec:
    """The phase as the platform hosts it: JSON configs only, on a GPU worker."""
    plan = HF_PLAN
    return PhaseSpec(
        slug=plan.slug,
        title=plan.title,
        description=(
            f"The submitted method config run inside this deployment's local transformers causal model"
            f" ({MODEL_ENV}): {plan.samples} samples per task at {', '.join(map(str, plan.lengths))} frontier"
            " tokens, answered greedily under dense attention and under the method; accuracy published for"
            " the tasks the model answers densely, the attention-level figures (output error, sparsity,"
            " mass recall, speedup on its own q, k, v) for every task. Seeds hidden (from the deployment"
            " secret). Needs a GPU worker (not yet timed on a GPU). JSON configs only."
        ),
        public_paths=public_paths,
        max_upload_bytes=max_upload_bytes,
        needs_gpu=True,
        accepts_code=False,
    )


def hf_payload_problems(payload: Payload) -> list[Problem]:
    """The phase's own rule: a code upload is refused (the model's attention runs the method's kernels)."""
    if payload.file is not None:
        return [Problem(Path(payload.file).name, CODE_REASON)]
    return []


def hf_equipped(*, environ: Mapping[str, str] = os.environ) -> Path:
    """The model directory this worker scores test-hf with; WorkerUnequipped naming the setting when it is
    unset, names no saved model here, or the `hf` extra is missing."""
    raw = environ.get(MODEL_ENV, "").strip()
    if not raw:
        raise WorkerUnequipped(setting=MODEL_ENV, missing="no local transformers model is set on this worker")
    path = Path(raw).expanduser()
    if not (path / "config.json").is_file():
        raise WorkerUnequipped(setting=MODEL_ENV, missing="the local model directory is not on this worker's"
                               " disk (no config.json there)")  # fmt: skip
    if importlib.util.find_spec("transformers") is None:
        raise WorkerUnequipped(setting=MODEL_ENV, missing="the transformers package is not installed on this"
                               " worker (pip install 'sparsebench[hf]')")  # fmt: skip
    return path


@functools.cache
def hf_model_cached(path: Path, device: str):
    """The local model loaded once per worker process (it stays on the device between submissions)."""
    import torch

    from .hf_adapter import hf_model_load

    return hf_model_load(path=path, device=torch.device(device))
