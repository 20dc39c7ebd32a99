"""Measure a sandboxed selection like the harness measures a reference method (kernel level, prefill
layouts, and decode over an evicted cache).

The selection's time is the round trip seen from outside the sandbox (q and k are handed over in
shared memory before the clock starts; checking the answer is the platform's and not counted);
attention runs on the trusted side with ``kernels.api.sparse_attention`` (an eviction: the kernels'
decode steps over the packed kept cache, as SnapKV's), dense interleaved, and density, error and mass
recall are counted by the harness's own helpers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import torch

from evaluator.sandbox.answer import LayoutGeometry, answer_kept, answer_layout
from evaluator.sandbox.process import SandboxedMethod
from kernels.api import backend_resolve, sparse_attention
from kernels.decode import (
    decode_counted,
    decode_dense_step,
    decode_split,
    evicted_cache_build,
    evicted_step_attention,
)
from kernels.harness import (  # the harness's own helpers, so that both paths count alike
    MethodMeasurement,
    VideoGeometry,
    _counted,
    _measurement,
    dense_attention,
    timed_call,
)
from kernels.layout import BlockLayout
from kernels.metrics import reference_density


def selection_info(
    *,
    causal: bool,
    block_size: tuple[int, int],
    layer: int | None,
    step: int | None,
    geometry: VideoGeometry | Mapping[str, Any] | None,
) -> dict:
    """The keyword arguments ``select`` receives next to q and k (plain JSON values).

    ``geometry``: a video's token grid, or a benchmark's own mapping (a text call's lengths, heads)."""
    if geometry is not None and dataclasses.is_dataclass(geometry):
        geometry = dataclasses.asdict(geometry)
    return {
        "causal": bool(causal),
        "block_size": [int(block_size[0]), int(block_size[1])],
        "layer": layer,
        "step": step,
        "geometry": None if geometry is None else dict(geometry),
    }


def call_geometry(
    *, q: torch.Tensor, k: torch.Tensor, block_size: tuple[int, int], causal: bool
) -> LayoutGeometry:
    """What the trusted side expects of the answer for q [B, H, N, d] and k [B, H, M, d]."""
    return LayoutGeometry(
        batch=q.shape[0], heads=q.shape[1], q_len=q.shape[2], kv_len=k.shape[2],
        block_size=(int(block_size[0]), int(block_size[1])), causal=bool(causal),
    )  # fmt: skip


def code_layout(
    *, method: SandboxedMethod, q: torch.Tensor, k: torch.Tensor, info: dict, shape: LayoutGeometry
) -> BlockLayout:
    """One untimed call of ``method``: its answer checked in full into the kernels' layout."""
    return answer_layout(arrays=method.call(q=q, k=k, info=info), geometry=shape)


def code_method_measure(
    *,
    method: SandboxedMethod,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    causal: bool,
    block_size: tuple[int, int],
    layer: int | None = None,
    step: int | None = None,
    geometry: VideoGeometry | Mapping[str, Any] | None = None,
    repeats: int = 5,
    backend: str = "auto",
) -> MethodMeasurement:
    """Call the started ``method`` on ``[B, H, N, d]`` inputs ``repeats`` times after a warm-up round.

    Each round checks the answer in full (``answer_layout``; a SandboxError names every problem),
    then times sparse and dense attention on the same tensors. The measurement's method is "code".
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    info = selection_info(causal=causal, block_size=block_size, layer=layer, step=step, geometry=geometry)
    shape = call_geometry(q=q, k=k, block_size=block_size, causal=causal)
    rounds = {"estimator": [], "attention": [], "dense": []}
    for round_index in range(repeats + 1):  # the first round warms up
        arrays = method.call(q=q, k=k, info=info)
        est_ms = method.last_round_trip_ms
        layout = answer_layout(arrays=arrays, geometry=shape)
        att_ms, out = timed_call(lambda layout=layout: sparse_attention(q, k, v, layout, backend=backend),
                             device=q.device)  # fmt: skip
        dense_ms, ref = timed_call(lambda: dense_attention(q, k, v, causal=causal), device=q.device)
        if round_index:
            for name, ms in (("estimator", est_ms), ("attention", att_ms), ("dense", dense_ms)):
                rounds[name].append(ms)
    return _measurement(
        "code",
        backend_resolve(backend=backend, device=q.device, dtype=q.dtype),
        out=out,
        ref=ref,
        counted=_counted(layout, queries=q, k=k),
        rounds=rounds,
        density_reference=reference_density(layout),
    )


def code_eviction_measure(
    *,
    method: SandboxedMethod,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    decode_steps: int,
    info: dict,
    repeats: int = 5,
) -> MethodMeasurement:
    """The harness's decode protocol for a sandboxed eviction: on ``[B, H, N, d]`` inputs (k, v with the
    KV heads) ``method`` answers, from the prompt's first ``N - decode_steps`` tokens alone, the kept
    positions (``answer_kept``, checked in full each round); the last ``decode_steps`` tokens then decode
    one at a time over the packed kept cache, dense interleaved, after a warm-up round.

    The estimator is the round trip plus packing the cache (as SnapKV's eviction is timed with its
    packing); the answer's check is not counted. ``info``: select's keywords for the prompt."""
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    prompt = decode_split(n_tokens=q.shape[2], steps=decode_steps)
    qp, kp, vp = q[:, :, :prompt], k[:, :, :prompt], v[:, :, :prompt]
    rounds = {"estimator": [], "attention": [], "dense": []}
    for round_index in range(repeats + 1):  # the first round warms up
        arrays = method.call(q=qp, k=kp, info=info)
        select_ms = method.last_round_trip_ms
        selection = answer_kept(arrays=arrays, batch=k.shape[0], kv_heads=k.shape[1], length=prompt)
        pack = lambda selection=selection: evicted_cache_build(  # noqa: E731
            k=kp, v=vp, selection=selection, steps=decode_steps, heads=q.shape[1])  # fmt: skip
        pack_ms, cache = timed_call(pack, device=q.device)
        times = {"estimator": select_ms + pack_ms, "attention": 0.0, "dense": 0.0}
        outs, refs, kept = [], [], []
        for t in range(decode_steps):
            at = prompt + t
            att_ms, out = timed_call(lambda at=at, t=t, cache=cache: evicted_step_attention(
                q[:, :, at : at + 1], k[:, :, at], v[:, :, at], cache, step=t), device=q.device)  # fmt: skip
            dense_ms, ref = timed_call(lambda at=at: decode_dense_step(q, k, v, position=at), device=q.device)
            times["attention"] += att_ms
            times["dense"] += dense_ms
            outs.append(out)
            refs.append(ref)
            keep = selection.keep
            kept.append(torch.cat([keep, keep.new_ones(*keep.shape[:2], t + 1)], dim=-1))
        if round_index:
            for name, ms in times.items():
                rounds[name].append(ms)
    return _measurement(
        "code",
        "sdpa (kept cache)",
        out=torch.cat(outs, dim=2),
        ref=torch.cat(refs, dim=2),
        counted=decode_counted(q=q, k=k, kept=kept, prompt=prompt),
        rounds=rounds,
    )
