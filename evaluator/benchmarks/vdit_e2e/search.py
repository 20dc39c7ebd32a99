"""Sparse-vDiT's offline search on the DiT's sampling: a mode per (step, layer, head) from public videos."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from kernels.harness import dense_attention, method_params
from kernels.method_config import ConfigError
from kernels.methods.vdit import MODES, VditParams, vdit_search_heads
from kernels.methods.vdit_plan import VditPlan

from ..vdit.dit.model import VideoDiT
from ..vdit.dit.sampler import SamplerConfig, noise_draw, sample_video
from ..vdit.submission import VditSubmission
from .run import model_geometry

#: The paper's loss weights: L = MSE(O_mode, O_dense) + lam * (1 - sparsity), full where every L > eps.
LAM, EPS = 0.5, 1.0
SEARCH_KEYS = ("lam", "eps", "scaled")
#: The share of a scoring job's time (E2eRun.seconds) the search took.
SEARCH_SECONDS = "search (calibration videos, before the sampling)"


@dataclass(frozen=True)
class SearchRequest:
    """A config's "search": the loss weights, and ``scaled`` (lam and eps on the relative MSE)."""

    lam: float = LAM
    eps: float = EPS
    scaled: bool = False


def search_request_parse(value: Any) -> SearchRequest:
    """The "search" object of a config; ConfigError naming the field that is wrong."""
    if not isinstance(value, Mapping):
        raise ConfigError("search", f"must be an object with any of {list(SEARCH_KEYS)}, got {value!r}")
    unknown = sorted(set(value) - set(SEARCH_KEYS))
    if unknown:
        raise ConfigError("search", f"unknown key {unknown[0]!r}; a search takes {list(SEARCH_KEYS)}")
    for name in ("lam", "eps"):
        number = value.get(name, 0.0)
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
            raise ConfigError(f"search.{name}", f"must be a finite number, got {number!r}")
        if number < 0:
            raise ConfigError(f"search.{name}", f"must be non-negative, got {number!r}")
    if not isinstance(value.get("scaled", False), bool):
        raise ConfigError("search.scaled", f"must be true or false, got {value['scaled']!r}")
    return SearchRequest(lam=float(value.get("lam", LAM)), eps=float(value.get("eps", EPS)),
                         scaled=value.get("scaled", False))  # fmt: skip


@dataclass
class SearchHook:
    """The sampler's attention hook of a search pass: each (step, layer) call's head modes are searched and
    the chosen modes' output returned, so later layers and steps see the errors inference would.

    ``scaled``: lam and eps multiplied by the call's mean squared dense output (the loss on the MSE
    relative to the output's energy, our variant)."""

    params: VditParams
    scaled: bool = False
    lam: float = LAM
    eps: float = EPS
    found: dict[tuple[int, int], tuple[str, ...]] = field(default_factory=dict)

    def __call__(self, step: int, layer: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor):
        """Search this call's head modes; the chosen modes' output."""
        dense = dense_attention(q, k, v, causal=False) if self.scaled else None
        scale = float(dense.double().pow(2).mean()) if dense is not None else 1.0
        result = vdit_search_heads(q, k, v, params=self.params, lam=self.lam * scale, eps=self.eps * scale,
                                   dense=dense)  # fmt: skip
        self.found[(step, layer)] = result.modes
        return result.output


def plan_search(
    *, model: VideoDiT, videos: tuple[tuple[int, int], ...], steps: int, params: VditParams,
    request: SearchRequest = SearchRequest(),
) -> VditPlan:  # fmt: skip
    """The plan of one search pass sampling ``videos`` ((noise seed, class) each) together in one batch,
    the loss averaged over them."""
    noise = torch.cat([noise_draw(seed=seed, batch=1, model=model) for seed, _ in videos])
    labels = torch.tensor([label for _, label in videos])
    hook = SearchHook(params=params, scaled=request.scaled, lam=request.lam, eps=request.eps)
    sample_video(model=model, noise=noise, labels=labels, config=SamplerConfig(steps=steps), attend=hook)
    return VditPlan(modes=dict(hook.found))


def searched_modes(
    *, model: VideoDiT, submission: VditSubmission, request: SearchRequest,
    videos: tuple[tuple[int, int], ...], steps: int,
) -> tuple[dict[tuple[int, int], tuple[str, ...]], list[str]]:  # fmt: skip
    """The head modes of every (step, layer) call searched on ``videos`` (the published calibration set)
    with the submission's Sparse-vDiT params, and log lines saying what was picked."""
    params = method_params(submission.method, geometry=model_geometry(model))
    plan = plan_search(model=model, videos=videos, steps=steps, params=params, request=request)
    counts = Counter(mode for modes in plan.modes.values() for mode in modes)
    total = sum(counts.values())
    shares = ", ".join(f"{mode} {counts[mode] / total:.2f}" for mode in MODES if counts[mode])
    scaled = ", both scaled by each call's dense output energy" if request.scaled else ""
    line = (f"Sparse-vDiT's offline search (lam {request.lam:g}, eps {request.eps:g}{scaled}) on the"
            f" {len(videos)} published calibration videos, {steps} steps: modes picked {shares}")  # fmt: skip
    return dict(plan.modes), [line]
