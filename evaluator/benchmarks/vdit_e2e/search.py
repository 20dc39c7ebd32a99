"""Sparse-vDiT's offline search on the DiT's sampling: a mode per (step, layer, head) from public videos."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

import torch

from kernels.harness import dense_attention
from kernels.methods.vdit import VditParams, vdit_search_heads
from kernels.methods.vdit_plan import VditPlan

from ..vdit.dit.model import VideoDiT
from ..vdit.dit.sampler import SamplerConfig, noise_draw, sample_video
from ..vdit.dit.weights import weights_load
from .phases import DEV_FILE
from .run import model_geometry
from .spec import WEIGHTS_FILE

#: The paper's loss weights: L = MSE(O_mode, O_dense) + lam * (1 - sparsity), full where every L > eps.
LAM, EPS = 0.5, 1.0


@dataclass
class SearchHook:
    """The sampler's attention hook of a search pass: each (step, layer) call's head modes are searched and
    the chosen modes' output returned, so later layers and steps see the errors inference would.

    ``scaled``: lam and eps multiplied by the call's mean squared dense output (the loss on the MSE
    relative to the output's energy, our variant)."""

    params: VditParams
    scaled: bool = False
    found: dict[tuple[int, int], tuple[str, ...]] = field(default_factory=dict)

    def __call__(self, step: int, layer: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor):
        """Search this call's head modes; the chosen modes' output."""
        scale = float(dense_attention(q, k, v, causal=False).double().pow(2).mean()) if self.scaled else 1.0
        result = vdit_search_heads(q, k, v, params=self.params, lam=LAM * scale, eps=EPS * scale)
        self.found[(step, layer)] = result.modes
        return result.output


def plan_search(
    *, model: VideoDiT, videos: tuple[tuple[int, int], ...], steps: int, scaled: bool = False
) -> VditPlan:
    """The plan of one search pass sampling ``videos`` ((noise seed, class) each) together in one batch,
    the loss averaged over them."""
    geometry = model_geometry(model)
    params = VditParams(frames=geometry.frames, frame_tokens=geometry.frame_tokens, text_tokens=0)
    noise = torch.cat([noise_draw(seed=seed, batch=1, model=model) for seed, _ in videos])
    labels = torch.tensor([label for _, label in videos])
    hook = SearchHook(params=params, scaled=scaled)
    sample_video(model=model, noise=noise, labels=labels, config=SamplerConfig(steps=steps), attend=hook)
    return VditPlan(modes=dict(hook.found))


def searched_config(*, public_dir: Path, steps: int, scaled: bool = False) -> dict:
    """A Sparse-vDiT plan config searched on the bundle's published dev videos (the calibration set), once
    per bundle, steps and variant in a process."""
    return json.loads(_search(str(Path(public_dir).resolve()), steps, scaled))


@functools.cache
def _search(public_dir: str, steps: int, scaled: bool) -> str:
    """``searched_config`` proper, as JSON text (each caller gets its own copy)."""
    entry = json.loads((Path(public_dir) / DEV_FILE).read_text(encoding="utf-8"))
    videos = tuple((int(seed), int(label)) for seed, label in entry["videos"])
    model = weights_load(path=Path(public_dir) / WEIGHTS_FILE)
    plan = plan_search(model=model, videos=videos, steps=steps, scaled=scaled)
    return json.dumps({"method": "sparse_vdit", "plan": plan.to_json()})
