"""Compile a BlockLayout into CPU jobs: shared key sets, strided contiguous runs, gathered buckets."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from kernels.layout import HEAD_SPARSE, BlockLayout

SEG_FULL = 0  # level-1 blocks fully visible
SEG_PARTIAL = 1  # level-1 blocks cut by the causal diagonal (token mask needed)


@dataclass(frozen=True)
class CpuJob:
    """One group of query rows that share a key count and a segment (level, partial or not)."""

    kind: str  # "strided" | "gather" | "shared"
    level: int
    partial: bool
    rows: torch.Tensor  # int64 [G] flat query rows (b * H + h) * n_q + i
    m: int  # key blocks per row
    kv_bh: int = -1  # strided/shared: flat key/value head index
    start: int = 0  # strided: first key block of row 0
    step: int = 0  # strided: key block step between consecutive rows
    key_rows: torch.Tensor | None = None  # gather: int64 [G * m] flat key block ids; shared: [m]
    delta: torch.Tensor | None = None  # partial: int64 [G, m] query-minus-key token offsets per block


@dataclass(frozen=True)
class CpuPlan:
    """Everything the CPU backend needs, built once per (layout, key/value head count)."""

    jobs: tuple[CpuJob, ...]
    first_segment: tuple[int, bool]  # (level, partial) of the segment written without merging
    merge: bool  # several segments per row: merge by log-sum-exp


def cpu_plan_build(layout: BlockLayout, *, kv_heads: int, shared_min_rows: int = 2) -> CpuPlan:
    """The layout's CPU plan, built once and cached on the layout."""
    key = ("cpu_plan", kv_heads, shared_min_rows)
    return layout.cached(key, lambda: _plan_compute(layout, kv_heads, shared_min_rows))


def _plan_compute(layout: BlockLayout, kv_heads: int, shared_min_rows: int) -> CpuPlan:
    """Split the layout rows into segments and the segments into jobs."""
    bsz, heads, n_q, n_k = layout.shape
    if heads % kv_heads != 0:
        raise ValueError(f"query heads {heads} not a multiple of key/value heads {kv_heads}")
    group = heads // kv_heads
    modes = layout.head_modes if layout.head_modes is not None else torch.zeros(bsz, heads, dtype=torch.int8)
    modes = modes.reshape(-1)
    sparse_bh = modes == HEAD_SPARSE
    num = layout.kv_num_blocks.reshape(-1).long()
    idx = layout.kv_indices.reshape(-1, n_k).long()
    lev = layout.levels.reshape(-1, n_k).long() if layout.levels is not None else torch.ones_like(idx)
    row_bh = torch.arange(bsz * heads).repeat_interleave(n_q)
    row_i = torch.arange(n_q).repeat(bsz * heads)
    valid = (torch.arange(n_k).view(1, -1) < num.view(-1, 1)) & sparse_bh[row_bh].view(-1, 1)
    b_q, b_k = layout.block_size
    delta = (row_i * b_q + layout.kv_offset).view(-1, 1) - idx * b_k  # query block start - key block start
    partial = layout.causal & (delta < b_k - 1)  # some key after some query token in the block
    seg = torch.where(lev > 1, lev, torch.where(partial, SEG_PARTIAL, SEG_FULL))
    seg = torch.where(valid, seg, torch.full_like(seg, 99))
    order = torch.sort(seg * (n_k + 1) + idx, dim=-1).indices
    seg_sorted = torch.gather(seg, -1, order)
    idx_sorted = torch.gather(idx, -1, order)
    delta_sorted = torch.gather(delta, -1, order)
    kv_bh_row = (row_bh // heads) * kv_heads + (row_bh % heads) // group
    jobs: list[CpuJob] = []
    present: list[tuple[int, bool]] = []
    offset = torch.zeros(len(num), dtype=torch.long)
    for s in (SEG_FULL, SEG_PARTIAL, 2, 3, 4):
        count = (seg_sorted == s).sum(-1)
        if bool((count > 0).any()):
            level = 1 if s in (SEG_FULL, SEG_PARTIAL) else s
            present.append((level, s == SEG_PARTIAL))
            for m in torch.unique(count[count > 0]).tolist():
                rows = torch.nonzero(count == m).flatten()
                cols = offset[rows].view(-1, 1) + torch.arange(m).view(1, -1)
                keys = torch.gather(idx_sorted[rows], 1, cols)
                dlt = torch.gather(delta_sorted[rows], 1, cols) if s == SEG_PARTIAL else None
                jobs.extend(
                    _bucket_jobs(
                        rows, keys, dlt, kv_bh_row[rows], level, s == SEG_PARTIAL, n_k, shared_min_rows
                    )
                )
        offset = offset + count
    return CpuPlan(
        jobs=tuple(jobs),
        first_segment=present[0] if present else (1, False),
        merge=len(present) > 1,
    )


def _bucket_jobs(rows, keys, delta, kv_bh, level: int, partial: bool, n_k: int, shared_min_rows: int):
    """Jobs for rows with the same segment and key count: shared sets, then strided runs, then gathers."""
    m = keys.shape[1]
    jobs: list[CpuJob] = []
    left = torch.ones(len(rows), dtype=torch.bool)
    if not partial and len(rows) >= shared_min_rows:
        sig = torch.cat([kv_bh.view(-1, 1), keys], dim=1)
        _, inverse, counts = torch.unique(sig, dim=0, return_inverse=True, return_counts=True)
        for gid in torch.nonzero(counts >= shared_min_rows).flatten().tolist():
            members = torch.nonzero(inverse == gid).flatten()
            # rows of any query head of the same key/value head may share one long query
            jobs.append(
                CpuJob(
                    "shared",
                    level,
                    partial,
                    rows[members],
                    m,
                    kv_bh=int(kv_bh[members[0]]),
                    key_rows=int(kv_bh[members[0]]) * n_k + keys[members[0]],
                )
            )
            left[members] = False
    contiguous = left & (keys[:, -1] - keys[:, 0] == m - 1)
    cand = torch.nonzero(contiguous).flatten().tolist()
    r_list, s_list, b_list = rows.tolist(), keys[:, 0].tolist(), kv_bh.tolist()
    run: list[int] = []
    for t in cand:
        if run:
            p = run[-1]
            ok = r_list[t] == r_list[p] + 1 and b_list[t] == b_list[p]
            step = s_list[t] - s_list[p]
            if ok and len(run) >= 2:
                ok = step == s_list[run[1]] - s_list[run[0]]
            if ok and step >= 0:
                run.append(t)
                continue
            jobs.append(_strided_job(run, rows, s_list, b_list, delta, level, partial, m))
        run = [t]
    if run:
        jobs.append(_strided_job(run, rows, s_list, b_list, delta, level, partial, m))
    left[cand] = False
    rest = torch.nonzero(left).flatten()
    if len(rest):
        flat = (kv_bh[rest].view(-1, 1) * n_k + keys[rest]).reshape(-1)
        jobs.append(
            CpuJob(
                "gather",
                level,
                partial,
                rows[rest],
                m,
                key_rows=flat,
                delta=None if delta is None else delta[rest],
            )
        )
    return jobs


def _strided_job(run, rows, s_list, b_list, delta, level, partial, m) -> CpuJob:
    """A run of consecutive query rows whose contiguous key ranges advance by a constant step."""
    step = s_list[run[1]] - s_list[run[0]] if len(run) > 1 else 0
    sel = torch.tensor(run, dtype=torch.long)
    return CpuJob(
        "strided",
        level,
        partial,
        rows[sel],
        m,
        kv_bh=b_list[run[0]],
        start=s_list[run[0]],
        step=step,
        delta=None if delta is None else delta[sel],
    )
