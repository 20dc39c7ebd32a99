"""Measure a method config on given inputs the way the workers do: density, error, recall and speed.

Nothing is taken from the method: density is counted from the layout (or kept cache) it produced,
error and mass recall are computed against dense attention on the same inputs, and the estimator,
the sparse attention and dense attention are timed here, interleaved, on the same tensors.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from kernels.api import backend_resolve, sparse_attention
from kernels.budget import budget_for_target
from kernels.decode import decode_counted, decode_dense_step, decode_steps_plan
from kernels.layout import BlockLayout
from kernels.method_config import DECODE_METHODS, EVICTION_METHODS, TARGET_KNOBS, MethodConfig
from kernels.methods import GROUPED_METHODS, LAYOUT_METHODS
from kernels.methods.blade import AsaSelection, blade_attention, blade_select
from kernels.methods.vdit import vdit_attention, vdit_groups_density, vdit_plan_layouts
from kernels.metrics import attention_error, layout_density, mass_recall, reference_density

#: The methods whose params the harness completes from the video geometry.
VIDEO_GEOMETRY_METHODS = ("sparse_vdit", "psa", "blade_asa", "svg", "window_3d")


@dataclass(frozen=True)
class VideoGeometry:
    """Token layout of video inputs: frame-major (frames, height, width) tokens, then text tokens."""

    frames: int
    height: int
    width: int
    text_tokens: int = 0

    @property
    def frame_tokens(self) -> int:
        """Tokens per frame."""
        return self.height * self.width


@dataclass(frozen=True)
class Timing:
    """Median and range of one timed step over the repeats, in milliseconds."""

    median_ms: float
    min_ms: float
    max_ms: float


@dataclass(frozen=True)
class MethodMeasurement:
    """What the harness measured of one method on one input (errors against dense attention).

    ``density``: the work executed, as ``layout_density`` counts it (whole tiles and key-token strips
    over the causal tiles). ``density_reference``: Sparse Frontier's own count of the same layout
    (``reference_density``: b_q x b_k per block plus b_q per column, over the causal cells); None
    where the method returns no single layout (the eviction methods, Sparse-vDiT's fused head groups).
    """

    method: str
    backend: str
    density: float
    density_reference: float | None
    rel_l2: float
    rel_l2_per_head: tuple[float, ...]
    cosine: float
    max_abs: float
    mass_recall: float | None
    estimator: Timing
    attention: Timing
    dense: Timing
    budget: dict[str, float] | None = None

    @property
    def speedup(self) -> float:
        """Dense time over the method's whole time (estimator plus sparse attention).

        For SnapKV and Ada-SnapKV the estimator is the eviction, run once per prompt and not at
        every decode step: compare their ``kernel_speedup`` instead."""
        return self.dense.median_ms / (self.estimator.median_ms + self.attention.median_ms)

    @property
    def kernel_speedup(self) -> float:
        """Dense time over the sparse attention alone."""
        return self.dense.median_ms / self.attention.median_ms


def method_params(config: MethodConfig, *, geometry: VideoGeometry | None, seed: int = 0):
    """The method's params: the config's settings plus the fields the harness derives from the inputs.

    Sparse-vDiT and Sparse-VideoGen take the frame and text geometry, the 3-D window the grid. PSA
    and BLADE order the video tokens along the Gilbert curve of the grid, as their released code
    does; they and Sparse-VideoGen (its profiled rows) draw from ``seed`` (the harness's: a scorer
    may derive it from a secret).
    """
    derived: dict = {}
    if config.method in EVICTION_METHODS:
        derived["adaptive"] = config.method == "ada_snapkv"
    elif config.method in VIDEO_GEOMETRY_METHODS:
        if geometry is None:
            raise ValueError(f"{config.method} needs the inputs' video geometry (frames, height, width)")
        if config.method in ("sparse_vdit", "svg"):
            derived.update(
                frames=geometry.frames, frame_tokens=geometry.frame_tokens, text_tokens=geometry.text_tokens
            )
            if config.method == "svg":
                derived["seed"] = seed
        else:
            derived["grid"] = (geometry.frames, geometry.height, geometry.width)
            if config.method != "window_3d":
                derived["seed"] = seed
    return config.params_class(**config.settings, **derived)


def timed_call(fn: Callable[[], object], *, device: torch.device | str) -> tuple[float, object]:
    """(milliseconds, result) of one call of ``fn`` on ``device``'s work; on CUDA the device's queued work
    is waited for before and after (torch.cuda.synchronize), so the time is the work's and not its launch."""
    device = torch.device(device)
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)
    sync()
    start = time.perf_counter()
    result = fn()
    sync()
    return (time.perf_counter() - start) * 1000.0, result


def _timing(times: list[float]) -> Timing:
    """Median and range of a list of milliseconds."""
    return Timing(statistics.median(times), min(times), max(times))


def dense_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, causal: bool) -> torch.Tensor:
    """Dense SDPA; ``causal`` aligns the last query with the last key (decode queries end the cache)."""
    gqa = q.shape[1] != k.shape[1]
    if not causal:
        return F.scaled_dot_product_attention(q, k, v, enable_gqa=gqa)
    if q.shape[2] == k.shape[2]:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=gqa)
    offset = k.shape[2] - q.shape[2]
    rows = torch.arange(q.shape[2], device=q.device)[:, None] + offset
    mask = torch.arange(k.shape[2], device=q.device)[None, :] <= rows
    return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=gqa)


def method_measure(
    config: MethodConfig,
    *,
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    decode_steps: int | None = None,
    geometry: VideoGeometry | None = None,
    repeats: int = 5,
    backend: str = "auto",
    seed: int = 0,
    step: int | None = None,
    recall: bool = True,
) -> MethodMeasurement:
    """Run ``config`` on ``[B, H, N, d]`` inputs ``repeats`` times after a warm-up, dense interleaved.

    ``seed`` draws PSA's and BLADE's sampled tokens (the same in every repeat). ``step``: the
    sampling step the inputs come from; PSA runs dense before its ``warmup_steps`` (None: a step
    past them). Prefill and video methods attend q over k, v. Quest and the eviction methods decode
    the last ``decode_steps`` tokens one step at a time after the prompt before them
    (``kernels.decode``). ``recall=False`` leaves the mass recall out (None): it costs a dense float64
    softmax, for callers that only time.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    if config.method in DECODE_METHODS and decode_steps is None:
        raise ValueError(f"{config.method} serves decode steps: pass decode_steps")
    params = method_params(config, geometry=geometry, seed=seed)
    budget = None
    if config.target_sparsity is not None:  # the budget whose counted density is closest to the target
        choice = budget_for_target(
            config.method,
            params,
            target_sparsity=config.target_sparsity,
            q=q,
            k=k,
            v=v,
            decode_steps=decode_steps,
        )
        params = choice.params
        budget = {name: getattr(params, name) for name in TARGET_KNOBS[config.method]}
    if config.method in DECODE_METHODS:
        m = _decode_measure(config.method, params, q=q, k=k, v=v, steps=decode_steps, repeats=repeats,
                            recall=recall)  # fmt: skip
        return dataclasses.replace(m, budget=budget)
    estimate, attend = _steps(config.method, params, q=q, k=k, v=v, backend=backend)
    if config.method == "psa" and step is not None and step < params.warmup_steps:  # dense, as released
        blocks = (params.block_size, params.key_block_size)
        full = torch.ones(*q.shape[:2], q.shape[2] // blocks[0], k.shape[2] // blocks[1], dtype=torch.int8)
        estimate = lambda: BlockLayout.from_level_map(full, block_size=blocks)  # noqa: E731
    rounds = {"estimator": [], "attention": [], "dense": []}
    for round_index in range(repeats + 1):  # the first round warms up (kernel builds, plan caches)
        est_ms, chosen = timed_call(estimate, device=q.device)
        att_ms, out = timed_call(lambda chosen=chosen: attend(chosen), device=q.device)
        causal = isinstance(chosen, BlockLayout) and chosen.causal  # ASA selections are not causal
        dense = lambda causal=causal: dense_attention(q, k, v, causal=causal)  # noqa: E731
        dense_ms, ref = timed_call(dense, device=q.device)
        if round_index:
            for name, ms in (("estimator", est_ms), ("attention", att_ms), ("dense", dense_ms)):
                rounds[name].append(ms)
    counted = _counted(chosen, queries=q, k=k, recall=recall)
    m = _measurement(
        config.method,
        backend_resolve(backend=backend, device=q.device, dtype=q.dtype),
        out=out,
        ref=ref,
        counted=counted,
        rounds=rounds,
        density_reference=reference_density(chosen) if isinstance(chosen, BlockLayout) else None,
    )
    return dataclasses.replace(m, budget=budget)


def _measurement(
    method: str, backend: str, *, out, ref, counted, rounds, density_reference: float | None = None
) -> MethodMeasurement:
    """The measurement from the last round's output and reference and every round's times."""
    error = attention_error(out, ref)
    return MethodMeasurement(
        method=method,
        backend=backend,
        density=counted[0],
        density_reference=density_reference,
        rel_l2=error.rel_l2,
        rel_l2_per_head=tuple(attention_error(out[:, h], ref[:, h]).rel_l2 for h in range(out.shape[1])),
        cosine=error.cosine,
        max_abs=error.max_abs,
        mass_recall=counted[1],
        estimator=_timing(rounds["estimator"]),
        attention=_timing(rounds["attention"]),
        dense=_timing(rounds["dense"]),
    )


def _decode_measure(
    method: str, params, *, q, k, v, steps: int, repeats: int, recall: bool = True
) -> MethodMeasurement:
    """Serve the last ``steps`` tokens step by step, each step's selection, attention and dense
    attention timed on its own and summed over the steps (the eviction is timed with the estimator)."""
    plan = decode_steps_plan(method, params, q=q, k=k, v=v, steps=steps)
    rounds = {"estimator": [], "attention": [], "dense": []}
    for round_index in range(repeats + 1):  # the first round warms up
        times = {"estimator": 0.0, "attention": 0.0, "dense": 0.0}
        times["estimator"], state = timed_call(plan.prepare, device=q.device)
        outs, refs, kept = [], [], []
        for t in range(steps):
            sel_ms, chosen = timed_call(lambda t=t, state=state: plan.select(state, t), device=q.device)
            att_ms, out = timed_call(lambda t=t, chosen=chosen: plan.attend(chosen, t), device=q.device)
            dense_ms, ref = timed_call(
                lambda t=t: decode_dense_step(q, k, v, position=plan.prompt + t), device=q.device
            )
            for name, ms in (("estimator", sel_ms), ("attention", att_ms), ("dense", dense_ms)):
                times[name] += ms
            outs.append(out)
            refs.append(ref)
            kept.append(plan.kept(chosen, t))
        if round_index:
            for name, ms in times.items():
                rounds[name].append(ms)
    counted = decode_counted(q=q, k=k, kept=kept, prompt=plan.prompt, recall=recall)
    backend = "sdpa (kept cache)" if method in EVICTION_METHODS else "sdpa (gathered pages)"
    return _measurement(
        method,
        backend,
        out=torch.cat(outs, dim=2),
        ref=torch.cat(refs, dim=2),
        counted=counted,
        rounds=rounds,
    )


def chosen_density(chosen) -> float:
    """Density of what a prefill method chose (a layout, fused head groups or an ASA selection with its
    global tokens), as ``method_measure`` counts it."""
    if isinstance(chosen, BlockLayout):
        return layout_density(chosen)
    if isinstance(chosen, AsaSelection):
        return chosen.density
    return vdit_groups_density(chosen)


def method_steps(method: str, params, *, q, k, v, backend: str = "auto"):
    """(estimate() -> what the method chose; attend(chosen) -> output) of a prefill or video method on
    ``[B, H, N, d]`` inputs: the two steps ``method_measure`` times, for callers that time them in place."""
    return _steps(method, params, q=q, k=k, v=v, backend=backend)


def chosen_counted(chosen, *, queries: torch.Tensor, k: torch.Tensor) -> tuple[float, float | None]:
    """(density, mass recall) of what a prefill method chose, as ``method_measure`` counts them."""
    return _counted(chosen, queries=queries, k=k)


def _counted(
    chosen, *, queries: torch.Tensor, k: torch.Tensor, recall: bool = True
) -> tuple[float, float | None]:
    """(density, mass recall) of what the method chose: a layout, fused head groups, or an ASA
    selection (density with its global tokens; recall of its blocks alone). No recall: (density, None)."""
    if not recall:
        if isinstance(chosen, BlockLayout):
            return layout_density(chosen), None
        return (chosen.density if isinstance(chosen, AsaSelection) else vdit_groups_density(chosen)), None
    if isinstance(chosen, BlockLayout):
        return layout_density(chosen), mass_recall(queries, k, chosen)
    if isinstance(chosen, AsaSelection):
        return chosen.density, mass_recall(queries, k, chosen.layout)
    total = 0.0
    for group in chosen:
        idx = torch.tensor(group.heads, device=queries.device)
        total += mass_recall(queries[:, idx], k[:, idx], group.layout) * len(group.heads)
    return vdit_groups_density(chosen), total / queries.shape[1]


def _steps(method: str, params, *, q, k, v, backend: str):
    """(estimate() -> layout or fused head groups; attend(chosen) -> output) for one prefill method."""
    if method == "sparse_vdit" and params.head_modes is not None:
        if len(params.head_modes) != q.shape[1]:
            raise ValueError(f"params.head_modes: {len(params.head_modes)} modes for {q.shape[1]} heads")
        return (
            lambda: vdit_plan_layouts(q, k, params=params, modes=params.head_modes),
            lambda groups: vdit_attention(q, k, v, groups, backend=backend),
        )
    if method in GROUPED_METHODS:
        select = GROUPED_METHODS[method][1]
        return (
            lambda: select(q, k, v, params),
            lambda groups: vdit_attention(q, k, v, groups, backend=backend),
        )
    if method == "blade_asa":
        return (
            lambda: blade_select(q, k, params),
            lambda selection: blade_attention(q, k, v, selection, backend=backend),
        )
    build = LAYOUT_METHODS[method][1]
    return (
        lambda: build(q, k, params),
        lambda layout: sparse_attention(q, k, v, layout, backend=backend),
    )


def measurement_row(m: MethodMeasurement) -> dict[str, float | str | None]:
    """The measurement as a flat dict (for tables and JSON)."""
    row = dataclasses.asdict(m)
    for step in ("estimator", "attention", "dense"):
        row[f"{step}_ms"] = row.pop(step)["median_ms"]
    row.update(speedup=m.speedup, kernel_speedup=m.kernel_speedup)
    return row
