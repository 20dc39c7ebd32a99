"""Speed and attention error of a submission, measured by the kernels' harness on the model's own q, k, v."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from evaluator.sandbox import SandboxedMethod
from evaluator.sandbox.measure import code_eviction_measure, code_method_measure
from kernels.budget import budget_for_target
from kernels.harness import method_measure, method_params
from kernels.method_config import TARGET_KNOBS, MethodConfig

from .code import code_info, eviction_info
from .submission import CODE_BLOCK, PAD_MULTIPLE, FrontierSubmission

#: Repeats of each timed step (after a warm-up), dense interleaved: the median is kept.
REPEATS = 5

Prompt = dict[int, tuple[torch.Tensor, torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class SpeedFigures:
    """Dense time over the method's (estimator included), summed over layers, and the mean error."""

    speedup: float
    rel_l2: float
    dense_ms: float
    method_ms: float


def _expanded(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """KV heads repeated to the query heads and every tensor zero-padded at the end to PAD_MULTIPLE."""
    group = q.shape[1] // k.shape[1]
    n = q.shape[2]
    pad = (0, 0, 0, -(-n // PAD_MULTIPLE) * PAD_MULTIPLE - n)
    return tuple(F.pad(x.repeat_interleave(group, dim=1) if x is not q else x, pad) for x in (q, k, v))


def _stacked(prompt: Prompt) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Every layer's q, k, v side by side along the heads (GQA groups stay aligned)."""
    layers = [prompt[i] for i in sorted(prompt)]
    return tuple(torch.cat([layer[j] for layer in layers], dim=1) for j in range(3))


def params_for(
    *, submission: FrontierSubmission, prompt: Prompt, decode_steps: int
) -> tuple[object, dict[str, float] | None]:
    """The method's params, with its budget chosen for `target_sparsity` on these q, k, v: the prompt's
    for prefill methods; for decode methods the prompt and answer, the last `decode_steps` decoded."""
    config = submission.method
    if config is None:
        return None, None
    params = method_params(config, geometry=None)
    if config.target_sparsity is None:
        return params, None
    q, k, v = _stacked(prompt)
    steps = None
    if submission.phase_kind == "prefill":
        q, k, v = _expanded(q, k, v)
    else:
        steps = decode_steps
    choice = budget_for_target(
        config.method, params, target_sparsity=config.target_sparsity, q=q, k=k, v=v, decode_steps=steps
    )
    budget = {name: getattr(choice.params, name) for name in TARGET_KNOBS[config.method]}
    return choice.params, budget


def fixed_config(*, config: MethodConfig, budget: dict[str, float] | None) -> MethodConfig:
    """The config with its chosen budget written in and no target left (so the harness re-chooses nothing)."""
    if budget is None:
        return config
    return dataclasses.replace(config, settings={**config.settings, **budget}, target_sparsity=None)


def speed_measure(
    *, submission: FrontierSubmission, budget: dict[str, float] | None, prompt: Prompt, decode_steps: int,
    sandboxed: SandboxedMethod | None = None,
) -> SpeedFigures | None:
    """Each layer's inputs through the harness (warm-up, REPEATS interleaved rounds); None for dense.

    Prefill methods and layout code (``sandboxed``, its select timed from outside the sandbox as the
    estimator): the prompt's q, k, v. Decode methods and eviction code: the prompt and the answer, the
    answer's `decode_steps` tokens decoded one at a time (the eviction from the prompt alone)."""  # fmt: skip
    if submission.method is None and submission.code is None:
        return None
    config = None if submission.method is None else fixed_config(config=submission.method, budget=budget)
    # timed where the model ran the phase (evaluator.devices.phase_device: a GPU phase's on a GPU worker's
    # CUDA device, code and the other phases on the CPU): the inputs' device
    dense = method = error = 0.0
    for layer in sorted(prompt):
        q, k, v = prompt[layer]
        if submission.code is not None and submission.phase_kind == "decode":
            prompt_len = q.shape[2] - decode_steps
            info = eviction_info(layer=layer, q=q[:, :, :prompt_len], k=k[:, :, :prompt_len])
            m = code_eviction_measure(method=sandboxed, q=q, k=k, v=v, decode_steps=decode_steps, info=info,
                                      repeats=REPEATS)  # fmt: skip
        elif submission.code is not None:
            tokens, kv_heads = q.shape[2], k.shape[1]
            q, k, v = _expanded(q, k, v)
            info = code_info(layer=layer, tokens=tokens, q=q, kv_heads=kv_heads)
            m = code_method_measure(method=sandboxed, q=q, k=k, v=v, causal=True, block_size=CODE_BLOCK,
                                    layer=layer, geometry=info["geometry"], repeats=REPEATS)  # fmt: skip
        elif submission.phase_kind == "prefill":
            q, k, v = _expanded(q, k, v)
            m = method_measure(config, q=q, k=k, v=v, repeats=REPEATS, recall=False)
        else:
            m = method_measure(config, q=q, k=k, v=v, decode_steps=decode_steps, repeats=REPEATS,
                               recall=False)  # fmt: skip
        dense += m.dense.median_ms
        method += m.estimator.median_ms + m.attention.median_ms
        error += m.rel_l2
    return SpeedFigures(speedup=dense / method, rel_l2=error / len(prompt), dense_ms=dense, method_ms=method)
