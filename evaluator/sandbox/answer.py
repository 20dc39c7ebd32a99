"""Check a sandboxed selection's arrays in full and build the kernels' layout (or kept cache) from them.

A layout answer is either ``block_mask`` (bool ``[B, H, n_q, n_k]``) or ``kv_num_blocks``
(``[B, H, n_q]``) with ``kv_indices`` (``[B, H, n_q, W]``, W <= n_k), optionally with key-token
columns ``col_counts`` (``[B, H, n_q]``) and ``col_indices`` (``[B, H, n_q, C]``), integers, in
``kernels.layout.BlockLayout``'s meaning. An eviction answer is ``kept`` (``[B, H_kv, M]`` key
positions) with optional ``kept_counts`` (``[B, H_kv]``: how many of each row count).
With ``causal``, a listed key block (or column) entirely after its query block is an error here,
where ``BlockLayout.from_block_mask`` would drop it: a submission's answer is taken as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from evaluator.sandbox.spec import SandboxError, SandboxProblem
from kernels.layout import BlockLayout
from kernels.methods.snapkv import KvSelection

INTEGER = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)
LAYOUT_KEYS = {"block_mask", "kv_num_blocks", "kv_indices", "col_counts", "col_indices"}
KEPT_KEYS = {"kept", "kept_counts"}


@dataclass(frozen=True)
class LayoutGeometry:
    """What the trusted side expects of a layout answer."""

    batch: int
    heads: int
    q_len: int
    kv_len: int
    block_size: tuple[int, int]
    causal: bool

    @property
    def blocks(self) -> tuple[int, int]:
        """(n_q, n_k)."""
        return self.q_len // self.block_size[0], self.kv_len // self.block_size[1]


class _Problems:
    """Collects named problems about the answer's arrays."""

    def __init__(self):
        self.items: list[SandboxProblem] = []

    def add(self, code: str, name: str, message: str) -> None:
        self.items.append(SandboxProblem(code=code, message=message, where=f"answer[{name!r}]"))

    def raise_any(self) -> None:
        if self.items:
            raise SandboxError(self.items)


def _integers(p: _Problems, arrays: dict, name: str, shape: tuple, *, last_max: int | None = None):
    """The array as int64 if its dtype and shape are right (``last_max`` bounds the last dim), else None."""
    a = arrays[name]
    if a.dtype.is_floating_point:
        if bool(torch.isnan(a).any()) or bool(torch.isinf(a).any()):
            p.add("answer_nan", name, "holds NaN or infinite values (indices must be integers)")
        else:
            p.add("answer_dtype", name, f"dtype {a.dtype}: indices must be integers")
        return None
    if a.dtype not in INTEGER:
        p.add("answer_dtype", name, f"dtype {a.dtype}: indices must be integers")
        return None
    want = shape if last_max is None else shape + (a.shape[-1] if a.dim() == len(shape) + 1 else -1,)
    if tuple(a.shape) != want or (last_max is not None and not 0 <= a.shape[-1] <= last_max):
        bound = "" if last_max is None else f" (last dim at most {last_max})"
        p.add("answer_shape", name, f"shape {tuple(a.shape)[:6]}, expected {list(shape)} + [...]{bound}"
              if last_max is not None else f"shape {tuple(a.shape)[:6]}, expected {list(shape)}")  # fmt: skip
        return None
    return a.to(torch.int64)


def _rows(p: _Problems, counts, idx, *, names: tuple[str, str], limit: int):
    """The valid-entry mask of ``idx`` after checking counts, ranges and duplicates per row."""
    width = idx.shape[-1]
    if bool((counts < 0).any()) or bool((counts > width).any()):
        p.add("answer_range", names[0], f"counts must lie in [0, {width}]")
        return None
    valid = torch.arange(width).view(*([1] * counts.dim()), width) < counts.unsqueeze(-1)
    bad = ((idx < 0) | (idx >= limit)) & valid
    if bool(bad.any()):
        p.add("answer_range", names[1], f"{int(bad.sum())} listed entries outside [0, {limit})")
        return None
    marked = torch.where(valid, idx, limit + torch.arange(width)).sort(-1).values
    if bool((marked[..., 1:] == marked[..., :-1]).any()):
        p.add("answer_duplicate", names[1], "a row lists the same entry twice")
        return None
    return valid


def answer_layout(*, arrays: dict[str, torch.Tensor], geometry: LayoutGeometry) -> BlockLayout:
    """The BlockLayout the arrays describe; SandboxError naming every problem found."""
    p = _Problems()
    g = geometry
    n_q, n_k = g.blocks
    head = (g.batch, g.heads, n_q)
    for name in sorted(set(arrays) - LAYOUT_KEYS):
        p.add("answer_keys", name, f"unknown array (expected some of {sorted(LAYOUT_KEYS)})")
    has_mask, has_lists = "block_mask" in arrays, {"kv_num_blocks", "kv_indices"} & set(arrays)
    if has_mask == bool(has_lists) or (has_lists and len(has_lists) != 2):
        p.add("answer_keys", "block_mask", "give block_mask, or kv_num_blocks with kv_indices (not both)")
    if ("col_counts" in arrays) != ("col_indices" in arrays):
        p.add("answer_keys", "col_counts", "col_counts and col_indices come together")
    p.raise_any()
    last_q = torch.arange(n_q) * g.block_size[0] + g.block_size[0] - 1 + (g.kv_len - g.q_len)
    if has_mask:
        mask = arrays["block_mask"]
        if mask.dtype != torch.bool or tuple(mask.shape) != head + (n_k,):
            p.add("answer_shape", "block_mask", f"{mask.dtype} {tuple(mask.shape)[:6]}, expected bool "
                  f"{list(head + (n_k,))}")  # fmt: skip
            p.raise_any()
        num = mask.sum(-1).to(torch.int32)
        idx = torch.sort((~mask).to(torch.int8), dim=-1, stable=True).indices.to(torch.int32)
        valid = torch.arange(n_k).view(1, 1, 1, n_k) < num.unsqueeze(-1)
    else:
        num = _integers(p, arrays, "kv_num_blocks", head)
        idx = _integers(p, arrays, "kv_indices", head, last_max=n_k)
        p.raise_any()
        valid = _rows(p, num, idx, names=("kv_num_blocks", "kv_indices"), limit=n_k)
    cols = None
    if "col_counts" in arrays:
        cc = _integers(p, arrays, "col_counts", head)
        ci = _integers(p, arrays, "col_indices", head, last_max=g.kv_len)
        if cc is not None and ci is not None:
            cvalid = _rows(p, cc, ci, names=("col_counts", "col_indices"), limit=g.kv_len)
            if cvalid is not None and g.causal and bool(((ci > last_q.view(1, 1, -1, 1)) & cvalid).any()):
                p.add("answer_causal", "col_indices", "a column lies after its query block's last query")
            cols = (cc, ci)
    if valid is not None and g.causal:
        future = (idx.long() * g.block_size[1] > last_q.view(1, 1, -1, 1)) & valid
        if bool(future.any()):
            p.add("answer_causal", "block_mask" if has_mask else "kv_indices",
                  f"{int(future.sum())} key blocks lie entirely after their query block")  # fmt: skip
    p.raise_any()
    if idx.shape[-1] < n_k:  # the layout's rows are n_k wide: pad past the counted entries
        idx = torch.cat([idx, torch.zeros(head + (n_k - idx.shape[-1],), dtype=idx.dtype)], dim=-1)
    try:
        return BlockLayout.from_kv_blocks(
            num, idx, block_size=g.block_size, q_len=g.q_len, kv_len=g.kv_len, causal=g.causal,
            col_counts=None if cols is None else cols[0], col_indices=None if cols is None else cols[1],
        )  # fmt: skip
    except ValueError as exc:
        raise SandboxError([SandboxProblem("answer_invalid", str(exc), where="answer")]) from None


def answer_kept(*, arrays: dict[str, torch.Tensor], batch: int, kv_heads: int, length: int) -> KvSelection:
    """The kept cache (``KvSelection``) that ``kept`` / ``kept_counts`` describe; every problem named."""
    p = _Problems()
    for name in sorted(set(arrays) - KEPT_KEYS):
        p.add("answer_keys", name, f"unknown array (expected some of {sorted(KEPT_KEYS)})")
    if "kept" not in arrays:
        p.add("answer_keys", "kept", "missing")
    p.raise_any()
    kept = _integers(p, arrays, "kept", (batch, kv_heads), last_max=length)
    p.raise_any()
    if "kept_counts" in arrays:
        counts = _integers(p, arrays, "kept_counts", (batch, kv_heads))
        p.raise_any()
    else:
        counts = torch.full((batch, kv_heads), kept.shape[-1], dtype=torch.int64)
    valid = _rows(p, counts, kept, names=("kept_counts", "kept"), limit=length)
    p.raise_any()
    keep = torch.zeros(batch, kv_heads, length + 1, dtype=torch.bool)
    keep.scatter_(-1, torch.where(valid, kept, length), True)
    return KvSelection(keep=keep[..., :length])
