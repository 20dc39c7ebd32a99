"""Generated hostile submissions for the workers' validators: mask files, method configs, code uploads.

Each ``FileProbe`` is what a worker would receive; ``probe.write(folder)`` puts the upload in a folder
under the submitter's own file name. The validator must return problems (never raise) naming that file
or the config field in plain text.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class FileProbe:
    """One hostile upload (bytes under a file name) or config for a benchmark's validator."""

    name: str
    slug: str
    filename: str = ""
    make: Callable[[], bytes] | None = None
    config: object = None
    where: str = ""  # text the first problem's `where` must contain

    def write(self, folder: Path) -> Path | None:
        """The upload written under its own name in ``folder`` (None for a config probe)."""
        if self.make is None:
            return None
        path = folder / self.filename
        path.write_bytes(self.make())
        return path


def _npy_header(shape: tuple[int, ...], descr: str = "<f4") -> bytes:
    """An .npy header declaring ``shape`` of ``descr``, with no data behind it."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    """A ZIP archive of ``members``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _npz(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz of ``arrays`` (object arrays are pickled by numpy: the reader must refuse them)."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _masks_json(masks: object) -> bytes:
    """A JSON mask file holding ``masks``."""
    return json.dumps({"masks": masks}).encode()


def _mask_probes() -> list[FileProbe]:
    """Hostile mask files for sparse-search."""
    ones = [[1] * 256, [1] * 256]
    npz = {
        "npy-23-digit-dimension": lambda: _zip({"level_0.5.npy": _npy_header((10**22, 2))}),
        "npy-size-overflows-int64": lambda: _zip({"level_0.5.npy": _npy_header((2**40, 2**40))}),
        "npy-huge-declared": lambda: _zip({"level_0.5.npy": _npy_header((10**9, 4))}),
        "npy-truncated-data": lambda: _zip({"level_0.5.npy": _npy_header((2, 256)) + b"\0" * 8}),
        "npy-object-pickle": lambda: _npz({"level_0.5": np.array([{"a": 1}, None], dtype=object)}),
        "npy-complex-dtype": lambda: _npz({"level_0.5": np.ones((2, 256), dtype=np.complex64)}),
        "npy-garbage-header": lambda: _zip({"level_0.5.npy": b"\x93NUMPY\x01\x00garbage"}),
        "npz-not-a-zip": lambda: b"PK\x03\x04 this is not an archive",
        "npz-traversal-member": lambda: _zip({"../../level_0.5.npy": _npy_header((2, 256))}),
        "npz-10k-members": lambda: _zip({f"m{i}.npy": b"" for i in range(10_000)}),
        "npz-empty-archive": lambda: _zip({}),
        "npz-wrong-shape": lambda: _npz({"level_0.5": np.ones((3, 7), dtype=bool)}),
        "npz-nan-values": lambda: _npz({"level_0.5": np.full((2, 256), np.nan, dtype=np.float32)}),
    }
    jsons = {
        "json-integer-5000-digits": lambda: b'{"masks": {"0.5": [[' + b"1" * 5000 + b"]]}}",
        "json-nested-100k": lambda: b"[" * 100_000 + b"]" * 100_000,
        "json-empty-mask-list": lambda: _masks_json({"0.5": []}),
        "json-nan": lambda: b'{"masks": {"0.5": [[NaN]]}}',
        "json-masks-a-string": lambda: _masks_json("all of them"),
        "json-level-not-a-number": lambda: _masks_json({"half": ones}),
        "json-ragged-rows": lambda: _masks_json({"0.5": [[1] * 256, [1] * 3]}),
        "json-lone-surrogate-key": lambda: b'{"masks": {"\\udfff": 1}}',
        "json-not-utf8": lambda: b'{"masks": "\xff\xfe"}',
        "json-empty-file": lambda: b"",
        "json-binary-garbage": lambda: bytes(range(256)) * 4,
        "json-a-list": lambda: b"[1, 2, 3]",
    }
    probes = [FileProbe(f"masks-{n}", "sparse-search", "masks.npz", make) for n, make in npz.items()]
    probes += [FileProbe(f"masks-{n}", "sparse-search", "masks.json", make) for n, make in jsons.items()]
    probes.append(FileProbe("masks-wrong-extension", "sparse-search", "masks.txt", lambda: b"0 1 0"))
    return probes


#: hostile long-context method configs, and the config field the problem must name
FRONTIER_CONFIGS = {
    "unknown-method": ({"method": "magic"}, "config.method"),
    "method-a-list": ({"method": ["block_topk"]}, "config.method"),
    "no-method": ({}, "config"),
    "sparsity-a-string": ({"method": "block_topk", "target_sparsity": "0.9"}, "target_sparsity"),
    "sparsity-huge": ({"method": "block_topk", "target_sparsity": 1e308}, "target_sparsity"),
    "sparsity-negative": ({"method": "block_topk", "target_sparsity": -1}, "target_sparsity"),
    "sparsity-one": ({"method": "block_topk", "target_sparsity": 1.0}, "target_sparsity"),
    "params-a-list": ({"method": "block_topk", "params": [1, 2]}, "params"),
    "block-size-zero": ({"method": "block_topk", "params": {"block_size": 0}}, "block_size"),
    "block-size-huge": ({"method": "block_topk", "params": {"block_size": 10**18}}, "block_size"),
    "unknown-top-key": ({"method": "block_topk", "__class__": 1}, "config"),
    "unknown-param": ({"method": "block_topk", "params": {"__init__": 1}}, "params"),
    "param-a-dict": ({"method": "quest", "params": {"page_size": {"a": 1}}}, "page_size"),
    "unknown-preset": ({"method": "block_topk", "preset": "../../etc/passwd"}, "preset"),
    "config-a-list": ([1, 2, 3], "config"),
}


def _code_probes() -> list[FileProbe]:
    """Hostile code uploads for the long-context benchmark (checked before anything runs)."""
    uploads = {
        "syntax-error": ("m.py", lambda: b"def select(q, k, **info:\n    return\n"),
        "nul-bytes": ("m.py", lambda: b"def select(q, k, **info):\n    return {}\x00\n"),
        "not-utf8": ("m.py", lambda: b"# \xff\xfe\ndef select(q, k, **info):\n    return {}\n"),
        "two-mebibytes": ("m.py", lambda: b"#" * (2 * 1024 * 1024)),
        "zip-not-a-zip": ("m.zip", lambda: b"PK\x03\x04 not an archive"),
        "zip-traversal": ("m.zip", lambda: _zip({"../../evil.py": b"x = 1\n", "main.py": b"x = 2\n"})),
        "zip-absolute": ("m.zip", lambda: _zip({"/etc/cron.d/evil.py": b"x = 1\n"})),
        "zip-compiled-module": ("m.zip", lambda: _zip({"main.py": b"import fast\n", "fast.so": b"\x7fELF"})),
        "zip-too-many-entries": ("m.zip", lambda: _zip({f"p{i}.py": b"" for i in range(300)})),
        "zip-bomb": ("m.zip", lambda: _zip({"main.py": b"#" * (8 * 1024 * 1024)})),
        "zip-empty": ("m.zip", lambda: _zip({})),
        "wrong-extension": ("m.sh", lambda: b"rm -rf /\n"),
    }
    return [
        FileProbe(f"code-{name}", "frontier", filename, make) for name, (filename, make) in uploads.items()
    ]


def file_probes() -> list[FileProbe]:
    """The whole worker-side corpus."""
    probes = _mask_probes() + _code_probes()
    probes += [
        FileProbe(f"frontier-config-{name}", "frontier", config=config, where=where)
        for name, (config, where) in FRONTIER_CONFIGS.items()
    ]
    names = [p.name for p in probes]
    assert len(names) == len(set(names)), "probe names must be unique"
    return probes
