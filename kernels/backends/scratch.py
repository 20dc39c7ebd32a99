"""Per-thread scratch buffers reused across kernel tasks, so that large temporaries do not map fresh pages."""

from __future__ import annotations

import threading
from collections.abc import Hashable

import torch

_LOCAL = threading.local()
RETAIN_BYTES = 256 << 20  # larger requests get a fresh tensor: a long-lived worker must not hold them


def scratch_buffer(*, key: Hashable, numel: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """A flat buffer of ``numel`` elements for ``key`` on this thread; valid until its next request.

    Buffers up to ``RETAIN_BYTES`` are kept for reuse; a larger request is allocated afresh and not kept.
    """
    if numel * dtype.itemsize > RETAIN_BYTES:
        return torch.empty(numel, dtype=dtype, device=device)
    pool = getattr(_LOCAL, "pool", None)
    if pool is None:
        pool = _LOCAL.pool = {}
    slot = (key, dtype, device)
    buf = pool.get(slot)
    if buf is None or buf.numel() < numel:
        buf = pool[slot] = torch.empty(numel, dtype=dtype, device=device)
    return buf[:numel]
