"""BlockLayout: the block-sparse attention layout shared by every method and backend."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

import torch

from kernels.backends.threads import serial

HEAD_SPARSE = 0
HEAD_FULL = 1
HEAD_SKIP = 2
HEAD_MODE_NAMES = {HEAD_SPARSE: "sparse", HEAD_FULL: "full", HEAD_SKIP: "skip"}
MAX_LEVEL = 4
T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class BlockLayout:
    """Which key blocks each query block attends to, in FlexAttention's format.

    Tokens are cut into query blocks of ``b_q`` tokens and key blocks of ``b_k`` tokens
    (``n_q = q_len / b_q``, ``n_k = kv_len / b_k``; both lengths must be multiples).

    - ``kv_num_blocks``: int32 ``[B, H, n_q]``, how many key blocks query block i attends to.
    - ``kv_indices``: int32 ``[B, H, n_q, n_k]``; the first ``kv_num_blocks[b, h, i]`` entries of
      row ``i`` are the key block indices it attends to (distinct); the rest of the row is ignored.
    - ``levels``: optional int8 ``[B, H, n_q, n_k]`` aligned with ``kv_indices``: the pyramid level
      of each entry (1 = full resolution; level h attends to keys and values mean-pooled over
      ``2**(h-1)`` tokens, with the logit bias ``(h-1) ln 2``). ``None`` means every entry is level 1.
    - ``head_modes``: optional int8 ``[B, H]``: ``HEAD_SPARSE`` (0, use the indices),
      ``HEAD_FULL`` (1, dense attention) or ``HEAD_SKIP`` (2, output zero).
    - ``causal``: token-level mask ``key_pos <= query_pos + (kv_len - q_len)`` inside the listed
      blocks; listed blocks must not lie entirely in the masked future.
    - ``token_perm``: optional int64 ``[N]`` (self-attention only): the layout describes attention
      over the tokens ``x[..., token_perm, :]``; outputs are returned in the original order.
    - ``col_counts`` / ``col_indices``: optional key-token columns (1 x ``b_q`` strips) per query
      block, next to its key blocks: int32 ``[B, H, n_q]`` and int32 ``[B, H, n_q, max_cols]``; the
      first ``col_counts[b, h, i]`` entries of row ``i`` are key token positions it also attends to
      (distinct, full resolution, none inside one of the row's listed key blocks, and with
      ``causal`` none after the block's last query; tokens after a query are masked for it). Only
      sparse heads use them; they cannot be combined with pooled levels. ``None`` means no columns.

    Query rows with no key block or column (and skipped heads) output zeros. Build with
    ``from_kv_blocks``, ``from_block_mask`` or ``from_level_map``; do not mutate the tensors.
    """

    block_size: tuple[int, int]
    kv_num_blocks: torch.Tensor
    kv_indices: torch.Tensor
    q_len: int
    kv_len: int
    levels: torch.Tensor | None = None
    head_modes: torch.Tensor | None = None
    causal: bool = False
    token_perm: torch.Tensor | None = None
    col_counts: torch.Tensor | None = None
    col_indices: torch.Tensor | None = None
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(B, H, n_q, n_k)."""
        return tuple(self.kv_indices.shape)  # type: ignore[return-value]

    def cached(self, key: Hashable, build: Callable[[], T]) -> T:
        """The backend data cached under ``key``, built by ``build()`` (single-threaded) on first use.

        A hit costs a dict lookup; only a miss changes torch's thread count for the build."""
        if key not in self.cache:
            self.cache[key] = serial(build)()
        return self.cache[key]

    @classmethod
    @serial
    def from_kv_blocks(
        cls,
        kv_num_blocks: torch.Tensor,
        kv_indices: torch.Tensor,
        *,
        block_size: tuple[int, int],
        q_len: int | None = None,
        kv_len: int | None = None,
        levels: torch.Tensor | None = None,
        head_modes: torch.Tensor | None = None,
        causal: bool = False,
        token_perm: torch.Tensor | None = None,
        col_counts: torch.Tensor | None = None,
        col_indices: torch.Tensor | None = None,
    ) -> BlockLayout:
        """Build a layout from FlexAttention-style block counts and indices (and columns), checking them."""
        b_q, b_k = _check_block_size(block_size)
        if kv_indices.dim() != 4:
            raise ValueError(f"kv_indices must be [B, H, n_q, n_k], got shape {tuple(kv_indices.shape)}")
        bsz, heads, n_q, n_k = kv_indices.shape
        if tuple(kv_num_blocks.shape) != (bsz, heads, n_q):
            raise ValueError(f"kv_num_blocks shape {tuple(kv_num_blocks.shape)} != {(bsz, heads, n_q)}")
        q_len = n_q * b_q if q_len is None else int(q_len)
        kv_len = n_k * b_k if kv_len is None else int(kv_len)
        if q_len != n_q * b_q or kv_len != n_k * b_k:
            raise ValueError(
                f"q_len={q_len}, kv_len={kv_len} must equal n_q*b_q={n_q * b_q}, n_k*b_k={n_k * b_k}"
            )
        num = kv_num_blocks.detach().to("cpu", torch.int32).contiguous()
        idx = kv_indices.detach().to("cpu", torch.int32).contiguous()
        if bool((num < 0).any()) or bool((num > n_k).any()):
            raise ValueError(f"kv_num_blocks must lie in [0, {n_k}]")
        valid = torch.arange(n_k).view(1, 1, 1, n_k) < num.unsqueeze(-1)
        if bool(((idx < 0) | (idx >= n_k))[valid].any()):
            raise ValueError(f"kv_indices must lie in [0, {n_k}) for valid entries")
        _check_distinct(idx, valid)
        lev = None
        if levels is not None:
            lev = levels.detach().to("cpu", torch.int8).contiguous()
            if lev.shape != idx.shape:
                raise ValueError(f"levels shape {tuple(lev.shape)} != kv_indices shape {tuple(idx.shape)}")
            bad = ((lev < 1) | (lev > MAX_LEVEL))[valid]
            if bool(bad.any()):
                raise ValueError(f"levels must lie in [1, {MAX_LEVEL}] for valid entries")
            top = int(lev[valid].max()) if bool(valid.any()) else 1
            if b_k % (2 ** (top - 1)) != 0:
                raise ValueError(f"b_k={b_k} is not divisible by the pooling 2**{top - 1} of level {top}")
            if causal and top > 1:
                raise ValueError("pooled levels are not supported with causal=True")
            if top == 1:
                lev = None
        modes = None
        if head_modes is not None:
            modes = head_modes.detach().to("cpu", torch.int8).contiguous()
            if tuple(modes.shape) != (bsz, heads):
                raise ValueError(f"head_modes shape {tuple(modes.shape)} != {(bsz, heads)}")
            if bool(((modes < 0) | (modes > 2)).any()):
                raise ValueError("head_modes must be 0 (sparse), 1 (full) or 2 (skip)")
        perm = None
        if token_perm is not None:
            perm = token_perm.detach().to("cpu", torch.int64).contiguous()
            if q_len != kv_len or tuple(perm.shape) != (q_len,):
                raise ValueError(
                    f"token_perm needs q_len == kv_len == len(token_perm), got {tuple(perm.shape)}"
                )
            if (
                bool((perm < 0).any())
                or bool((perm >= q_len).any())
                or not bool((torch.bincount(perm, minlength=q_len) == 1).all())
            ):
                raise ValueError("token_perm is not a permutation of range(N)")
        if causal:
            _check_causal(num, idx, valid, b_q, b_k, kv_len - q_len)
        cols = None
        if col_counts is not None or col_indices is not None:
            if col_counts is None or col_indices is None:
                raise ValueError("col_counts and col_indices must be given together")
            if lev is not None:
                raise ValueError("key-token columns cannot be combined with pooled levels")
            cols = columns_check(
                col_counts, col_indices, kv_num_blocks=num, kv_indices=idx, block_size=(b_q, b_k),
                kv_len=kv_len, causal=causal,
            )  # fmt: skip
        cc, ci = cols if cols is not None else (None, None)
        return cls((b_q, b_k), num, idx, q_len, kv_len, lev, modes, bool(causal), perm, cc, ci)

    @classmethod
    def from_block_mask(
        cls,
        mask: torch.Tensor,
        *,
        block_size: tuple[int, int],
        causal: bool = False,
        head_modes: torch.Tensor | None = None,
        token_perm: torch.Tensor | None = None,
        kv_offset: int = 0,
        col_counts: torch.Tensor | None = None,
        col_indices: torch.Tensor | None = None,
    ) -> BlockLayout:
        """Build from a boolean ``[B, H, n_q, n_k]`` block mask (with causal, future blocks are dropped)."""
        if mask.dtype != torch.bool or mask.dim() != 4:
            raise ValueError(
                f"mask must be a boolean [B, H, n_q, n_k] tensor, got {mask.dtype} {tuple(mask.shape)}"
            )
        return cls.from_level_map(
            mask.to(torch.int8),
            block_size=block_size,
            causal=causal,
            head_modes=head_modes,
            token_perm=token_perm,
            kv_offset=kv_offset,
            col_counts=col_counts,
            col_indices=col_indices,
        )

    @classmethod
    @serial
    def from_level_map(
        cls,
        level_map: torch.Tensor,
        *,
        block_size: tuple[int, int],
        causal: bool = False,
        head_modes: torch.Tensor | None = None,
        token_perm: torch.Tensor | None = None,
        kv_offset: int = 0,
        col_counts: torch.Tensor | None = None,
        col_indices: torch.Tensor | None = None,
    ) -> BlockLayout:
        """Build from an integer ``[B, H, n_q, n_k]`` map: 0 skip, h >= 1 the pyramid level."""
        if level_map.dim() != 4:
            raise ValueError(f"level_map must be [B, H, n_q, n_k], got shape {tuple(level_map.shape)}")
        b_q, b_k = _check_block_size(block_size)
        lm = level_map.detach().to("cpu", torch.int8)
        if causal:
            lm = lm * causal_block_mask(lm.shape[2], lm.shape[3], block_size=(b_q, b_k), kv_offset=kv_offset)
        keep = lm > 0
        num = keep.sum(-1).to(torch.int32)
        order = torch.sort((~keep).to(torch.int8), dim=-1, stable=True).indices
        idx = order.to(torch.int32)
        lev = torch.gather(lm, -1, order).clamp(min=1)
        return cls.from_kv_blocks(
            num,
            idx,
            block_size=(b_q, b_k),
            levels=lev,
            head_modes=head_modes,
            causal=causal,
            token_perm=token_perm,
            q_len=lm.shape[2] * b_q,
            kv_len=lm.shape[3] * b_k,
            col_counts=col_counts,
            col_indices=col_indices,
        )

    @serial
    def level_map(self) -> torch.Tensor:
        """Integer ``[B, H, n_q, n_k]`` map of executed entries (0 skip, else level), head modes applied."""
        bsz, heads, n_q, n_k = self.shape
        valid = torch.arange(n_k).view(1, 1, 1, n_k) < self.kv_num_blocks.unsqueeze(-1)
        lev = self.levels if self.levels is not None else torch.ones_like(self.kv_indices, dtype=torch.int8)
        out = torch.zeros(bsz, heads, n_q, n_k, dtype=torch.int8)
        out.scatter_(-1, self.kv_indices.long(), torch.where(valid, lev, torch.zeros_like(lev)))
        if self.head_modes is not None:
            full = (
                causal_block_mask(n_q, n_k, block_size=self.block_size, kv_offset=self.kv_offset)
                if self.causal
                else torch.ones(n_q, n_k, dtype=torch.int8)
            )
            out = torch.where((self.head_modes == HEAD_FULL).view(bsz, heads, 1, 1), full.to(torch.int8), out)
            out = torch.where(
                (self.head_modes == HEAD_SKIP).view(bsz, heads, 1, 1), torch.zeros_like(out), out
            )
        return out

    @property
    def has_columns(self) -> bool:
        """Whether the layout lists key-token columns."""
        return self.col_counts is not None

    @serial
    def column_mask(self) -> torch.Tensor:
        """Boolean ``[B, H, n_q, kv_len]``: each query block's listed key-token columns (sparse heads)."""
        bsz, heads, n_q, _ = self.shape
        out = torch.zeros(bsz, heads, n_q, self.kv_len + 1, dtype=torch.bool)
        if self.col_counts is None:
            return out[..., :-1]
        width = self.col_indices.shape[-1]
        valid = torch.arange(width).view(1, 1, 1, width) < self.col_counts.unsqueeze(-1)
        if self.head_modes is not None:
            valid = valid & (self.head_modes == HEAD_SPARSE).view(bsz, heads, 1, 1)
        out.scatter_(-1, torch.where(valid, self.col_indices.long(), self.kv_len), True)
        return out[..., :-1]

    def block_mask(self) -> torch.Tensor:
        """Boolean ``[B, H, n_q, n_k]`` mask of executed blocks (any level)."""
        return self.level_map() > 0

    @property
    def kv_offset(self) -> int:
        """Position of query token 0 among the keys (kv_len - q_len)."""
        return self.kv_len - self.q_len

    def max_level(self) -> int:
        """Largest pyramid level used by a valid entry."""
        return 1 if self.levels is None else max(1, int(self.level_map().max()))


def columns_check(
    col_counts: torch.Tensor,
    col_indices: torch.Tensor,
    *,
    kv_num_blocks: torch.Tensor,
    kv_indices: torch.Tensor,
    block_size: tuple[int, int],
    kv_len: int,
    causal: bool,
) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Checked int32 (col_counts, col_indices), or None when no row lists a column."""
    bsz, heads, n_q, n_k = kv_indices.shape
    b_q, b_k = block_size
    if col_indices.dim() != 4 or tuple(col_indices.shape[:3]) != (bsz, heads, n_q):
        raise ValueError(
            f"col_indices shape {tuple(col_indices.shape)} is not [{bsz}, {heads}, {n_q}, max_cols]"
        )
    if tuple(col_counts.shape) != (bsz, heads, n_q):
        raise ValueError(f"col_counts shape {tuple(col_counts.shape)} != {(bsz, heads, n_q)}")
    width = col_indices.shape[-1]
    cnt = col_counts.detach().to("cpu", torch.int32).contiguous()
    col = col_indices.detach().to("cpu", torch.int32).contiguous()
    if bool((cnt < 0).any()) or bool((cnt > width).any()):
        raise ValueError(f"col_counts must lie in [0, {width}]")
    if not bool((cnt > 0).any()):
        return None
    valid = torch.arange(width).view(1, 1, 1, width) < cnt.unsqueeze(-1)
    if bool(((col < 0) | (col >= kv_len))[valid].any()):
        raise ValueError(f"col_indices must lie in [0, {kv_len}) for valid entries")
    marked = torch.sort(torch.where(valid, col.long(), kv_len + torch.arange(width)), dim=-1).values
    if bool((marked[..., 1:] == marked[..., :-1]).any()):
        raise ValueError("col_indices lists a key token twice in one row")
    listed = torch.zeros(bsz, heads, n_q, n_k + 1, dtype=torch.bool)
    in_row = torch.arange(n_k).view(1, 1, 1, n_k) < kv_num_blocks.unsqueeze(-1)
    listed.scatter_(-1, torch.where(in_row, kv_indices.long(), n_k), True)
    listed[..., n_k] = False
    inside = torch.gather(listed, -1, torch.where(valid, col.long() // b_k, n_k))
    if bool(inside.any()):
        raise ValueError("col_indices lists a key token inside one of the row's listed key blocks")
    if causal:
        last_q = (torch.arange(n_q) * b_q + b_q - 1 + kv_len - n_q * b_q).view(1, 1, n_q, 1)
        if bool(((col > last_q) & valid).any()):
            raise ValueError("causal layout lists a key column after the last query of its block")
    return cnt, col


def causal_block_mask(n_q: int, n_k: int, *, block_size: tuple[int, int], kv_offset: int = 0) -> torch.Tensor:
    """int8 ``[n_q, n_k]``: 1 where a key block has any token visible to the query block under causality."""
    b_q, b_k = block_size
    last_q = torch.arange(n_q) * b_q + b_q - 1 + kv_offset
    first_k = torch.arange(n_k) * b_k
    return (first_k.view(1, -1) <= last_q.view(-1, 1)).to(torch.int8)


def _check_block_size(block_size: tuple[int, int]) -> tuple[int, int]:
    """Validate a (b_q, b_k) pair of positive ints."""
    if len(block_size) != 2 or min(int(block_size[0]), int(block_size[1])) < 1:
        raise ValueError(f"block_size must be two positive ints, got {block_size}")
    return int(block_size[0]), int(block_size[1])


def _check_distinct(idx: torch.Tensor, valid: torch.Tensor) -> None:
    """Raise if a row lists the same key block twice among its valid entries."""
    n_k = idx.shape[-1]
    marked = torch.where(valid, idx.long(), torch.full_like(idx, n_k, dtype=torch.int64))
    counts = torch.zeros(*idx.shape[:-1], n_k + 1, dtype=torch.int64)
    counts.scatter_add_(-1, marked, torch.ones_like(marked))
    if bool((counts[..., :n_k] > 1).any()):
        raise ValueError("kv_indices lists a key block twice in one row")


def _check_causal(num, idx, valid, b_q: int, b_k: int, kv_offset: int) -> None:
    """Raise if a listed block lies entirely in the masked future of its query block."""
    n_q = idx.shape[2]
    last_q = (torch.arange(n_q) * b_q + b_q - 1 + kv_offset).view(1, 1, n_q, 1)
    future = (idx.long() * b_k > last_q) & valid
    if bool(future.any()):
        raise ValueError("causal layout lists a key block entirely after its query block")
