"""The sandboxed child's trusted start: limits, user drop, import guard, torch, then the upload and requests.

Copied into the sandbox and run there with ``python -I -S bootstrap.py CONFIG_JSON``; it imports
nothing of the project (only the standard library, numpy and torch) and speaks the parent's
framing: a 4-byte big-endian length, then UTF-8 JSON; arrays live in the two shared regions.
"""

import base64
import errno
import importlib
import importlib.machinery
import json
import mmap
import os
import resource
import struct
import sys
import time

MAIN_PID = os.getpid()
ALIGN = 64
UNTRUSTED_ROOTS = ("/tmp",)  # the writable tmpfs: the upload is written under /tmp/submission


def _read_exact(fd, n):
    """Exactly ``n`` bytes from ``fd`` (EOF: the parent is gone, exit)."""
    chunks = []
    while n:
        part = os.read(fd, n)
        if not part:
            os._exit(0)
        chunks.append(part)
        n -= len(part)
    return b"".join(chunks)


def _send(fd, message):
    """One framed JSON message (only the sandbox's first process ever answers)."""
    if os.getpid() != MAIN_PID:
        os._exit(0)
    body = json.dumps(message).encode("utf-8")
    os.write(fd, struct.pack(">I", len(body)) + body)


def _limits(cfg):
    """Set the rlimits, then leave root for the sandbox user when started as root."""
    lim = cfg["limits"]
    start_cpu = int(cfg["start_seconds"] * cfg["threads"]) + 1
    for name, value, extra in (("RLIMIT_CPU", start_cpu, lim["cpu_seconds"] + 3),
                               ("RLIMIT_AS", lim["memory_bytes"], 0),
                               ("RLIMIT_NPROC", lim["processes"], 0), ("RLIMIT_NOFILE", lim["open_files"], 0),
                               ("RLIMIT_FSIZE", lim["written_bytes"], 0), ("RLIMIT_CORE", 0, 0)):  # fmt: skip
        resource.setrlimit(getattr(resource, name), (value, value + extra))
    if os.getuid() == 0:
        os.setgroups([])
        os.setgid(cfg["uid"])
        os.setuid(cfg["uid"])
        if os.getuid() != cfg["uid"] or os.geteuid() != cfg["uid"]:
            os._exit(3)


def _planted(origin):
    """True when code in the sandbox could have written this file: under the writable /tmp, and not in
    one of the read-only library folders bound there (a virtual environment that lives under /tmp)."""
    if not origin.startswith(UNTRUSTED_ROOTS):
        return False
    return os.access(origin, os.W_OK) or os.access(os.path.dirname(origin), os.W_OK)


class NativeGuard:
    """Meta-path finder refusing compiled modules found in the upload or anywhere writable in /tmp."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        """The path finder's spec, refused (ImportError) when it is native code from an untrusted place."""
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        origin = getattr(spec, "origin", None) or ""
        if origin and not origin.endswith(".py") and _planted(origin):
            raise ImportError(f"native_extension: {origin} is not pure Python source; refused")
        return spec


def _classify(exc):
    """The problem code of an exception raised by the submitted code."""
    text = str(exc)
    if isinstance(exc, ImportError) and text.startswith("native_extension"):
        return "native_extension"
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EFBIG):
        return "written_bytes"
    if isinstance(exc, MemoryError) or "can't allocate memory" in text or "Cannot allocate memory" in text:
        return "memory"
    if isinstance(exc, BlockingIOError) or "Resource temporarily unavailable" in text:
        return "processes"
    return "select_raised"


def _detail(exc):
    """Type and text of an exception, cut to 2000 characters."""
    return f"{type(exc).__name__}: {exc}"[:2000]


def _answer(torch, value, out, capacity):
    """Write the answer's arrays into the answer region; their descriptors, or an error message."""
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        return None, f"select must return a dict of named arrays, got {type(value).__name__}"
    if len(value) > 16:
        return None, f"the answer names {len(value)} arrays, at most 16"
    descs, offset = {}, 0
    for key, arr in value.items():
        t = torch.as_tensor(arr).detach().cpu().contiguous()
        nbytes = t.numel() * t.element_size()
        if offset + nbytes > capacity:
            return None, f"answer_too_large: more than the {capacity} bytes of the answer region"
        if nbytes:
            flat = t.reshape(-1).view(torch.uint8)
            torch.frombuffer(out, dtype=torch.uint8, count=nbytes, offset=offset).copy_(flat)
        descs[key[:64]] = {"dtype": str(t.dtype).removeprefix("torch."), "shape": list(t.shape),
                           "offset": offset, "nbytes": nbytes}  # fmt: skip
        offset += -(-nbytes // ALIGN) * ALIGN
    return descs, None


def main():
    """Start and report warm; write the upload into /tmp, import it and report ready (or why not);
    then answer each request until told to stop."""
    cfg = json.loads(sys.argv[1])
    fds = cfg["fds"]
    sys.path[:] = cfg["paths"]
    _limits(cfg)
    sys.meta_path[:] = [m for m in sys.meta_path if m is not importlib.machinery.PathFinder]
    sys.meta_path.append(NativeGuard)
    import torch

    torch.set_num_threads(cfg["threads"])
    inp = mmap.mmap(fds["input"], cfg["input_bytes"], mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    out = mmap.mmap(fds["answer"], cfg["answer_bytes"], mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    _send(fds["resp"], {"warm": True})
    (size,) = struct.unpack(">I", _read_exact(fds["req"], 4))
    load = json.loads(_read_exact(fds["req"], size))
    if load.get("op") != "load":
        return
    for rel, text in load["files"].items():  # paths checked by the parent
        path = os.path.join(cfg["submission_dir"], rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(text))
    sys.path_importer_cache.pop(cfg["submission_dir"], None)  # it did not exist when the path was read
    importlib.invalidate_caches()
    try:
        module = __import__("submission")
        select = module.select
        if not callable(select):
            raise AttributeError("submission.select is not callable")
    except BaseException as exc:  # noqa: BLE001 - every failure of the upload is reported
        code = "no_select" if isinstance(exc, AttributeError) else _classify(exc)
        _send(fds["resp"], {"ok": False, "code": "import_failed" if code == "select_raised" else code,
                            "detail": _detail(exc)})  # fmt: skip
        return
    used = resource.getrusage(resource.RUSAGE_SELF)
    again = int(used.ru_utime + used.ru_stime) + 1 + cfg["limits"]["cpu_seconds"]
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    resource.setrlimit(resource.RLIMIT_CPU, (min(again, hard - 1), hard))  # as much again for the calls
    _send(fds["resp"], {"ok": True})
    while True:
        (size,) = struct.unpack(">I", _read_exact(fds["req"], 4))
        request = json.loads(_read_exact(fds["req"], size))
        if request.get("op") != "call":
            return
        tensors = {}
        for name, d in request["arrays"].items():
            dtype = getattr(torch, d["dtype"])
            count = d["nbytes"] // torch.empty((), dtype=dtype).element_size()
            flat = torch.frombuffer(inp, dtype=dtype, count=count, offset=d["offset"])
            tensors[name] = flat.view(d["shape"])
        try:
            begin = time.perf_counter()
            value = select(tensors["q"], tensors["k"], **request["info"])
            inside_ms = (time.perf_counter() - begin) * 1000.0
            descs, error = _answer(torch, value, out, cfg["answer_bytes"])
        except BaseException as exc:  # noqa: BLE001 - reported, the parent decides
            _send(fds["resp"], {"ok": False, "code": _classify(exc), "detail": _detail(exc)})
            continue
        if error is not None:
            code = "answer_too_large" if error.startswith("answer_too_large") else "answer_type"
            _send(fds["resp"], {"ok": False, "code": code, "detail": error})
        else:
            _send(fds["resp"], {"ok": True, "arrays": descs, "select_ms": inside_ms})


if __name__ == "__main__":
    main()
