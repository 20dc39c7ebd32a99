"""Per-thread scratch buffers reused across kernel tasks, so that large temporaries do not map fresh pages."""

from __future__ import annotations

import threading
from collections.abc import Hashable

import torch

_LOCAL = threading.local()


def scratch_buffer(*, key: Hashable, numel: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """A flat buffer of ``numel`` elements for ``key`` on this thread; valid until its next request."""
    pool = getattr(_LOCAL, "pool", None)
    if pool is None:
        pool = _LOCAL.pool = {}
    slot = (key, dtype, device)
    buf = pool.get(slot)
    if buf is None or buf.numel() < numel:
        buf = pool[slot] = torch.empty(numel, dtype=dtype, device=device)
    return buf[:numel]
