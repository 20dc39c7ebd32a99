"""Route a diffusers Wan model's self-attention through kernels/: a method per (step, layer), measured."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import torch

from kernels.harness import VideoGeometry, chosen_counted, dense_attention, method_params, method_steps
from kernels.metrics import attention_error

from ..vdit.submission import VditSubmission

#: (step, layer, q, k, v) -> output, all [B, H, N, d]: the hooks of hooks.py and MeasuringHook below.
Hook = Callable[[int, int, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def rope_apply(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Wan's 3-D rotary embedding on [B, N, H, d] ``x``: each pair (x[2i], x[2i+1]) rotated by the
    angle whose cos and sin diffusers' WanRotaryPosEmbed repeats at 2i and 2i+1 ([1, N, 1, d])."""
    even, odd = x.unflatten(-1, (-1, 2)).unbind(-1)
    c, s = cos[..., 0::2], sin[..., 1::2]
    out = torch.empty_like(x)
    out[..., 0::2] = even * c - odd * s
    out[..., 1::2] = even * s + odd * c
    return out.type_as(x)


@dataclass
class AttentionRouter:
    """Hands each self-attention call to ``hook`` with the current sampling step (the sampler sets
    ``step``); checks that the call's tokens are the grid of ``geometry``."""

    hook: Hook
    geometry: VideoGeometry
    step: int = 0
    calls: int = 0

    def __call__(self, layer: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """The hook's output for this layer's call at the current step."""
        tokens = self.geometry.frames * self.geometry.frame_tokens + self.geometry.text_tokens
        if q.shape[2] != tokens:
            raise ValueError(
                f"layer {layer}: {q.shape[2]} tokens, but the geometry {self.geometry} holds {tokens}"
            )
        self.calls += 1
        return self.hook(self.step, layer, q, k, v)


class KernelSelfAttnProcessor:
    """A processor for diffusers' WanAttention self-attention (attn1): the projections, q/k RMS norms and
    3-D RoPE as diffusers' WanAttnProcessor computes them, the attention itself from ``router``."""

    def __init__(self, *, layer: int, router: AttentionRouter):
        self.layer = layer
        self.router = router

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, rotary_emb=None):
        """The layer's self-attention output [B, N, dim]."""
        if encoder_hidden_states is not None or attention_mask is not None or attn.is_cross_attention:
            raise ValueError(f"layer {self.layer}: the kernel processor serves unmasked self-attention only")
        if getattr(attn, "fused_projections", False):
            query, key, value = attn.to_qkv(hidden_states).chunk(3, dim=-1)
        else:
            query, key, value = attn.to_q(hidden_states), attn.to_k(hidden_states), attn.to_v(hidden_states)
        query, key = attn.norm_q(query), attn.norm_k(key)
        q, k, v = (x.unflatten(2, (attn.heads, -1)) for x in (query, key, value))
        if rotary_emb is not None:
            q, k = rope_apply(q, *rotary_emb), rope_apply(k, *rotary_emb)
        out = self.router(self.layer, *(x.transpose(1, 2).contiguous() for x in (q, k, v)))
        out = out.transpose(1, 2).flatten(2, 3).type_as(q)
        return attn.to_out[1](attn.to_out[0](out))


def self_attentions(transformer) -> list:
    """Each block's self-attention module, in layer order; ValueError for a model without Wan's blocks."""
    blocks = getattr(transformer, "blocks", None)
    if blocks is None or not all(hasattr(b, "attn1") and hasattr(b.attn1, "set_processor") for b in blocks):
        raise ValueError(f"{type(transformer).__name__}: expected Wan blocks with a settable attn1 processor")
    return [block.attn1 for block in blocks]


@contextlib.contextmanager
def kernel_attention(transformer, router: AttentionRouter) -> Iterator[AttentionRouter]:
    """Within the block, every layer's self-attention goes through ``router``; the model's own
    processors come back afterwards (cross-attention is left as it is: text tokens, no sparsity)."""
    modules = self_attentions(transformer)
    before = [m.get_processor() for m in modules]
    for layer, module in enumerate(modules):
        module.set_processor(KernelSelfAttnProcessor(layer=layer, router=router))
    try:
        yield router
    finally:
        for module, processor in zip(modules, before, strict=True):
            module.set_processor(processor)


@dataclass(frozen=True)
class ModelCallRecord:
    """What the harness's counts give for one (step, layer) call of the model: the density and mass
    recall of what the method chose and its output's relative L2 error against dense attention."""

    step: int
    layer: int
    density: float
    rel_l2: float
    mass_recall: float | None


def _sync(x: torch.Tensor) -> None:
    """Wait for queued CUDA work (timings on a GPU)."""
    if x.device.type == "cuda":
        torch.cuda.synchronize(x.device)


@dataclass
class MeasuringHook:
    """The submission at every call (dense where it has no method; PSA dense before its warm-up steps
    end, as released), its estimator and attention timed; with ``measure``, each call's density and
    mass recall counted from what the method chose, and its error against dense attention on the same
    q, k, v, as kernels/harness.py's ``method_measure`` does (that work timed apart)."""

    submission: VditSubmission
    geometry: VideoGeometry
    seed: int
    measure: bool = True
    backend: str = "auto"
    estimator_ms: float = 0.0
    attention_ms: float = 0.0
    measure_ms: float = 0.0
    records: list[ModelCallRecord] = field(default_factory=list)
    _params: dict = field(default_factory=dict)

    def _call(self, step: int, layer: int):
        """(method, params) of one call, or None for dense (cached per layer, or per (step, layer) under a
        per-step plan)."""
        key = (step, layer) if self.submission.call_modes is not None else layer
        if key not in self._params:
            config = self.submission.call_config(step=step, layer=layer)
            self._params[key] = (
                None
                if config is None
                else (config.method, method_params(config, geometry=self.geometry, seed=self.seed))
            )
        return self._params[key]

    def __call__(self, step: int, layer: int, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor):
        """The method's output for this call (recorded when measuring)."""
        chosen_method = self._call(step, layer)
        _sync(q)
        start = time.perf_counter()
        if chosen_method is None or (chosen_method[0] == "psa" and step < chosen_method[1].warmup_steps):
            out, chosen = dense_attention(q, k, v, causal=False), None
            _sync(q)
        else:
            estimate, attend = method_steps(*chosen_method, q=q, k=k, v=v, backend=self.backend)
            chosen = estimate()
            _sync(q)
            middle = time.perf_counter()
            self.estimator_ms += (middle - start) * 1000.0
            start = middle
            out = attend(chosen)
            _sync(q)
        self.attention_ms += (time.perf_counter() - start) * 1000.0
        if self.measure:
            self._record(step, layer, chosen, out, q, k, v)
        return out

    def _record(self, step, layer, chosen, out, q, k, v) -> None:
        """Count and compare one call (timed into measure_ms)."""
        start = time.perf_counter()
        density, recall = (1.0, 1.0) if chosen is None else chosen_counted(chosen, queries=q, k=k)
        error = attention_error(out, dense_attention(q, k, v, causal=False)).rel_l2
        self.records.append(ModelCallRecord(step, layer, density, error, recall))
        _sync(q)
        self.measure_ms += (time.perf_counter() - start) * 1000.0
