"""The parent's side of the child's framing (length-prefixed JSON) and of the shared memory regions."""

from __future__ import annotations

import fcntl
import json
import math
import mmap
import os
import select
import struct
import time

import torch

from evaluator.sandbox.spec import problem

MAX_MESSAGE = 1 << 20
ALIGN = 64
DTYPE_NAMES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
               "float64")  # fmt: skip
DTYPES = {name: getattr(torch, name) for name in DTYPE_NAMES}


class SharedRegion:
    """A sealed memfd of fixed size, mapped here and handed to the child by descriptor number."""

    def __init__(self, *, name: str, size: int):
        """Create, size and seal (no growing or shrinking) the region, and map it."""
        self.size = size
        self.fd = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        os.ftruncate(self.fd, size)
        fcntl.fcntl(self.fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
        self.map = mmap.mmap(self.fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)

    def write(self, tensors: dict[str, torch.Tensor]) -> dict[str, dict]:
        """Copy the tensors in, one after another (aligned); their descriptors for the child."""
        descs, offset = {}, 0
        for name, t in tensors.items():
            flat = t.detach().cpu().contiguous().reshape(-1)
            nbytes = flat.numel() * flat.element_size()
            if offset + nbytes > self.size:
                raise ValueError(f"inputs need more than the {self.size} bytes of SandboxSpec.input_bytes")
            if nbytes:
                view = torch.frombuffer(self.map, dtype=torch.uint8, count=nbytes, offset=offset)
                view.copy_(flat.view(torch.uint8))
            descs[name] = {"dtype": str(t.dtype).removeprefix("torch."), "shape": list(t.shape),
                           "offset": offset, "nbytes": nbytes}  # fmt: skip
            offset += -(-nbytes // ALIGN) * ALIGN
        return descs

    def read(self, descs: object) -> dict[str, torch.Tensor]:
        """Copies of the child's arrays after checking every descriptor (it is not trusted)."""
        if not isinstance(descs, dict) or len(descs) > 16:
            raise problem("protocol", "the answer's array list is not a mapping of at most 16 arrays")
        out: dict[str, torch.Tensor] = {}
        for name, d in descs.items():
            where = f"answer[{name!r}]"
            try:
                dtype = DTYPES[d["dtype"]]
                shape = [int(s) for s in d["shape"]]
                offset, nbytes = int(d["offset"]), int(d["nbytes"])
            except (KeyError, TypeError, ValueError):
                raise problem("answer_dtype", f"unsupported or missing dtype/shape ({str(d)[:200]})",
                              where=where) from None  # fmt: skip
            item = torch.empty((), dtype=dtype).element_size()
            if min(shape, default=0) < 0 or len(shape) > 6 or nbytes != math.prod(shape) * item:
                raise problem("answer_shape", f"shape {shape[:8]} does not match {nbytes} bytes", where=where)
            if offset < 0 or offset % ALIGN or offset + nbytes > self.size:
                raise problem("protocol", f"array at {offset}+{nbytes} outside the region", where=where)
            if nbytes:
                raw = torch.frombuffer(self.map, dtype=torch.uint8, count=nbytes, offset=offset)
                out[name] = raw.clone().view(dtype).view(shape)
            else:
                out[name] = torch.empty(shape, dtype=dtype)
        return out

    def close(self) -> None:
        """Unmap and close."""
        self.map.close()
        os.close(self.fd)


def message_send(fd: int, message: dict) -> None:
    """Write one framed message."""
    body = json.dumps(message).encode("utf-8")
    os.write(fd, struct.pack(">I", len(body)) + body)


def message_receive(fd: int, *, deadline: float) -> dict | None:
    """One framed message, or None on end of file; TimeoutError past ``deadline`` (monotonic)."""
    head = _read(fd, 4, deadline=deadline)
    if head is None:
        return None
    (size,) = struct.unpack(">I", head)
    if size > MAX_MESSAGE:
        raise problem("answer_too_large", f"a {size}-byte message, at most {MAX_MESSAGE}")
    body = _read(fd, size, deadline=deadline)
    if body is None:
        return None
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise problem("protocol", "the child's message is not JSON") from None
    if not isinstance(message, dict):
        raise problem("protocol", "the child's message is not an object")
    return message


def _read(fd: int, n: int, *, deadline: float) -> bytes | None:
    """Exactly ``n`` bytes, None on end of file, TimeoutError past the deadline."""
    chunks, left = [], n
    poller = select.poll()  # not select.select: a busy worker's descriptors may pass 1024
    poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    while left:
        wait = deadline - time.monotonic()
        if wait <= 0 or not poller.poll(wait * 1000.0):
            raise TimeoutError
        part = os.read(fd, min(left, 1 << 16))
        if not part:
            return None
        chunks.append(part)
        left -= len(part)
    return b"".join(chunks)
