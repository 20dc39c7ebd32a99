"""Attention hooks of the DiT's sampler: dense attention, or a method through kernels/, timed per call
(kernels.harness.timed_call: on CUDA the device's work is waited for, so the times are the work's)."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from kernels.harness import (
    VideoGeometry,
    chosen_density,
    dense_attention,
    method_params,
    method_steps,
    timed_call,
)
from kernels.metrics import attention_error

from ..vdit.submission import VditSubmission


@dataclass
class DenseHook:
    """Dense attention (SDPA) at every call, its time summed."""

    attention_ms: float = 0.0

    def __call__(self, step: int, layer: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor):
        """The dense output; the call's time is added to attention_ms."""
        ms, out = timed_call(lambda: dense_attention(q, k, v, causal=False), device=q.device)
        self.attention_ms += ms
        return out


@dataclass
class CallRecord:
    """What the harness measured of one (step, layer) call: the density it counted and the error of the
    method's output against dense attention on the same inputs."""

    step: int
    layer: int
    density: float
    rel_l2: float


@dataclass
class MethodHook:
    """The submitted method at every call: its estimator, then its sparse attention with our kernels,
    each timed; PSA runs dense attention before its warm-up steps end, as released.

    With ``measure``, each call's density is counted from what the method chose and its output compared
    with dense attention on the same q, k, v; that work is timed apart (``measure_ms``), so that a
    caller can take it out of the sampling's wall time."""

    submission: VditSubmission
    geometry: VideoGeometry
    seed: int
    measure: bool = False
    estimator_ms: float = 0.0
    attention_ms: float = 0.0
    measure_ms: float = 0.0
    records: list[CallRecord] = field(default_factory=list)
    _params: dict = field(default_factory=dict)

    def _call_params(self, step: int, layer: int):
        """The method's params of one call (cached per layer, or per (step, layer) under a per-step plan)."""
        key = (step, layer) if self.submission.call_modes is not None else layer
        if key not in self._params:
            config = self.submission.call_config(step=step, layer=layer)
            self._params[key] = (
                config.method,
                method_params(config, geometry=self.geometry, seed=self.seed),
            )
        return self._params[key]

    def __call__(self, step: int, layer: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor):
        """The method's output for this call."""
        method, params = self._call_params(step, layer)
        if method == "psa" and step < params.warmup_steps:
            ms, out = timed_call(lambda: dense_attention(q, k, v, causal=False), device=q.device)
            self.attention_ms += ms
            chosen = None
        else:
            estimate, attend = method_steps(method, params, q=q, k=k, v=v)
            est_ms, chosen = timed_call(estimate, device=q.device)
            att_ms, out = timed_call(lambda: attend(chosen), device=q.device)
            self.estimator_ms += est_ms
            self.attention_ms += att_ms
        if self.measure:
            ms, record = timed_call(lambda: self._record(step, layer, q, k, v, out, chosen), device=q.device)
            self.records.append(record)
            self.measure_ms += ms
        return out

    @staticmethod
    def _record(step: int, layer: int, q, k, v, out: torch.Tensor, chosen) -> CallRecord:
        """The harness's measure of one call: the density counted from ``chosen`` (1 where dense ran) and
        the output's error against dense attention on the same q, k, v."""
        density = 1.0 if chosen is None else chosen_density(chosen)
        error = attention_error(out, dense_attention(q, k, v, causal=False)).rel_l2
        return CallRecord(step=step, layer=layer, density=density, rel_l2=error)
