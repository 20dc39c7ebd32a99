"""The model's attention under a submission: dense, a prefill layout method, or a decode method.

Every count comes from what was computed here: a prefill method's layout (cells it computes over the
causal cells, and the Sparse Frontier's own count), a decode method's kept cache tokens per step.
Prompts are padded at the end to a multiple of the layout's blocks; under causal attention the
padding is seen by no real query, and the density counts only the real queries' rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from kernels.api import sparse_attention
from kernels.layout import BlockLayout
from kernels.methods import LAYOUT_METHODS
from kernels.methods.quest import (
    QuestParams,
    quest_page_bounds,
    quest_step_attention,
    quest_step_select,
    quest_step_tokens,
)
from kernels.methods.snapkv import KvSelection, SnapKvParams, snapkv_select

from .submission import FrontierSubmission

#: Prompts are padded at the end to a multiple of this (every block size the methods use divides it).
PAD_MULTIPLE = 128


@dataclass
class AttentionTally:
    """Cells attended and cells a dense causal model would attend, summed over calls and heads."""

    computed: float = 0.0
    causal: float = 0.0
    reference: float = 0.0
    reference_causal: float = 0.0
    calls: int = 0

    def add(self, *, computed: float, causal: float, reference: float | None = None) -> None:
        """Add one call's cells (reference: the Sparse Frontier count, when the call has one)."""
        self.computed += computed
        self.causal += causal
        if reference is not None:
            self.reference += reference
            self.reference_causal += causal
        self.calls += 1

    @property
    def density(self) -> float | None:
        """Computed over causal cells (None before any call)."""
        return self.computed / self.causal if self.causal else None

    @property
    def density_reference(self) -> float | None:
        """The Sparse Frontier count over its causal cells (None where no call had one)."""
        return self.reference / self.reference_causal if self.reference_causal else None


def _expand(x: torch.Tensor, heads: int) -> torch.Tensor:
    """KV heads repeated to `heads` query heads (GQA made explicit for the layout builders)."""
    return x if x.shape[1] == heads else x.repeat_interleave(heads // x.shape[1], dim=1)


def _block_cells(*, q_block: torch.Tensor, k_block: torch.Tensor, b_q: int, b_k: int, rows: int) -> float:
    """Causal cells of listed (query block, key block) pairs, counting only query rows below `rows`."""
    first = q_block * b_q
    last = torch.clamp(first + b_q, max=rows)  # one past the block's last real row
    key0 = k_block * b_k
    total = torch.zeros((), dtype=torch.float64)
    for offset in range(b_q):
        row = first + offset
        seen = torch.clamp(row - key0 + 1, min=0, max=b_k) * (row < last)
        total += seen.double().sum()
    return float(total)


def layout_cells(layout: BlockLayout, *, rows: int) -> tuple[float, float]:
    """(computed cells, Sparse Frontier cells) of the first `rows` queries of a causal layout.

    Computed: every (query, key) pair inside a listed block or key-token column that the causal mask
    keeps, for real rows only. Sparse Frontier: b_q x b_k per listed block plus b_q per column (its
    harness's count), for the blocks that hold real rows."""
    if layout.head_modes is not None or layout.token_perm is not None or layout.levels is not None:
        raise ValueError("layout_cells counts plain causal layouts (no head modes, token order or levels)")
    b_q, b_k = layout.block_size
    n_blocks = -(-rows // b_q)
    width = layout.kv_indices.shape[-1]
    slots = torch.arange(width).view(1, 1, 1, width)
    listed = slots < layout.kv_num_blocks.unsqueeze(-1).long()
    listed[:, :, n_blocks:] = False
    q_block = torch.arange(layout.kv_indices.shape[2]).view(1, 1, -1, 1).expand_as(listed)[listed]
    k_block = layout.kv_indices.long()[listed]
    computed = _block_cells(q_block=q_block, k_block=k_block, b_q=b_q, b_k=b_k, rows=rows)
    reference = float(listed.sum()) * b_q * b_k
    if layout.has_columns:
        cols = torch.arange(layout.col_indices.shape[-1]).view(1, 1, 1, -1)
        used = cols < layout.col_counts.unsqueeze(-1).long()
        used[:, :, n_blocks:] = False
        col_block = torch.arange(layout.col_indices.shape[2]).view(1, 1, -1, 1).expand_as(used)[used]
        token = layout.col_indices.long()[used]
        start = torch.maximum(col_block * b_q, token)
        stop = torch.clamp(col_block * b_q + b_q, max=rows)
        computed += float(torch.clamp(stop - start, min=0).double().sum())
        reference += float(used.sum()) * b_q
    return computed, reference


@dataclass
class MethodAttention:
    """The attention calls of one model run under `submission`, with `params` already resolved."""

    submission: FrontierSubmission
    params: object = None
    backend: str = "auto"
    tally: AttentionTally = field(default_factory=AttentionTally)
    kept: dict[int, KvSelection] = field(default_factory=dict)

    def reset(self) -> None:
        """Forget the per-sample state (SnapKV's kept cache) before the next prompt."""
        self.kept.clear()

    def prefill(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, layer: int) -> torch.Tensor:
        """Causal attention of a prompt, q [B, Hq, N, d] over k, v [B, Hkv, N, d]."""
        n = q.shape[2]
        kind = self.submission.phase_kind
        if kind != "prefill":
            if isinstance(self.params, SnapKvParams):
                self.kept[layer] = snapkv_select(q, k, self.params)
            if kind == "dense":
                cells = q.shape[0] * q.shape[1] * n * (n + 1) / 2
                self.tally.add(computed=cells, causal=cells, reference=cells)
            gqa = q.shape[1] != k.shape[1]
            return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=gqa)
        heads = q.shape[1]
        builder = LAYOUT_METHODS[self.submission.name][1]
        padded = -(-n // PAD_MULTIPLE) * PAD_MULTIPLE
        pad = (0, 0, 0, padded - n)
        qp, kp, vp = (F.pad(x, pad) for x in (q, _expand(k, heads), _expand(v, heads)))
        layout = builder(qp, kp, self.params)
        out = sparse_attention(qp, kp, vp, layout, backend=self.backend)[:, :, :n]
        computed, reference = layout_cells(layout, rows=n)
        self.tally.add(computed=computed, causal=q.shape[0] * heads * n * (n + 1) / 2, reference=reference)
        return out

    def decode(
        self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, layer: int, position: int
    ) -> torch.Tensor:
        """One decode query q [B, Hq, 1, d] at `position` over the cache k, v [B, Hkv, position + 1, d]."""
        visible = position + 1
        batch_heads = q.shape[0] * q.shape[1]
        gqa = q.shape[1] != k.shape[1]
        if isinstance(self.params, QuestParams):
            ps = self.params.page_size
            bounds = quest_page_bounds(k[:, :, : visible // ps * ps], page_size=ps)
            pages = quest_step_select(q, bounds, position=position, params=self.params)
            tokens = quest_step_tokens(pages, position=position, page_size=ps)
            self.tally.add(computed=batch_heads * tokens.shape[-1], causal=batch_heads * visible)
            return quest_step_attention(q, k, v, tokens)
        if isinstance(self.params, SnapKvParams):
            keep = self.kept[layer].keep.to(k.device)
            mask = torch.cat([keep, keep.new_ones(*keep.shape[:2], visible - keep.shape[-1])], dim=-1)
            mask = _expand(mask.unsqueeze(2), q.shape[1])
            self.tally.add(computed=float(mask.sum()), causal=batch_heads * visible)
            return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=gqa)
        if self.submission.phase_kind == "dense":
            self.tally.add(computed=batch_heads * visible, causal=batch_heads * visible)
        return F.scaled_dot_product_attention(q, k, v, enable_gqa=gqa)
