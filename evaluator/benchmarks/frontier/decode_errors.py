"""A sample's decode-step output errors against dense attention, measured together once the sample ends.

Each decode step's output is compared with dense attention of its query over the cache up to its
position. One step at a time that reference reads the whole cache (about 1 ms a step and layer at 4k
tokens, a sixth of a Quest dev run); kept until the sample ends, a layer's steps share one pass over
its final cache (`decode_errors`), each step masked to the keys it could see: the same errors up to
float32 rounding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

#: Steps per batched reference (bounds the score matrix: steps x heads x cache length floats).
STEPS_PER_PASS = 64


@dataclass
class DecodeSteps:
    """The decode steps of one sample awaiting their error: per layer the queries, outputs and positions,
    and the layer's largest cache view so far (every step's keys are a prefix of it)."""

    queries: dict[int, list[torch.Tensor]] = field(default_factory=dict)
    outputs: dict[int, list[torch.Tensor]] = field(default_factory=dict)
    positions: dict[int, list[int]] = field(default_factory=dict)
    caches: dict[int, tuple[torch.Tensor, torch.Tensor]] = field(default_factory=dict)

    def add(self, *, layer: int, q: torch.Tensor, out: torch.Tensor, k: torch.Tensor, v: torch.Tensor,
            position: int) -> None:  # fmt: skip
        """Keep one step: q, out [B, Hq, 1, d] at `position` over the cache k, v [B, Hkv, position + 1, d]."""
        if not bool(torch.isfinite(out).all()):
            raise ValueError(f"layer {layer}, position {position}: the attention output is not finite")
        self.queries.setdefault(layer, []).append(q)
        self.outputs.setdefault(layer, []).append(out)
        self.positions.setdefault(layer, []).append(position)
        if layer not in self.caches or self.caches[layer][0].shape[2] < k.shape[2]:
            self.caches[layer] = (k, v)

    def clear(self) -> None:
        """Forget every kept step."""
        for kept in (self.queries, self.outputs, self.positions, self.caches):
            kept.clear()


def _reference(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """Dense attention [B, Hq, S, d] of S decode queries q [B, Hq, S, d] at `positions` [S] over k, v
    [B, Hkv, N, d], each query over the keys up to its position (the GQA group's queries side by side)."""
    bsz, heads, steps, d = q.shape
    kv = k.shape[1]
    group = heads // kv
    qg = q.reshape(bsz, kv, group * steps, d)
    visible = torch.arange(k.shape[2], device=k.device)[None, :] <= positions.repeat(group)[:, None]
    return F.scaled_dot_product_attention(qg, k, v, attn_mask=visible).reshape(bsz, heads, steps, d)


def decode_errors(steps: DecodeSteps) -> list[float]:
    """Each kept step's relative L2 error (over batch, heads and dimensions, in float64) against dense
    attention, layer by layer in step order (`kernels.metrics.attention_error`'s rel_l2)."""
    errors: list[float] = []
    for layer in sorted(steps.queries):
        k, v = steps.caches[layer]
        qs, outs, positions = steps.queries[layer], steps.outputs[layer], steps.positions[layer]
        for start in range(0, len(qs), STEPS_PER_PASS):
            end = start + STEPS_PER_PASS
            q, out = torch.cat(qs[start:end], dim=2), torch.cat(outs[start:end], dim=2)
            where = torch.tensor(positions[start:end], device=k.device)
            ref = _reference(q, k, v, where).double()
            diff = (out.double() - ref).pow(2).sum(dim=(0, 1, 3)).sqrt()
            norm = ref.pow(2).sum(dim=(0, 1, 3)).sqrt()
            errors += torch.where(norm > 0, diff / norm, diff).tolist()
    return errors
