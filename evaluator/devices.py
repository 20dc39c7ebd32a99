"""The device a worker scores on: CUDA where a GPU is visible, else the CPU ($SPARSEBENCH_DEVICE decides)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

DEVICE_ENV = "SPARSEBENCH_DEVICE"
CHOICES = ("auto", "cpu", "cuda")


def scoring_device() -> torch.device:
    """The scoring device: $SPARSEBENCH_DEVICE (auto, cpu or cuda; default auto = CUDA when available).
    torch is imported here, not with the module: the web and management processes import this one."""
    import torch

    wanted = os.environ.get(DEVICE_ENV, "auto").strip().lower() or "auto"
    if wanted not in CHOICES:
        raise ValueError(f"{DEVICE_ENV}={wanted!r}: use one of {', '.join(CHOICES)}")
    if wanted == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{DEVICE_ENV}=cuda but no CUDA device is visible to this worker")
    if wanted == "auto":
        wanted = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(wanted)


def phase_device(*, needs_gpu: bool, code: bool) -> torch.device:
    """The device a phase's model runs on: a GPU phase's on the scoring device (CUDA where this worker has
    one and $SPARSEBENCH_DEVICE allows), everything else on the CPU.

    Code submissions stay on the CPU: the sandbox hands q and k over and reads the answer back through
    shared memory as CPU tensors, and their speed is measured on the CPU (frontier/speed.py); CPU phases
    run on the CPU on any worker, so that their figures do not depend on which worker took them."""
    import torch

    if code or not needs_gpu:
        return torch.device("cpu")
    return scoring_device()


def tensors_walk(
    obj: object, *, path: str = "", seen: set[int] | None = None
) -> Iterator[tuple[str, torch.Tensor]]:
    """Every tensor reachable from ``obj`` through attributes, dataclass fields, modules' parameters and
    buffers, and containers, with its path ("compact[0].qkv.block"): where a model keeps its state."""
    import torch

    seen = set() if seen is None else seen
    if id(obj) in seen or obj is None or isinstance(obj, (str, bytes, int, float, bool, torch.device)):
        return
    seen.add(id(obj))
    if isinstance(obj, torch.Tensor):
        yield path, obj
        return
    if isinstance(obj, torch.nn.Module):
        for name, t in [*obj.named_parameters(), *obj.named_buffers()]:
            yield f"{path}.{name}".lstrip("."), t
        return
    if isinstance(obj, dict):
        items = [(f"{path}[{k!r}]", v) for k, v in obj.items()]
    elif isinstance(obj, (list, tuple)):
        items = [(f"{path}[{i}]", v) for i, v in enumerate(obj)]
    elif hasattr(obj, "__dict__") or hasattr(obj, "__slots__"):
        names = list(getattr(obj, "__dict__", {})) or list(getattr(obj, "__slots__", ()))
        items = [(f"{path}.{n}".lstrip("."), getattr(obj, n)) for n in names if hasattr(obj, n)]
    else:
        return
    for sub, value in items:
        yield from tensors_walk(value, path=sub, seen=seen)
