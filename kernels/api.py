"""sparse_attention: check inputs against the layout, apply its token order, dispatch to a backend."""

from __future__ import annotations

import importlib.util

import torch

from kernels.backends.cpu import cpu_sparse_attention
from kernels.backends.native.attention import native_sparse_attention
from kernels.backends.native.build import native_unavailable_reason
from kernels.layout import BlockLayout

BACKENDS = ("auto", "native", "cpu", "flex", "triton")


def backend_resolve(*, backend: str, device: torch.device, dtype: torch.dtype = torch.float32) -> str:
    """The concrete backend: "auto" picks our Triton kernel on CUDA, the compiled kernel ("native") for
    float32 on a CPU where it builds, and the SDPA gather kernel ("cpu") otherwise.

    On the H200 (2026-12-04, bench/kernels_gpu.py, docs/PERFORMANCE.md) the Triton kernel matched the
    float64 reference on every layout kind and ran 1.3x faster than the FlexAttention path at 32k
    tokens, while compiled FlexAttention failed pyramid levels and small blocks and got causal layouts
    wrong; "flex" stays available by name, and is the CUDA default where triton is not installed.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "auto":
        if device.type == "cuda":
            return "triton" if importlib.util.find_spec("triton") is not None else "flex"
        if device.type == "cpu" and dtype == torch.float32 and native_unavailable_reason() is None:
            return "native"
        return "cpu"
    return backend


def tokens_permute(*, x: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``x[:, :, index]`` for ``[B, H, N, d]`` tensors (through a 3-D view: several times faster)."""
    b, h, n, d = x.shape
    return x.reshape(b * h, n, d).index_select(1, index).view(b, h, len(index), d)


def triton_backend():
    """The Triton backend's entry point, or ImportError saying that the triton package is missing."""
    try:
        from kernels.backends.triton_attention import triton_sparse_attention
    except ImportError as exc:
        if exc.name is not None and exc.name.split(".")[0] != "triton":
            raise
        raise ImportError(
            "backend='triton' needs the triton package (pip install 'sparsebench[gpu]', triton==3.7.1)"
        ) from exc
    return triton_sparse_attention


def sparse_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    layout: BlockLayout,
    *,
    backend: str = "auto",
    lse_out: torch.Tensor | None = None,
) -> torch.Tensor:
    """Attention of ``[B, H, N, d]`` q over ``[B, H_kv, N_kv, d]`` k, v restricted to ``layout``.

    Equals ``layout_attention_reference(q, k, v, layout)``: causal if the layout is, pooled levels
    with their logit bias, full heads dense, skipped heads and rows without blocks zero.
    ``backend``: "auto" (see ``backend_resolve``), "native" (compiled C, float32 CPU tensors), "cpu"
    (any dtype), "flex" or "triton" (CUDA, or CPU tensors
    under ``TRITON_INTERPRET=1``; power-of-two blocks >= 16, d in 16/32/64/128).
    ``lse_out``, a float32 ``[B, H, N]`` tensor, receives each query's natural log-sum-exp over its
    attended (pooled, biased) logits, -inf for rows with no key (layouts of sparse heads only): what
    a log-sum-exp merge with attention over further keys needs (BLADE's global tokens).
    """
    bsz, heads, n_q, n_k = layout.shape
    if q.dim() != 4 or k.dim() != 4 or v.dim() != 4:
        raise ValueError(f"q, k, v must be 4-D [B, H, N, d], got {q.dim()}, {k.dim()}, {v.dim()} dims")
    if tuple(q.shape[:3]) != (bsz, heads, layout.q_len):
        raise ValueError(
            f"q shape {tuple(q.shape)} does not match layout (B, H, q_len)={(bsz, heads, layout.q_len)}"
        )
    if k.shape[0] != bsz or k.shape[2] != layout.kv_len or k.shape != v.shape[:3] + (k.shape[3],):
        raise ValueError(
            f"k {tuple(k.shape)} / v {tuple(v.shape)} do not match layout kv_len={layout.kv_len}"
        )
    if heads % k.shape[1] != 0:
        raise ValueError(f"query heads {heads} not a multiple of key/value heads {k.shape[1]}")
    if q.shape[-1] != k.shape[-1] or v.shape[-1] != q.shape[-1]:
        raise ValueError(f"head dims differ: q {q.shape[-1]}, k {k.shape[-1]}, v {v.shape[-1]}")
    chosen = backend_resolve(backend=backend, device=q.device, dtype=q.dtype)
    perm = layout.token_perm
    lse = lse_out
    if perm is not None:
        perm = perm.to(q.device)
        q, k, v = (tokens_permute(x=x, index=perm) for x in (q, k, v))
        lse = None if lse_out is None else torch.empty_like(lse_out)
    if chosen == "native":
        out = native_sparse_attention(q, k, v, layout, lse_out=lse)
    elif chosen == "cpu":
        out = cpu_sparse_attention(q, k, v, layout, lse_out=lse)
    elif chosen == "triton":
        out = triton_backend()(q, k, v, layout, lse_out=lse)
    else:
        from kernels.backends.gpu import flex_sparse_attention

        out = flex_sparse_attention(q, k, v, layout, lse_out=lse)
    if perm is not None:
        back = torch.argsort(perm)
        out = tokens_permute(x=out, index=back)
        if lse_out is not None:
            lse_out.copy_(lse.index_select(2, back))
    return out
