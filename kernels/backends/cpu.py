"""CPU backend: per job, slice or gather the selected key blocks and call the fused 4-D SDPA kernel."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from kernels.backends.cpu_columns import columns_attention
from kernels.backends.cpu_fold import layout_fold
from kernels.backends.cpu_plan import CpuJob, cpu_plan_build
from kernels.backends.merge import lse_check
from kernels.backends.scratch import scratch_buffer
from kernels.backends.threads import tasks_run
from kernels.layout import HEAD_FULL, HEAD_SKIP, BlockLayout

_FLASH = getattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu", None)
DEFAULT_CHUNK_BYTES = 1024 * 1024


def sdpa_with_lse(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    *,
    mask: torch.Tensor | None = None,
    causal: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fused 4-D attention returning (output, natural log-sum-exp of the scaled logits)."""
    if _FLASH is not None and q.device.type == "cpu":
        return _FLASH(q, k, v, is_causal=causal, attn_mask=mask)
    s = (q @ k.transpose(-1, -2)).float() / math.sqrt(q.shape[-1])
    if mask is not None:
        s = s + mask.float()
    if causal:
        s = s.masked_fill(torch.ones(s.shape[-2:], dtype=torch.bool, device=s.device).triu(1), float("-inf"))
    lse = torch.logsumexp(s, dim=-1)
    safe = torch.where(torch.isfinite(lse), lse, torch.zeros_like(lse))
    out = (torch.exp(s - safe.unsqueeze(-1)) @ v.float()).to(q.dtype)
    return out, lse


class _State:
    """Output and log-sum-exp accumulators over flat query rows."""

    def __init__(
        self, rows: int, b_q: int, d: int, like: torch.Tensor, merge: bool, written: list[torch.Tensor]
    ):
        self.out = torch.empty(rows, b_q, d, dtype=like.dtype, device=like.device)
        blank = torch.ones(rows, dtype=torch.bool)
        if written:
            blank[torch.cat(written)] = False
        if bool(blank.all()):
            self.out.zero_()
        elif bool(blank.any()):
            self.out[blank] = 0
        self.lse = torch.full((rows, b_q), float("-inf"), device=like.device) if merge else None

    def put(self, rows: torch.Tensor | slice, o: torch.Tensor, lse: torch.Tensor, write: bool) -> None:
        """Store (write) or log-sum-exp merge a job's result into the accumulators."""
        if write:
            self.out[rows] = o
            if self.lse is not None:
                self.lse[rows] = lse.float()
            return
        old = self.lse[rows]
        new = torch.logaddexp(old, lse.float())
        safe = torch.where(torch.isfinite(new), new, torch.zeros_like(new))
        a = torch.exp(old - safe).unsqueeze(-1).to(o.dtype)
        b = torch.exp(lse.float() - safe).unsqueeze(-1).to(o.dtype)
        self.out[rows] = self.out[rows] * a + o * b
        self.lse[rows] = new


def cpu_sparse_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    layout: BlockLayout,
    *,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    threads: int | None = None,
    fold: bool = True,
    lse_out: torch.Tensor | None = None,
) -> torch.Tensor:
    """Block-sparse attention of ``[B, H, N, d]`` tensors (in the layout's token order) on the CPU.

    Jobs are cut into tasks of a few query blocks whose gathered keys and values fit in
    ``chunk_bytes``; tasks run on ``threads`` one-thread workers (default: torch's thread count),
    one segment (level, causal cut) after another so that log-sum-exp merges never race. With
    ``fold``, query blocks under 192 tokens are grouped into super-rows for their shared blocks.
    Key-token columns run last, gathered per query block, and are merged by log-sum-exp.
    A float32 ``[B, H, N]`` ``lse_out`` receives each query's natural log-sum-exp (sparse heads only).
    """
    if lse_out is not None:
        lse_check(lse_out, q=q, layout=layout)
    bsz, heads, n_q_tok, d = q.shape
    kv_heads = k.shape[1]
    b_q, b_k = layout.block_size
    n_q = n_q_tok // b_q
    q, k, v = q.contiguous(), k.contiguous(), v.contiguous()
    folded = layout_fold(layout) if fold else None
    if folded is None:
        plans = [(cpu_plan_build(layout, kv_heads=kv_heads), 1)]
    else:
        plans = [(cpu_plan_build(folded[0], kv_heads=kv_heads), folded[2])]
        plans.append((cpu_plan_build(folded[1], kv_heads=kv_heads), 1))
    workers = torch.get_num_threads() if threads is None else threads
    pyramid: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}
    phases: list[list] = []
    written: list[torch.Tensor] = []  # output rows the first phase writes (the rest start at zero)
    state = None
    for p_i, (plan, f) in enumerate(plans):
        qf = q.view(bsz * heads * n_q // f, f * b_q, d)
        by_seg: dict[tuple[int, bool], list] = {}
        for job in plan.jobs:
            if job.level not in pyramid:
                pyramid[job.level] = _pooled(k, v, job.level)
            seg = (job.level, job.partial)
            write = p_i == 0 and seg == plan.first_segment
            if write:
                written.append((job.rows.view(-1, 1) * f + torch.arange(f)).flatten())
            bk = b_k // 2 ** (job.level - 1)
            kv = pyramid[job.level]
            per_row = (f * b_q if job.kind == "shared" else job.m * bk) * d * qf.element_size() * 2
            bounds = _task_bounds(
                rows=len(job.rows), per_row=per_row, chunk_bytes=chunk_bytes, workers=workers
            )
            for t0, t1 in bounds:
                cost = (t1 - t0) * per_row * (f if job.kind == "shared" else 1)
                by_seg.setdefault(seg, []).append(
                    (
                        cost,
                        lambda job=job, t0=t0, t1=t1, kv=kv, bk=bk, write=write, qf=qf, f=f: _run_task(
                            job, t0, t1, qf, kv, f * b_q, bk, state, write, f
                        ),
                    )
                )
        for s in sorted(by_seg, key=lambda s, p=plan: s != p.first_segment):
            # largest first: workers pulling dynamically then finish close together
            phases.append([fn for _, fn in sorted(by_seg[s], key=lambda t: -t[0])])
    merging = len(phases) > 1 or layout.has_columns or lse_out is not None
    state = _State(bsz * heads * n_q, b_q, d, q, merging, written)
    for tasks in phases:
        tasks_run(tasks, threads=workers)
    if layout.has_columns:
        for rows, o, lse in columns_attention(q, k, v, layout):
            state.put(rows, o, lse, False)
    if lse_out is not None:
        lse_out.copy_(state.lse.view(bsz, heads, n_q_tok))
    out = state.out.view(bsz * heads, n_q_tok, d)
    non_sparse_heads_fill(q, k, v, layout, out)
    return out.view(bsz, heads, n_q_tok, d)


def _task_bounds(*, rows: int, per_row: int, chunk_bytes: int, workers: int) -> list[tuple[int, int]]:
    """Split a job's rows into tasks of at most ``chunk_bytes`` of keys and values each; the task count
    is rounded up to a multiple of the workers (when there are enough rows) and the rows are spread
    evenly, so that no worker is left with one extra task at the end."""
    per_task = max(1, min(rows, chunk_bytes // max(per_row, 1)))
    count = -(-rows // per_task)
    if workers > 1 and count % workers and rows >= workers:
        count = min(rows, count + workers - count % workers)
    edges = [rows * t // count for t in range(count + 1)]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def _pooled(k: torch.Tensor, v: torch.Tensor, level: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Keys and values mean-pooled over 2**(level-1) tokens, flattened to [B*Hkv, N', d]."""
    bsz, kv_heads, n, d = k.shape
    pool = 2 ** (level - 1)
    if pool == 1:
        return k.view(bsz * kv_heads, n, d), v.view(bsz * kv_heads, n, v.shape[-1])
    kp = k.view(bsz * kv_heads, n // pool, pool, d).mean(2)
    vp = v.view(bsz * kv_heads, n // pool, pool, v.shape[-1]).mean(2)
    return kp.contiguous(), vp.contiguous()


def _rows_select(qf: torch.Tensor, rows: torch.Tensor) -> tuple[torch.Tensor | slice, torch.Tensor]:
    """The query rows as a slice and view when consecutive, else as indices and a copy."""
    if len(rows) == 1 or int(rows[-1] - rows[0]) == len(rows) - 1:
        r0 = int(rows[0])
        sel = slice(r0, r0 + len(rows))
        return sel, qf[sel]
    return rows, qf.index_select(0, rows)


def _run_task(
    job: CpuJob, t0: int, t1: int, qf, kv, b_q: int, bk: int, state: _State, write: bool, fold: int
) -> None:
    """Attention of the job's rows t0..t1 over their keys, stored or merged into the state."""
    kb, vb = kv
    d, dv = qf.shape[-1], vb.shape[-1]
    g = t1 - t0
    sel, qc = _rows_select(qf, job.rows[t0:t1])
    if job.kind == "shared":
        keys = job.key_rows
        first = int(keys[0])
        if int(keys[-1]) - first == job.m - 1:
            kc = kb.view(-1, bk, d)[first : first + job.m].reshape(1, 1, job.m * bk, d)
            vc = vb.view(-1, bk, dv)[first : first + job.m].reshape(1, 1, job.m * bk, dv)
        else:
            kc = _gather(kb.view(-1, bk, d), keys, "k").view(1, 1, job.m * bk, d)
            vc = _gather(vb.view(-1, bk, dv), keys, "v").view(1, 1, job.m * bk, dv)
        o, lse = sdpa_with_lse(qc.reshape(1, 1, g * b_q, d), kc, vc)
        o, lse = o.view(g, b_q, dv), lse.view(g, b_q)
    else:
        if job.kind == "strided":
            kc = _strided_view(kb, job, t0, g, bk)
            vc = _strided_view(vb, job, t0, g, bk)
        else:
            keys = job.key_rows[t0 * job.m : t1 * job.m]
            kc = _gather(kb.view(-1, bk, d), keys, "k").view(g, 1, job.m * bk, d)
            vc = _gather(vb.view(-1, bk, dv), keys, "v").view(g, 1, job.m * bk, dv)
        mask, hidden = (None, None)
        if job.partial:
            mask, hidden = _partial_mask(job.delta[t0:t1], b_q, bk, qc.dtype)
        o, lse = sdpa_with_lse(qc.unsqueeze(1), kc, vc, mask=mask)
        o, lse = o.squeeze(1), lse.squeeze(1)
        if hidden is not None:
            lse = lse.masked_fill(hidden, float("-inf"))
            o = o.masked_fill(hidden.unsqueeze(-1), 0.0)
    if job.level > 1:
        lse = lse + (job.level - 1) * math.log(2.0)
    if fold > 1:
        o, lse = o.reshape(g * fold, b_q // fold, -1), lse.reshape(g * fold, b_q // fold)
        if isinstance(sel, slice):
            sel = slice(sel.start * fold, sel.stop * fold)
        else:
            sel = (sel.view(-1, 1) * fold + torch.arange(fold)).flatten()
    state.put(sel, o, lse, write)


def _gather(blocks: torch.Tensor, index: torch.Tensor, slot: str) -> torch.Tensor:
    """``blocks.index_select(0, index)`` into a per-thread scratch buffer, reused across tasks so that
    large gathers do not map fresh pages every time. The result is only valid until the next
    gather of the same slot on this thread."""
    shape = (len(index),) + tuple(blocks.shape[1:])
    numel = len(index) * blocks[0].numel()
    buf = scratch_buffer(key=("gather", slot), numel=numel, dtype=blocks.dtype, device=blocks.device)
    return torch.index_select(blocks, 0, index, out=buf.view(shape))


def _strided_view(base: torch.Tensor, job: CpuJob, t0: int, g: int, bk: int) -> torch.Tensor:
    """Overlapping no-copy view [g, 1, m*bk, d] of contiguous key ranges advancing by job.step blocks."""
    d = base.shape[-1]
    n = base.shape[1]
    offset = (job.kv_bh * n + (job.start + t0 * job.step) * bk) * d + base.storage_offset()
    return base.as_strided((g, 1, job.m * bk, d), (job.step * bk * d, job.m * bk * d, d, 1), offset)


def _partial_mask(delta: torch.Tensor, b_q: int, bk: int, dtype) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Additive causal mask for blocks cut by the diagonal, and the query tokens that see no key."""
    g, m = delta.shape
    t = torch.arange(b_q).view(1, b_q, 1)
    s = torch.arange(bk).view(1, 1, bk)
    shared = bool((delta == delta[:1]).all())
    dl = delta[:1] if shared else delta
    allowed = (dl.view(-1, 1, m, 1) + t.unsqueeze(-1) - s.unsqueeze(2)) >= 0  # [g', b_q, m, bk]
    allowed = allowed.view(dl.shape[0], 1, b_q, m * bk)
    mask = torch.zeros(allowed.shape, dtype=dtype).masked_fill(~allowed, float("-inf"))
    hidden = (delta.max(dim=1).values.view(-1, 1) + torch.arange(b_q).view(1, -1)) < 0
    return mask, (hidden if bool(hidden.any()) else None)


def non_sparse_heads_fill(q, k, v, layout: BlockLayout, out: torch.Tensor) -> None:
    """Write the heads whose mode is not sparse into ``out`` ([B*H, N, d]): full heads dense, skipped zero."""
    if layout.head_modes is None:
        return
    modes = layout.head_modes.reshape(-1)
    if bool((modes == HEAD_FULL).any()):
        full_heads_attention(torch.nonzero(modes == HEAD_FULL).flatten(), q, k, v, layout, out)
    if bool((modes == HEAD_SKIP).any()):
        out[torch.nonzero(modes == HEAD_SKIP).flatten()] = 0


def full_heads_attention(full_bh: torch.Tensor, q, k, v, layout: BlockLayout, out: torch.Tensor) -> None:
    """Dense attention for heads in full mode (causal if the layout is)."""
    bsz, heads, n, d = q.shape
    kv_heads = k.shape[1]
    group = heads // kv_heads
    kv_bh = (full_bh // heads) * kv_heads + (full_bh % heads) // group
    qs = q.view(bsz * heads, n, d)[full_bh].unsqueeze(0)
    ks = k.view(bsz * kv_heads, k.shape[2], d)[kv_bh].unsqueeze(0)
    vs = v.view(bsz * kv_heads, v.shape[2], v.shape[-1])[kv_bh].unsqueeze(0)
    if layout.causal and layout.kv_offset == 0:
        o = F.scaled_dot_product_attention(qs, ks, vs, is_causal=True)
    elif layout.causal:
        keep = torch.arange(layout.kv_len).view(1, -1) <= (torch.arange(n).view(-1, 1) + layout.kv_offset)
        o = F.scaled_dot_product_attention(qs, ks, vs, attn_mask=keep)
    else:
        o = F.scaled_dot_product_attention(qs, ks, vs)
    out[full_bh] = o.squeeze(0)
