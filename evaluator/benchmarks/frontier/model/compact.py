"""Compact projections: a wired weight matrix kept as its non-zero rows and columns only.

The wired model's projections are 92-99% zeros (each head reads a few residual slots and writes a few),
so a dense `x @ w` spends most of a forward pass multiplying zeros. A `CompactMap` gathers the input
dimensions a matrix reads, multiplies by the dense block of its non-zero rows and columns, and scatters
the result into the columns it writes: the same numbers up to float32 summation order.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .weights import LayerWeights


@dataclass(frozen=True)
class CompactMap:
    """y = x @ w + bias with w [d_in, d_out] stored as w[rows][:, cols] (the rest is zero)."""

    rows: torch.Tensor
    cols: torch.Tensor
    block: torch.Tensor
    bias: torch.Tensor | None
    width: int

    def apply(self, x: torch.Tensor) -> torch.Tensor:
        """x [..., d_in] @ w + bias as a new tensor [..., d_out]."""
        shape = (*x.shape[:-1], self.width)
        out = x.new_zeros(shape) if self.bias is None else self.bias.expand(shape).clone()
        out[..., self.cols] += x.index_select(-1, self.rows) @ self.block
        return out

    def add_into(self, x: torch.Tensor, h: torch.Tensor) -> None:
        """x += h @ w + bias, in place (x [..., d_out], h [..., d_in])."""
        if self.bias is not None:
            x += self.bias
        x[..., self.cols] += h.index_select(-1, self.rows) @ self.block

    def to(self, device: torch.device | str) -> CompactMap:
        """The same map with its tensors on `device`."""
        return CompactMap(
            rows=self.rows.to(device),
            cols=self.cols.to(device),
            block=self.block.to(device),
            bias=None if self.bias is None else self.bias.to(device),
            width=self.width,
        )


def compact_map(w: torch.Tensor, bias: torch.Tensor | None = None) -> CompactMap:
    """The compact form of `w` [d_in, d_out] and an optional bias [d_out] (dropped when all zero)."""
    nonzero = w != 0
    rows = nonzero.any(dim=1).nonzero().flatten()
    cols = nonzero.any(dim=0).nonzero().flatten()
    block = w.index_select(0, rows).index_select(1, cols).contiguous()
    kept = None if bias is None or not bool(bias.any()) else bias.clone()
    return CompactMap(rows=rows, cols=cols, block=block, bias=kept, width=w.shape[1])


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
