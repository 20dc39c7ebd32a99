"""The model's attention under a submission: dense, a prefill layout (a method's or code's), or decode
(Quest, or a kept cache: SnapKV's or an eviction submission's).

Every count comes from what was computed here: a prefill method's layout (the tiles and key-token
columns it executes, over the causal tiles and, as the Sparse Frontier counts, over the causal
cells), a decode method's kept cache tokens per step.
Prompts are padded at the end to a multiple of the layout's blocks; under causal attention the
padding is seen by no real query, and the density counts only the real queries' rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from evaluator.sandbox import SandboxedMethod
from kernels.api import sparse_attention
from kernels.layout import BlockLayout
from kernels.methods import LAYOUT_METHODS
from kernels.methods.quest import (
    QuestBounds,
    QuestParams,
    quest_page_bounds,
    quest_step_attention,
    quest_step_select,
    quest_step_tokens,
)
from kernels.methods.snapkv import KvSelection, SnapKvParams, snapkv_select
from kernels.metrics import attention_error

from .code import code_eviction, code_prefill_layout
from .decode_errors import DecodeSteps, decode_errors
from .model.prompt_attention import causal_attention
from .submission import PAD_MULTIPLE, FrontierSubmission

#: A prefill call's output error is measured on this many query rows, evenly spaced from the first to the
#: last (every row of a shorter prompt): dense attention of those rows costs a 16th of a 4k prompt's.
ERROR_ROWS = 256


@dataclass
class AttentionTally:
    """Work done and work a dense causal model would do, summed over calls (density = their ratio).

    Prefill layouts add executed cells over causal-tile cells (the kernels' `layout_density`) and,
    as the reference count, the same cells over the causal cells; decode steps add each step's kept
    fraction of the visible cache, averaged over heads (the kernels' decode protocol). With error
    measurement on, each call the method acted on adds its output's relative L2 error against dense
    attention on the same q, k, v (prefill calls: over `error_rows`; ``error`` their sum, ``errors``
    their count)."""

    computed: float = 0.0
    causal: float = 0.0
    reference: float = 0.0
    reference_causal: float = 0.0
    calls: int = 0
    error: float = 0.0
    errors: int = 0

    def add(
        self,
        *,
        computed: float,
        causal: float,
        reference: float | None = None,
        reference_causal: float | None = None,
    ) -> None:
        """Add one call's work (reference: the Sparse Frontier's count and its own denominator)."""
        self.computed += computed
        self.causal += causal
        if reference is not None:
            self.reference += reference
            self.reference_causal += causal if reference_causal is None else reference_causal
        self.calls += 1

    def add_error(self, rel_l2: float) -> None:
        """Add one call's relative L2 error of the output against dense attention."""
        self.error += rel_l2
        self.errors += 1

    @classmethod
    def pooled(cls, tallies: Iterable[AttentionTally]) -> AttentionTally:
        """The sums of several tallies (e.g. the samples of one task and length) as one tally."""
        total = cls()
        for t in tallies:
            total.computed += t.computed
            total.causal += t.causal
            total.reference += t.reference
            total.reference_causal += t.reference_causal
            total.calls += t.calls
            total.error += t.error
            total.errors += t.errors
        return total

    @property
    def rel_l2(self) -> float | None:
        """Mean relative L2 error per measured call (None where no call was measured)."""
        return self.error / self.errors if self.errors else None

    @property
    def density(self) -> float | None:
        """Computed over causal cells (None before any call)."""
        return self.computed / self.causal if self.causal else None

    @property
    def density_reference(self) -> float | None:
        """The Sparse Frontier count over its causal cells (None where no call had one)."""
        return self.reference / self.reference_causal if self.reference_causal else None


def error_rows(n: int) -> torch.Tensor:
    """The query rows of an n-token prompt whose output error is measured: ERROR_ROWS evenly spaced
    from the first to the last, or all n."""
    if n <= ERROR_ROWS:
        return torch.arange(n)
    return torch.linspace(0, n - 1, ERROR_ROWS, dtype=torch.float64).round().long()


def prefill_error(out: torch.Tensor, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> float:
    """Relative L2 error of a causal prefill output [B, Hq, N, d] against dense attention on the same
    q, k, v, over the `error_rows` query rows."""
    rows = error_rows(q.shape[2]).to(q.device)
    visible = torch.arange(k.shape[2], device=q.device)[None, :] <= rows[:, None]
    ref = F.scaled_dot_product_attention(q[:, :, rows], k, v, attn_mask=visible,
                                         enable_gqa=q.shape[1] != k.shape[1])  # fmt: skip
    return attention_error(out[:, :, rows], ref).rel_l2


def _expand(x: torch.Tensor, heads: int) -> torch.Tensor:
    """KV heads repeated to `heads` query heads (GQA made explicit for the layout builders)."""
    return x if x.shape[1] == heads else x.repeat_interleave(heads // x.shape[1], dim=1)


def layout_cells(layout: BlockLayout, *, rows: int) -> tuple[float, float, float]:
    """(executed cells, causal-tile cells, causal cells) of the first `rows` queries of a causal layout.

    Executed: b_q x b_k per listed block (a kernel computes its diagonal tiles whole) plus b_q per
    key-token column, for the query blocks that hold real rows: the Sparse Frontier's count, and the
    kernels' `layout_density` numerator. Over the causal tiles of those blocks it is `layout_density`;
    over the L(L+1)/2 causal cells of the real rows it is the Sparse Frontier's density."""
    if layout.head_modes is not None or layout.token_perm is not None or layout.levels is not None:
        raise ValueError("layout_cells counts plain causal layouts (no head modes, token order or levels)")
    b_q, b_k = layout.block_size
    n_blocks = -(-rows // b_q)
    bsz, heads = layout.kv_indices.shape[:2]
    listed = float(layout.kv_num_blocks[:, :, :n_blocks].double().sum())
    executed = listed * b_q * b_k
    if layout.has_columns:
        executed += float(layout.col_counts[:, :, :n_blocks].double().sum()) * b_q
    tiles = sum((i * b_q + b_q - 1) // b_k + 1 for i in range(n_blocks)) * b_q * b_k
    return executed, float(bsz * heads * tiles), bsz * heads * rows * (rows + 1) / 2


@dataclass
class MethodAttention:
    """The attention calls of one model run under `submission`, with `params` already resolved."""

    submission: FrontierSubmission
    params: object = None
    backend: str = "auto"
    tally: AttentionTally = field(default_factory=AttentionTally)
    kept: dict[int, KvSelection] = field(default_factory=dict)
    #: Quest's page bounds of each layer's cache so far (complete pages only): extended as pages fill,
    #: as Quest keeps them beside its cache, instead of recomputed at every step.
    bounds: dict[int, QuestBounds] = field(default_factory=dict)
    #: The started sandbox of a code submission (its select answers each prefill call's layout, or the
    #: cache an eviction submission keeps after each layer's prompt).
    sandboxed: SandboxedMethod | None = None
    #: The layout of the last prefill call (None when it ran no layout): what a caller measures it by.
    last_layout: BlockLayout | None = None
    #: Whether each call the method acts on also runs dense attention on its q, k, v and adds the
    #: output's relative L2 error to the tally (the scoring run's per-task error; prefill calls over
    #: `error_rows`).
    measure_error: bool = False

    #: The decode steps of the current sample awaiting their error (`errors_flush` measures them together).
    steps: DecodeSteps = field(default_factory=DecodeSteps)

    def _checked(
        self, out: torch.Tensor, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, layer: int,
        position: int | None = None,
    ) -> torch.Tensor:  # fmt: skip
        """`out`; with error measurement on, a causal prefill's error against dense attention on the same
        q, k, v (over `error_rows`) added to the tally, a decode step (at `position`) kept for
        `errors_flush`."""
        if self.measure_error:
            if position is None:
                self.tally.add_error(prefill_error(out, q, k, v))
            else:
                self.steps.add(layer=layer, q=q, out=out, k=k, v=v, position=position)
        return out

    def errors_flush(self) -> None:
        """Add the kept decode steps' errors (`decode_errors`) to the tally, and forget them."""
        for error in decode_errors(self.steps):
            self.tally.add_error(error)
        self.steps.clear()

    def _started(self) -> SandboxedMethod:
        """The code submission's started sandbox."""
        if self.sandboxed is None:
            raise ValueError("a code submission's attention needs its started sandbox")
        return self.sandboxed

    def reset(self) -> None:
        """Forget the per-sample state (SnapKV's kept cache, Quest's page bounds, decode steps whose errors
        were not flushed) before the next prompt."""
        self.steps.clear()
        self.kept.clear()
        self.bounds.clear()

    def _quest_bounds(self, k: torch.Tensor, *, layer: int, page_size: int) -> QuestBounds:
        """The page bounds of the complete pages of `layer`'s cache k: the pages completed since the last
        call added to the kept ones (the cache only grows within a prompt)."""
        pages = k.shape[2] // page_size
        kept = self.bounds.get(layer)
        done = 0 if kept is None else kept.kmin.shape[2]
        if kept is None or done > pages:
            kept = quest_page_bounds(k[:, :, : pages * page_size], page_size=page_size)
        elif done < pages:
            new = quest_page_bounds(k[:, :, done * page_size : pages * page_size], page_size=page_size)
            kept = QuestBounds(kmin=torch.cat([kept.kmin, new.kmin], dim=2),
                               kmax=torch.cat([kept.kmax, new.kmax], dim=2), page_size=page_size)  # fmt: skip
        self.bounds[layer] = kept
        return kept

    def prefill(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, layer: int) -> torch.Tensor:
        """Causal attention of a prompt, q [B, Hq, N, d] over k, v [B, Hkv, N, d]."""
        n = q.shape[2]
        kind = self.submission.phase_kind
        self.last_layout = None
        if kind != "prefill":
            if self.submission.code is not None:
                self.kept[layer] = code_eviction(method=self._started(), q=q, k=k, layer=layer)
            elif isinstance(self.params, SnapKvParams):
                self.kept[layer] = snapkv_select(q, k, self.params)
            if kind == "dense":
                cells = q.shape[0] * q.shape[1] * n * (n + 1) / 2
                self.tally.add(computed=cells, causal=cells, reference=cells)
            return causal_attention(q, k, v)  # dense, each head by its structure (prompt_attention)
        heads = q.shape[1]
        padded = -(-n // PAD_MULTIPLE) * PAD_MULTIPLE
        pad = (0, 0, 0, padded - n)
        qp, kp, vp = (F.pad(x, pad) for x in (q, _expand(k, heads), _expand(v, heads)))
        if self.submission.code is not None:
            layout = code_prefill_layout(method=self._started(), q=qp, k=kp, layer=layer, tokens=n,
                                         kv_heads=k.shape[1])  # fmt: skip
        else:
            layout = LAYOUT_METHODS[self.submission.name][1](qp, kp, self.params)
        out = sparse_attention(qp, kp, vp, layout, backend=self.backend)[:, :, :n]
        self.last_layout = layout
        executed, tiles, causal = layout_cells(layout, rows=n)
        self.tally.add(computed=executed, causal=tiles, reference=executed, reference_causal=causal)
        return self._checked(out, q, k, v, layer=layer)

    def decode(
        self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, layer: int, position: int
    ) -> torch.Tensor:
        """One decode query q [B, Hq, 1, d] at `position` over the cache k, v [B, Hkv, position + 1, d]."""
        visible = position + 1
        gqa = q.shape[1] != k.shape[1]
        if isinstance(self.params, QuestParams):
            ps = self.params.page_size
            bounds = self._quest_bounds(k[:, :, :visible], layer=layer, page_size=ps)
            pages = quest_step_select(q, bounds, position=position, params=self.params)
            tokens = quest_step_tokens(pages, position=position, page_size=ps)
            self.tally.add(computed=tokens.shape[-1] / visible, causal=1.0)
            out = quest_step_attention(q, k, v, tokens)
            return self._checked(out, q, k, v, layer=layer, position=position)
        if layer in self.kept:  # SnapKV's or an eviction submission's kept cache of this layer's prompt
            keep = self.kept[layer].keep.to(k.device)
            mask = torch.cat([keep, keep.new_ones(*keep.shape[:2], visible - keep.shape[-1])], dim=-1)
            mask = _expand(mask.unsqueeze(2), q.shape[1])
            self.tally.add(computed=float(mask.double().mean()), causal=1.0)
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, enable_gqa=gqa)
            return self._checked(out, q, k, v, layer=layer, position=position)
        if self.submission.phase_kind == "dense":
            self.tally.add(computed=1.0, causal=1.0)
        return F.scaled_dot_product_attention(q, k, v, enable_gqa=gqa)
