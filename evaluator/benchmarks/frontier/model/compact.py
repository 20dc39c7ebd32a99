"""Compact projections: a wired weight matrix kept as its non-zero rows and columns only.

The wired model's projections are 92-99% zeros (each head reads a few residual slots and writes a few),
so a dense `x @ w` spends most of a forward pass multiplying zeros. A `CompactMap` gathers the input
dimensions a matrix reads, multiplies by the dense block of its non-zero rows and columns, and scatters
the result into the columns it writes: the same numbers up to float32 summation order.

A prompt's many tokens read and write the block's rows and columns as the few contiguous runs they form
(slices, not an index gather and scatter). A matrix with a few non-zeros per row (an output projection
writes each head dimension to one or two residual slots) is applied to them as its list of non-zeros
instead: a gather, a product and an index_add per call, a fraction of the block's multiply.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .weights import LayerWeights

#: Calls with at most this many tokens (decoding) use the one dense block: a finer form's extra ops cost
#: more than the multiply they save.
FEW_TOKENS = 16
#: A map with at most this many non-zeros per non-zero row on average is applied entry by entry.
ENTRIES_PER_ROW = 4


@dataclass(frozen=True)
class Entries:
    """The non-zeros of w one by one: y[..., cols[i]] += x[..., rows[i]] * values[i]."""

    rows: torch.Tensor
    cols: torch.Tensor
    values: torch.Tensor

    def add_to(self, y: torch.Tensor, x: torch.Tensor) -> None:
        """y += x @ w, in place, one product per non-zero (summed in the entries' order)."""
        y.index_add_(-1, self.cols, x.index_select(-1, self.rows) * self.values)

    def to(self, device: torch.device | str) -> Entries:
        """The same entries with their tensors on `device`."""
        return Entries(rows=self.rows.to(device), cols=self.cols.to(device), values=self.values.to(device))


def index_runs(index: torch.Tensor) -> tuple[tuple[int, int], ...]:
    """An increasing index as its runs of consecutive values, each (start, stop)."""
    values = index.tolist()
    runs, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[i - 1] + 1:
            runs.append((values[start], values[i - 1] + 1))
            start = i
    return tuple(runs)


@dataclass(frozen=True)
class CompactMap:
    """y = x @ w + bias with w [d_in, d_out] stored as w[rows][:, cols] (the rest is zero), and for calls
    of many tokens `entries`: the same w as its non-zeros (None: the block serves every call)."""

    rows: torch.Tensor
    cols: torch.Tensor
    block: torch.Tensor
    bias: torch.Tensor | None
    width: int
    entries: Entries | None = None
    #: rows and cols as runs of consecutive indices (None: not computed; the index tensors serve).
    row_runs: tuple[tuple[int, int], ...] | None = None
    col_runs: tuple[tuple[int, int], ...] | None = None

    def _add_runs(self, y: torch.Tensor, x: torch.Tensor) -> None:
        """y += x @ w through the block, the rows gathered and the columns written by runs of slices."""
        xs = torch.cat([x[..., a:b] for a, b in self.row_runs], dim=-1)
        product = xs @ self.block
        done = 0
        for a, b in self.col_runs:
            y[..., a:b] += product[..., done : done + b - a]
            done += b - a

    def _add(self, y: torch.Tensor, x: torch.Tensor) -> None:
        """y += x @ w in the form that suits x's token count."""
        if x[..., 0].numel() <= FEW_TOKENS or (self.entries is None and self.row_runs is None):
            y[..., self.cols] += x.index_select(-1, self.rows) @ self.block
        elif self.entries is not None:
            self.entries.add_to(y, x)
        else:
            self._add_runs(y, x)

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        """x [..., d_in] @ w + bias as a new tensor [..., d_out]."""
        shape = (*x.shape[:-1], self.width)
        out = x.new_zeros(shape) if self.bias is None else self.bias.expand(shape).clone()
        self._add(out, x)
        return out

    def add_into(self, x: torch.Tensor, h: torch.Tensor) -> None:
        """x += h @ w + bias, in place (x [..., d_out], h [..., d_in])."""
        if self.bias is not None:
            x += self.bias
        self._add(x, h)

    def to(self, device: torch.device | str) -> CompactMap:
        """The same map with its tensors on `device`."""
        return CompactMap(
            rows=self.rows.to(device),
            cols=self.cols.to(device),
            block=self.block.to(device),
            bias=None if self.bias is None else self.bias.to(device),
            width=self.width,
            entries=None if self.entries is None else self.entries.to(device),
            row_runs=self.row_runs,
            col_runs=self.col_runs,
        )


def map_entries(w: torch.Tensor) -> Entries | None:
    """w's non-zeros, row by row, where its non-zero rows hold at most ENTRIES_PER_ROW on average (else
    None)."""
    nonzero = w != 0
    if int(nonzero.sum()) > ENTRIES_PER_ROW * int(nonzero.any(dim=1).sum()):
        return None
    rows, cols = nonzero.nonzero(as_tuple=True)
    return Entries(rows=rows, cols=cols, values=w[rows, cols].contiguous())


def compact_map(w: torch.Tensor, bias: torch.Tensor | None = None) -> CompactMap:
    """The compact form of `w` [d_in, d_out] and an optional bias [d_out] (dropped when all zero)."""
    nonzero = w != 0
    rows = nonzero.any(dim=1).nonzero().flatten()
    cols = nonzero.any(dim=0).nonzero().flatten()
    block = w.index_select(0, rows).index_select(1, cols).contiguous()
    kept = None if bias is None or not bool(bias.any()) else bias.clone()
    return CompactMap(rows=rows, cols=cols, block=block, bias=kept, width=w.shape[1], entries=map_entries(w),
                      row_runs=index_runs(rows), col_runs=index_runs(cols))  # fmt: skip


@dataclass(frozen=True)
class CompactLayer:
    """One layer's projections in compact form: q, k, v together and the output."""

    qkv: CompactMap
    out: CompactMap

    def to(self, device: torch.device | str) -> CompactLayer:
        """The same layer with its tensors on `device`."""
        return CompactLayer(qkv=self.qkv.to(device), out=self.out.to(device))


def compact_layer(weights: LayerWeights) -> CompactLayer:
    """The compact projections of one layer's weights."""
    return CompactLayer(qkv=compact_map(weights.w_qkv, weights.b_qkv), out=compact_map(weights.w_out))
