"""Sampled block importance (PSA, BLADE) through the compiled kernel."""

from __future__ import annotations

import torch

from kernels.backends.native.build import native_library


def native_block_importance(
    qs: torch.Tensor,
    ks: torch.Tensor,
    *,
    n_qb: int,
    n_kb: int,
    samples_q: int,
    samples_k: int,
    blocks_per_task: int,
    threads: int | None = None,
) -> torch.Tensor:
    """``[heads, n_qb, n_kb]`` importance as in ``kernels.methods.importance`` (row-normalised maxima
    of exp(key-block max logit - row max) over each query block's samples).

    ``qs`` (scaled by 1/sqrt(d)) float32 ``[heads, n_qb * samples_q, d]`` and ``ks`` float32
    ``[heads, n_kb * samples_k, d]``: sampled tokens grouped by block. Tasks of ``blocks_per_task``
    query blocks run on ``threads`` threads.
    """
    lib = native_library()
    heads, rows, d = qs.shape
    floats = qs.dtype == ks.dtype == torch.float32
    shapes = rows == n_qb * samples_q and tuple(ks.shape) == (heads, n_kb * samples_k, d)
    if not (floats and shapes):
        raise ValueError(
            f"qs {tuple(qs.shape)} {qs.dtype} / ks {tuple(ks.shape)} {ks.dtype}: expected float32 "
            f"[heads, {n_qb * samples_q}, d] and [heads, {n_kb * samples_k}, d]"
        )
    qs, ks = qs.contiguous(), ks.contiguous()
    out = torch.empty(heads, n_qb, n_kb)
    workers = torch.get_num_threads() if threads is None else threads
    status = lib.importance(
        qs.data_ptr(), ks.data_ptr(), out.data_ptr(), heads, n_qb, n_kb, samples_q, samples_k, d,
        blocks_per_task, workers, lib.sgemm, lib.mkl_threads_local,
    )  # fmt: skip
    if status != 0:
        raise MemoryError("native importance kernel: could not allocate its per-thread score tiles")
    return out
