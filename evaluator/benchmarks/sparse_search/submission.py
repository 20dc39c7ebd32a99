"""Submission files (NPZ or JSON of node masks per level): parsing, validation, writing."""

from __future__ import annotations

import math
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evaluator.benchmarks.sparse_search.config import SearchConfig, level_key
from evaluator.benchmarks.sparse_search.npzio import json_write, npz_write
from evaluator.contract import Problem
from evaluator.jsontext import JsonTextError, json_text_load

MAX_UPLOAD_BYTES = 1024 * 1024
MAX_NPZ_ENTRIES = 16
MAX_NPZ_UNPACKED_BYTES = 4 * 1024 * 1024
DENSE_KEY = "dense_parent"
UNEXPECTED_ARRAY = "unexpected array; use level_<sparsity> or dense_parent"


@dataclass(frozen=True)
class Submission:
    """A parsed submission: one (2, hidden) boolean mask per level, or the dense-parent reference entry."""

    masks: Mapping[float, np.ndarray]
    dense_parent: bool = False


def npz_level_name(level: float) -> str:
    """Array name of a level inside a submission NPZ: "level_0.5", "level_0.95"."""
    return f"level_{level_key(level)}"


def submission_write(*, config: SearchConfig, path: Path, submission: Submission) -> Path:
    """Write `submission` in the format chosen by the suffix of `path` (.npz or .json)."""
    if path.suffix == ".npz":
        if submission.dense_parent:
            npz_write(path=path, arrays={DENSE_KEY: np.array(True)})
        else:
            arrays = {npz_level_name(lv): m.astype(np.uint8) for lv, m in submission.masks.items()}
            npz_write(path=path, arrays=arrays)
    elif path.suffix == ".json":
        if submission.dense_parent:
            json_write(path=path, value={DENSE_KEY: True})
        else:
            masks = {level_key(lv): m.astype(int).tolist() for lv, m in submission.masks.items()}
            json_write(path=path, value={"masks": masks})
    else:
        raise ValueError(f"submission path must end in .npz or .json, got {path.name!r}")
    return path


def submission_parse(
    *, config: SearchConfig, path: Path | None, max_bytes: int = MAX_UPLOAD_BYTES
) -> tuple[Submission | None, list[Problem]]:
    """Parse and check a submission file; returns (submission or None, every problem found). Never raises."""
    if path is None:
        return None, [Problem("file", "no submission file was given")]
    name = path.name
    if path.suffix.lower() not in (".npz", ".json"):
        return None, [Problem(name, "the submission must be a .npz or .json file")]
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [Problem(name, f"cannot read the file ({exc.strerror})")]
    if size > max_bytes:
        return None, [Problem(name, f"file is {size} bytes, the limit is {max_bytes}")]
    if path.suffix.lower() == ".npz":
        raw, problems = _npz_arrays(path=path)
    else:
        raw, problems = _json_arrays(path=path)
    if raw is None:
        return None, problems
    misnamed = sum(1 for p in problems if p.message == UNEXPECTED_ARRAY)
    return _masks_check(config=config, raw=raw, problems=problems, where=name, misnamed=misnamed)


def _npz_arrays(*, path: Path) -> tuple[dict[str, object] | None, list[Problem]]:
    """Arrays of an NPZ keyed by level text (or the dense key); archive problems named by entry."""
    name = path.name
    if not zipfile.is_zipfile(path):
        return None, [Problem(name, "not a valid NPZ (zip) archive")]
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        return None, [Problem(name, f"not a valid NPZ archive ({exc})")]
    problems = []
    if len(infos) > MAX_NPZ_ENTRIES:
        problems.append(Problem(name, f"{len(infos)} entries, the limit is {MAX_NPZ_ENTRIES}"))
    if sum(info.file_size for info in infos) > MAX_NPZ_UNPACKED_BYTES:
        problems.append(Problem(name, f"unpacks to more than {MAX_NPZ_UNPACKED_BYTES} bytes"))
    for info in infos:
        if "/" in info.filename or "\\" in info.filename or not info.filename.endswith(".npy"):
            problems.append(Problem(f"{name}/{info.filename}", "entries must be plain '<key>.npy' arrays"))
    if problems:
        return None, problems
    raw: dict[str, object] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in infos:
                key = info.filename.removesuffix(".npy")
                where = key if key == DENSE_KEY else key.removeprefix("level_")
                if where == key and key != DENSE_KEY:
                    problems.append(Problem(key, UNEXPECTED_ARRAY))
                    continue
                try:
                    with archive.open(info) as stream:
                        raw[where] = _npy_read(stream)
                except _NpyRefused as exc:
                    problems.append(Problem(key, f"unreadable array ({exc})"))
                    raw[where] = None
                except _NPY_READ_ERRORS:
                    problems.append(Problem(key, "unreadable array (not a valid .npy entry)"))
                    raw[where] = None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as exc:
        return None, [Problem(name, f"cannot open the NPZ ({exc})")]
    return raw, problems


#: What numpy's header parser and zipfile raise on hostile entries (literal_eval, dtype and shape checks).
_NPY_READ_ERRORS = (
    ValueError,
    OSError,
    EOFError,
    zipfile.BadZipFile,
    OverflowError,
    TypeError,
    SyntaxError,
    RecursionError,
    MemoryError,
)


class _NpyRefused(ValueError):
    """A .npy entry refused for a stated reason (the message is shown to the submitter as it is)."""


def _shape_text(shape: tuple[int, ...]) -> str:
    """A shape as plain text: "2 x 256" ("scalar" for ())."""
    return " x ".join(str(n) for n in shape) if shape else "scalar"


def _npy_read(stream) -> np.ndarray:
    """Read one .npy entry after checking its header: no object dtype, at most MAX_NPZ_UNPACKED_BYTES."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
    else:
        raise _NpyRefused(f"unsupported .npy format version {version[0]}.{version[1]}")
    if dtype.hasobject:
        raise _NpyRefused(f"dtype {dtype} holds Python objects, which are never unpickled")
    if any(n < 0 for n in shape):
        raise _NpyRefused(f"header declares a negative dimension (shape {_shape_text(shape)})")
    nbytes = math.prod(shape) * dtype.itemsize  # Python ints: a 23-digit dimension cannot overflow
    if nbytes > MAX_NPZ_UNPACKED_BYTES:
        shown = nbytes if nbytes < 10**30 else f"more than {10**30}"
        raise _NpyRefused(f"declares {shown} bytes of data, the limit is {MAX_NPZ_UNPACKED_BYTES}")
    data = stream.read(nbytes)
    if len(data) != nbytes:
        raise _NpyRefused(f"holds {len(data)} bytes of data, its header declares {nbytes}")
    array = np.frombuffer(data, dtype=dtype)
    return array.reshape(shape, order="F" if fortran else "C")


def _json_arrays(*, path: Path) -> tuple[dict[str, object] | None, list[Problem]]:
    """Masks of a JSON submission keyed by level text (or the dense key); problems named by field."""
    name = path.name
    try:
        doc = json_text_load(text=path.read_bytes())
    except JsonTextError as exc:
        return None, [Problem(exc.path or name, exc.message)]
    if not isinstance(doc, dict):
        return None, [Problem(name, "the top level must be a JSON object")]
    problems = [
        Problem(key, f"unexpected field; allowed: masks or {DENSE_KEY}")
        for key in doc
        if key not in ("masks", DENSE_KEY)
    ]
    raw: dict[str, object] = {}
    if DENSE_KEY in doc:
        raw[DENSE_KEY] = doc[DENSE_KEY]
    if "masks" in doc:
        if not isinstance(doc["masks"], dict):
            return None, [*problems, Problem("masks", "must be an object mapping sparsity text to a mask")]
        for key, value in doc["masks"].items():
            raw[key] = _json_mask(value, where=f"masks.{key}", problems=problems)
    return raw, problems


def _json_mask(value: object, *, where: str, problems: list[Problem]) -> object:
    """Convert a JSON mask (list of lists of 0/1 or booleans) to an array, or record why it cannot be."""
    if value == []:
        problems.append(Problem(where, "is empty; expected one list of 0/1 per hidden layer"))
        return None
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        problems.append(Problem(where, "must be a list of per-layer lists of 0/1"))
        return None
    for row in value:
        if not all(isinstance(v, bool) or (isinstance(v, int) and v in (0, 1)) for v in row):
            problems.append(Problem(where, "entries must be 0, 1, true or false"))
            return None
    if len({len(row) for row in value}) > 1:
        lengths = ", ".join(str(len(row)) for row in value)
        problems.append(Problem(where, f"layers have different lengths ({lengths})"))
        return None
    return np.array(value, dtype=np.uint8).reshape(len(value), -1)


def _masks_check(
    *, config: SearchConfig, raw: dict[str, object], problems: list[Problem], where: str, misnamed: int = 0
) -> tuple[Submission | None, list[Problem]]:
    """Check levels, shapes, values and exact sparsity; return the submission when nothing is wrong."""
    if DENSE_KEY in raw:
        if len(raw) > 1:
            problems.append(Problem(DENSE_KEY, "a dense-parent entry carries no masks"))
        elif not _is_true(raw[DENSE_KEY]):
            problems.append(Problem(DENSE_KEY, "must be true (or the array 1) when present"))
        return (None, problems) if problems else (Submission(masks={}, dense_parent=True), problems)
    expected = {level_key(level): level for level in config.levels}
    unknown = [key for key in raw if key not in expected]
    for key in unknown:
        known = ", ".join(sorted(expected))
        problems.append(Problem(key, f"unknown sparsity level; expected one of {known}"))
    masks: dict[float, np.ndarray] = {}
    for key, level in expected.items():
        if key in raw and raw[key] is not None:
            mask = _mask_check(config=config, value=raw[key], level=level, where=key, problems=problems)
            if mask is not None:
                masks[level] = mask
    missing = [key for key in expected if key not in raw]
    if not raw:
        problems.append(Problem(where, "contains no masks"))
    elif missing:  # a consequence (of a misnamed level, often): after its causes, in one line
        problems.append(_missing_problem(missing=missing, misnamed=len(unknown) + misnamed, where=where))
    return (None, problems) if problems else (Submission(masks=masks), problems)


def _missing_problem(*, missing: list[str], misnamed: int, where: str) -> Problem:
    """One line for the sparsity levels without a mask, pointing at the misnamed keys listed above it."""
    if len(missing) == 1 and not misnamed:
        return Problem(missing[0], "missing mask for this sparsity level")
    cause = f"; the {misnamed} unknown or unexpected key(s) above may be these, misnamed" if misnamed else ""
    noun = "level has" if len(missing) == 1 else "levels have"
    return Problem(where, f"{len(missing)} sparsity {noun} no mask: {', '.join(missing)}{cause}")


def _mask_check(
    *, config: SearchConfig, value: object, level: float, where: str, problems: list[Problem]
) -> np.ndarray | None:
    """One mask: (2, hidden) shape, 0/1 values, exactly kept_total nodes, no empty layer."""
    array = np.asarray(value)
    shape = (2, config.hidden[0])
    if array.dtype.kind not in "biuf":
        problems.append(Problem(where, f"dtype {array.dtype} is not boolean or numeric"))
        return None
    if array.shape != shape:
        problems.append(Problem(where, f"shape {_shape_text(array.shape)}, expected {_shape_text(shape)}"))
        return None
    if not np.all((array == 0) | (array == 1)):
        problems.append(Problem(where, "values must be 0 or 1 (or booleans)"))
        return None
    mask = array.astype(bool)
    kept, target = int(mask.sum()), config.kept_total(level=level)
    if kept != target:
        problems.append(Problem(where, f"keeps {kept} hidden nodes; sparsity {level} needs exactly {target}"))
        return None
    empty = [str(layer + 1) for layer in range(2) if not mask[layer].any()]
    if empty:
        problems.append(Problem(where, f"hidden layer {', '.join(empty)} keeps no node"))
        return None
    return mask


def _is_true(value: object) -> bool:
    """Whether a dense-parent marker (JSON value or NPZ array) means true."""
    if isinstance(value, bool):
        return value
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "biu":
        return bool(value == 1)
    return False
