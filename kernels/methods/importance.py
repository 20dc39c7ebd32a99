"""Block importance as PSA's and BLADE's released pooling kernels estimate it, from sampled tokens.

For query block i and key block j: the largest, over the sampled queries of block i, of
``exp(max over block j's sampled keys of the logit - the query's row maximum)`` (no division by the
row's exp-sum), each row of blocks then normalised to sum 1. The sampled tokens sit at the same
random offsets in every block (drawn per head, separately for queries and keys) from ``seed``.
"""

from __future__ import annotations

import math

import torch

from kernels.backends.native.build import native_unavailable_reason
from kernels.backends.native.importance import native_block_importance
from kernels.backends.scratch import scratch_buffer
from kernels.backends.threads import serial, tasks_run


def sample_offsets(*, rows: int, block: int, samples: int, generator: torch.Generator) -> torch.Tensor:
    """int64 ``[rows, samples]``: per row, ``samples`` distinct offsets in [0, block), the indices of
    the largest of ``block`` uniform draws (the released codes' ``topk(rand)``)."""
    if not 1 <= samples <= block:
        raise ValueError(f"samples per block must lie in [1, {block}], got {samples}")
    return torch.topk(torch.rand(rows, block, generator=generator), samples, dim=1).indices


def sampled_positions(
    *, rows: int, n_tokens: int, block_q: int, block_k: int, samples_q: int, samples_k: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(query, key) token positions, int64 ``[rows, blocks * samples]`` grouped by block: one draw of
    offsets per row (batch x head), queries first, from a generator seeded with ``seed``."""
    if n_tokens % block_q or n_tokens % block_k:
        raise ValueError(f"sequence length {n_tokens} must be a multiple of {block_q} and {block_k}")
    g = torch.Generator().manual_seed(seed)
    q_off = sample_offsets(rows=rows, block=block_q, samples=samples_q, generator=g)
    k_off = sample_offsets(rows=rows, block=block_k, samples=samples_k, generator=g)
    q_pos = (torch.arange(n_tokens // block_q).view(1, -1, 1) * block_q + q_off.unsqueeze(1)).flatten(1)
    k_pos = (torch.arange(n_tokens // block_k).view(1, -1, 1) * block_k + k_off.unsqueeze(1)).flatten(1)
    return q_pos, k_pos


def sampled_block_importance(
    q: torch.Tensor,
    k: torch.Tensor,
    *,
    block_q: int,
    block_k: int,
    samples_q: int,
    samples_k: int,
    seed: int,
    token_perm: torch.Tensor | None = None,
    chunk_bytes: int = 1 << 21,
    native: bool = True,
) -> torch.Tensor:
    """float32 ``[B, H, N/block_q, N/block_k]`` importance of q, k ``[B, H(kv), N, d]`` (module doc).

    Blocks are cut in ``token_perm`` order when given (the order the layout's blocks refer to). The
    sampled scores are computed in cache-sized chunks of query blocks on one-thread workers into a
    per-thread scratch buffer; with ``native`` (the default) CPU tensors go through the compiled
    kernel instead, where it builds.
    """
    bsz, heads, n, d = q.shape
    q_pos, k_pos = sampled_positions(
        rows=bsz * heads, n_tokens=n, block_q=block_q, block_k=block_k,
        samples_q=samples_q, samples_k=samples_k, seed=seed,
    )  # fmt: skip
    if token_perm is not None:
        q_pos, k_pos = token_perm[q_pos], token_perm[k_pos]
    qs, ks = _sampled_rows(q=q, k=k, q_pos=q_pos.to(q.device), k_pos=k_pos.to(q.device))
    n_qb, n_kb = n // block_q, n // block_k
    rows = max(1, chunk_bytes // (4 * samples_q * n_kb * samples_k))
    if native and q.device.type == "cpu" and native_unavailable_reason() is None:
        imp = native_block_importance(
            qs, ks, n_qb=n_qb, n_kb=n_kb, samples_q=samples_q, samples_k=samples_k, blocks_per_task=rows
        )
        return imp.view(bsz, heads, n_qb, n_kb)
    out = torch.empty(bsz * heads, n_qb, n_kb, device=q.device)
    ks_t = ks.transpose(1, 2)

    def task(bh: int, i0: int, i1: int) -> None:
        """Query blocks i0..i1 of one head."""
        numel = (i1 - i0) * samples_q * n_kb * samples_k
        s = scratch_buffer(key="block-importance", numel=numel, dtype=torch.float32, device=q.device)
        s = s.view(-1, n_kb * samples_k)
        torch.mm(qs[bh, i0 * samples_q : i1 * samples_q], ks_t[bh], out=s)
        block_max = s.view(-1, n_kb, samples_k).amax(-1)  # per sampled query and key block
        block_max.sub_(block_max.amax(-1, keepdim=True)).exp_()  # exp(logit - row max), no row sum
        torch.amax(block_max.view(i1 - i0, samples_q, n_kb), dim=1, out=out[bh, i0:i1])

    tasks = [
        (lambda bh=bh, i0=i0: task(bh, i0, min(n_qb, i0 + rows)))
        for bh in range(bsz * heads)
        for i0 in range(0, n_qb, rows)
    ]
    tasks_run(tasks, threads=torch.get_num_threads() if q.device.type == "cpu" else 1)
    out.div_(out.sum(-1, keepdim=True))
    return out.view(bsz, heads, n_qb, n_kb)


@serial
def _sampled_rows(
    *, q: torch.Tensor, k: torch.Tensor, q_pos: torch.Tensor, k_pos: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sampled queries scaled by 1/sqrt(d) ``[B*H, Sq, d]`` and sampled keys ``[B*H, Sk, d]``, float32,
    per (batch, head) row of positions (key heads shared by grouped queries), single-threaded."""
    bsz, heads, n, d = q.shape
    kv_heads = k.shape[1]
    bh = torch.arange(bsz * heads, device=q.device)
    kv_row = (bh // heads) * kv_heads + (bh % heads) // (heads // kv_heads)
    q_flat = (bh.view(-1, 1) * n + q_pos).reshape(-1)
    k_flat = (kv_row.view(-1, 1) * n + k_pos).reshape(-1)
    qs = q.reshape(-1, d).index_select(0, q_flat).float().mul_(1.0 / math.sqrt(d))
    ks = k.reshape(-1, d).index_select(0, k_flat).float()
    return qs.view(bsz * heads, -1, d), ks.view(bsz * heads, -1, d)
