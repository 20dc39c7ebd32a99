"""Sampled block importance (PSA, BLADE) through the compiled kernel."""

from __future__ import annotations

import torch

from kernels.backends.native.build import native_library


def native_block_importance(
    qs: torch.Tensor,
    ks: torch.Tensor,
    *,
    n_b: int,
    samples: int,
    blocks_per_task: int,
    threads: int | None = None,
) -> torch.Tensor:
    """``[heads, n_b, n_b]`` tile maxima of the row softmax of ``qs @ ks^T``.

    ``qs`` (scaled by 1/sqrt(d)) and ``ks`` are float32 ``[heads, n_b * samples, d]``, sampled tokens
    grouped by block. Tasks of ``blocks_per_task`` query blocks run on ``threads`` threads.
    """
    lib = native_library()
    heads, rows, d = qs.shape
    floats = qs.dtype == ks.dtype == torch.float32
    if ks.shape != qs.shape or rows != n_b * samples or not floats:
        raise ValueError(
            f"qs {tuple(qs.shape)} {qs.dtype} / ks {tuple(ks.shape)} {ks.dtype}: expected float32 "
            f"[heads, {n_b * samples}, d] each"
        )
    qs, ks = qs.contiguous(), ks.contiguous()
    out = torch.empty(heads, n_b, n_b)
    workers = torch.get_num_threads() if threads is None else threads
    status = lib.importance(
        qs.data_ptr(), ks.data_ptr(), out.data_ptr(), heads, n_b, samples, d, blocks_per_task, workers,
        lib.sgemm, lib.mkl_threads_local,
    )  # fmt: skip
    if status != 0:
        raise MemoryError("native importance kernel: could not allocate its per-thread score tiles")
    return out
